#pragma once

#include <string>

#include "simulator/scenario/scenario.h"

namespace staylab::sim {

// Returns the canonical YAML text of a scenario: every section spelled out,
// defaults included, strings double-quoted, durations in their largest exact
// unit, rates per second and mixes as fractions. parseScenarioText reads it
// back to an equal Scenario (the fuzz target checks this for every input it
// accepts), so it serves to normalise a file or to show what a run will use.
std::string toYaml(const Scenario& scenario);

}  // namespace staylab::sim
