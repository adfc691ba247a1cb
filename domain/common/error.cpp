#include "domain/common/error.h"

namespace staylab {

std::string_view toString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidInput:
      return "invalid input";
    case ErrorKind::NotFound:
      return "not found";
    case ErrorKind::Refused:
      return "refused";
    case ErrorKind::Conflict:
      return "conflict";
    case ErrorKind::StoreFailure:
      return "store failure";
  }
  return "unknown";
}

std::string Error::describe() const {
  if (field.empty()) {
    return message;
  }
  return fmt::format("{}: {}", field, message);
}

}  // namespace staylab
