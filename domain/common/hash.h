#pragma once

#include <cstdint>
#include <string_view>

namespace staylab {

// Returns the 64-bit FNV-1a hash of `bytes`: stable across runs, builds and
// machines, so it may name things that are stored (ids, partitions, digests).
// Not a cryptographic hash.
constexpr uint64_t fnv1a64(std::string_view bytes) noexcept {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char byte : bytes) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace staylab
