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

Result<void> SystemUnderTest::rebuild(std::string_view part, std::optional<RebuildMode>) {
  return invalidInput("part", "'{}' cannot be rebuilt during a run", part);
}

Result<PartLag> SystemUnderTest::memberLag(std::string_view part, int member, int members) {
  if (member != 0 || members != 1)
    return invalidInput("part", "'{}' runs as one instance", part);
  return lag(part);
}

Result<std::size_t> SystemUnderTest::stepMember(std::string_view part, int member, int members,
                                                std::size_t batch) {
  if (member != 0 || members != 1)
    return invalidInput("part", "'{}' runs as one instance", part);
  return step(part, batch);
}

}  // namespace staylab::sim
