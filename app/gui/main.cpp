// staylab: the desktop app. The window is ui/'s (staylab::ui::runDesktopApp);
// this main hands it the environment of its runs.

#include "app/gui/desktop_environment.h"
#include "ui/desktop_app.h"

int main(int argc, char** argv) {
  return staylab::ui::runDesktopApp(argc, argv, staylab::app::desktopEnvironment());
}
