#include <fmt/format.h>

#include "domain/ports/random.h"

namespace staylab {

std::string newId(RandomSource& random, std::string_view prefix) {
  return fmt::format("{}_{:016x}", prefix, random.next64());
}

}  // namespace staylab

#include "domain/ports/event_log.h"

namespace staylab {

int partitionFor(std::string_view aggregate_id, int partitions) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : aggregate_id) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ULL;
  }
  return partitions <= 0 ? 0 : static_cast<int>(hash % static_cast<uint64_t>(partitions));
}

}  // namespace staylab
