#include "simulator/engine/fault_timeline.h"

#include <algorithm>
#include <array>

namespace staylab::sim {
namespace {

// How long a fault acts: its window, or until its restart for a kill or
// crash (nothing: to the end of the run); 0 for one that happens once.
std::optional<Nanos> faultLength(const FaultSpec& fault) {
  if (fault.kind == FaultKind::InstanceKill || fault.kind == FaultKind::ConsumerCrash) {
    if (fault.restart_after)
      return fault.restart_after->count();
    if (fault.length.count() > 0)
      return fault.length.count();
    return std::nullopt;
  }
  if (isWindowFault(fault.kind))
    return fault.length.count();
  return Nanos{0};
}

}  // namespace

const FaultTimeline::Actions& FaultTimeline::actionsOf(FaultKind kind) {
  // In FaultKind order.
  static constexpr std::array<Actions, kFaultKindCount> kActions = {{
      {&FaultTimeline::startStoreOutage, &FaultTimeline::endStoreOutage},
      {&FaultTimeline::startStoreLatency, &FaultTimeline::endStoreLatency},
      {&FaultTimeline::startStoreErrorRate, &FaultTimeline::endStoreErrorRate},
      {&FaultTimeline::startLinkPartition, &FaultTimeline::endLinkPartition},
      {&FaultTimeline::startLinkLatency, &FaultTimeline::endLinkLatency},
      {&FaultTimeline::startLinkLoss, &FaultTimeline::endLinkLoss},
      {&FaultTimeline::startInstanceKill, &FaultTimeline::endInstanceKill},
      {&FaultTimeline::startConsumerCrash, &FaultTimeline::endConsumerCrash},
      {&FaultTimeline::startDeliveryDuplicate, &FaultTimeline::endDeliveryDuplicate},
      {&FaultTimeline::startDeliveryDelay, &FaultTimeline::endDeliveryDelay},
      {&FaultTimeline::startDeliveryReorder, &FaultTimeline::endDeliveryReorder},
      {&FaultTimeline::appendPoison, &FaultTimeline::nothing},
      {&FaultTimeline::startRebuild, &FaultTimeline::nothing},
  }};
  return kActions[static_cast<std::size_t>(kind)];
}

void FaultTimeline::start(const Scenario& scenario) {
  for (const FaultSpec& fault : scenario.faults)
    m_state.simulation.spawn(faultProcess(fault, label(fault)));
  for (const PatternSwitchSpec& change : scenario.switches)
    m_state.simulation.spawn(switchProcess(change));
}

void FaultTimeline::inject(FaultSpec fault) {
  std::string text = label(fault);
  m_state.simulation.spawn(faultProcess(std::move(fault), std::move(text)));
}

std::string FaultTimeline::label(const FaultSpec& fault) {
  return isLinkFault(fault.kind) ? fault.target + "->" + fault.peer : fault.target;
}

Process FaultTimeline::switchProcess(PatternSwitchSpec change) {
  Simulation& simulation = m_state.simulation;
  if (change.at.count() > simulation.now())
    co_await simulation.delayUntil(change.at.count());
  m_switch_pattern(change);
}

Process FaultTimeline::faultProcess(FaultSpec fault, std::string label) {
  Simulation& simulation = m_state.simulation;
  if (fault.at.count() > simulation.now())
    co_await simulation.delayUntil(fault.at.count());
  const std::optional<Nanos> length = faultLength(fault);
  const bool lasting = !length || *length > 0;
  if (lasting)
    m_state.active_faults.fetch_add(1, std::memory_order_relaxed);
  m_state.board.setNow(simulation.now());
  const Actions& actions = actionsOf(fault.kind);
  (this->*actions.apply)(fault);
  const Nanos end = length ? simulation.now() + *length : m_run_end;
  m_state.metrics.addFaultWindow(
      FaultWindow{simulation.now(), end, std::string(toString(fault.kind)), label});
  m_state.last_fault_end = std::max(m_state.last_fault_end, end);
  m_state.converged_at.reset();
  if (!lasting || !length)
    co_return;  // Happened once, or lasts to the end of the run.
  co_await simulation.delayUntil(end);
  (this->*actions.revert)(fault);
  m_state.active_faults.fetch_sub(1, std::memory_order_relaxed);
}

std::string FaultTimeline::boardTarget(const std::string& component) const {
  auto found = m_state.stations.find(component);
  if (found != m_state.stations.end() && found->second->real)
    return found->second->spec->binds;
  return component;
}

Link& FaultTimeline::linkOf(const FaultSpec& fault) {
  return *m_state.links.at({fault.target, fault.peer});
}

void FaultTimeline::startStoreOutage(const FaultSpec& fault) {
  m_state.board.setOutage(boardTarget(fault.target), true);
}

void FaultTimeline::endStoreOutage(const FaultSpec& fault) {
  m_state.board.setOutage(boardTarget(fault.target), false);
}

void FaultTimeline::startStoreLatency(const FaultSpec& fault) {
  m_state.board.setLatency(boardTarget(fault.target), fault.latency.count(), fault.jitter.count());
}

void FaultTimeline::endStoreLatency(const FaultSpec& fault) {
  m_state.board.setLatency(boardTarget(fault.target), 0, 0);
}

void FaultTimeline::startStoreErrorRate(const FaultSpec& fault) {
  m_state.board.setErrorRate(boardTarget(fault.target), fault.probability);
}

void FaultTimeline::endStoreErrorRate(const FaultSpec& fault) {
  m_state.board.setErrorRate(boardTarget(fault.target), 0);
}

void FaultTimeline::startLinkPartition(const FaultSpec& fault) {
  linkOf(fault).partitioned = true;
}

void FaultTimeline::endLinkPartition(const FaultSpec& fault) {
  linkOf(fault).partitioned = false;
}

void FaultTimeline::startLinkLatency(const FaultSpec& fault) {
  Link& link = linkOf(fault);
  link.extra_latency = fault.latency.count();
  link.extra_jitter = fault.jitter.count();
}

void FaultTimeline::endLinkLatency(const FaultSpec& fault) {
  Link& link = linkOf(fault);
  link.extra_latency = 0;
  link.extra_jitter = 0;
}

void FaultTimeline::startLinkLoss(const FaultSpec& fault) {
  linkOf(fault).extra_loss = fault.probability;
}

void FaultTimeline::endLinkLoss(const FaultSpec& fault) {
  linkOf(fault).extra_loss = 0;
}

void FaultTimeline::startInstanceKill(const FaultSpec& fault) {
  Station& station = *m_state.stations.at(fault.target);
  const int before = station.alive_instances;
  station.alive_instances = std::max(0, station.alive_instances - std::max(fault.instances, 1));
  // The highest instances die: what they were serving is lost.
  if (station.generations.empty())
    station.generations.assign(static_cast<std::size_t>(station.instances), 0);
  for (int instance = station.alive_instances; instance < before; ++instance)
    ++station.generations[static_cast<std::size_t>(instance)];
  station.resource->setCapacity(station.alive_instances * station.spec->workers);
  m_state.touch(station);
}

void FaultTimeline::endInstanceKill(const FaultSpec& fault) {
  Station& station = *m_state.stations.at(fault.target);
  station.alive_instances =
      std::min(station.instances, station.alive_instances + std::max(fault.instances, 1));
  station.resource->setCapacity(station.alive_instances * station.spec->workers);
  m_state.touch(station);
}

void FaultTimeline::startConsumerCrash(const FaultSpec& fault) {
  for (auto& poller : m_state.pollers) {
    if (poller->station->spec->name != fault.target || poller->crashed)
      continue;
    // A part the platform could not crash keeps running: say so in the
    // report rather than pretend it went down.
    if (m_state.untimed([&] { return m_system->crash(poller->part); }))
      poller->crashed = true;
    else
      ++m_state.fault_results[poller->part + ".crash_failed"];
  }
}

void FaultTimeline::endConsumerCrash(const FaultSpec& fault) {
  for (auto& poller : m_state.pollers) {
    if (poller->station->spec->name != fault.target || !poller->crashed)
      continue;
    if (m_state.untimed([&] { return m_system->restart(poller->part); })) {
      poller->crashed = false;
      m_pollers.observeLag(*poller);
    } else {
      ++m_state.fault_results[poller->part + ".restart_failed"];
    }
  }
}

void FaultTimeline::startDeliveryDuplicate(const FaultSpec& fault) {
  m_state.board.setDuplicate(fault.target, fault.probability);
}

void FaultTimeline::endDeliveryDuplicate(const FaultSpec& fault) {
  m_state.board.setDuplicate(fault.target, 0);
}

void FaultTimeline::startDeliveryDelay(const FaultSpec& fault) {
  m_state.board.setDelay(fault.target, fault.latency.count(), fault.jitter.count());
}

void FaultTimeline::endDeliveryDelay(const FaultSpec& fault) {
  m_state.board.setDelay(fault.target, 0, 0);
}

void FaultTimeline::startDeliveryReorder(const FaultSpec& fault) {
  m_state.board.setReorder(fault.target, fault.window);
}

void FaultTimeline::endDeliveryReorder(const FaultSpec& fault) {
  m_state.board.setReorder(fault.target, 0);
}

void FaultTimeline::appendPoison(const FaultSpec& fault) {
  m_system->setTime(m_state.simulation.now());
  const int count = std::max(fault.count, 1);
  const bool appended =
      m_state.untimed([&] { return m_system->appendPoison(fault.target, count); }).has_value();
  m_state.fault_results[fault.target + (appended ? ".poison_appended" : ".poison_failed")] +=
      static_cast<std::uint64_t>(count);
}

void FaultTimeline::startRebuild(const FaultSpec& fault) {
  for (auto& poller : m_state.pollers) {
    if (poller->station->spec->name != fault.target)
      continue;
    m_system->setTime(m_state.simulation.now());
    const bool started =
        m_state.untimed([&] { return m_system->rebuild(poller->part, fault.mode); }).has_value();
    m_state.fault_results[poller->part + (started ? ".rebuild_started" : ".rebuild_failed")] += 1;
    m_pollers.observeLag(*poller);
    return;
  }
}

void FaultTimeline::nothing(const FaultSpec&) {}

}  // namespace staylab::sim
