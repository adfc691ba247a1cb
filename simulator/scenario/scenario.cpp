#include "simulator/scenario/scenario.h"

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
  }
  return "?";
}

bool isWindowFault(FaultKind kind) {
  return kind != FaultKind::InstanceKill && kind != FaultKind::ConsumerCrash &&
         kind != FaultKind::PoisonEvent;
}

bool isLinkFault(FaultKind kind) {
  return kind == FaultKind::LinkPartition || kind == FaultKind::LinkLatency ||
         kind == FaultKind::LinkLoss;
}

}  // namespace staylab::sim
