#pragma once

// The state of one run, shared by the engine's parts (internal to
// simulator/engine): the stations, links and routes built from the topology
// (engine_build.cpp), the requests in flight (request_pipeline.h), the load
// (load_generator.h), the pollers of the asynchronous parts (pollers.h) and
// the fault timeline (fault_timeline.h).
//
// Thread safety: the engine's thread only, except the members marked
// "any thread" (atomics, and what inject_mutex guards).

#include <array>
#include <atomic>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "simulator/faults/fault_board.h"
#include "simulator/kernel/distributions.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/kernel/resource.h"
#include "simulator/kernel/simulation.h"
#include "simulator/metrics/metrics.h"
#include "simulator/patterns/pattern.h"
#include "simulator/scenario/scenario.h"
#include "simulator/stats/batch_means.h"
#include "simulator/stats/running_stats.h"
#include "simulator/topology/topology.h"

namespace staylab::sim {

inline constexpr std::size_t kMaxHops = 16;

// One component that serves: instances x workers and a bounded queue.
struct Station {
  const ComponentSpec* spec = nullptr;
  ComponentId id;
  std::unique_ptr<Resource> resource;
  // Its instances: the topology's, or a competing consumer's (PlatformBuild).
  int instances = 1;
  int alive_instances = 1;
  Generator random{0};
  std::map<std::string, ServiceTimeModel, std::less<>> models;
  bool real = false;        // Binds a part of the real platform.
  bool store_like = false;  // A store, the log or a plain station: faults of stores act here.
  std::optional<BatchMeans> waits;
  RunningStats wait_stats;
  // Instances 0..alive_instances-1 are alive; a kill takes the highest. Each
  // instance's generation grows when it dies, so a request knows whether
  // the instance serving it died meanwhile.
  std::vector<std::uint64_t> generations;
  std::uint64_t next_instance = 0;  // Round robin over the alive instances.
};

// Which instance of a station serves a request, and its generation then.
struct InstanceTicket {
  int instance = -1;
  std::uint64_t generation = 0;
};

struct Link {
  const LinkSpec* spec = nullptr;
  std::optional<ServiceTimeModel> latency;
  Generator random{0};
  bool partitioned = false;
  Nanos extra_latency = 0;
  Nanos extra_jitter = 0;
  double extra_loss = 0;
};

// One step of a route: the component, the operation it serves, the link in.
struct HopPlan {
  Station* station = nullptr;
  std::string operation;
  const ServiceTimeModel* model = nullptr;
  OperationId metric;
  Link* link_in = nullptr;
  // The phase of the real operation that runs at the end of this hop's
  // service time (its commit point), or -1.
  int phase = -1;
};

// A route as the engine runs it (topology.h Route): hops[0, chain) is the
// chain from the entry, each holding its caller's worker; hops[chain, end)
// are the calls hops[chain - 1] makes in turn. The real operation runs in
// phases, one at each real commit point: the deepest hop of a plain route,
// each real call of a route that ends in calls.
struct RoutePlan {
  UserOperation operation = UserOperation::Search;
  std::vector<HopPlan> hops;
  std::size_t chain = 0;
  int phases = 0;  // Commit points of the real operation; 0 without a platform.
  // The service the entry calls; null on a route of one hop.
  const DownstreamService* downstream = nullptr;
};

// The routes of the operations while a pattern is off (or, for `on`, on),
// where they differ.
struct RouteVariant {
  std::size_t pattern = 0;  // Registry index.
  bool on = false;          // Taken while the pattern is on (routes_with).
  std::array<std::optional<RoutePlan>, kUserOperationCount> routes;
};

// When the events behind a consumer's position appeared, to tell the age of
// the oldest of them (its lag in time).
struct LagAge {
  std::int64_t last_end = -1;
  std::deque<std::pair<std::int64_t, Nanos>> appeared;  // (end count, first seen)

  // Records an observation at `now` of `end` events of which the first
  // `position` are consumed; returns when the oldest unconsumed one appeared
  // (`now` when none is behind).
  Nanos observe(std::int64_t end, std::int64_t position, Nanos now) {
    if (end > last_end) {
      appeared.emplace_back(end, now);
      last_end = end;
    }
    while (!appeared.empty() && appeared.front().first <= position)
      appeared.pop_front();
    return appeared.empty() ? now : appeared.front().second;
  }
};

// The lag of one partition of a consumer, a component of its own in the
// metrics ("search-projection/booking/1").
struct PartitionGauge {
  ComponentId id;
  LagAge age;
};

// An asynchronous part (relay, projection, fraud detection) that polls.
struct Poller {
  Station* station = nullptr;
  std::string part;
  OperationId metric;
  const ServiceTimeModel* model = nullptr;
  const ServiceTimeModel* per_event = nullptr;  // Optional op "event": cost per event moved.
  bool crashed = false;
  // Competing consumers: this poller is instance `member` of its station's
  // instances, and steps while that instance is alive.
  bool competing = false;
  int member = 0;
  std::int64_t lag = 0;
  // False while the lag cannot be read (a store it reads is down): the
  // poller then keeps stepping, so its failures show in its metrics and the
  // work it can still do gets done.
  bool lag_known = false;
  LagAge age;
  // Per partition, once the platform gives them (PartLag::partitions).
  std::map<std::string, PartitionGauge, std::less<>> partitions;
};

// A closed-population user suspends here until its request completes.
struct CompletionSlot {
  std::coroutine_handle<> handle;
};

struct WaitForCompletion {
  CompletionSlot* slot;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> handle) const noexcept { slot->handle = handle; }
  void await_resume() const noexcept {}
};

struct RunState {
  RunState(MetricsOptions options, std::uint64_t seed)
      : streams(seed), board(seed), metrics(options) {}

  // Returns the route `operation` takes now: the one of the first pattern
  // whose switch routes it differently, or its own; null without one.
  const RoutePlan* routeFor(UserOperation operation) const {
    const auto index = static_cast<std::size_t>(operation);
    for (const RouteVariant& variant : variants) {
      if (patterns.at(variant.pattern).enabled == variant.on && variant.routes[index])
        return &*variant.routes[index];
    }
    return routes[index] ? &*routes[index] : nullptr;
  }

  // Returns whether a pattern that routes per request (a strangler fig's
  // façade, Pattern::routesPerRequest) is on now: then each request asks the
  // system which backend serves it.
  bool routesPerRequest() const { return backend_pattern && patterns.at(*backend_pattern).enabled; }

  // Registers the metric keys of the routes to the legacy backend, once the
  // pattern that takes them is on.
  void registerLegacyRoutes() {
    if (!routesPerRequest())
      return;
    for (auto& route : legacy_routes) {
      if (route)
        registerMetrics(*route);
    }
  }

  // Registers the metric keys of a route's hops (once; again is harmless).
  void registerMetrics(RoutePlan& route) {
    for (HopPlan& hop : route.hops)
      hop.metric = metrics.operation(hop.station->spec->name, hop.operation);
  }

  // Sets the queue and worker gauges of a station at now.
  void touch(Station& station) {
    const Nanos now = simulation.now();
    metrics.setQueueDepth(station.id, now, static_cast<double>(station.resource->queueLength()));
    metrics.setBusyWorkers(station.id, now, station.resource->busy(), station.resource->capacity());
  }

  // Calls the platform outside any simulated request (an observation, a
  // crash, a restart): a latency fault it runs into costs no simulated time,
  // and must not be billed to the next request that takes the board's charge.
  template <typename Call>
  auto untimed(Call&& call) {
    auto result = std::forward<Call>(call)();
    (void)board.takeCharge();
    return result;
  }

  // Declared first, destroyed last: frames still suspended at the end refer
  // to the stations and layers below, whose resources detach them first.
  Simulation simulation;
  RandomStreams streams{1};
  FaultBoard board{1};
  MetricsRegistry metrics;
  std::map<std::string, std::unique_ptr<Station>, std::less<>> stations;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Link>> links;
  std::array<std::optional<RoutePlan>, kUserOperationCount> routes;
  std::vector<RouteVariant> variants;  // Routes while a pattern is off, or on.
  // The pattern that routes per request, by registry index; none without.
  std::optional<std::size_t> backend_pattern;
  // While it is on: the routes of the requests it sends to the legacy
  // backend (topology routes_with.<pattern>.legacy_<operation>).
  std::array<std::optional<RoutePlan>, kUserOperationCount> legacy_routes;
  // Draws the façade's share of requests (its own stream: a run without
  // the pattern draws nothing from it).
  Generator backend_random{0};
  std::vector<std::unique_ptr<Poller>> pollers;
  // Every service an entry calls; stable addresses (routes point at them).
  std::vector<DownstreamService> downstream;
  // The patterns as they are now: the scenario's, then the switches.
  PatternSettings patterns;
  // Each resilience pattern's layer, by registry index; null for the others.
  std::vector<std::unique_ptr<RequestLayer>> layers;
  std::vector<std::vector<double>> popularity;  // Per phase: CDF over ranks.
  Generator mix_random{0};
  Generator popularity_random{0};
  Generator operation_random{0};

  // What fault actions on the platform did, counted by the engine (the
  // board counts the rest): "<topic>.poison_appended", and each refusal:
  // "<topic>.poison_failed", "<part>.crash_failed", "<part>.restart_failed".
  std::map<std::string, std::uint64_t> fault_results;

  std::uint64_t in_flight = 0;  // Requests started and not yet answered.

  std::vector<std::string> acknowledged;
  Nanos load_end = 0;
  Nanos last_fault_end = 0;
  std::optional<Nanos> converged_at;

  // Any thread.
  std::atomic<Nanos> published_now{0};
  std::atomic<std::uint64_t> published_events{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> active_faults{0};
  std::atomic<bool> finished{false};

  mutable std::mutex inject_mutex;
  std::vector<FaultSpec> injected;                     // GUARDED_BY(inject_mutex)
  std::vector<std::pair<std::string, bool>> switches;  // GUARDED_BY(inject_mutex)
  // What the run did beyond its scenario, for a replay: the faults injected
  // (with the time they started) and every switch made.
  std::vector<FaultSpec> injected_done;          // GUARDED_BY(inject_mutex)
  std::vector<PatternSwitchSpec> switches_done;  // GUARDED_BY(inject_mutex)
  std::atomic<bool> has_injected{false};
};

// Returns the components whose stations run another number of instances
// than the topology says (a competing consumer's), for checkFaultFits.
inline std::map<std::string, int, std::less<>> instanceCounts(const RunState& state) {
  std::map<std::string, int, std::less<>> counts;
  for (const auto& [name, station] : state.stations) {
    if (station->instances != station->spec->instances)
      counts.emplace(name, station->instances);
  }
  return counts;
}

// Returns true for the components whose kind polls (relay, consumer) and
// that bind a real part to step.
bool isPoller(const ComponentSpec& component);
// Returns true for the components where store faults act.
bool isStoreLike(ComponentKind kind);

}  // namespace staylab::sim
