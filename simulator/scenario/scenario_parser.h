#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string_view>

#include "domain/common/error.h"
#include "simulator/scenario/scenario.h"
#include "simulator/scenario/scenario_limits.h"

// Reads scenario files strictly. A scenario is written by hand, so every
// mistake is reported where it was made, as Error::field "file:line:column"
// (1-based; columns count bytes) and a reason in Error::message, e.g.
//   field   "outage.yaml:4:1"
//   message "unknown key 'durration' in scenario; did you mean 'duration'?"
// Parsing stops at the first error: a YAML syntax error anywhere in the file
// comes first, then unknown keys of a mapping before its values, and the
// sections in the order schema, name, description, seed, duration, mode,
// data, topology, patterns, load, faults, switches, compare (its name,
// patterns, switches, faults, load), expect. Text quoted from the file
// in a message is cut to 40 bytes. Nothing throws: yaml-cpp's exceptions are
// caught inside. Anchors and aliases are allowed (never copied); tags, merge
// keys ("<<"), duplicate keys and several documents are not. The model and
// its defaults are in scenario.h, durations and rates in units.h, the
// `expect:` grammar in expectation.h.
//
// Error kinds and codes:
//   InvalidInput  scenario.syntax       not YAML, or YAML this reader refuses
//                                       (duplicate keys, tags, several documents,
//                                       control characters, invalid UTF-8)
//                 scenario.schema       unknown or missing key, wrong type
//                 scenario.value        bad unit, out of range, inconsistent values
//                 scenario.limit        one of the limits of scenario_limits.h
//                 scenario.expectation  an `expect:` line that does not parse
//   NotFound      scenario.io           parseScenarioFile: the file cannot be opened
//   StoreFailure  scenario.io           parseScenarioFile: the file cannot be read
namespace staylab::sim {

// Parses a scenario held in memory; `file_name` is used in error positions only.
[[nodiscard]] Result<Scenario> parseScenarioText(std::string_view text, std::string_view file_name);

// Reads and parses a scenario file; errors name the file as given in `path`.
[[nodiscard]] Result<Scenario> parseScenarioFile(const std::filesystem::path& path);

}  // namespace staylab::sim
