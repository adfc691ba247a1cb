#include "simulator/engine/request_pipeline.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

#include "simulator/patterns/registry.h"

namespace staylab::sim {

// One request in flight: what the layers see, plus where it has been.
struct RequestPipeline::Flight : PipelineRequest {
  static constexpr std::size_t kMaxLayers = 16;

  const RoutePlan* route = nullptr;
  int property = 0;
  std::array<Nanos, kMaxHops> arrived{};  // When each hop was reached.
  std::size_t reached = 0;                // Hops reached.
  std::size_t held = 0;                   // Hops whose worker it holds, from the entry on.
  // The layers it goes through, decided when it starts: the request-scope
  // ones first, then the call-scope ones, each group in registry order.
  std::array<RequestLayer*, kMaxLayers> layers{};
  std::size_t request_layers = 0;
  std::size_t call_layers = 0;
};

Process RequestPipeline::request(const RoutePlan* route, Nanos intended, int property,
                                 CompletionSlot* completion) {
  Simulation& simulation = m_state.simulation;
  Flight flight;
  flight.route = route;
  flight.intended = intended;
  flight.property = property;
  flight.downstream = route->downstream;

  const auto patterns = patternRegistry();
  for (const LayerScope scope : {LayerScope::Request, LayerScope::Call}) {
    for (std::size_t index = 0; index < patterns.size(); ++index) {
      RequestLayer* layer = m_state.layers[index].get();
      if (layer == nullptr || patterns[index]->scope() != scope || !layer->joins(flight))
        continue;
      flight.layers[flight.request_layers + flight.call_layers] = layer;
      ++(scope == LayerScope::Request ? flight.request_layers : flight.call_layers);
    }
  }

  // Every request in flight is a suspended process: past the limit an
  // arrival is refused at once, so that memory stays bounded however long
  // the entry link's latency (scenario_limits.h).
  const bool admitted = m_state.in_flight < m_max_requests_in_flight;
  if (admitted) {
    ++m_state.in_flight;
    Task<> run = stage(flight, 0);
    co_await run;
    --m_state.in_flight;
  } else {
    flight.error = RequestError::Overloaded;
  }
  recordHops(flight);
  if (completion != nullptr && completion->handle)
    simulation.resumeAt(simulation.now(), completion->handle);
}

Task<> RequestPipeline::runStage(void* pipeline, PipelineRequest& request, std::size_t stage) {
  return static_cast<RequestPipeline*>(pipeline)->stage(static_cast<Flight&>(request), stage);
}

Task<> RequestPipeline::stage(Flight& flight, std::size_t index) {
  const Next next(&RequestPipeline::runStage, this, flight, index + 1);
  if (index < flight.request_layers)
    return flight.layers[index]->around(flight, next);
  if (index == flight.request_layers)
    return entry(flight, next);
  const std::size_t call = index - flight.request_layers - 1;
  if (call < flight.call_layers)
    return flight.layers[flight.request_layers + call]->around(flight, next);
  return downstream(flight);
}

Task<> RequestPipeline::entry(Flight& flight, Next next) {
  const RoutePlan& route = *flight.route;
  Task<> first = hop(flight, 0);
  co_await first;
  if (!flight.error && route.hops.size() > 1) {
    Task<> calls = next();
    co_await calls;
  }
  if (flight.held > 0) {
    route.hops[0].station->resource->release();
    m_state.touch(*route.hops[0].station);
  }
}

Task<> RequestPipeline::downstream(Flight& flight) {
  const RoutePlan& route = *flight.route;
  for (std::size_t index = 1; index < route.hops.size() && !flight.error; ++index) {
    Task<> next_hop = hop(flight, index);
    co_await next_hop;
  }
  // Unwind the downstream hops, keeping the entry's worker.
  while (flight.held > 1) {
    --flight.held;
    route.hops[flight.held].station->resource->release();
    m_state.touch(*route.hops[flight.held].station);
  }
}

Task<> RequestPipeline::hop(Flight& flight, std::size_t index) {
  Simulation& simulation = m_state.simulation;
  const RoutePlan& route = *flight.route;
  const HopPlan& current = route.hops[index];
  Station& station = *current.station;
  if (current.link_in != nullptr) {
    Nanos delay = 0;
    flight.error = crossLink(*current.link_in, delay);
    if (flight.error)
      co_return;
    if (delay > 0)
      co_await simulation.delay(delay);
  }
  flight.arrived[index] = simulation.now();
  flight.reached = std::max(flight.reached, index + 1);
  if (station.alive_instances == 0) {
    flight.error = RequestError::UnavailableInstance;
    co_return;
  }
  const Nanos left = flight.deadline - simulation.now();
  if (left <= 0) {
    flight.error = RequestError::Timeout;
    co_return;
  }
  bool granted = false;
  if (flight.deadline != kNever) {
    granted = co_await station.resource->acquireFor(left);
  } else {
    granted = co_await station.resource->acquire();
  }
  if (!granted) {
    flight.error = station.resource->queueLength() >= station.resource->queueLimit()
                       ? RequestError::Rejected
                       : RequestError::Timeout;
    m_state.touch(station);
    co_return;
  }
  ++flight.held;
  m_state.touch(station);
  const double waited = toSeconds(simulation.now() - flight.arrived[index]);
  if (station.waits)
    station.waits->add(waited);
  station.wait_stats.add(waited);

  const bool commit_point = index + 1 == route.hops.size();
  const bool measured = commit_point && route.real && m_mode == ServiceTimeMode::Measured;
  Nanos service = measured || current.model == nullptr ? 0 : current.model->sample(station.random);
  if (!station.real && station.store_like) {
    // A model-only store: the fault board acts here, as a decorator does on
    // a real store.
    auto allowed = m_state.board.beforeCall(station.spec->name);
    service += m_state.board.takeCharge();
    if (!allowed)
      flight.error = requestErrorOf(allowed.error());
  }
  if (service > 0)
    co_await simulation.delay(service);
  if (commit_point && route.real && !flight.error) {
    Task<> real = commit(flight, measured);
    co_await real;
  }
}

Task<> RequestPipeline::commit(Flight& flight, bool measured) {
  Simulation& simulation = m_state.simulation;
  m_system->setTime(simulation.now());
  m_state.board.setNow(simulation.now());
  const auto started = std::chrono::steady_clock::now();
  OperationOutcome outcome =
      m_system->execute(flight.route->operation, flight.property, m_state.operation_random);
  Nanos extra = m_state.board.takeCharge();
  if (measured) {
    extra += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                 .count();
  }
  if (extra > 0)
    co_await simulation.delay(extra);
  if (!outcome.ok) {
    flight.error = outcome.error;
  } else if (!outcome.booking_id.empty()) {
    m_state.acknowledged.push_back(std::move(outcome.booking_id));
  }
}

std::optional<RequestError> RequestPipeline::crossLink(Link& link, Nanos& delay) {
  if (link.partitioned)
    return RequestError::LinkPartition;
  const double loss = std::min(1.0, link.spec->loss + link.extra_loss);
  if (loss > 0 && link.random.uniform() < loss)
    return RequestError::LinkLoss;
  delay = link.latency ? link.latency->sample(link.random) : 0;
  if (link.extra_latency > 0) {
    const double jitter = link.extra_jitter > 0 ? (link.random.uniform() * 2 - 1) *
                                                      static_cast<double>(link.extra_jitter)
                                                : 0.0;
    delay += std::max<Nanos>(0, link.extra_latency + static_cast<Nanos>(std::llround(jitter)));
  }
  return std::nullopt;
}

void RequestPipeline::recordHops(const Flight& flight) {
  const Nanos now = m_state.simulation.now();
  // The entry hop answers even a request refused before reaching it (rate
  // limited, lost on the client's link): the client saw that answer.
  const std::size_t reached = std::max<std::size_t>(flight.reached, 1);
  for (std::size_t index = 0; index < reached; ++index) {
    const Nanos start = index == 0 ? flight.intended : flight.arrived[index];
    const OperationId metric = flight.route->hops[index].metric;
    if (flight.error) {
      m_state.metrics.recordError(metric, start, now, *flight.error);
    } else {
      m_state.metrics.recordSuccess(metric, start, now);
    }
  }
}

}  // namespace staylab::sim
