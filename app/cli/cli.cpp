#include "app/cli/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <functional>
#include <ostream>

#include "app/cli/cli_commands.h"
#include "app/cli/output.h"
#include "app/platform/access.h"
#include "app/platform/data_dir_lock.h"
#include "app/platform/input.h"
#include "app/platform/platform.h"
#include "domain/common/text.h"

namespace staylab::app {
namespace {

int exitCodeFor(const Error& error) {
  switch (error.kind) {
    case ErrorKind::InvalidInput:
      return kExitBadInput;
    case ErrorKind::NotFound:
    case ErrorKind::Refused:
    case ErrorKind::Conflict:
      return kExitRefused;
    case ErrorKind::StoreFailure:
      return kExitStoreFailure;
  }
  return kExitStoreFailure;
}

struct PropertyFields {
  std::string host, title, description, city, price, currency, capacity, payment, device, ip;
  std::vector<std::string> amenities;
};

// Declares the property options shared by `create` and `update`.
void addPropertyOptions(CLI::App& command, PropertyFields& fields, bool required) {
  auto mark = [&](CLI::Option* option) {
    if (required) {
      option->required();
    }
    return option;
  };
  mark(command.add_option("--host", fields.host, "Host account handle"));
  mark(command.add_option("--title", fields.title, "Listing title (1-120 characters)"));
  mark(command.add_option("--city", fields.city, "City"));
  mark(command.add_option("--price", fields.price, "Nightly price, e.g. 120.50"));
  mark(command.add_option("--currency", fields.currency, "ISO 4217 currency, e.g. EUR"));
  mark(command.add_option("--capacity", fields.capacity, "Maximum number of guests (1-50)"));
  command.add_option("--description", fields.description, "Description (up to 5000 characters)");
  command.add_option("--amenity", fields.amenities, "An amenity; repeat for several")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command.add_option("--payment", fields.payment, "Host payout fingerprint");
  command.add_option("--device", fields.device, "Host device id");
  command.add_option("--ip", fields.ip, "Host IP address");
}

// Returns the error for a command line CLI11 refused, naming the missing
// option or positional as the field when CLI11 reports one as required.
Error usageError(const CLI::App& app, const CLI::ParseError& error) {
  Error usage{ErrorKind::InvalidInput, "cli.usage", "",
              fmt::format("{} (see --help)", error.what())};
  const CLI::App* command = &app;
  while (!command->get_subcommands().empty()) {
    command = command->get_subcommands().front();
  }
  if (dynamic_cast<const CLI::RequiredError*>(&error) == nullptr) {
    return usage;
  }
  if (auto extra = command->remaining(); command->get_require_subcommand_min() > 0 &&
                                         !extra.empty() && !extra.front().starts_with('-')) {
    // CLI11 reports an unknown subcommand as a missing one; say which word it did not know.
    usage.message = fmt::format("unknown command '{}' (see --help)",
                                isValidUtf8(extra.front()) ? extra.front() : "(not UTF-8)");
    return usage;
  }
  for (const CLI::Option* option : command->get_options()) {
    if (option->get_required() && option->count() == 0) {
      usage.field = option->get_single_name();
      std::transform(usage.field.begin(), usage.field.end(), usage.field.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      });
      break;
    }
  }
  return usage;
}

// Returns InvalidInput naming the first option of the invoked command chain
// whose value is longer than kMaxValueBytes.
Result<void> checkOptionLengths(const CLI::App& app) {
  for (const CLI::App* command = &app; command != nullptr;
       command = command->get_subcommands().empty() ? nullptr
                                                    : command->get_subcommands().front()) {
    for (const CLI::Option* option : command->get_options()) {
      for (const std::string& value : option->results()) {
        if (value.size() > kMaxValueBytes) {
          std::string name = option->get_single_name();
          return invalidInput(name, "is {} bytes long; at most {} are taken", value.size(),
                              kMaxValueBytes);
        }
      }
    }
  }
  return {};
}

// Returns InvalidInput naming the first option marked by leftOutForDefault
// that was given with an empty value.
Result<void> checkLeftOutForDefault(const GlobalOptions& global) {
  for (const CLI::Option* option : global.left_out_for_default) {
    for (const std::string& value : option->results()) {
      if (value.empty()) {
        const std::string name = option->get_single_name();
        return invalidInput(name, "must not be empty (leave --{} out for its default)", name);
      }
    }
  }
  return {};
}

// Returns the words that invoked the innermost command ("property create").
std::string commandPath(const CLI::App& app) {
  std::string path;
  for (const CLI::App* command = app.get_subcommands().empty() ? nullptr
                                                               : app.get_subcommands().front();
       command != nullptr;
       command = command->get_subcommands().empty() ? nullptr
                                                    : command->get_subcommands().front()) {
    path += (path.empty() ? "" : " ") + command->get_name();
  }
  return path;
}

template <typename T>
std::optional<T> given(CLI::App& command, const char* name, const T& value) {
  return command.count(name) > 0 ? std::optional<T>(value) : std::nullopt;
}

}  // namespace

CLI::Option* leftOutForDefault(GlobalOptions& global, CLI::Option* option) {
  global.left_out_for_default.push_back(option);
  return option;
}

int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
           CliStage stage) {
  CLI::App app{
      "staylab-cli: the Staylab booking platform from the command line.\n"
      "Exit codes: 0 done; 1 refused by the domain; 2 bad input; 3 store failure.",
      "staylab-cli"};
  app.require_subcommand(1);
  GlobalOptions global;
  auto* data_option = leftOutForDefault(
      global,
      app.add_option("--data", global.data_dir,
                     "Data directory (default: $XDG_DATA_HOME/staylab or ~/.local/share/staylab)"));
  app.add_flag("--json", global.json, "Print results as JSON");
  app.add_option("--lock-wait", global.lock_wait_seconds,
                 "Seconds to wait while another process (a command, a server) uses the data "
                 "directory; 0 fails at once (default: 60)")
      ->check(CLI::Range(0, 86400));
  auto* api_key =
      app.add_option("--api-key", global.api_key,
                     "Act as the caller this API key belongs to (default: the local admin)");
  leftOutForDefault(global,
                    app.add_option("--nats", global.servers.nats_url,
                                   "Keep the event log on NATS JetStream at this URL "
                                   "(nats://HOST:PORT) instead of in the data directory's events/; "
                                   "a data directory keeps the engines it was initialised with"));
  leftOutForDefault(
      global, app.add_option("--postgres", global.servers.postgres,
                             "Keep the booking store on PostgreSQL (a libpq connection string "
                             "or URI) instead of in the data directory's booking.db"));
  app.set_help_all_flag("--help-all", "Show help for every command");

  Action action;
  addPlatformCommands(app, global, action);
  Standalone standalone;
  addSimulatorCommands(app, global, standalone);
  addPatternCommands(app, global, standalone);
  addServeCommand(app, global, standalone);

  // property create | get | list | update
  auto* property = app.add_subcommand("property", "Create, show, list and update listings");
  property->require_subcommand(1);

  PropertyFields create_fields;
  auto* create = property->add_subcommand("create", "Create a listing");
  addPropertyOptions(*create, create_fields, true);
  create->callback([&] {
    global.writes = true;
    action = [&](Platform& platform, std::ostream& os) -> Result<void> {
      int64_t capacity = STAYLAB_TRY(wholeNumber(create_fields.capacity, "capacity"));
      listing::CreateProperty command{create_fields.host,
                                      create_fields.title,
                                      create_fields.description,
                                      create_fields.city,
                                      create_fields.price,
                                      create_fields.currency,
                                      capacity,
                                      create_fields.amenities,
                                      create_fields.payment,
                                      create_fields.device,
                                      create_fields.ip,
                                      /*id=*/{}};
      auto created = STAYLAB_TRY(platform.gateway().createProperty(global.caller, command));
      if (global.json) {
        os << dumpJson(propertyJson(created)) << '\n';
      } else {
        os << "created property " << created.id << '\n';
      }
      return {};
    };
  });

  std::string get_id;
  auto* get = property->add_subcommand("get", "Show one listing");
  get->add_option("ID", get_id, "Property id")->required();
  get->callback([&] {
    global.parts = PlatformParts::writeStoresOnly();
    action = [&](Platform& platform, std::ostream& os) -> Result<void> {
      auto found =
          STAYLAB_TRY(platform.gateway().getProperty(STAYLAB_TRY(idText(get_id, "property"))));
      if (global.json) {
        os << dumpJson(propertyJson(found)) << '\n';
      } else {
        printProperty(os, found);
      }
      return {};
    };
  });

  std::string list_city;
  auto* list = property->add_subcommand("list", "List listings");
  list->add_option("--city", list_city, "Only listings in this city (case-insensitive)");
  list->callback([&] {
    global.parts = PlatformParts::writeStoresOnly();
    action = [&](Platform& platform, std::ostream& os) -> Result<void> {
      std::optional<std::string_view> city;
      std::string bounded_city;
      if (list->count("--city") > 0) {
        bounded_city = STAYLAB_TRY(boundedText(list_city, "city", listing::kMaxCity));
        city = bounded_city;
      }
      auto properties = STAYLAB_TRY(platform.gateway().listProperties(city));
      if (global.json) {
        nlohmann::json array = nlohmann::json::array();
        for (const auto& item : properties) {
          array.push_back(propertyJson(item));
        }
        os << dumpJson(array) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& item : properties) {
        rows.push_back({item.id, item.city, formatMoney(item.price_minor, item.currency),
                        std::to_string(item.capacity), std::string(listing::toString(item.status)),
                        item.title});
      }
      printTable(os, {"ID", "CITY", "PRICE", "SLEEPS", "STATUS", "TITLE"}, rows);
      return {};
    };
  });

  std::string update_id;
  PropertyFields update_fields;
  auto* update =
      property->add_subcommand("update", "Change a listing; unnamed fields keep their value");
  update->add_option("ID", update_id, "Property id")->required();
  addPropertyOptions(*update, update_fields, false);
  update->callback([&] {
    global.writes = true;
    action = [&](Platform& platform, std::ostream& os) -> Result<void> {
      listing::UpdateProperty command;
      command.property_id = update_id;
      command.host = given(*update, "--host", update_fields.host);
      command.title = given(*update, "--title", update_fields.title);
      command.description = given(*update, "--description", update_fields.description);
      command.city = given(*update, "--city", update_fields.city);
      command.price = given(*update, "--price", update_fields.price);
      command.currency = given(*update, "--currency", update_fields.currency);
      if (update->count("--capacity") > 0) {
        command.capacity = STAYLAB_TRY(wholeNumber(update_fields.capacity, "capacity"));
      }
      command.amenities = given(*update, "--amenity", update_fields.amenities);
      command.payment = given(*update, "--payment", update_fields.payment);
      command.device = given(*update, "--device", update_fields.device);
      command.ip = given(*update, "--ip", update_fields.ip);
      auto updated = STAYLAB_TRY(platform.gateway().updateProperty(global.caller, command));
      if (global.json) {
        os << dumpJson(propertyJson(updated)) << '\n';
      } else {
        os << "updated property " << updated.id << " (version " << updated.version << ")\n";
      }
      return {};
    };
  });

  // book
  booking::PlaceBooking place;
  std::string place_guests = "1";
  auto* book = app.add_subcommand("book", "Book a stay");
  book->add_option("--property", place.property_id, "Property id")->required();
  book->add_option("--guest", place.guest, "Guest account handle")->required();
  book->add_option("--from", place.from, "Check-in day, YYYY-MM-DD")->required();
  book->add_option("--to", place.to, "Check-out day, YYYY-MM-DD (the last night is the day before)")
      ->required();
  book->add_option("--guests", place_guests, "Number of guests (default 1)");
  book->add_option("--payment", place.payment, "Payment fingerprint");
  book->add_option("--device", place.device, "Device id");
  book->add_option("--ip", place.ip, "IP address");
  book->add_option("--key", place.idempotency_key,
                   "Idempotency key: a retry with the same key returns the first answer");
  book->callback([&] {
    global.writes = true;
    action = [&](Platform& platform, std::ostream& os) -> Result<void> {
      place.guests = STAYLAB_TRY(wholeNumber(place_guests, "guests"));
      auto answer = STAYLAB_TRY(platform.gateway().placeBooking(global.caller, place));
      if (global.json) {
        auto json = bookingJson(answer.booking);
        json["replayed"] = answer.replayed;
        os << dumpJson(json) << '\n';
      } else {
        printBooking(os, answer.booking);
        if (answer.replayed) {
          os << "(the first answer for this idempotency key; nothing new was booked)\n";
        }
      }
      return {};
    };
  });

  // cancel
  std::string cancel_id;
  auto* cancel = app.add_subcommand("cancel", "Cancel a confirmed booking");
  cancel->add_option("BOOKING_ID", cancel_id, "Booking id")->required();
  cancel->callback([&] {
    global.writes = true;
    action = [&](Platform& platform, std::ostream& os) -> Result<void> {
      auto cancelled = STAYLAB_TRY(platform.gateway().cancelBooking(
          global.caller, booking::CancelBooking{STAYLAB_TRY(idText(cancel_id, "booking"))}));
      if (global.json) {
        os << dumpJson(bookingJson(cancelled)) << '\n';
      } else {
        printBooking(os, cancelled);
      }
      return {};
    };
  });

  // bookings list
  auto* bookings = app.add_subcommand("bookings", "Query bookings");
  bookings->require_subcommand(1);
  std::string filter_property, filter_guest;
  auto* bookings_list = bookings->add_subcommand("list", "List bookings, oldest first");
  bookings_list->add_option("--property", filter_property, "Only this property's bookings");
  bookings_list->add_option("--guest", filter_guest, "Only this guest's bookings");
  bookings_list->callback([&] {
    global.parts = PlatformParts::writeStoresOnly();
    action = [&](Platform& platform, std::ostream& os) -> Result<void> {
      BookingFilter filter;
      if (bookings_list->count("--property") > 0) {
        filter.property_id = STAYLAB_TRY(idText(filter_property, "property"));
      }
      if (bookings_list->count("--guest") > 0) {
        filter.guest_id = STAYLAB_TRY(handle(filter_guest, "guest"));
      }
      auto found = STAYLAB_TRY(platform.gateway().listBookings(global.caller, filter));
      if (global.json) {
        nlohmann::json array = nlohmann::json::array();
        for (const auto& item : found) {
          array.push_back(bookingJson(item));
        }
        os << dumpJson(array) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& item : found) {
        rows.push_back({item.id, std::string(booking::toString(item.status)), item.property_id,
                        item.guest_id, item.check_in.toString(), item.check_out.toString(),
                        std::to_string(item.guests), formatMoney(item.total_minor, item.currency)});
      }
      printTable(os, {"ID", "STATUS", "PROPERTY", "GUEST", "FROM", "TO", "GUESTS", "TOTAL"}, rows);
      return {};
    };
  });

  auto report = [&](const Error& error) {
    if (global.json) {
      err << dumpJson(errorJson(error)) << '\n';
    } else {
      err << "staylab-cli: " << toString(error.kind) << ": " << error.describe() << '\n';
    }
    return exitCodeFor(error);
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      // --help or --help-all: CLI11 prints the help of the innermost command given.
      app.exit(error, out, err);
      return kExitOk;
    }
    return report(usageError(app, error));
  }
  if (auto lengths = checkOptionLengths(app); !lengths) {
    return report(lengths.error());
  }
  if (auto given = checkLeftOutForDefault(global); !given) {
    return report(given.error());
  }
  if (standalone) {
    return stage == CliStage::ParseOnly ? kExitOk : standalone(out, err);
  }
  if (!action && !global.log_action) {
    return report(Error{ErrorKind::InvalidInput, "cli.usage", "", "no command given (see --help)"});
  }
  if (stage == CliStage::ParseOnly) {
    // As the local admin: a key would have to be read from the data directory.
    const auto allowed = authorizeCommand(global.caller, commandPath(app));
    return allowed ? kExitOk : report(allowed.error());
  }

  PlatformOptions options;
  options.data_dir =
      data_option->count() > 0 ? std::filesystem::path(global.data_dir) : defaultDataDir();
  options.mode =
      global.open_mode.value_or(global.writes ? OpenMode::InitialiseIfEmpty : OpenMode::Existing);
  options.parts =
      global.writes ? PlatformParts::all() : global.parts.value_or(PlatformParts::all());
  options.durability = global.durability;
  options.servers = global.servers;
  options.clock = global.clock.get();
  options.random = global.random.get();
  // The caller is known and allowed before any store is opened, so a
  // refused command neither initialises nor touches a data directory. A key
  // given empty (an unset variable in a script) is refused like any unknown
  // key; only leaving --api-key out means the local admin.
  if (api_key->count() > 0) {
    auto ring = KeyRing::open(options.data_dir / kKeyFileName);
    if (!ring) {
      return report(ring.error());
    }
    auto caller = (*ring)->authenticate(global.api_key);
    if (!caller) {
      return report(caller.error());
    }
    global.caller = *caller;
  }
  // Every platform command is in the access table, or no caller may run it.
  if (auto allowed = authorizeCommand(global.caller, commandPath(app)); !allowed) {
    return report(allowed.error());
  }
  // One process at a time holds the stores (RocksDB's lock is exclusive):
  // a command waits its turn, boundedly, rather than fail at the lock. The
  // lock file sits beside the data directory; a command that writes creates
  // its parent as initialising would, and one that reads a data directory
  // whose parent is missing goes on to be told the directory is missing.
  std::unique_ptr<DataDirLock> lock;
  const std::filesystem::path lock_dir = lockFileOf(options.data_dir).parent_path();
  std::error_code no_parent;
  if (global.writes) {
    std::filesystem::create_directories(lock_dir, no_parent);
  }
  if (std::filesystem::is_directory(lock_dir, no_parent)) {
    auto acquired = DataDirLock::acquire(options.data_dir, "staylab-cli " + commandPath(app),
                                         std::chrono::seconds(global.lock_wait_seconds));
    if (!acquired) {
      return report(acquired.error());
    }
    lock = std::move(*acquired);
  }
  if (global.log_action) {
    auto log = Platform::openEventLog(options.data_dir, options.servers);
    if (!log) {
      return report(log.error());
    }
    if (auto done = global.log_action(**log, out); !done) {
      return report(done.error());
    }
    return kExitOk;
  }
  auto platform = Platform::open(options);
  if (!platform) {
    return report(platform.error());
  }
  auto done = action(**platform, out);
  // A refused command may still have written (a rejected booking and its
  // event), so the pump runs whenever a write command ran, before the next
  // command can look.
  Result<PumpReport> drained = PumpReport{};
  if (global.writes) {
    drained = (*platform)->pump().drain();
  }
  if (!done) {
    return report(done.error());
  }
  if (!drained) {
    return report(drained.error());
  }
  return kExitOk;
}

}  // namespace staylab::app
