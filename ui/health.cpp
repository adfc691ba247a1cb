#include "ui/health.h"

#include <algorithm>

#include <fmt/format.h>

#include "simulator/metrics/evaluation.h"

namespace staylab::ui {
namespace {

constexpr double kDegradedFailureRate = 0.01;
constexpr double kDownFailureRate = 0.5;
constexpr double kBusyUtilisation = 0.85;
constexpr sim::Nanos kLagLimit = sim::kSecond;
constexpr sim::Nanos kRateWindow = sim::kSecond;
constexpr sim::Nanos kMaxExactSpan = 2 * sim::kSecond;

bool active(const sim::FaultWindow& window, sim::Nanos now) {
  return window.start <= now && now < window.end;
}

std::uint64_t minus(std::uint64_t now, std::uint64_t then) {
  return now - std::min(now, then);
}

}  // namespace

std::string_view toString(Health health) {
  switch (health) {
    case Health::Ok:
      return "ok";
    case Health::Degraded:
      return "degraded";
    case Health::Down:
      return "down";
  }
  return "ok";
}

bool takesDown(std::string_view fault_kind) {
  return fault_kind == "store_outage" || fault_kind == "instance_kill" ||
         fault_kind == "consumer_crash" || fault_kind == "link_partition";
}

std::string faultTag(std::string_view fault_kind) {
  if (fault_kind == "store_outage")
    return "OUTAGE";
  if (fault_kind == "store_latency" || fault_kind == "link_latency")
    return "SLOW";
  if (fault_kind == "store_error_rate")
    return "ERRORS";
  if (fault_kind == "link_partition")
    return "PARTITION";
  if (fault_kind == "link_loss")
    return "LOSS";
  if (fault_kind == "instance_kill")
    return "KILLED";
  if (fault_kind == "consumer_crash")
    return "CRASHED";
  if (fault_kind == "delivery_duplicate")
    return "DUPLICATES";
  if (fault_kind == "delivery_delay")
    return "DELAYED";
  if (fault_kind == "delivery_reorder")
    return "REORDER";
  if (fault_kind == "poison_event")
    return "POISON";
  std::string tag(fault_kind);
  std::transform(tag.begin(), tag.end(), tag.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return tag;
}

HealthModel::HealthModel(sim::Topology topology) : m_topology(std::move(topology)) {
  for (const sim::ComponentSpec& component : m_topology.components)
    m_components[component.name] = ComponentHealth();
  m_link_keys.resize(m_topology.links.size());
  for (std::size_t index = 0; index < m_topology.links.size(); ++index) {
    const sim::LinkSpec& link = m_topology.links[index];
    LinkState state;
    state.from = link.from;
    state.to = link.to;
    const sim::ComponentSpec* callee = m_topology.findComponent(link.to);
    state.polled = callee != nullptr && sim::polls(callee->kind);
    m_links.push_back(state);
    for (const auto& [pattern, pair] : m_topology.conditionalLinks()) {
      if (pair.first == link.from && pair.second == link.to)
        state.conditional = pattern;
    }
    m_links.back().conditional = state.conditional;
    auto& keys = m_link_keys[index];
    const sim::ComponentSpec* caller = m_topology.findComponent(link.from);
    std::vector<const sim::Route*> routes;
    for (const sim::Route& route : m_topology.routes)
      routes.push_back(&route);
    for (const auto* differing : {&m_topology.routes_without, &m_topology.routes_with}) {
      for (const sim::PatternRoutes& pattern : *differing) {
        for (const sim::Route& route : pattern.routes)
          routes.push_back(&route);
      }
    }
    for (const sim::Route* route : routes) {
      if (route->hops.empty())
        continue;
      // The clients open every route at its entry.
      if (caller != nullptr && caller->kind == sim::ComponentKind::Client &&
          route->hops.front().component == link.to) {
        keys.emplace_back(route->hops.front().component, route->hops.front().operation);
      }
      for (std::size_t hop = 1; hop < route->hops.size(); ++hop) {
        if (route->hops[hop - 1].component == link.from && route->hops[hop].component == link.to)
          keys.emplace_back(route->hops[hop].component, route->hops[hop].operation);
      }
      // The calls the chain's last hop makes.
      for (const sim::Hop& call : route->calls) {
        if (route->hops.back().component == link.from && call.component == link.to)
          keys.emplace_back(call.component, call.operation);
      }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
}

const ComponentHealth* HealthModel::component(std::string_view name) const {
  auto found = m_components.find(name);
  return found == m_components.end() ? nullptr : &found->second;
}

void HealthModel::update(const sim::MetricsSnapshot& snapshot, sim::Nanos now,
                         const std::vector<sim::FaultWindow>& pending) {
  // Faults acting now.
  m_active.clear();
  for (const sim::FaultWindow& window : snapshot.faults) {
    if (active(window, now))
      m_active.push_back(window);
  }
  for (const sim::FaultWindow& window : pending) {
    if (active(window, now) &&
        std::find(m_active.begin(), m_active.end(), window) == m_active.end())
      m_active.push_back(window);
  }

  // Cumulative counters of each component, kept for a second of virtual time.
  if (m_history.empty() || m_history.back().now != snapshot.now) {
    if (!m_history.empty() && snapshot.now < m_history.back().now)
      m_history.clear();
    Sample sample;
    sample.now = snapshot.now;
    for (const sim::OperationTotals& totals : snapshot.operations) {
      if (!totals.key.isComponent())
        continue;
      Counters counters;
      counters.count = totals.count;
      counters.errors = totals.errors;
      for (const auto& [kind, errors] : totals.errors_by_kind) {
        if (sim::isOverload(kind))
          counters.overload_failures += errors;
        else if (!sim::isRefusal(kind))
          counters.fault_failures += errors;
      }
      sample.components[totals.key.component] = counters;
    }
    m_history.push_back(std::move(sample));
    while (m_history.size() > 2 && m_history[1].now <= snapshot.now - kRateWindow)
      m_history.pop_front();
  }
  const Sample* latest = m_history.empty() ? nullptr : &m_history.back();
  const Sample* oldest = m_history.size() > 1 ? &m_history.front() : nullptr;

  const sim::TimeSeries& series = snapshot.series;
  const sim::IntervalSample* last = series.empty() ? nullptr : &series[series.size() - 1];
  bool fault_recently = false;
  for (const sim::FaultWindow& window : snapshot.faults) {
    if (window.start < snapshot.now && window.end > snapshot.now - kRateWindow)
      fault_recently = true;
  }
  const sim::ComponentSpec* event_log = nullptr;
  for (const sim::ComponentSpec& spec : m_topology.components) {
    if (spec.kind == sim::ComponentKind::EventLog)
      event_log = &spec;
  }

  for (auto& [name, state] : m_components) {
    state = ComponentHealth();
    if (latest != nullptr) {
      Counters now_counters;
      if (auto found = latest->components.find(name); found != latest->components.end())
        now_counters = found->second;
      Counters then_counters;
      sim::Nanos then = 0;
      if (oldest != nullptr) {
        then = oldest->now;
        if (auto found = oldest->components.find(name); found != oldest->components.end())
          then_counters = found->second;
      }
      const std::uint64_t count = minus(now_counters.count, then_counters.count);
      const std::uint64_t errors = minus(now_counters.errors, then_counters.errors);
      const std::uint64_t fault_failures =
          minus(now_counters.fault_failures, then_counters.fault_failures);
      const std::uint64_t overload_failures =
          minus(now_counters.overload_failures, then_counters.overload_failures);
      const sim::Nanos span = latest->now - then;
      if (span <= kMaxExactSpan || last == nullptr) {
        state.failure_rate = count > 0 ? static_cast<double>(fault_failures + overload_failures) /
                                             static_cast<double>(count)
                                       : 0.0;
        state.throughput =
            span > 0 ? static_cast<double>(count) / (static_cast<double>(span) / 1e9) : 0.0;
      } else {
        // A jump: the last second's errors from the series, split as over the gap.
        std::uint64_t recent_count = 0;
        std::uint64_t recent_errors = 0;
        sim::Nanos covered = 0;
        if (auto key = series.findKey(name, sim::kAllOperations)) {
          for (std::size_t index = series.size(); index > 0 && covered < kRateWindow; --index) {
            const sim::IntervalSample& sample = series[index - 1];
            if (const sim::SeriesPoint* point = sample.find(*key)) {
              recent_count += point->completions;
              recent_errors += point->errors;
            }
            covered += sample.end - sample.start;
          }
        }
        const std::uint64_t failing = overload_failures + (fault_recently ? fault_failures : 0);
        const double share =
            errors > 0 ? static_cast<double>(failing) / static_cast<double>(errors) : 0.0;
        state.failure_rate = recent_count > 0 ? share * static_cast<double>(recent_errors) /
                                                    static_cast<double>(recent_count)
                                              : 0.0;
        state.throughput =
            covered > 0 ? static_cast<double>(recent_count) / (static_cast<double>(covered) / 1e9)
                        : 0.0;
      }
    }
    if (last != nullptr) {
      if (auto key = series.findKey(name, sim::kAllOperations)) {
        if (const sim::SeriesPoint* point = last->find(*key)) {
          state.utilisation = point->utilisation;
          state.queue_depth = point->queue_depth_max;
          state.lag_events = point->lag_events;
          state.lag_time = point->lag_time;
          state.circuit = point->circuit;
        }
      }
    }
    if (const sim::ComponentGauges* gauges = snapshot.findComponent(name)) {
      if (gauges->circuit)
        state.circuit = gauges->circuit->state;
    }
    const sim::ComponentSpec* spec = m_topology.findComponent(name);
    for (const sim::FaultWindow& window : m_active) {
      const bool on_topic = event_log != nullptr && spec == event_log &&
                            (window.kind.starts_with("delivery") || window.kind == "poison_event");
      if (window.target == name || on_topic)
        state.faults.push_back(window);
    }

    std::vector<std::string> down_reasons;
    std::vector<std::string> degraded_reasons;
    for (const sim::FaultWindow& window : state.faults) {
      (takesDown(window.kind) ? down_reasons : degraded_reasons).push_back(window.kind);
    }
    if (state.failure_rate > kDownFailureRate) {
      down_reasons.push_back(
          fmt::format("{} of calls failing", sim::formatPercent(state.failure_rate)));
    } else if (state.failure_rate > kDegradedFailureRate) {
      degraded_reasons.push_back(
          fmt::format("{} of calls failing", sim::formatPercent(state.failure_rate)));
    }
    if (state.utilisation && *state.utilisation > kBusyUtilisation)
      degraded_reasons.push_back(fmt::format("{:.0f}% busy", *state.utilisation * 100));
    if (state.lag_time && *state.lag_time > kLagLimit)
      degraded_reasons.push_back(fmt::format("lag {}", sim::formatLatency(*state.lag_time)));
    if (state.circuit && *state.circuit == sim::CircuitState::Open)
      degraded_reasons.push_back("circuit open");
    if (!down_reasons.empty()) {
      state.health = Health::Down;
      state.reason = fmt::format("{}", fmt::join(down_reasons, ", "));
    } else if (!degraded_reasons.empty()) {
      state.health = Health::Degraded;
      state.reason = fmt::format("{}", fmt::join(degraded_reasons, ", "));
    }
  }

  for (std::size_t index = 0; index < m_links.size(); ++index) {
    LinkState& link = m_links[index];
    link.faults.clear();
    const std::string label = link.from + "->" + link.to;
    for (const sim::FaultWindow& window : m_active) {
      if (window.target == label)
        link.faults.push_back(window);
    }
    link.rate.reset();
    if (last == nullptr || m_link_keys[index].empty())
      continue;
    double rate = 0;
    for (const auto& [component, operation] : m_link_keys[index]) {
      if (auto key = series.findKey(component, operation)) {
        if (const sim::SeriesPoint* point = last->find(*key))
          rate += point->throughput;
      }
    }
    link.rate = rate;
  }
}

}  // namespace staylab::ui
