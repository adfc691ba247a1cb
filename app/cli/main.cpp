#include <iostream>

#include "app/cli/cli.h"

int main(int argc, char** argv) {
  return staylab::app::runCli(argc, argv, std::cout, std::cerr);
}
