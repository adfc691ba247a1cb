#include "simulator/engine/queue_workers.h"

#include <algorithm>

namespace staylab::sim {

void QueueWorkers::start() {
  for (int worker = 0; worker < m_workers; ++worker)
    m_state.simulation.spawn(work());
}

std::int64_t QueueWorkers::observe() {
  const Nanos now = m_state.simulation.now();
  auto lag = m_state.untimed([&] { return m_system.lag(kPart); });
  if (!lag)
    return -1;  // The log is down: the gauge keeps its last value.
  if (lag->end > m_last_end) {
    m_appeared.emplace_back(lag->end, now);
    m_last_end = lag->end;
  }
  const std::int64_t position = lag->end - lag->events;
  while (!m_appeared.empty() && m_appeared.front().first <= position)
    m_appeared.pop_front();
  const Nanos oldest = m_appeared.empty() ? now : m_appeared.front().second;
  m_state.metrics.setConsumerLag(m_route.hops[1].station->id, now, lag->events, oldest);
  return lag->events;
}

Process QueueWorkers::work() {
  Simulation& simulation = m_state.simulation;
  const std::size_t first = 1;  // Past the entry: the gateway only queued it.
  while (true) {
    // A worker takes a command no other worker has taken yet.
    if (observe() <= m_claimed) {
      co_await simulation.delay(kIdleWait);
      continue;
    }
    ++m_claimed;
    std::array<Nanos, kMaxHops> arrived{};
    std::size_t reached = first;
    std::size_t held = 0;
    std::optional<RequestError> error;
    for (std::size_t index = first; index < m_route.hops.size() && !error; ++index) {
      const HopPlan& hop = m_route.hops[index];
      Station& station = *hop.station;
      arrived[index] = simulation.now();
      reached = index + 1;
      if (station.alive_instances == 0) {
        error = RequestError::UnavailableInstance;
        break;
      }
      const bool granted = co_await station.resource->acquire();
      if (!granted) {
        error = RequestError::Rejected;
        m_state.touch(station);
        break;
      }
      ++held;
      m_state.touch(station);
      const Nanos service = hop.model == nullptr ? 0 : hop.model->sample(station.random);
      if (service > 0)
        co_await simulation.delay(service);
      if (hop.phase != 0)
        continue;
      // The commit point: the next queued command is placed.
      m_system.setTime(simulation.now());
      m_state.board.setNow(simulation.now());
      auto taken = m_system.step(kPart, 1);
      const Nanos extra = m_state.board.takeCharge();
      if (extra > 0)
        co_await simulation.delay(extra);
      if (!taken)
        error = requestErrorOf(taken.error());
    }
    --m_claimed;
    while (held > 0) {
      Station& station = *m_route.hops[first + held - 1].station;
      station.resource->release();
      m_state.touch(station);
      --held;
    }
    for (std::size_t index = first; index < reached; ++index) {
      const OperationId metric = m_route.hops[index].metric;
      if (error) {
        m_state.metrics.recordError(metric, arrived[index], simulation.now(), *error);
      } else {
        m_state.metrics.recordSuccess(metric, arrived[index], simulation.now());
      }
    }
    observe();
    if (error)
      co_await simulation.delay(kIdleWait);  // A failing store is not hammered.
  }
}

}  // namespace staylab::sim
