#include "simulator/engine/scenario_fit.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "simulator/engine/engine_state.h"
#include "simulator/scenario/scenario_limits.h"
#include "simulator/scenario/suggest.h"

namespace staylab::sim {

std::unexpected<Error> valueError(std::string field, std::string message) {
  return std::unexpected(
      Error{ErrorKind::InvalidInput, "scenario.value", std::move(field), std::move(message)});
}

std::optional<std::string> suggestClosest(std::string_view word,
                                          const std::vector<std::string>& names) {
  std::vector<std::string_view> views(names.begin(), names.end());
  auto found = closestMatch(word, views);
  if (!found)
    return std::nullopt;
  return std::string(*found);
}

Result<void> checkFaultFits(const FaultSpec& fault, std::string_view field,
                            const Topology& topology, const std::vector<std::string>& topics,
                            const std::map<std::string, int, std::less<>>& instances) {
  auto names_of = [&topology](auto predicate) {
    std::vector<std::string> names;
    for (const ComponentSpec& component : topology.components) {
      if (predicate(component))
        names.push_back(component.name);
    }
    return names;
  };
  auto refuse = [&](const std::vector<std::string>& valid, std::string_view what) -> Result<void> {
    std::string message =
        fmt::format("'{}' is not {} of topology '{}'", fault.target, what, topology.name);
    if (auto suggestion = suggestClosest(fault.target, valid))
      message += fmt::format("; did you mean '{}'?", *suggestion);
    else if (!valid.empty())
      message += fmt::format(" (one of: {})", fmt::join(valid, ", "));
    return valueError(fmt::format("{}.target", field), message);
  };
  auto has = [](const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  // The parser bounds a file's faults; an injected one gets the same limit.
  if (fault.kind == FaultKind::PoisonEvent && fault.count > kMaxPoisonEvents) {
    return valueError(
        fmt::format("{}.count", field),
        fmt::format("{} poison events; the limit is {}", fault.count, kMaxPoisonEvents));
  }
  switch (fault.kind) {
    case FaultKind::StoreOutage:
    case FaultKind::StoreLatency:
    case FaultKind::StoreErrorRate: {
      const auto valid = names_of([](const ComponentSpec& c) { return isStoreLike(c.kind); });
      if (!has(valid, fault.target))
        return refuse(valid, "a store");
      return {};
    }
    case FaultKind::LinkPartition:
    case FaultKind::LinkLatency:
    case FaultKind::LinkLoss: {
      if (topology.findLink(fault.target, fault.peer) == nullptr) {
        std::vector<std::string> valid;
        for (const LinkSpec& link : topology.links)
          valid.push_back(link.from + "->" + link.to);
        return valueError(fmt::format("{}.from", field),
                          fmt::format("no link {}->{} in topology '{}' (links: {})", fault.target,
                                      fault.peer, topology.name, fmt::join(valid, ", ")));
      }
      return {};
    }
    case FaultKind::InstanceKill: {
      const auto valid =
          names_of([](const ComponentSpec& c) { return c.kind != ComponentKind::Client; });
      if (!has(valid, fault.target))
        return refuse(valid, "a component with instances");
      const ComponentSpec& component = *topology.findComponent(fault.target);
      const auto other = instances.find(fault.target);
      const int count = other == instances.end() ? component.instances : other->second;
      if (std::max(fault.instances, 1) > count) {
        return valueError(fmt::format("{}.instances", field),
                          fmt::format("{} has {} instance(s); cannot kill {}", fault.target, count,
                                      fault.instances));
      }
      return {};
    }
    case FaultKind::ConsumerCrash: {
      const auto valid = names_of([](const ComponentSpec& c) { return isPoller(c); });
      if (!has(valid, fault.target))
        return refuse(valid, "a consumer");
      return {};
    }
    case FaultKind::Rebuild: {
      // The search projection is the read model rebuilt beside the live one.
      const auto valid = names_of(
          [](const ComponentSpec& c) { return isPoller(c) && c.binds == "search-projection"; });
      if (!has(valid, fault.target))
        return refuse(valid, "a projection that can be rebuilt");
      return {};
    }
    case FaultKind::DeliveryDuplicate:
    case FaultKind::DeliveryDelay:
    case FaultKind::DeliveryReorder:
    case FaultKind::PoisonEvent: {
      if (!has(topics, fault.target)) {
        std::string message = topics.empty()
                                  ? fmt::format("topic '{}': topology '{}' runs no event log",
                                                fault.target, topology.name)
                                  : fmt::format("'{}' is not a topic of the event log (one of: {})",
                                                fault.target, fmt::join(topics, ", "));
        return valueError(fmt::format("{}.target", field), message);
      }
      return {};
    }
  }
  return {};
}

Result<void> checkExpectationSubject(const MetricRef& metric, std::string_view field,
                                     const Topology& topology,
                                     const std::vector<std::string>& operations) {
  if (metric.component.empty())
    return {};
  const ComponentSpec* component = topology.findComponent(metric.component);
  if (component == nullptr) {
    std::vector<std::string> names;
    for (const ComponentSpec& c : topology.components)
      names.push_back(c.name);
    std::string message =
        fmt::format("'{}' is not a component of topology '{}'", metric.component, topology.name);
    if (auto suggestion = suggestClosest(metric.component, names))
      message += fmt::format("; did you mean '{}'?", *suggestion);
    return valueError(std::string(field), message);
  }
  if (!metric.operation.empty() &&
      std::find(operations.begin(), operations.end(), metric.operation) == operations.end()) {
    std::string message =
        fmt::format("'{}' has no operation '{}' in this run", component->name, metric.operation);
    if (auto suggestion = suggestClosest(metric.operation, operations))
      message += fmt::format("; did you mean '{}'?", *suggestion);
    return valueError(std::string(field), message);
  }
  return {};
}

}  // namespace staylab::sim
