#include "app/http/status.h"

namespace staylab::app::http {

int statusFor(const Error& error) {
  switch (error.kind) {
    case ErrorKind::InvalidInput:
      return 400;
    case ErrorKind::NotFound:
      return 404;
    case ErrorKind::Refused:
      if (error.code == "gateway.unauthenticated") {
        return 401;
      }
      if (error.code == "gateway.forbidden") {
        return 403;
      }
      return 409;
    case ErrorKind::Conflict:
      return 409;
    case ErrorKind::StoreFailure:
      return 503;
  }
  return 503;
}

Error httpError(std::string code, std::string field, std::string message) {
  return Error{ErrorKind::InvalidInput, std::move(code), std::move(field), std::move(message)};
}

}  // namespace staylab::app::http
