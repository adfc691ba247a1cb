// Building a run: the topology's stations and links, the platform, the
// routes of the mixed operations, the pollers, the patterns' layers, and the
// checks that the scenario fits all that; then the schedule of the load, the
// pollers and the timeline.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "simulator/engine/engine.h"
#include "simulator/engine/engine_state.h"
#include "simulator/engine/fault_timeline.h"
#include "simulator/engine/load_generator.h"
#include "simulator/engine/pollers.h"
#include "simulator/engine/queue_workers.h"
#include "simulator/engine/request_pipeline.h"
#include "simulator/engine/scenario_fit.h"
#include "simulator/patterns/registry.h"

namespace staylab::sim {
namespace {

Result<ServiceTimeModel> modelOf(const ServiceTimeSpec& spec, std::string_view field) {
  auto wrap = [&](auto result) -> Result<ServiceTimeModel> {
    if (!result)
      return invalidInput(std::string(field), "{}", result.error().message);
    return ServiceTimeModel(std::move(*result));
  };
  switch (spec.distribution) {
    case ServiceTimeDistribution::Constant:
      return wrap(ConstantTime::of(spec.value.count()));
    case ServiceTimeDistribution::Exponential:
      return wrap(ExponentialTime::withMean(spec.mean.count()));
    case ServiceTimeDistribution::LogNormal:
      return wrap(LogNormalTime::fromMedianAndP99(spec.median.count(), spec.p99.count()));
    case ServiceTimeDistribution::Uniform:
      // The inverse empirical CDF of {min, max} interpolates linearly: uniform.
      return wrap(EmpiricalTime::fromSamples({spec.min.count(), spec.max.count()}));
  }
  return invalidInput(std::string(field), "unknown distribution");
}

// The requests the load brings of each operation, to size the batch means
// of the queue waits.
std::array<double, kUserOperationCount> expectedRequests(const Scenario& scenario) {
  std::array<double, kUserOperationCount> expected{};
  for (const LoadPhase& phase : scenario.load) {
    const ArrivalSpec& a = phase.arrivals;
    const double seconds = toSeconds(phase.length.count());
    double count = 0;
    switch (a.kind) {
      case ArrivalKind::Constant:
      case ArrivalKind::Poisson:
        count = a.rate * seconds;
        break;
      case ArrivalKind::Ramp:
      case ArrivalKind::Step:
        count = (a.from + a.to) / 2 * seconds;
        break;
      case ArrivalKind::Burst:
        count = a.base * seconds;
        break;
      case ArrivalKind::Closed:
        count = 0;
        break;
    }
    for (std::size_t op = 0; op < kUserOperationCount; ++op)
      expected[op] += count * phase.mix[op];
  }
  return expected;
}

}  // namespace

bool isStoreLike(ComponentKind kind) {
  return kind == ComponentKind::Store || kind == ComponentKind::EventLog ||
         kind == ComponentKind::Station;
}

bool isPoller(const ComponentSpec& component) {
  return (component.kind == ComponentKind::Relay || component.kind == ComponentKind::Consumer) &&
         !component.binds.empty();
}

Result<std::unique_ptr<Engine>> Engine::create(Scenario scenario, EngineOptions options) {
  if (options.seed)
    scenario.seed = *options.seed;
  Topology topology =
      STAYLAB_TRY(loadTopology(scenario.topology, options.scenario_dir, options.topologies_dir));

  const Nanos duration = scenario.duration.count();
  if (options.sample_interval) {
    const Nanos run_length = options.until ? std::min(*options.until, duration) : duration;
    STAYLAB_TRY(checkSampleInterval(*options.sample_interval, run_length, "sample_interval"));
  }
  MetricsOptions metrics_options;
  metrics_options.sample_interval =
      options.sample_interval.value_or(defaultSampleInterval(duration));
  std::unique_ptr<Engine> engine(new Engine(std::move(scenario), std::move(topology), options));
  engine->m_end = engine->m_options.until ? std::min(*engine->m_options.until, duration) : duration;
  engine->m_state = std::make_unique<RunState>(metrics_options, engine->m_scenario.seed);
  STAYLAB_TRY(engine->build());
  STAYLAB_TRY(engine->checkFits());
  if (!engine->m_options.validate_only)
    engine->schedule();
  return engine;
}

Result<void> Engine::build() {
  RunState& state = *m_state;
  const Scenario& scenario = m_scenario;
  const Topology& topology = m_topology;
  state.mix_random = state.streams.stream("mix");
  state.popularity_random = state.streams.stream("popularity");
  state.operation_random = state.streams.stream("operations");
  state.patterns = scenario.patterns;

  // Stations and links. A competing consumer runs as the instances its
  // pattern asks for.
  const PlatformBuild platform_build = platformBuildOf(scenario.patterns);
  const auto competing = [&](const ComponentSpec& component) {
    return !platform_build.competing_consumer.empty() && isPoller(component) &&
           component.binds == platform_build.competing_consumer;
  };
  bool binds_real = false;
  for (std::size_t index = 0; index < topology.components.size(); ++index) {
    const ComponentSpec& component = topology.components[index];
    if (component.kind == ComponentKind::Client)
      continue;
    auto station = std::make_unique<Station>();
    station->spec = &component;
    station->id = state.metrics.component(component.name);
    station->instances =
        competing(component) ? platform_build.competing_instances : component.instances;
    station->alive_instances = station->instances;
    const auto capacity = station->instances * component.workers;
    const auto queue =
        static_cast<std::size_t>(station->instances) * static_cast<std::size_t>(component.queue);
    station->resource = std::make_unique<Resource>(state.simulation, capacity, queue);
    station->random = state.streams.stream("service/" + component.name);
    station->real = !component.binds.empty();
    station->store_like = isStoreLike(component.kind);
    binds_real = binds_real || station->real;
    for (std::size_t op = 0; op < component.service_times.size(); ++op) {
      const ServiceTimeSpec& spec = component.service_times[op];
      station->models.emplace(
          spec.operation,
          STAYLAB_TRY(modelOf(spec, fmt::format("components[{}].service_times[{}]", index, op))));
    }
    state.metrics.setQueueDepth(station->id, 0, 0);
    state.metrics.setBusyWorkers(station->id, 0, 0, capacity);
    state.stations.emplace(component.name, std::move(station));
  }
  for (const LinkSpec& spec : topology.links) {
    auto link = std::make_unique<Link>();
    link->spec = &spec;
    link->latency =
        STAYLAB_TRY(modelOf(spec.latency, fmt::format("links.{}->{}", spec.from, spec.to)));
    link->random = state.streams.stream(fmt::format("link/{}->{}", spec.from, spec.to));
    state.links.emplace(std::make_pair(spec.from, spec.to), std::move(link));
  }

  // A platform pattern changes how the platform is built: without the
  // platform it would change nothing, and a scenario must not pretend.
  if (!binds_real) {
    const PatternSettings defaults;
    const auto patterns = patternRegistry();
    for (std::size_t index = 0; index < patterns.size(); ++index) {
      if (patterns[index]->kind() != PatternKind::Platform)
        continue;
      const std::string_view name = patterns[index]->name();
      const std::string why =
          fmt::format("{} is a pattern of the platform, and topology '{}' runs no platform", name,
                      topology.name);
      if (!scenario.patterns.at(index).equals(defaults.at(index)))
        return valueError(fmt::format("patterns.{}", name), why);
      for (std::size_t change = 0; change < scenario.switches.size(); ++change) {
        if (scenario.switches[change].pattern == name)
          return valueError(fmt::format("switches[{}].pattern", change), why);
      }
    }
  }

  // The platform, built as the platform patterns ask.
  if (binds_real && !m_options.validate_only) {
    if (!m_options.make_system) {
      return invalidInput("topology",
                          "topology '{}' binds real parts of the platform, but no "
                          "platform was given to run them",
                          topology.name);
    }
    m_system = STAYLAB_TRY(m_options.make_system(state.board, platformBuild(state.patterns)));
    STAYLAB_TRY(m_system->seed(scenario.data));
  }

  // Routes for the operations the load mixes, and those the patterns take
  // while they are off.
  for (std::size_t op = 0; op < kUserOperationCount; ++op) {
    const auto operation = static_cast<UserOperation>(op);
    bool used = false;
    for (const LoadPhase& phase : scenario.load)
      used = used || phase.mix[op] > 0;
    const sim::Route* spec = topology.findRoute(toString(operation));
    if (!spec) {
      if (used) {
        return valueError("load.mix",
                          fmt::format("the load mixes '{}' but topology '{}' has no route for it",
                                      toString(operation), topology.name));
      }
      continue;
    }
    state.routes[op] = STAYLAB_TRY(planRoute(*spec, operation));
    state.registerMetrics(*state.routes[op]);
  }
  for (const bool on : {false, true}) {
    for (const PatternRoutes& differing : on ? topology.routes_with : topology.routes_without) {
      RouteVariant variant;
      variant.pattern = *patternIndex(differing.pattern);
      variant.on = on;
      for (const sim::Route& spec : differing.routes) {
        for (std::size_t op = 0; op < kUserOperationCount; ++op) {
          if (spec.operation == toString(static_cast<UserOperation>(op)))
            variant.routes[op] = STAYLAB_TRY(planRoute(spec, static_cast<UserOperation>(op)));
        }
      }
      // Its operations join the metrics when the pattern first takes them,
      // so that a run that never does keeps the keys it always had.
      if (state.patterns.at(variant.pattern).enabled == on) {
        for (auto& route : variant.routes) {
          if (route)
            state.registerMetrics(*route);
        }
      }
      state.variants.push_back(std::move(variant));
    }
  }
  STAYLAB_TRY(planLegacyRoutes());
  if (m_system)
    STAYLAB_TRY(checkPhases());

  // The services the entries call: the resilience layers' dependencies.
  std::vector<RoutePlan*> plans;
  for (auto& route : state.routes) {
    if (route)
      plans.push_back(&*route);
  }
  for (RouteVariant& variant : state.variants) {
    for (auto& route : variant.routes) {
      if (route)
        plans.push_back(&*route);
    }
  }
  for (auto& route : state.legacy_routes) {
    if (route)
      plans.push_back(&*route);
  }
  for (const RoutePlan* route : plans) {
    if (route->hops.size() < 2)
      continue;
    const Station& service = *route->hops[1].station;
    const bool known = std::any_of(
        state.downstream.begin(), state.downstream.end(),
        [&service](const DownstreamService& known) { return known.name == service.spec->name; });
    if (!known)
      state.downstream.push_back(DownstreamService{service.spec->name, service.id});
  }
  for (RoutePlan* route : plans) {
    if (route->hops.size() < 2)
      continue;
    const std::string& name = route->hops[1].station->spec->name;
    for (const DownstreamService& service : state.downstream) {
      if (service.name == name)
        route->downstream = &service;
    }
  }

  // Pollers of the asynchronous parts.
  if (m_system) {
    for (const ComponentSpec& component : topology.components) {
      if (!isPoller(component))
        continue;
      // One poller per instance of a competing consumer, one for the others.
      const int members = competing(component) ? platform_build.competing_instances : 1;
      for (int member = 0; member < members; ++member) {
        auto poller = std::make_unique<Poller>();
        poller->station = state.stations.at(component.name).get();
        poller->part = component.binds;
        poller->competing = competing(component);
        poller->member = member;
        poller->metric = state.metrics.operation(component.name, "step");
        auto model = poller->station->models.find("step");
        poller->model = model == poller->station->models.end() ? nullptr : &model->second;
        auto per_event = poller->station->models.find("event");
        poller->per_event =
            per_event == poller->station->models.end() ? nullptr : &per_event->second;
        state.pollers.push_back(std::move(poller));
      }
    }
    if (!platform_build.competing_consumer.empty() &&
        std::none_of(topology.components.begin(), topology.components.end(), competing)) {
      return valueError("patterns.competing_consumers.consumer",
                        fmt::format("topology '{}' has no consumer bound to '{}'", topology.name,
                                    platform_build.competing_consumer));
    }
  }

  // Popularity per phase.
  const int properties = m_system ? std::max(m_system->propertyCount(), 1) : 1;
  for (const LoadPhase& phase : scenario.load) {
    std::vector<double> cdf;
    if (properties > 1) {
      cdf.resize(static_cast<std::size_t>(properties));
      double total = 0;
      for (int rank = 0; rank < properties; ++rank) {
        total +=
            phase.popularity.zipf > 0 ? 1.0 / std::pow(rank + 1.0, phase.popularity.zipf) : 1.0;
        cdf[static_cast<std::size_t>(rank)] = total;
      }
      for (double& value : cdf)
        value /= total;
    }
    state.popularity.push_back(std::move(cdf));
  }

  // The resilience patterns' layers, made up front: each may be switched on
  // during the run.
  const LayerContext context{state.simulation, state.metrics, state.streams, state.patterns,
                             state.downstream};
  for (const Pattern* pattern : patternRegistry())
    state.layers.push_back(pattern->makeLayer(context));
  return {};
}

PlatformBuild Engine::platformBuild(const PatternSettings& patterns) const {
  PlatformBuild build = platformBuildOf(patterns);
  build.payment = std::any_of(
      m_topology.components.begin(), m_topology.components.end(),
      [](const ComponentSpec& component) { return component.binds == kPaymentProviderPart; });
  return build;
}

Result<RoutePlan> Engine::planRoute(const sim::Route& spec, UserOperation operation) {
  RunState& state = *m_state;
  const std::size_t length = spec.hops.size() + spec.calls.size();
  if (spec.hops.empty() || length > kMaxHops) {
    return invalidInput("topology.routes", "route '{}' needs 1..{} hops", spec.operation, kMaxHops);
  }
  RoutePlan route;
  route.operation = operation;
  route.chain = spec.hops.size();
  for (std::size_t index = 0; index < length; ++index) {
    const sim::Hop& hop_spec =
        index < route.chain ? spec.hops[index] : spec.calls[index - route.chain];
    HopPlan step;
    auto found = state.stations.find(hop_spec.component);
    if (found == state.stations.end()) {
      return invalidInput("topology.routes", "route '{}' goes through '{}', which cannot serve",
                          spec.operation, hop_spec.component);
    }
    step.station = found->second.get();
    step.operation = hop_spec.operation;
    auto model = step.station->models.find(hop_spec.operation);
    step.model = model == step.station->models.end() ? nullptr : &model->second;
    // The link from the caller: the previous hop of the chain (every call's
    // is the chain's last), or a client for the entry.
    const std::size_t caller = std::min(index, route.chain) - (index > 0 ? 1 : 0);
    if (index > 0) {
      auto link = state.links.find({route.hops[caller].station->spec->name, hop_spec.component});
      step.link_in = link == state.links.end() ? nullptr : link->second.get();
    } else {
      for (const ComponentSpec& component : m_topology.components) {
        if (component.kind != ComponentKind::Client)
          continue;
        auto link = state.links.find({component.name, hop_spec.component});
        if (link != state.links.end()) {
          step.link_in = link->second.get();
          break;
        }
      }
    }
    route.hops.push_back(std::move(step));
  }
  // The real operation's commit points: the deepest hop of a chain, or each
  // real call.
  if (m_system != nullptr) {
    if (route.chain == length) {
      if (route.hops.back().station->real)
        route.hops.back().phase = route.phases++;
    } else {
      for (std::size_t index = route.chain; index < length; ++index) {
        if (route.hops[index].station->real)
          route.hops[index].phase = route.phases++;
      }
    }
  }
  return route;
}

Result<void> Engine::planLegacyRoutes() {
  RunState& state = *m_state;
  const auto registry = patternRegistry();
  for (std::size_t index = 0; index < registry.size() && !state.backend_pattern; ++index) {
    if (registry[index]->routesPerRequest())
      state.backend_pattern = index;
  }
  if (!state.backend_pattern)
    return {};
  state.backend_random = state.streams.stream("backend");
  const std::string_view name = registry[*state.backend_pattern]->name();
  for (const PatternRoutes& with : m_topology.routes_with) {
    if (with.pattern != name)
      continue;
    for (const sim::Route& spec : with.routes) {
      for (std::size_t op = 0; op < kUserOperationCount; ++op) {
        const auto operation = static_cast<UserOperation>(op);
        if (spec.operation == fmt::format("{}{}", kLegacyRoutePrefix, toString(operation)))
          state.legacy_routes[op] = STAYLAB_TRY(planRoute(spec, operation));
      }
    }
  }
  // A run that can turn the pattern on needs a legacy route, making a real
  // call, for every operation its load mixes.
  bool can_be_on = m_scenario.patterns.at(*state.backend_pattern).enabled;
  for (const PatternSwitchSpec& change : m_scenario.switches)
    can_be_on = can_be_on || (change.pattern == name && change.on);
  if (!can_be_on || m_options.validate_only || !m_system)
    return {};
  STAYLAB_TRY(checkLegacyRoutes());
  state.registerLegacyRoutes();
  return {};
}

Result<void> Engine::checkLegacyRoutes() const {
  const RunState& state = *m_state;
  const std::string_view name = patternRegistry()[*state.backend_pattern]->name();
  for (std::size_t op = 0; op < kUserOperationCount; ++op) {
    const auto operation = static_cast<UserOperation>(op);
    bool used = false;
    for (const LoadPhase& phase : m_scenario.load)
      used = used || phase.mix[op] > 0;
    const auto& route = state.legacy_routes[op];
    if (used && (!route || route->phases == 0)) {
      return valueError(fmt::format("topology.routes_with.{}.{}{}", name, kLegacyRoutePrefix,
                                    toString(operation)),
                        fmt::format("{} sends '{}' to the legacy system, but topology '{}' {}",
                                    name, toString(operation), m_topology.name,
                                    route ? "routes it through no real part there"
                                          : "gives no route for it there"));
    }
  }
  return {};
}

Result<void> Engine::checkPhases() const {
  const RunState& state = *m_state;
  // The states a run can be in: its patterns as written, and each with one
  // of the patterns its switches turn.
  std::vector<PatternSettings> states = {m_scenario.patterns};
  for (const PatternSwitchSpec& change : m_scenario.switches) {
    PatternSettings toggled = m_scenario.patterns;
    toggled.setEnabled(change.pattern, change.on);
    states.push_back(std::move(toggled));
  }
  for (const PatternSettings& patterns : states) {
    const PlatformBuild build = platformBuild(patterns);
    for (std::size_t op = 0; op < kUserOperationCount; ++op) {
      const auto operation = static_cast<UserOperation>(op);
      const RoutePlan* route = nullptr;
      std::string field = fmt::format("topology.routes.{}", toString(operation));
      for (const RouteVariant& variant : state.variants) {
        if (patterns.at(variant.pattern).enabled == variant.on && variant.routes[op]) {
          route = &*variant.routes[op];
          field = fmt::format("topology.{}.{}.{}", variant.on ? "routes_with" : "routes_without",
                              patternRegistry()[variant.pattern]->name(), toString(operation));
          break;
        }
      }
      if (route == nullptr)
        route = state.routes[op] ? &*state.routes[op] : nullptr;
      if (route == nullptr || route->phases == 0)
        continue;
      const int needed = m_system->phases(operation, build);
      if (needed != route->phases) {
        // The platform patterns switched away from how the platform is
        // built by default: "without cqrs", "with cache_aside".
        std::vector<std::string> changed;
        std::string section;
        const PatternSettings defaults;
        for (const Pattern* pattern : patternRegistry()) {
          if (pattern->kind() != PatternKind::Platform)
            continue;
          const bool on = patterns.enabled(pattern->name());
          if (on == defaults.enabled(pattern->name()))
            continue;
          changed.push_back(fmt::format("{} {}", on ? "with" : "without", pattern->name()));
          if (section.empty())
            section = fmt::format("{}.{}", on ? "routes_with" : "routes_without", pattern->name());
        }
        return valueError(
            field,
            fmt::format("topology '{}' routes '{}' through {} real call(s), but the platform "
                        "{} makes {}; give the route it takes{}",
                        m_topology.name, toString(operation), route->phases,
                        changed.empty() ? std::string("as built")
                                        : fmt::format("{}", fmt::join(changed, ", ")),
                        needed, section.empty() ? std::string() : " in " + section));
      }
    }
  }
  return {};
}

Result<void> Engine::checkFits() const {
  const std::vector<std::string> topics = m_system ? m_system->topics() : m_options.known_topics;
  for (std::size_t index = 0; index < m_scenario.faults.size(); ++index) {
    STAYLAB_TRY(checkFaultFits(m_scenario.faults[index], fmt::format("faults[{}]", index),
                               m_topology, topics, instanceCounts(*m_state)));
  }
  // The metrics of run A; a comparison checks run B's against B's engine.
  for (std::size_t index = 0; index < m_scenario.expectations.size(); ++index) {
    for (const MetricRef* metric : m_scenario.expectations[index].metricsOf(RunId::A))
      STAYLAB_TRY(checkMetricSubject(*metric, fmt::format("expect[{}]", index)));
  }
  return {};
}

Result<void> Engine::checkMetricSubject(const MetricRef& metric, std::string_view field) const {
  const RunState& state = *m_state;
  std::vector<std::string> operations;
  const auto add = [&](const std::optional<RoutePlan>& route) {
    if (!route)
      return;
    for (const HopPlan& hop : route->hops) {
      if (hop.station->spec->name == metric.component)
        operations.push_back(hop.operation);
    }
  };
  for (const auto& route : state.routes)
    add(route);
  for (const RouteVariant& variant : state.variants) {
    for (const auto& route : variant.routes)
      add(route);
  }
  for (const auto& route : state.legacy_routes)
    add(route);
  const ComponentSpec* component = m_topology.findComponent(metric.component);
  if (component != nullptr && isPoller(*component))
    operations.push_back("step");
  return checkExpectationSubject(metric, field, m_topology, operations);
}

void Engine::schedule() {
  RunState& state = *m_state;
  // Batch means for the queue waits, sized from the expected arrivals.
  const auto expected_by_operation = expectedRequests(m_scenario);
  for (auto& [name, station] : state.stations) {
    double expected = 0;
    for (std::size_t op = 0; op < kUserOperationCount; ++op) {
      const auto& route = state.routes[op];
      if (!route)
        continue;
      for (const HopPlan& hop : route->hops) {
        if (hop.station == station.get())
          expected += expected_by_operation[op];
      }
    }
    if (expected >= 300) {
      auto batches = BatchMeans::forExpectedCount(static_cast<std::uint64_t>(expected * 0.98));
      if (batches)
        station->waits = std::move(*batches);
    }
  }

  m_pipeline = std::make_unique<RequestPipeline>(
      state, m_system.get(), m_scenario.mode, m_options.max_requests_in_flight,
      platformBuildOf(state.patterns).leveling_poll.count());
  m_load = std::make_unique<LoadGenerator>(state, m_scenario, *m_pipeline);
  m_pollers = std::make_unique<Pollers>(state, m_system.get());
  m_timeline = std::make_unique<FaultTimeline>(
      state, m_system.get(), *m_pollers, m_end,
      [this](const PatternSwitchSpec& change) { applySwitch(change); });
  state.load_end = std::min(m_load->start(), m_end);
  m_pollers->start();
  const PlatformBuild platform = platformBuildOf(state.patterns);
  const auto book = static_cast<std::size_t>(UserOperation::Book);
  if (m_system && platform.load_leveling && state.routes[book]) {
    m_queue_workers = std::make_unique<QueueWorkers>(state, *m_system, *state.routes[book],
                                                     platform.leveling_workers);
    m_queue_workers->start();
  }
  m_timeline->start(m_scenario);
}

}  // namespace staylab::sim
