#include "simulator/engine/pollers.h"

#include <algorithm>

#include <fmt/format.h>

namespace staylab::sim {

void Pollers::start() {
  for (auto& poller : m_state.pollers)
    m_state.simulation.spawn(poll(poller.get()));
}

void Pollers::observeLag(Poller& poller) {
  if (m_system == nullptr)
    return;
  const Nanos now = m_state.simulation.now();
  auto lag = m_state.untimed([&] { return m_system->lag(poller.part); });
  poller.lag_known = lag.has_value();
  if (!lag)
    return;  // The store is down: the gauge keeps its last value.
  poller.lag = lag->events;
  const Nanos oldest = poller.age.observe(lag->end, lag->end - lag->events, now);
  m_state.metrics.setConsumerLag(poller.station->id, now, lag->events, oldest);
  for (const PartLag::Partition& partition : lag->partitions) {
    auto gauge = poller.partitions.find(partition.name);
    if (gauge == poller.partitions.end()) {
      const ComponentId id = m_state.metrics.component(
          fmt::format("{}/{}", poller.station->spec->name, partition.name));
      gauge = poller.partitions.emplace(partition.name, PartitionGauge{id, {}}).first;
    }
    const Nanos partition_oldest =
        gauge->second.age.observe(partition.end, partition.end - partition.events, now);
    m_state.metrics.setConsumerLag(gauge->second.id, now, partition.events, partition_oldest);
  }
}

void Pollers::checkConvergence() {
  if (m_state.converged_at)
    return;
  const Nanos now = m_state.simulation.now();
  const Nanos reference = std::max(m_state.load_end, m_state.last_fault_end);
  if (now < reference || m_state.active_faults.load(std::memory_order_relaxed) > 0)
    return;
  for (const auto& poller : m_state.pollers) {
    if (poller->crashed || poller->lag > 0 || !poller->lag_known)
      return;
  }
  m_state.converged_at = now;
}

Process Pollers::poll(Poller* poller) {
  Simulation& simulation = m_state.simulation;
  Station& station = *poller->station;
  const Nanos interval = std::max<Nanos>(station.spec->poll_interval.count(), kMicrosecond);
  const auto batch = static_cast<std::size_t>(std::max(station.spec->batch, 1));
  while (true) {
    co_await simulation.delay(interval);
    observeLag(*poller);
    if (poller->crashed || station.alive_instances == 0)
      continue;
    // An instance of a competing consumer steps while it is alive, on the
    // share of the partitions dealt to it among the live instances.
    std::int64_t behind = poller->lag;
    bool known = poller->lag_known;
    if (poller->competing) {
      if (poller->member >= station.alive_instances)
        continue;
      auto share = m_state.untimed([&] {
        return m_system->memberLag(poller->part, poller->member, station.alive_instances);
      });
      known = share.has_value();
      behind = share ? share->events : poller->lag;
    }
    if (behind == 0 && known) {
      checkConvergence();
      continue;
    }
    const Nanos started = simulation.now();
    const bool granted = co_await station.resource->acquire();
    if (!granted)
      continue;
    m_state.touch(station);
    // A step costs its fixed part plus, when the topology gives one, a cost
    // per event it will move (known from the lag it just read).
    Nanos service = poller->model == nullptr ? 0 : poller->model->sample(station.random);
    if (poller->per_event != nullptr) {
      const auto events = std::min<std::int64_t>(behind, static_cast<std::int64_t>(batch));
      service = saturatingAdd(
          service, saturatingMultiply(events, poller->per_event->sample(station.random)));
    }
    if (service > 0)
      co_await simulation.delay(service);
    std::optional<RequestError> error;
    if (!poller->crashed && (!poller->competing || poller->member < station.alive_instances)) {
      m_system->setTime(simulation.now());
      m_state.board.setNow(simulation.now());
      auto moved = poller->competing ? m_system->stepMember(poller->part, poller->member,
                                                            station.alive_instances, batch)
                                     : m_system->step(poller->part, batch);
      const Nanos extra = m_state.board.takeCharge();
      if (extra > 0)
        co_await simulation.delay(extra);
      if (!moved)
        error = requestErrorOf(moved.error());
    }
    station.resource->release();
    m_state.touch(station);
    if (error) {
      m_state.metrics.recordError(poller->metric, started, simulation.now(), *error);
    } else {
      m_state.metrics.recordSuccess(poller->metric, started, simulation.now());
    }
    observeLag(*poller);
    if (station.spec->kind == ComponentKind::Relay) {
      for (const auto& other : m_state.pollers) {
        if (other.get() != poller)
          observeLag(*other);
      }
    }
    checkConvergence();
  }
}

}  // namespace staylab::sim
