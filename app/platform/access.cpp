#include "app/platform/access.h"

#include <algorithm>
#include <array>

namespace staylab::app {
namespace {

constexpr RoleSet kEveryone{Role::Guest, Role::Host, Role::FraudService, Role::Admin};
constexpr RoleSet kOversight{Role::FraudService, Role::Admin};
constexpr RoleSet kAdmin{Role::Admin};

constexpr std::array kTable = {
    CommandAccess{"property create", {Role::Host, Role::Admin}, "a host for itself"},
    CommandAccess{"property get", kEveryone, "listings are public"},
    CommandAccess{"property list", kEveryone, "listings are public"},
    CommandAccess{"property update", {Role::Host, Role::Admin}, "a host its own listings"},
    CommandAccess{"book", {Role::Guest, Role::Admin}, "a guest for itself"},
    CommandAccess{"cancel", {Role::Guest, Role::Admin}, "a guest its own bookings"},
    CommandAccess{"bookings list", kEveryone,
                  "a guest its own; a host one of its listings'; fraud service and admin all"},
    CommandAccess{"search", kEveryone, "listings are public"},
    CommandAccess{"history", kEveryone,
                  "a guest its own; a host its listings'; fraud service and admin all"},
    CommandAccess{"events tail", kOversight, "raw event payloads"},
    CommandAccess{"fraud report", kOversight, "suspicions"},
    CommandAccess{"audit", kAdmin, "what any caller did"},
    CommandAccess{"seed", kAdmin, "maintenance"},
    CommandAccess{"drain", kAdmin, "maintenance"},
    CommandAccess{"check", kAdmin, "maintenance"},
    CommandAccess{"rebuild", kAdmin, "maintenance"},
    CommandAccess{"keys add", kAdmin, "API keys"},
    CommandAccess{"keys list", kAdmin, "API keys"},
    CommandAccess{"keys revoke", kAdmin, "API keys"},
};

}  // namespace

std::span<const CommandAccess> commandAccessTable() {
  return kTable;
}

Result<void> authorizeCommand(const Caller& caller, std::string_view command) {
  auto found = std::find_if(kTable.begin(), kTable.end(),
                            [&](const CommandAccess& entry) { return entry.command == command; });
  if (found == kTable.end()) {
    return std::unexpected(
        Error{ErrorKind::Refused, "gateway.forbidden", "",
              fmt::format("'{}' is not in the access table, so no caller may run it", command)});
  }
  if (!found->roles.contains(caller.role)) {
    return std::unexpected(Error{ErrorKind::Refused, "gateway.forbidden", "",
                                 fmt::format("{} '{}' may not run '{}' ({})", toString(caller.role),
                                             caller.name, command, found->scope)});
  }
  return {};
}

}  // namespace staylab::app
