#include "simulator/engine/engine.h"

#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "simulator/engine/engine_state.h"
#include "simulator/engine/fault_timeline.h"
#include "simulator/engine/load_generator.h"
#include "simulator/engine/pollers.h"
#include "simulator/engine/queue_workers.h"
#include "simulator/engine/request_pipeline.h"
#include "simulator/engine/scenario_fit.h"
#include "simulator/patterns/registry.h"
#include "simulator/scenario/pattern_switches.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {

Result<void> checkSampleInterval(Nanos interval, Nanos run_length, std::string_view field) {
  const Nanos floor = kMinSampleInterval.count();
  if (interval < floor) {
    return std::unexpected(Error{ErrorKind::InvalidInput, "scenario.limit", std::string(field),
                                 fmt::format("the interval is {}; the limit is {} or longer",
                                             formatDuration(std::chrono::nanoseconds(interval)),
                                             formatDuration(kMinSampleInterval))});
  }
  // Rounded up: a last, partial interval is a point too.
  const Nanos points = run_length / interval + (run_length % interval != 0 ? 1 : 0);
  if (points > kMaxSeriesPoints) {
    const Nanos shortest = run_length / kMaxSeriesPoints + (run_length % kMaxSeriesPoints != 0);
    return std::unexpected(Error{
        ErrorKind::InvalidInput, "scenario.limit", std::string(field),
        fmt::format("an interval of {} makes {} points of {} of virtual time; the limit is {} "
                    "points, so give {} or longer",
                    formatDuration(std::chrono::nanoseconds(interval)), points,
                    formatDuration(std::chrono::nanoseconds(run_length)), kMaxSeriesPoints,
                    formatDuration(std::chrono::nanoseconds(std::max(shortest, floor))))});
  }
  return {};
}

Nanos defaultSampleInterval(Nanos duration) {
  // 1 s up to 2,000 s; beyond, a round multiple of a second, so that a run
  // has at most about 2,000 intervals.
  if (duration <= 2000 * kSecond)
    return kSecond;
  static constexpr std::array<Nanos, 12> kSteps = {
      2 * kSecond, 5 * kSecond,  10 * kSecond, 30 * kSecond, kMinute,   2 * kMinute,
      5 * kMinute, 10 * kMinute, 30 * kMinute, kHour,        6 * kHour, 24 * kHour};
  for (const Nanos step : kSteps) {
    if (duration / step <= 2000)
      return step;
  }
  return kSteps.back();
}

Engine::Engine(Scenario scenario, Topology topology, EngineOptions options)
    : m_scenario(std::move(scenario)),
      m_topology(std::move(topology)),
      m_options(std::move(options)) {}

Engine::~Engine() {
  // The platform's decorators refer to the fault board in the state: close
  // the platform first. Suspended processes only hold pointers to the state
  // and to the parts, which outlive the frames the state's simulation
  // destroys.
  m_system.reset();
  m_state.reset();
}

Nanos Engine::now() const {
  return m_state->simulation.now();
}

const FaultBoard& Engine::faults() const {
  return m_state->board;
}

bool Engine::atEnd() const {
  return m_state->simulation.now() >= m_end;
}

std::shared_ptr<const MetricsSnapshot> Engine::snapshot() const {
  return m_state->metrics.published();
}

EngineStatus Engine::status() const {
  EngineStatus status;
  status.now = m_state->published_now.load(std::memory_order_relaxed);
  status.end = m_end;
  status.events = m_state->published_events.load(std::memory_order_relaxed);
  status.requests = m_state->requests.load(std::memory_order_relaxed);
  status.active_faults = m_state->active_faults.load(std::memory_order_relaxed);
  status.finished = m_state->finished.load(std::memory_order_relaxed);
  return status;
}

Result<void> Engine::checkFault(const FaultSpec& fault, std::string_view field) const {
  const std::vector<std::string> topics = m_system ? m_system->topics() : m_options.known_topics;
  return checkFaultFits(fault, field, m_topology, topics, instanceCounts(*m_state));
}

Result<void> Engine::injectFault(FaultSpec fault) {
  STAYLAB_TRY(checkFault(fault, "fault"));
  std::lock_guard lock(m_state->inject_mutex);
  m_state->injected.push_back(std::move(fault));
  m_state->has_injected.store(true, std::memory_order_release);
  return {};
}

Result<void> Engine::switchPattern(std::string_view pattern, bool on) {
  const Pattern* found = findPattern(pattern);
  if (found == nullptr || found->live() != LiveSwitch::Yes) {
    return invalidInput("pattern", "'{}' cannot be switched during a run; one of: {}", pattern,
                        fmt::join(livePatternNames(), ", "));
  }
  if (on && found->routesPerRequest() && m_system)
    STAYLAB_TRY(checkLegacyRoutes());
  std::lock_guard lock(m_state->inject_mutex);
  m_state->switches.emplace_back(std::string(pattern), on);
  m_state->has_injected.store(true, std::memory_order_release);
  return {};
}

const PatternSettings& Engine::patterns() const {
  return m_state->patterns;
}

void Engine::applySwitch(const PatternSwitchSpec& change) {
  const auto index = patternIndex(change.pattern);
  if (!index)
    return;
  const std::string& pattern = change.pattern;
  const bool on = change.on;
  PatternSettings switched = m_state->patterns;
  if (!applyPatternSwitch(switched, change)) {
    ++m_state->fault_results[pattern + ".switch_failed"];  // Settings it refuses.
    return;
  }
  const bool was_on = m_state->patterns.at(*index).enabled;
  if (switched == m_state->patterns)
    return;  // Already so: nothing happens, nothing to record.
  if (patternRegistry()[*index]->kind() == PatternKind::Platform && m_system) {
    auto changed = m_state->untimed([&] { return m_system->reconfigure(platformBuild(switched)); });
    if (!changed) {
      ++m_state->fault_results[pattern + ".switch_failed"];  // The platform cannot.
      return;
    }
  }
  // In place, as tried on the copy: the layers hold references to the settings.
  if (!applyPatternSwitch(m_state->patterns, change))
    return;
  m_state->registerLegacyRoutes();
  if (was_on != on) {
    if (RequestLayer* layer = m_state->layers[*index].get())
      layer->switched(on);
  }
  // The routes the pattern takes in its new state join the metrics.
  for (RouteVariant& variant : m_state->variants) {
    if (variant.pattern != *index || variant.on != on)
      continue;
    for (auto& route : variant.routes) {
      if (route)
        m_state->registerMetrics(*route);
    }
  }
  m_state->metrics.addPatternSwitch(
      PatternSwitch{m_state->simulation.now(), pattern, on, change.settings});
  std::lock_guard lock(m_state->inject_mutex);
  PatternSwitchSpec done = change;
  done.at = std::chrono::nanoseconds(m_state->simulation.now());
  m_state->switches_done.push_back(std::move(done));
}

Scenario Engine::asRun() const {
  Scenario scenario = m_scenario;
  std::lock_guard lock(m_state->inject_mutex);
  for (const FaultSpec& fault : m_state->injected_done)
    scenario.faults.push_back(fault);
  std::stable_sort(scenario.faults.begin(), scenario.faults.end(),
                   [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
  // The switches made, then the scenario's own still to come; a pattern
  // switched more than once at one instant keeps its last state.
  const Nanos now = m_state->published_now.load(std::memory_order_relaxed);
  std::vector<PatternSwitchSpec> switches = m_state->switches_done;
  for (const PatternSwitchSpec& planned : m_scenario.switches) {
    if (planned.at.count() > now)
      switches.push_back(planned);
  }
  std::stable_sort(
      switches.begin(), switches.end(),
      [](const PatternSwitchSpec& a, const PatternSwitchSpec& b) { return a.at < b.at; });
  scenario.switches.clear();
  for (PatternSwitchSpec& change : switches) {
    auto same = std::find_if(scenario.switches.begin(), scenario.switches.end(),
                             [&](const PatternSwitchSpec& kept) {
                               return kept.at == change.at && kept.pattern == change.pattern;
                             });
    if (same != scenario.switches.end()) {
      same->on = change.on;
      if (!change.settings.empty())
        same->settings = change.settings;
    } else {
      scenario.switches.push_back(std::move(change));
    }
  }
  return scenario;
}

void Engine::applyInjected() {
  if (!m_state->has_injected.load(std::memory_order_acquire))
    return;
  std::vector<FaultSpec> faults;
  std::vector<std::pair<std::string, bool>> switches;
  {
    std::lock_guard lock(m_state->inject_mutex);
    faults.swap(m_state->injected);
    switches.swap(m_state->switches);
    m_state->has_injected.store(false, std::memory_order_release);
  }
  for (const auto& [pattern, on] : switches) {
    applySwitch(
        PatternSwitchSpec{std::chrono::nanoseconds(m_state->simulation.now()), pattern, on, {}});
  }
  for (FaultSpec& fault : faults) {
    fault.at = std::chrono::nanoseconds(m_state->simulation.now());
    {
      std::lock_guard lock(m_state->inject_mutex);
      m_state->injected_done.push_back(fault);
    }
    m_timeline->inject(std::move(fault));
  }
}

void Engine::publishProgress() {
  RunState& state = *m_state;
  state.published_now.store(state.simulation.now(), std::memory_order_relaxed);
  state.published_events.store(state.simulation.eventsProcessed(), std::memory_order_relaxed);
}

Nanos Engine::runUntil(Nanos time) {
  RunState& state = *m_state;
  const Nanos target = std::min(time, m_end);
  if (target < state.simulation.now()) {
    return state.simulation.now();
  }
  // Slices of one sample interval: metrics publish, injected faults apply,
  // and progress is visible between them.
  const Nanos slice = state.metrics.sampleInterval();
  while (state.simulation.now() < target) {
    applyInjected();
    const Nanos next = std::min(target, (state.simulation.now() / slice + 1) * slice);
    state.simulation.runUntil(next);
    state.metrics.sample(state.simulation.now());
    publishProgress();
  }
  applyInjected();
  return state.simulation.now();
}

bool Engine::step() {
  RunState& state = *m_state;
  if (atEnd())
    return false;
  applyInjected();
  // One event, but never past the end.
  const std::optional<Nanos> next = state.simulation.nextEventTime();
  if (!next || *next > m_end) {
    state.simulation.runUntil(m_end);
  } else {
    state.simulation.step();
  }
  state.metrics.sample(state.simulation.now());
  publishProgress();
  return !atEnd();
}

Result<RunReport> Engine::finish() {
  RunState& state = *m_state;
  const Nanos end = state.simulation.now();
  state.metrics.finish(end);
  publishProgress();

  RunReport report;
  report.run = RunDescription::of(m_scenario);
  report.run.duration = end;
  report.metrics = *state.metrics.published();

  InvariantResults invariants;
  if (m_system) {
    state.board.clearAll();
    invariants = STAYLAB_TRY(m_system->checkInvariants(state.acknowledged));
    if (state.converged_at) {
      invariants.convergence_time_ns =
          *state.converged_at - std::max(state.load_end, state.last_fault_end);
    } else {
      invariants.convergence_time_ns.reset();
    }
  } else {
    invariants.convergence_time_ns = Nanos{0};
  }
  report.invariants = invariants;

  for (const auto& [name, station] : state.stations) {
    if (station->wait_stats.count() == 0)
      continue;
    WaitStatistics waits;
    waits.component = name;
    waits.count = station->wait_stats.count();
    waits.mean_seconds = station->wait_stats.mean();
    if (station->waits) {
      if (auto interval = station->waits->interval())
        waits.interval = *interval;
    }
    report.waits.push_back(std::move(waits));
  }
  // What the faults did, as the board counted it.
  const FaultBoard& board = state.board;
  auto effect = [&report](std::string name, std::uint64_t count) {
    if (count > 0)
      report.fault_effects.emplace(std::move(name), count);
  };
  for (const auto& [name, station] : state.stations) {
    if (station->store_like) {
      const std::string target = station->real ? station->spec->binds : name;
      effect(name + ".failed_calls", board.injectedFailures(target));
    }
  }
  for (const auto& [name, count] : state.fault_results)
    effect(name, count);
  if (m_system) {
    for (const std::string& topic : m_system->topics()) {
      effect(topic + ".duplicates_delivered", board.duplicatesDelivered(topic));
      effect(topic + ".reordered", board.reordered(topic));
      effect(topic + ".withheld", board.withheld(topic));
    }
  }
  report.expectations = evaluateAll(m_scenario.expectations, report.metrics, report.invariants);
  state.finished.store(true, std::memory_order_relaxed);
  return report;
}

}  // namespace staylab::sim
