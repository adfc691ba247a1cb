#pragma once

#include <filesystem>

namespace staylab::sim {

// Returns the folder of the shipped scenarios (scenarios/) and topologies
// (topologies/): $STAYLAB_ASSETS_DIR when set and not empty, else an assets/
// folder beside the executable (or share/staylab/assets beside its folder,
// as installed) that holds scenarios/, else the source tree's, fixed when the
// program was built. Used by staylab-cli and by the desktop app alike.
std::filesystem::path assetsDir();

}  // namespace staylab::sim
