#pragma once

// The simulation engine: runs a scenario (scenario.h) over a topology
// (topology.h) on the virtual clock, driving the real platform through a
// SystemUnderTest at each commit point (DESIGN.md section 3).
//
// A request is one process. It walks its route's hops (gateway, service,
// store): at each hop it crosses the link from the previous component
// (latency, loss, partition), waits for a worker of the component (bounded
// FIFO queue; full means "rejected"), and holds it for the hop's service
// time; the caller keeps its worker while the callee serves (a synchronous
// call). At the end of the deepest hop's service time, its commit point, the
// real operation runs against the real stores through the fault decorators.
// In `measured` mode that hop's service time is the real call's duration
// instead of a draw from the model.
//
// Asynchronous parts (relay, projections, fraud detection) are pollers: every
// poll interval each asks for its lag and, when behind, holds a worker for a
// step's service time and then runs one real step.
//
// Metrics: every hop records (component, operation); the entry hop's latency
// runs from the request's intended start (its scheduled arrival), so queueing
// is never hidden. Per component: queue depth and busy workers; per consumer:
// lag in events and in time. Queue waits also feed batch means, so a mean
// wait comes with a 95% interval.
//
// A scenario with `compare:` runs as its run A: the engine ignores
// `compare`, and an expectation reading run B is not available in its report
// (comparison.h runs both and evaluates them).
//
// Determinism: in `model` mode everything is drawn from named random streams
// of the scenario's seed, and real calls happen in virtual-time order on one
// thread, so the same scenario and seed give byte-identical summary.json.
//
// Thread safety: an Engine belongs to one thread (the one that runs it),
// except for the members marked "any thread", which the desktop app calls
// from its UI thread while the engine runs elsewhere.

#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/error.h"
#include "simulator/engine/system.h"
#include "simulator/faults/fault_board.h"
#include "simulator/kernel/simulation.h"
#include "simulator/metrics/metrics.h"
#include "simulator/patterns/pattern_settings.h"
#include "simulator/patterns/platform_build.h"
#include "simulator/report/report_writer.h"
#include "simulator/scenario/scenario.h"
#include "simulator/scenario/scenario_limits.h"
#include "simulator/topology/topology.h"

namespace staylab::sim {

struct RunState;
struct RoutePlan;
class RequestPipeline;
class LoadGenerator;
class Pollers;
class QueueWorkers;
class FaultTimeline;

// Makes the real platform for a run, wired to the engine's fault board (its
// store ports decorated, its consumers reading through the delivery faults)
// and built as the scenario's platform patterns ask. Errors: InvalidInput
// "patterns" for a build the platform cannot make.
using SystemFactory = std::function<Result<std::unique_ptr<SystemUnderTest>>(
    FaultBoard& faults, const PlatformBuild& build)>;

struct EngineOptions {
  // Where a scenario's relative topology path is resolved, and where named
  // topologies live (assets/topologies).
  std::filesystem::path scenario_dir;
  std::filesystem::path topologies_dir;
  // Builds the real platform. Required when the topology binds real parts;
  // a topology of model-only stations runs without it.
  SystemFactory make_system;
  // Overrides the scenario's seed when set (--seed).
  std::optional<std::uint64_t> seed;
  // Ends the run early, at this virtual time (--until); never past the
  // scenario's duration.
  std::optional<Nanos> until;
  // Checks the scenario against the topology and stops there: no platform
  // is built and nothing is scheduled (`scenarios validate`). Delivery
  // faults are then checked against `known_topics`.
  bool validate_only = false;
  std::vector<std::string> known_topics;
  // Time-series interval; default: 1 s, or longer for long runs so that a
  // run has at most about 2,000 intervals. Checked by checkSampleInterval.
  std::optional<Nanos> sample_interval;
  // Requests in flight at once (queued, served or crossing a link); an
  // arrival beyond is refused at once with the error "overloaded".
  // Default: kMaxRequestsInFlight.
  std::uint64_t max_requests_in_flight = static_cast<std::uint64_t>(kMaxRequestsInFlight);
};

// What the engine is doing, for progress lines and the status bar.
struct EngineStatus {
  Nanos now = 0;
  Nanos end = 0;
  std::uint64_t events = 0;    // Kernel events dispatched.
  std::uint64_t requests = 0;  // User requests started.
  std::uint64_t active_faults = 0;
  bool finished = false;
};

class Engine {
 public:
  // Loads the topology, checks that the scenario fits it (fault targets,
  // routes for the mixed operations, the subjects of the expectations' run-A
  // metrics, supported patterns), builds and seeds the platform, and schedules the load and the
  // fault timeline. Errors: InvalidInput "scenario.value" naming the field
  // (e.g. "faults[1].target") for a scenario that does not fit; what the
  // topology loader or the platform return otherwise.
  [[nodiscard]] static Result<std::unique_ptr<Engine>> create(Scenario scenario,
                                                              EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs every event up to min(time, end()). Returns the virtual time reached.
  Nanos runUntil(Nanos time);
  // Runs one kernel event (at most up to end()). Returns false at the end.
  bool step();
  // Runs to end().
  void run() { runUntil(end()); }
  bool atEnd() const;

  // Closes the metrics, drains and checks the platform's invariants,
  // evaluates the expectations. Call once, at the end (or earlier to cut the
  // run short: the report then covers [0, now()]).
  [[nodiscard]] Result<RunReport> finish();

  Nanos now() const;
  Nanos end() const { return m_end; }
  const Scenario& scenario() const { return m_scenario; }
  const Topology& topology() const { return m_topology; }
  SystemUnderTest* system() { return m_system.get(); }
  // The faults active now and their counters (engine thread).
  const FaultBoard& faults() const;

  // Any thread: the last published metrics (one per closed interval).
  std::shared_ptr<const MetricsSnapshot> snapshot() const;
  // Any thread.
  EngineStatus status() const;
  // Any thread: starts `fault` at the current virtual time (its `at` is
  // ignored), for its `for` when it has one. Applied before the next event.
  // Errors: the same checks as a scenario's faults.
  [[nodiscard]] Result<void> injectFault(FaultSpec fault);
  // Any thread: switches a pattern that switches live (registry.h) on or
  // off at the current virtual time, with the scenario's settings for it.
  // Applied before the next event; requests in flight follow it from their
  // next attempt. The switch is recorded in the metrics
  // (MetricsSnapshot::switches).
  // Errors: InvalidInput "pattern" for a pattern that cannot be switched;
  // "scenario.value" naming the topology's route for a pattern that routes
  // per request to a legacy system the topology gives no route to.
  [[nodiscard]] Result<void> switchPattern(std::string_view pattern, bool on);
  // The patterns as they are now (engine thread).
  const PatternSettings& patterns() const;
  // Any thread: the scenario as run so far, to replay it: the faults
  // injected added to its own at the times they started, and its switches
  // replaced by those made so far followed by its own still to come.
  Scenario asRun() const;

  // Checks a fault against the topology and the platform's topics, as for
  // the scenario's own; `field` prefixes error fields ("faults[2]").
  [[nodiscard]] Result<void> checkFault(const FaultSpec& fault, std::string_view field) const;
  // Checks that this run measures what `metric` reads: a component of the
  // topology and one of its operations on the run's routes ("step" for a
  // consumer), as for the scenario's expectations; errors name `field`.
  [[nodiscard]] Result<void> checkMetricSubject(const MetricRef& metric,
                                                std::string_view field) const;

 private:
  Engine(Scenario scenario, Topology topology, EngineOptions options);
  // Builds the stations, links, routes, pollers and layers of the run
  // (engine_build.cpp).
  [[nodiscard]] Result<void> build();
  // Plans the route of `operation` from the topology's `spec`.
  [[nodiscard]] Result<RoutePlan> planRoute(const Route& spec, UserOperation operation);
  // Checks that every route the run can take makes as many real calls as
  // the platform, built as the patterns then say, runs the operation in.
  [[nodiscard]] Result<void> checkPhases() const;
  // Returns what `patterns` ask of the platform, and what the topology
  // binds beyond the default platform (a payment provider).
  PlatformBuild platformBuild(const PatternSettings& patterns) const;
  // Checks the scenario's faults and expectations against the topology.
  [[nodiscard]] Result<void> checkFits() const;
  // Plans the routes to the legacy backend of the pattern that routes per
  // request (Pattern::routesPerRequest), and checks that a run which can
  // turn it on has one for each operation its load mixes.
  [[nodiscard]] Result<void> planLegacyRoutes();
  // Checks that every operation the load mixes has a route to the legacy
  // backend that makes a real call (any thread: reads what build() made).
  [[nodiscard]] Result<void> checkLegacyRoutes() const;
  // Schedules the load, the pollers and the timeline.
  void schedule();
  // Starts the faults injected from other threads, at now().
  void applyInjected();
  // Switches `change.pattern` now, with the settings it gives, from the
  // timeline or from another thread (`change.at` is not read).
  void applySwitch(const PatternSwitchSpec& change);
  // Publishes the clock and event count for status().
  void publishProgress();

  Scenario m_scenario;
  Topology m_topology;
  EngineOptions m_options;
  Nanos m_end = 0;
  std::unique_ptr<SystemUnderTest> m_system;
  std::unique_ptr<RunState> m_state;
  std::unique_ptr<RequestPipeline> m_pipeline;
  std::unique_ptr<LoadGenerator> m_load;
  std::unique_ptr<Pollers> m_pollers;
  std::unique_ptr<QueueWorkers> m_queue_workers;  // With load leveling only.
  std::unique_ptr<FaultTimeline> m_timeline;
};

// Returns the default sample interval for a run of `duration`.
Nanos defaultSampleInterval(Nanos duration);

// Checks a time-series interval for a run of `run_length` (the scenario's
// duration, or --until when shorter) against kMinSampleInterval and
// kMaxSeriesPoints (scenario_limits.h). Errors: InvalidInput
// "scenario.limit" with `field` (Engine::create says "sample_interval", the
// CLI "--interval").
[[nodiscard]] Result<void> checkSampleInterval(Nanos interval, Nanos run_length,
                                               std::string_view field);

}  // namespace staylab::sim
