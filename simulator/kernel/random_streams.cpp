#include "simulator/kernel/random_streams.h"

namespace staylab::sim {

std::uint64_t RandomStreams::streamSeed(std::uint64_t seed, std::string_view name) noexcept {
  // Mix the seed first so that seeds 1, 2, 3... and names differing in one
  // byte do not give related inputs; then mix the combination again.
  std::uint64_t seed_state = seed;
  std::uint64_t combined = splitMix64(seed_state) ^ fnv1a64(name);
  return splitMix64(combined);
}

}  // namespace staylab::sim
