#include <fmt/format.h>

#include "domain/ports/random.h"

namespace staylab {

std::string newId(RandomSource& random, std::string_view prefix) {
  return fmt::format("{}_{:016x}", prefix, random.next64());
}

}  // namespace staylab
