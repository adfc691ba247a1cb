#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <stdexcept>

namespace staylab::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "staylab-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

}  // namespace staylab::testing
