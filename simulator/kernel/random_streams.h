#pragma once

// Named, independent random streams. Each component asks for its own stream
// by name; a stream's seed depends only on the run's seed and that name, so
// adding a component (or asking in another order) does not shift the draws of
// the others, and a run is reproducible from its seed.
//
// Thread safety: a Generator is a value; give each thread its own.

#include <cstdint>
#include <string_view>

#include "domain/common/hash.h"

namespace staylab::sim {

// Returns the next value of the SplitMix64 sequence and advances `state`.
constexpr std::uint64_t splitMix64(std::uint64_t& state) noexcept {
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t mixed = state;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
  return mixed ^ (mixed >> 31);
}

// The platform's FNV-1a (domain/common/hash.h), as the simulator spells it.
using staylab::fnv1a64;

// xoshiro256** (Blackman and Vigna): 256 bits of state, period 2^256 - 1,
// a few cycles per draw. Satisfies UniformRandomBitGenerator.
class Generator {
 public:
  using result_type = std::uint64_t;

  // Seeds the four state words from SplitMix64(seed), as the authors advise
  // (never all zero).
  explicit Generator(std::uint64_t seed) noexcept {
    std::uint64_t state = seed;
    for (std::uint64_t& word : m_state)
      word = splitMix64(state);
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return ~result_type{0}; }

  // Returns the next 64 random bits.
  result_type operator()() noexcept {
    const std::uint64_t result = rotateLeft(m_state[1] * 5, 7) * 9;
    const std::uint64_t shifted = m_state[1] << 17;
    m_state[2] ^= m_state[0];
    m_state[3] ^= m_state[1];
    m_state[1] ^= m_state[2];
    m_state[0] ^= m_state[3];
    m_state[2] ^= shifted;
    m_state[3] = rotateLeft(m_state[3], 45);
    return result;
  }

  // Returns a uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  // Returns a uniform double in (0, 1): the centre of one of 2^53 equal
  // cells, so it is safe to pass to log() or an inverse CDF.
  double uniformOpen() noexcept { return (static_cast<double>((*this)() >> 11) + 0.5) * 0x1.0p-53; }

 private:
  static constexpr std::uint64_t rotateLeft(std::uint64_t value, int bits) noexcept {
    return (value << bits) | (value >> (64 - bits));
  }

  std::uint64_t m_state[4];
};

class RandomStreams {
 public:
  explicit RandomStreams(std::uint64_t seed) noexcept : m_seed(seed) {}

  std::uint64_t seed() const noexcept { return m_seed; }

  // Returns a fresh generator for `name`, seeded from (seed, name) only: the
  // same name always yields the same sequence, whatever else was asked for.
  Generator stream(std::string_view name) const noexcept {
    return Generator(streamSeed(m_seed, name));
  }

  // Returns the seed of stream `name` under run seed `seed`: SplitMix64
  // mixing of the run seed combined with the FNV-1a hash of the name.
  static std::uint64_t streamSeed(std::uint64_t seed, std::string_view name) noexcept;

 private:
  std::uint64_t m_seed;
};

}  // namespace staylab::sim
