#include "simulator/engine/load_generator.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace staylab::sim {

Nanos LoadGenerator::start() {
  Nanos phase_start = 0;
  for (std::size_t index = 0; index < m_scenario.load.size(); ++index) {
    const LoadPhase& phase = m_scenario.load[index];
    if (phase.arrivals.kind == ArrivalKind::Closed) {
      for (int user = 0; user < phase.arrivals.users; ++user) {
        m_state.simulation.spawn(closedUser(index, phase_start, static_cast<std::uint64_t>(user)));
      }
    } else {
      m_state.simulation.spawn(openArrivals(index, phase_start));
    }
    phase_start += phase.length.count();
  }
  return phase_start;
}

UserOperation LoadGenerator::chooseOperation(const LoadPhase& phase) {
  const double u = m_state.mix_random.uniform();
  double cumulative = 0;
  for (std::size_t index = 0; index < kUserOperationCount; ++index) {
    cumulative += phase.mix[index];
    if (u < cumulative && phase.mix[index] > 0)
      return static_cast<UserOperation>(index);
  }
  for (std::size_t index = kUserOperationCount; index-- > 0;) {
    if (phase.mix[index] > 0)
      return static_cast<UserOperation>(index);
  }
  return UserOperation::Search;
}

int LoadGenerator::chooseProperty(std::size_t phase_index) {
  const std::vector<double>& cdf = m_state.popularity[phase_index];
  if (cdf.empty())
    return 0;
  const double u = m_state.popularity_random.uniform();
  const auto found = std::upper_bound(cdf.begin(), cdf.end(), u);
  return static_cast<int>(
      std::min<std::ptrdiff_t>(found - cdf.begin(), static_cast<std::ptrdiff_t>(cdf.size()) - 1));
}

void LoadGenerator::arrive(std::size_t phase_index, Nanos intended, CompletionSlot* completion) {
  const LoadPhase& phase = m_scenario.load[phase_index];
  const UserOperation operation = chooseOperation(phase);
  const int property = chooseProperty(phase_index);
  const RoutePlan* route = m_state.routeFor(operation);
  m_state.requests.fetch_add(1, std::memory_order_relaxed);
  m_state.simulation.spawn(m_pipeline.request(route, intended, property, completion));
}

Process LoadGenerator::openArrivals(std::size_t phase_index, Nanos phase_start) {
  Simulation& simulation = m_state.simulation;
  const LoadPhase& phase = m_scenario.load[phase_index];
  const ArrivalSpec& arrivals = phase.arrivals;
  const Nanos length = phase.length.count();
  const Nanos phase_end = phase_start + length;
  Generator random = m_state.streams.stream(fmt::format("arrivals/{}", phase_index));

  // The rate at `offset` into the phase; piecewise for step and burst.
  auto rate_at = [&arrivals, length](Nanos offset) -> double {
    switch (arrivals.kind) {
      case ArrivalKind::Constant:
      case ArrivalKind::Poisson:
        return arrivals.rate;
      case ArrivalKind::Ramp:
        return arrivals.from + (arrivals.to - arrivals.from) * static_cast<double>(offset) /
                                   static_cast<double>(std::max<Nanos>(length, 1));
      case ArrivalKind::Step: {
        const int steps = std::max(arrivals.steps, 1);
        const auto stair = std::min<Nanos>(offset * steps / std::max<Nanos>(length, 1),
                                           static_cast<Nanos>(steps - 1));
        return steps == 1 ? arrivals.from
                          : arrivals.from + (arrivals.to - arrivals.from) *
                                                static_cast<double>(stair) / (steps - 1);
      }
      case ArrivalKind::Burst: {
        const Nanos every = std::max<Nanos>(arrivals.every.count(), 1);
        return offset % every < arrivals.burst_length.count() ? arrivals.rate : arrivals.base;
      }
      case ArrivalKind::Closed:
        return 0;
    }
    return 0;
  };
  double peak = 0;
  switch (arrivals.kind) {
    case ArrivalKind::Constant:
    case ArrivalKind::Poisson:
      peak = arrivals.rate;
      break;
    case ArrivalKind::Ramp:
    case ArrivalKind::Step:
      peak = std::max(arrivals.from, arrivals.to);
      break;
    case ArrivalKind::Burst:
      peak = std::max(arrivals.rate, arrivals.base);
      break;
    case ArrivalKind::Closed:
      break;
  }
  if (peak <= 0)
    co_return;

  // The arrival times stay in double until they are known to fall within
  // the phase: a gap of a low rate (or a far exponential draw) can exceed
  // what int64 nanoseconds hold, and converting it would be undefined.
  double next = static_cast<double>(phase_start);
  const double gap = static_cast<double>(kSecond) / peak;
  const auto end = static_cast<double>(phase_end);
  while (true) {
    if (arrivals.kind == ArrivalKind::Constant) {
      next += gap;
    } else {
      next += exponential(random, gap);
    }
    if (!(next < end))
      break;
    const auto time = static_cast<Nanos>(std::llround(next));
    if (time >= phase_end)
      break;
    // Thinning (Lewis and Shedler): accept with rate(t) / peak.
    if (arrivals.kind != ArrivalKind::Constant && arrivals.kind != ArrivalKind::Poisson) {
      const double accept = rate_at(time - phase_start) / peak;
      if (random.uniform() >= accept)
        continue;
    }
    co_await simulation.delayUntil(std::max(time, simulation.now()));
    arrive(phase_index, time, nullptr);
  }
}

Process LoadGenerator::closedUser(std::size_t phase_index, Nanos phase_start, std::uint64_t user) {
  Simulation& simulation = m_state.simulation;
  const LoadPhase& phase = m_scenario.load[phase_index];
  const Nanos phase_end = phase_start + phase.length.count();
  Generator random = m_state.streams.stream(fmt::format("users/{}/{}", phase_index, user));
  CompletionSlot slot;
  const auto think = static_cast<double>(phase.arrivals.think.count());
  while (true) {
    const Nanos pause =
        think > 0 ? static_cast<Nanos>(std::llround(exponential(random, think))) : 0;
    const Nanos intended = saturatingAdd(simulation.now(), pause);
    if (intended >= phase_end)
      break;
    co_await simulation.delayUntil(intended);
    slot.handle = {};
    arrive(phase_index, intended, &slot);
    co_await WaitForCompletion{&slot};
  }
}

}  // namespace staylab::sim
