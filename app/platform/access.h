#pragma once

#include <span>
#include <string_view>

#include "app/platform/key_ring.h"

namespace staylab::app {

// The roles one command allows, as a set.
class RoleSet {
 public:
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role role : roles) {
      m_bits |= bit(role);
    }
  }
  constexpr bool contains(Role role) const { return (m_bits & bit(role)) != 0; }

 private:
  static constexpr unsigned bit(Role role) { return 1u << static_cast<unsigned>(role); }
  unsigned m_bits = 0;
};

// Who may run which command of the platform: the one table. Front ends (the
// CLI, an HTTP server) look a command up by its name, the words that invoke
// it ("property create", "keys revoke"); the gateway then narrows what an
// allowed caller may touch (its own bookings, its own listings).
struct CommandAccess {
  std::string_view command;
  RoleSet roles;
  std::string_view scope;  // What the gateway narrows, for the help and the README.
};

// Returns every platform command with the roles it allows, in a fixed order.
std::span<const CommandAccess> commandAccessTable();

// Returns success when `caller`'s role may run `command`; Refused
// "gateway.forbidden" when it may not, and for a command the table does not
// name (deny by default).
[[nodiscard]] Result<void> authorizeCommand(const Caller& caller, std::string_view command);

}  // namespace staylab::app
