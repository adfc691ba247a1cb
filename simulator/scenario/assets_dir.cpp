#include "simulator/scenario/assets_dir.h"

#include <cstdlib>
#include <system_error>

namespace staylab::sim {

std::filesystem::path assetsDir() {
  if (const char* dir = std::getenv("STAYLAB_ASSETS_DIR"); dir != nullptr && *dir != '\0')
    return dir;
  // Beside the executable when installed or copied with its assets.
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    for (const auto& candidate :
         {exe.parent_path() / "assets", exe.parent_path().parent_path() / "share/staylab/assets"}) {
      if (std::filesystem::is_directory(candidate / "scenarios", error))
        return candidate;
    }
  }
  return STAYLAB_SOURCE_ASSETS_DIR;
}

}  // namespace staylab::sim
