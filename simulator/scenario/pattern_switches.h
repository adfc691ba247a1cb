#pragma once

// A scenario's `switches:`, the patterns switched on the timeline
// (scenario.h PatternSwitchSpec). An entry turns a live pattern on or off
// and may also carry settings of that pattern, read over its settings at
// that instant: the keys it gives change, the others keep their values.
//
//   switches:
//     - { at: 20s, pattern: retry, on: true }
//     - { at: 40s, pattern: strangler_fig, routes: {book: {properties: 30%}} }
//     - { at: 90s, pattern: strangler_fig, routes: {book: legacy} }   # a rollback
//
// `on` is required without settings; with settings it defaults to true (as
// a mapping under `patterns:` turns its pattern on). The settings are kept
// as the text of a flow mapping, so that a switch holds what it changes and
// no more, and are read again by the pattern when the switch happens.
//
// Thread safety: plain functions over values.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"
#include "simulator/patterns/pattern_settings.h"
#include "simulator/scenario/scenario.h"
#include "simulator/scenario/yaml_reader.h"
#include "simulator/scenario/yaml_tree.h"

namespace staylab::sim {

// Reads a `switches:` list of a run of `run_duration` whose patterns start
// as `patterns`; each switch's settings are checked by its pattern over the
// settings the switches before it leave. Errors at the offending value.
[[nodiscard]] Result<std::vector<PatternSwitchSpec>> readPatternSwitches(
    const yaml::Reader& reader, const yaml::Node& node, std::chrono::nanoseconds run_duration,
    const PatternSettings& patterns);

// Applies `change` to `patterns` in place (the pattern's settings object
// stays the same object): its settings read over the pattern's
// (PatternSwitchSpec::settings), then its switch. Errors: InvalidInput
// naming the switch for settings it refuses, or an unknown pattern;
// `patterns` is then unchanged.
[[nodiscard]] Result<void> applyPatternSwitch(PatternSettings& patterns,
                                              const PatternSwitchSpec& change);

// Returns `node` as YAML flow text that yaml_tree reads back to the same
// tree: plain scalars as written, quoted ones double-quoted, mappings as
// {k: v, ...}, lists as [a, ...], null as ~.
std::string flowText(const yaml::Node& node);

}  // namespace staylab::sim
