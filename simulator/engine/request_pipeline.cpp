#include "simulator/engine/request_pipeline.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <utility>

#include "simulator/patterns/registry.h"

namespace staylab::sim {

// One request in flight: what the layers see, plus where it has been.
struct RequestPipeline::Flight : PipelineRequest {
  static constexpr std::size_t kMaxLayers = 16;

  const RoutePlan* route = nullptr;
  int property = 0;
  std::array<Nanos, kMaxHops> arrived{};  // When each hop was reached.
  std::size_t reached = 0;                // Hops reached.
  std::size_t held = 0;                   // Chain hops whose worker it holds, from the entry.
  std::array<InstanceTicket, kMaxHops> instances{};  // The instance serving each hop.
  // The layers it goes through, decided when it starts: the request-scope
  // ones first, then the call-scope ones, each group in registry order.
  std::array<RequestLayer*, kMaxLayers> layers{};
  std::size_t request_layers = 0;
  std::size_t call_layers = 0;
  // The real operation: the handle of its next phase, and what its answer
  // brings home when the request succeeds.
  std::uint64_t pending = 0;
  std::optional<RequestError> swallowed;  // By the platform, in the call now answering.
  std::string booking_id;
  std::vector<std::pair<std::string_view, std::uint64_t>> measures;
  bool complete = false;  // The platform finished before the route's last calls.
  // Where the façade sent it, while a pattern routes per request; empty otherwise.
  std::optional<Backend> backend;
  std::string status_id;  // Accepted for later: the client polls with it.
};

Process RequestPipeline::request(const RoutePlan* route, Nanos intended, int property,
                                 CompletionSlot* completion) {
  Simulation& simulation = m_state.simulation;
  Flight flight;
  if (m_system != nullptr && m_state.routesPerRequest()) {
    // The façade decides where it goes; the legacy backend has its own route.
    flight.backend = m_state.untimed(
        [&] { return m_system->route(route->operation, property, m_state.backend_random); });
    const auto& legacy = m_state.legacy_routes[static_cast<std::size_t>(route->operation)];
    if (*flight.backend == Backend::Legacy && legacy)
      route = &*legacy;
  }
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
  if (flight.pending != 0) {
    // The operation stopped between two of its phases: what it did stays.
    m_state.untimed([&] {
      m_system->abandon(flight.pending);
      return true;
    });
  }
  recordHops(flight);
  if (!flight.error) {
    if (!flight.booking_id.empty())
      m_state.acknowledged.push_back(std::move(flight.booking_id));
    for (const auto& [measure, count] : flight.measures)
      m_state.metrics.addMeasure(route->hops[0].metric, simulation.now(), measure, count);
    if (!flight.status_id.empty()) {
      Task<> outcome = awaitOutcome(flight);
      co_await outcome;
    }
  }
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
  if (!flight.error && !alive(flight, 0))
    flight.error = RequestError::InstanceKilled;  // The answer cannot go back to the client.
  if (flight.held > 0) {
    route.hops[0].station->resource->release();
    m_state.touch(*route.hops[0].station);
  }
}

Task<> RequestPipeline::downstream(Flight& flight) {
  const RoutePlan& route = *flight.route;
  for (std::size_t index = 1; index < route.chain && !flight.error; ++index) {
    Task<> next_hop = hop(flight, index);
    co_await next_hop;
  }
  // The calls the chain's last hop makes in turn; each needs its caller
  // alive to be sent at all.
  for (std::size_t index = route.chain;
       index < route.hops.size() && !flight.error && !flight.complete; ++index) {
    if (!alive(flight, route.chain - 1)) {
      flight.error = RequestError::InstanceKilled;
      break;
    }
    Task<> call = hop(flight, index);
    co_await call;
  }
  for (std::size_t index = 1; index < flight.held && !flight.error; ++index) {
    if (!alive(flight, index))
      flight.error = RequestError::InstanceKilled;  // A caller died while its callee served.
  }
  // Unwind the chain's downstream hops, keeping the entry's worker.
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
  const bool call = index >= route.chain;
  if (current.link_in != nullptr) {
    Nanos delay = 0;
    flight.error = crossLink(*current.link_in, delay);
    if (flight.error) {
      if (call)
        m_state.metrics.recordError(current.metric, simulation.now(), simulation.now(),
                                    *flight.error);
      co_return;
    }
    if (delay > 0)
      co_await simulation.delay(delay);
  }
  flight.arrived[index] = simulation.now();
  flight.reached = std::max(flight.reached, index + 1);
  Task<> served = serve(flight, index);
  co_await served;
  if (call) {
    // A call answers its caller at once; the caller goes on with the next.
    const std::optional<RequestError> failed =
        flight.error ? flight.error : std::exchange(flight.swallowed, std::nullopt);
    if (failed) {
      m_state.metrics.recordError(current.metric, flight.arrived[index], simulation.now(), *failed);
    } else {
      m_state.metrics.recordSuccess(current.metric, flight.arrived[index], simulation.now());
    }
  }
}

Task<> RequestPipeline::serve(Flight& flight, std::size_t index) {
  Simulation& simulation = m_state.simulation;
  const RoutePlan& route = *flight.route;
  const HopPlan& current = route.hops[index];
  Station& station = *current.station;
  const bool call = index >= route.chain;
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
  if (!call)
    ++flight.held;
  m_state.touch(station);
  flight.instances[index] = assignInstance(station);
  const double waited = toSeconds(simulation.now() - flight.arrived[index]);
  if (station.waits)
    station.waits->add(waited);
  station.wait_stats.add(waited);

  const bool measured = current.phase >= 0 && m_mode == ServiceTimeMode::Measured;
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
  if (!flight.error && !alive(flight, index))
    flight.error = RequestError::InstanceKilled;  // Its instance died while it served.
  if (current.phase >= 0 && !flight.error) {
    Task<> real = commit(flight, current.phase, measured);
    co_await real;
  }
  if (call) {
    station.resource->release();
    m_state.touch(station);
  }
}

Task<> RequestPipeline::commit(Flight& flight, int phase, bool measured) {
  Simulation& simulation = m_state.simulation;
  m_system->setTime(simulation.now());
  m_state.board.setNow(simulation.now());
  const auto started = std::chrono::steady_clock::now();
  if (phase > 0 && flight.pending == 0)
    co_return;  // The platform finished in fewer phases (checked when the run was built).
  OperationOutcome outcome;
  if (phase > 0) {
    outcome = m_system->resume(flight.pending);
  } else if (flight.backend) {
    outcome = m_system->executeOn(*flight.backend, flight.route->operation, flight.property,
                                  m_state.operation_random);
  } else {
    outcome = m_system->execute(flight.route->operation, flight.property, m_state.operation_random);
  }
  Nanos extra = m_state.board.takeCharge();
  if (measured) {
    extra += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                 .count();
  }
  flight.pending = outcome.pending;
  if (extra > 0)
    co_await simulation.delay(extra);
  if (!outcome.ok) {
    flight.error = outcome.error;
    co_return;
  }
  flight.swallowed = outcome.swallowed;
  flight.complete = outcome.complete;
  if (!outcome.status_id.empty())
    flight.status_id = std::move(outcome.status_id);
  if (!outcome.booking_id.empty())
    flight.booking_id = std::move(outcome.booking_id);
  flight.measures.insert(flight.measures.end(), outcome.measures.begin(), outcome.measures.end());
}

InstanceTicket RequestPipeline::assignInstance(Station& station) {
  if (station.generations.empty())
    station.generations.assign(static_cast<std::size_t>(station.spec->instances), 0);
  const auto alive = static_cast<std::uint64_t>(std::max(station.alive_instances, 1));
  const auto instance = static_cast<int>(station.next_instance++ % alive);
  return InstanceTicket{instance, station.generations[static_cast<std::size_t>(instance)]};
}

bool RequestPipeline::alive(const Flight& flight, std::size_t index) const {
  const InstanceTicket& ticket = flight.instances[index];
  if (ticket.instance < 0)
    return true;
  const Station& station = *flight.route->hops[index].station;
  return station.generations[static_cast<std::size_t>(ticket.instance)] == ticket.generation;
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

Task<> RequestPipeline::awaitOutcome(Flight& flight) {
  Simulation& simulation = m_state.simulation;
  const HopPlan& entry = flight.route->hops[0];
  Station& station = *entry.station;
  auto model = station.models.find("status");
  const ServiceTimeModel* service = model == station.models.end() ? nullptr : &model->second;
  const OperationId polls = m_state.metrics.operation(station.spec->name, "status");
  const OperationId outcome =
      m_state.metrics.operation(station.spec->name, entry.operation + "-outcome");
  while (true) {
    co_await simulation.delay(m_outcome_poll);
    const Nanos asked = simulation.now();
    if (entry.link_in != nullptr) {
      Nanos delay = 0;
      if (const auto lost = crossLink(*entry.link_in, delay)) {
        m_state.metrics.recordError(polls, asked, simulation.now(), *lost);
        continue;
      }
      if (delay > 0)
        co_await simulation.delay(delay);
    }
    if (station.alive_instances == 0) {
      m_state.metrics.recordError(polls, asked, simulation.now(),
                                  RequestError::UnavailableInstance);
      continue;
    }
    const bool granted = co_await station.resource->acquire();
    if (!granted) {
      m_state.metrics.recordError(polls, asked, simulation.now(), RequestError::Rejected);
      continue;
    }
    m_state.touch(station);
    const Nanos time = service == nullptr ? 0 : service->sample(station.random);
    if (time > 0)
      co_await simulation.delay(time);
    m_system->setTime(simulation.now());
    const PolledStatus status = m_state.untimed([&] { return m_system->poll(flight.status_id); });
    station.resource->release();
    m_state.touch(station);
    m_state.metrics.recordSuccess(polls, asked, simulation.now());
    if (!status.done)
      continue;
    if (status.ok) {
      m_state.metrics.recordSuccess(outcome, flight.intended, simulation.now());
      if (!status.booking_id.empty())
        m_state.acknowledged.push_back(status.booking_id);
    } else {
      m_state.metrics.recordError(outcome, flight.intended, simulation.now(), status.error);
    }
    co_return;
  }
}

void RequestPipeline::recordHops(const Flight& flight) {
  const Nanos now = m_state.simulation.now();
  // The entry hop answers even a request refused before reaching it (rate
  // limited, lost on the client's link): the client saw that answer. The
  // calls at the end of a route recorded their own answers.
  const std::size_t reached =
      std::min(std::max<std::size_t>(flight.reached, 1), flight.route->chain);
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
