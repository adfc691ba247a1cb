#include "simulator/scenario/scenario.h"

#include <cassert>

#include "simulator/patterns/registry.h"

namespace staylab::sim {

std::string_view toString(ServiceTimeMode mode) {
  return mode == ServiceTimeMode::Model ? "model" : "measured";
}

std::string_view toString(UserOperation operation) {
  switch (operation) {
    case UserOperation::Search:
      return "search";
    case UserOperation::View:
      return "view";
    case UserOperation::Book:
      return "book";
    case UserOperation::Cancel:
      return "cancel";
    case UserOperation::Edit:
      return "edit";
  }
  return "?";
}

std::string_view toString(ServiceTimeDistribution distribution) {
  switch (distribution) {
    case ServiceTimeDistribution::Constant:
      return "constant";
    case ServiceTimeDistribution::Exponential:
      return "exponential";
    case ServiceTimeDistribution::Uniform:
      return "uniform";
    case ServiceTimeDistribution::LogNormal:
      return "lognormal";
  }
  return "?";
}

std::string_view toString(ArrivalKind kind) {
  switch (kind) {
    case ArrivalKind::Constant:
      return "constant";
    case ArrivalKind::Poisson:
      return "poisson";
    case ArrivalKind::Ramp:
      return "ramp";
    case ArrivalKind::Step:
      return "step";
    case ArrivalKind::Burst:
      return "burst";
    case ArrivalKind::Closed:
      return "closed";
  }
  return "?";
}

std::string_view toString(FaultKind kind) {
  switch (kind) {
    case FaultKind::StoreOutage:
      return "store_outage";
    case FaultKind::StoreLatency:
      return "store_latency";
    case FaultKind::StoreErrorRate:
      return "store_error_rate";
    case FaultKind::LinkPartition:
      return "link_partition";
    case FaultKind::LinkLatency:
      return "link_latency";
    case FaultKind::LinkLoss:
      return "link_loss";
    case FaultKind::InstanceKill:
      return "instance_kill";
    case FaultKind::ConsumerCrash:
      return "consumer_crash";
    case FaultKind::DeliveryDuplicate:
      return "delivery_duplicate";
    case FaultKind::DeliveryDelay:
      return "delivery_delay";
    case FaultKind::DeliveryReorder:
      return "delivery_reorder";
    case FaultKind::PoisonEvent:
      return "poison_event";
    case FaultKind::Rebuild:
      return "rebuild";
  }
  return "?";
}

std::string_view toString(RebuildMode mode) {
  return mode == RebuildMode::BlueGreen ? "blue_green" : "in_place";
}

bool isWindowFault(FaultKind kind) {
  return kind != FaultKind::InstanceKill && kind != FaultKind::ConsumerCrash &&
         kind != FaultKind::PoisonEvent && kind != FaultKind::Rebuild;
}

bool isTopicFault(FaultKind kind) {
  return kind == FaultKind::DeliveryDuplicate || kind == FaultKind::DeliveryDelay ||
         kind == FaultKind::DeliveryReorder || kind == FaultKind::PoisonEvent;
}

bool isLinkFault(FaultKind kind) {
  return kind == FaultKind::LinkPartition || kind == FaultKind::LinkLatency ||
         kind == FaultKind::LinkLoss;
}

Scenario scenarioB(const Scenario& scenario) {
  assert(scenario.compare && "only a scenario with compare: has a run B");
  Scenario run = scenario;
  const ComparisonSpec& compare = *scenario.compare;
  run.patterns = compare.patterns;
  if (compare.switches)
    run.switches = *compare.switches;
  if (compare.faults)
    run.faults = *compare.faults;
  if (compare.load)
    run.load = *compare.load;
  run.compare.reset();
  run.expectations.clear();
  return run;
}

std::vector<std::string> comparisonChanges(const Scenario& scenario) {
  assert(scenario.compare && "only a scenario with compare: has a run B");
  const ComparisonSpec& compare = *scenario.compare;
  std::vector<std::string> changes;
  const auto registry = patternRegistry();
  for (std::size_t index = 0; index < registry.size(); ++index) {
    if (!compare.patterns.at(index).equals(scenario.patterns.at(index)))
      changes.push_back("patterns." + std::string(registry[index]->name()));
  }
  if (compare.switches && *compare.switches != scenario.switches)
    changes.emplace_back("switches");
  if (compare.faults && *compare.faults != scenario.faults)
    changes.emplace_back("faults");
  if (compare.load && *compare.load != scenario.load)
    changes.emplace_back("load");
  return changes;
}

}  // namespace staylab::sim
