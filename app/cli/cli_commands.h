#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/platform/input.h"
#include "app/platform/platform.h"

// Shared by the files that declare staylab-cli's commands.
namespace staylab::app {

struct GlobalOptions {
  std::string data_dir;
  bool json = false;
  std::string api_key;
  Caller caller{"admin", Role::Admin};  // Replaced by the key's caller when --api-key is given.
  bool writes = false;                  // The command changes state: drain the pump afterwards.
  // How long to wait for the data directory's lock (DataDirLock), in seconds.
  int lock_wait_seconds = 60;
  // How the data directory is opened when a command asks for more than the
  // default: a command that writes initialises a new (absent or empty) data
  // directory; any other opens an existing one only.
  std::optional<OpenMode> open_mode;
  // The parts of the platform a command that only reads needs (see
  // PlatformParts); a command that writes, or sets none, opens them all.
  std::optional<PlatformParts> parts;
  // The servers of --nats and --postgres (PlatformOptions::servers).
  ServerEngines servers;
  // How the platform is opened; `seed` makes ids and times deterministic.
  Durability durability = Durability::Full;
  std::shared_ptr<ManualClock> clock;
  std::shared_ptr<RandomSource> random;
  // Set, instead of an Action, by a command that reads the event log alone
  // (audit): only the log is opened (Platform::openEventLog).
  std::function<Result<void>(EventLog&, std::ostream&)> log_action;
  // The options marked by leftOutForDefault.
  std::vector<const CLI::Option*> left_out_for_default;
};

// Marks `option` as one whose default is had only by leaving it out: given
// with an empty value (an unset variable in a script) it is bad input naming
// it, never its default. Returns `option`.
CLI::Option* leftOutForDefault(GlobalOptions& global, CLI::Option* option);

// What a parsed command does once the platform is open.
using Action = std::function<Result<void>(Platform&, std::ostream&)>;

// A command that opens no platform data directory (the simulator's): it
// writes its own output and returns the exit code.
using Standalone = std::function<int(std::ostream& out, std::ostream& err)>;

// Declares simulate, scenarios list | validate, and calibrate.
void addSimulatorCommands(CLI::App& app, GlobalOptions& global, Standalone& standalone);

// Declares patterns: the registry's patterns, for people and scripts.
void addPatternCommands(CLI::App& app, GlobalOptions& global, Standalone& standalone);

// Declares serve: the platform as an HTTP API (app/http).
void addServeCommand(CLI::App& app, GlobalOptions& global, Standalone& standalone);

// Declares search, history, events, fraud, audit, seed, drain, check, rebuild and keys.
void addPlatformCommands(CLI::App& app, GlobalOptions& global, Action& action);

}  // namespace staylab::app
