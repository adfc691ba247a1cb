#pragma once

#include <string>

namespace staylab {

// Who sent a command and which chain of work it belongs to. Every event a
// command causes carries its correlation id; its causation id is the command's id.
struct CommandContext {
  std::string command_id;      // Unique per command; becomes the events' causation id.
  std::string correlation_id;  // Shared by everything the original request caused.
  std::string caller;          // The authenticated caller, e.g. "admin".
};

}  // namespace staylab
