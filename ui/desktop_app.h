#pragma once

// The desktop app's entry point, for app/gui/main.cpp, which hands it the
// environment of its runs (ui/run_environment.h):
//
//   staylab [FILE.yaml] [--run] [--speed N|max]
//           [--screenshot-dir DIR --screenshot-at T1,T2,...] [--quit-after-screenshots]
//
// Without FILE it opens scenarios/steady-state.yaml of the assets folder.
// --run starts at once; --speed sets virtual seconds per wall second (max: as
// fast as possible). --screenshot-at takes virtual times (30s, 1m15s, 500ms):
// the run goes to each, pauses, and the window is grabbed into
// DIR/shot-<n>.png (and the X screen into DIR/screen-<n>.png);
// --quit-after-screenshots then quits.

#include <QStringList>
#include <optional>
#include <vector>

#include "domain/common/error.h"
#include "simulator/kernel/simulation.h"
#include "ui/run_environment.h"

namespace staylab::ui {

struct DesktopOptions {
  QString scenario;  // Empty: the default scenario.
  bool run = false;
  double speed = 1.0;  // 0: as fast as possible.
  QString screenshot_dir;
  std::vector<sim::Nanos> screenshot_at;
  bool quit_after_screenshots = false;
};

// Parses the arguments (without the program name). Errors: InvalidInput
// naming the option.
[[nodiscard]] Result<DesktopOptions> parseDesktopOptions(const QStringList& arguments);

// Runs the app, building each run in `environment`; returns the exit code.
int runDesktopApp(int argc, char** argv, RunEnvironment environment);

}  // namespace staylab::ui
