#include <fmt/format.h>

#include "domain/ports/random.h"

namespace staylab {

std::string newId(RandomSource& random, std::string_view prefix) {
  return fmt::format("{}_{:016x}", prefix, random.next64());
}

}  // namespace staylab

#include "domain/common/hash.h"
#include "domain/ports/event_log.h"

namespace staylab {

int partitionFor(std::string_view aggregate_id, int partitions) {
  const uint64_t hash = fnv1a64(aggregate_id);
  return partitions <= 0 ? 0 : static_cast<int>(hash % static_cast<uint64_t>(partitions));
}

}  // namespace staylab
