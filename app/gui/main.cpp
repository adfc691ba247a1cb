// staylab: the desktop app. Everything is in ui/ (staylab::ui::runDesktopApp).

#include "ui/desktop_app.h"

int main(int argc, char** argv) {
  return staylab::ui::runDesktopApp(argc, argv);
}
