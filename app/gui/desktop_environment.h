#pragma once

// The environment the desktop app (ui/) runs in, built over the composition
// root: each run drives a SimulatedPlatform, and the explorers read that
// platform's stores through the domain's ports.

#include "ui/run_environment.h"

namespace staylab::app {

// Returns the desktop app's environment: the assets folder of
// sim::assetsDir(), the platform's topics, a SimulatedPlatform per run in a
// fresh temporary directory (removed with it), and its stores as the ports
// its services use.
ui::RunEnvironment desktopEnvironment();

}  // namespace staylab::app
