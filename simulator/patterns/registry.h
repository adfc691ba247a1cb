#pragma once

// The registry of patterns: every pattern the simulator knows, in one fixed
// order, written down in registry.cpp (no self-registration at static
// initialisation, so the order, and with it a run, is the same in every
// build). The order is the wrapping order of the resilience layers: the
// first wraps the others.
//
// Thread safety: immutable once made; safe from any thread.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/patterns/pattern.h"
#include "simulator/patterns/platform_build.h"

namespace staylab::sim {

// Every registered pattern, in registry order.
std::span<const Pattern* const> patternRegistry();

// Returns the pattern named `name`, or null.
const Pattern* findPattern(std::string_view name);
// Returns the registry index of the pattern named `name`, or nothing.
std::optional<std::size_t> patternIndex(std::string_view name);

// The names of every pattern, or of those switchable during a run, in
// registry order (for messages, help and menus).
std::vector<std::string_view> patternNames();
std::vector<std::string_view> livePatternNames();

// Returns what the platform patterns of `settings` ask of the platform.
PlatformBuild platformBuildOf(const PatternSettings& settings);

// Returns the measure named `name` that a registered pattern declares
// (either its own name or, for an operation measure, its ratio's), with the
// pattern; nothing when no pattern measures it.
struct MeasureRef {
  const Pattern* pattern = nullptr;
  const MeasureSpec* measure = nullptr;
  bool ratio = false;  // `name` is the measure's ratio.
};
std::optional<MeasureRef> findMeasure(std::string_view name);
// The names expectations may use for the registered measures (each measure
// and each ratio), for suggestions.
std::vector<std::string_view> measureNames();

}  // namespace staylab::sim
