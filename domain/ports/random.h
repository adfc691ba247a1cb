#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace staylab {

// The source of randomness for ids and decisions. Thread safety: implementations
// are safe to call from any thread.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Returns 64 uniformly distributed bits.
  virtual uint64_t next64() = 0;
};

// A deterministic generator (SplitMix64): the same seed gives the same sequence.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : m_state(seed) {}
  uint64_t next64() override {
    std::lock_guard lock(m_mutex);
    uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::mutex m_mutex;
  uint64_t m_state;  // GUARDED_BY(m_mutex)
};

// Returns "<prefix>_<16 hex digits>" drawn from `random`, e.g. "prop_3f2a...".
std::string newId(RandomSource& random, std::string_view prefix);

}  // namespace staylab
