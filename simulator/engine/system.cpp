#include "simulator/engine/system.h"

#include "simulator/faults/fault_board.h"

namespace staylab::sim {

RequestError requestErrorOf(const Error& error) {
  if (error.code == FaultBoard::kOutageCode)
    return RequestError::StoreOutage;
  if (error.code == FaultBoard::kErrorCode)
    return RequestError::StoreError;
  switch (error.kind) {
    case ErrorKind::Refused:
    case ErrorKind::Conflict:
      return RequestError::Conflict;
    case ErrorKind::NotFound:
      return RequestError::NotFound;
    case ErrorKind::InvalidInput:
      return RequestError::Invalid;
    case ErrorKind::StoreFailure:
      return RequestError::StoreFailure;
  }
  return RequestError::Failed;
}

}  // namespace staylab::sim
