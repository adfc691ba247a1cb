#pragma once

// Whether a scenario fits the topology it runs on: its faults' targets and
// links, the log's topics, and the subjects of its expectations. Each error
// names the field and, for a typo, the closest name.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"
#include "simulator/scenario/scenario.h"
#include "simulator/topology/topology.h"

namespace staylab::sim {

// Returns the InvalidInput "scenario.value" error of a scenario that does
// not fit, naming `field`.
std::unexpected<Error> valueError(std::string field, std::string message);

// Returns the name in `names` closest to `word`, when it looks like a typo.
std::optional<std::string> suggestClosest(std::string_view word,
                                          const std::vector<std::string>& names);

// Checks that `fault` fits `topology` and the log's `topics`; `field`
// prefixes error fields ("faults[2]"). `instances` gives the components that
// run another number of instances than the topology says (a competing
// consumer's).
[[nodiscard]] Result<void> checkFaultFits(
    const FaultSpec& fault, std::string_view field, const Topology& topology,
    const std::vector<std::string>& topics,
    const std::map<std::string, int, std::less<>>& instances = {});

// Checks that an expectation's `metric` names a component of `topology`
// and, when it names an operation, one of `operations` (those the run
// measures on that component); `field` names the expectation ("expect[2]").
[[nodiscard]] Result<void> checkExpectationSubject(const MetricRef& metric, std::string_view field,
                                                   const Topology& topology,
                                                   const std::vector<std::string>& operations);

}  // namespace staylab::sim
