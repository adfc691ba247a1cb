#include "simulator/engine/engine.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "simulator/kernel/distributions.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/kernel/resource.h"
#include "simulator/scenario/scenario_limits.h"
#include "simulator/scenario/suggest.h"
#include "simulator/scenario/units.h"
#include "simulator/stats/batch_means.h"
#include "simulator/stats/running_stats.h"

namespace staylab::sim {
namespace {

constexpr std::size_t kMaxHops = 16;

Result<ServiceTimeModel> modelOf(const ServiceTimeSpec& spec, std::string_view field) {
  auto wrap = [&](auto result) -> Result<ServiceTimeModel> {
    if (!result) {
      return invalidInput(std::string(field), "{}", result.error().message);
    }
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

bool isStoreLike(ComponentKind kind) {
  return kind == ComponentKind::Store || kind == ComponentKind::EventLog ||
         kind == ComponentKind::Station;
}

bool isPoller(const ComponentSpec& component) {
  return (component.kind == ComponentKind::Relay || component.kind == ComponentKind::Consumer) &&
         !component.binds.empty();
}

// The error kinds a retry may help with; refusals by the domain (a taken
// night, a missing listing) are answers, not failures of the path.
bool isTransient(std::string_view kind) {
  return kind == "store_outage" || kind == "store_error" || kind == "rejected" ||
         kind == "timeout" || kind == "link_loss" || kind == "link_partition" ||
         kind == "unavailable_instance";
}

std::string errorKindOf(const Error& error) {
  if (error.code == "fault.store_outage")
    return "store_outage";
  if (error.code == "fault.store_error")
    return "store_error";
  return std::string(toString(error.kind));
}

// A waiter's slot: a closed-population user suspends here until its request
// completes.
struct CompletionSlot {
  std::coroutine_handle<> handle;
};

struct WaitForCompletion {
  CompletionSlot* slot;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> handle) const noexcept { slot->handle = handle; }
  void await_resume() const noexcept {}
};

std::unexpected<Error> valueError(std::string field, std::string message) {
  return std::unexpected(
      Error{ErrorKind::InvalidInput, "scenario.value", std::move(field), std::move(message)});
}

// Returns the name in `names` closest to `word`, when it looks like a typo.
std::optional<std::string> suggestClosest(std::string_view word,
                                          const std::vector<std::string>& names) {
  std::vector<std::string_view> views(names.begin(), names.end());
  auto found = closestMatch(word, views);
  if (!found)
    return std::nullopt;
  return std::string(*found);
}

}  // namespace

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

struct Engine::State {
  struct Station {
    const ComponentSpec* spec = nullptr;
    ComponentId id;
    std::unique_ptr<Resource> resource;
    int alive_instances = 1;
    Generator random{0};
    std::map<std::string, ServiceTimeModel, std::less<>> models;
    bool real = false;
    bool store_like = false;
    std::optional<BatchMeans> waits;
    RunningStats wait_stats;
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
  struct Hop {
    Station* station = nullptr;
    std::string operation;
    const ServiceTimeModel* model = nullptr;
    OperationId metric;
    Link* link_in = nullptr;
  };
  struct Route {
    UserOperation operation = UserOperation::Search;
    std::vector<Hop> hops;
    bool real = false;  // The deepest hop runs the real operation.
  };
  struct Poller {
    Station* station = nullptr;
    std::string part;
    OperationId metric;
    const ServiceTimeModel* model = nullptr;
    const ServiceTimeModel* per_event = nullptr;  // Optional op "event": cost per event moved.
    bool crashed = false;
    std::int64_t lag = 0;
    // False while the lag cannot be read (a store it reads is down): the
    // poller then keeps stepping, so its failures show in its metrics and
    // the work it can still do gets done.
    bool lag_known = false;
    std::int64_t last_end = -1;
    std::deque<std::pair<std::int64_t, Nanos>> appeared;  // (end count, first seen)
  };
  // A circuit breaker in front of one downstream service.
  struct Breaker {
    ComponentId id;
    CircuitState state = CircuitState::Closed;
    Nanos opened_at = 0;
    bool probe_in_flight = false;
    // Outcomes in the rolling window, in buckets of window / 10.
    std::deque<std::tuple<Nanos, std::uint64_t, std::uint64_t>> buckets;  // (start, calls, fails)
  };

  // Declared first, destroyed last: frames still suspended at the end refer
  // to the stations below, whose resources detach them first.
  Simulation simulation;
  RandomStreams streams{1};
  FaultBoard board{1};
  MetricsRegistry metrics;
  std::map<std::string, std::unique_ptr<Station>, std::less<>> stations;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Link>> links;
  std::array<std::optional<Route>, kUserOperationCount> routes;
  std::vector<std::unique_ptr<Poller>> pollers;
  std::map<std::string, std::unique_ptr<Breaker>, std::less<>> breakers;
  std::map<std::string, std::unique_ptr<Resource>, std::less<>> bulkheads;
  std::vector<std::vector<double>> popularity;  // Per phase: CDF over ranks.
  Generator mix_random{0};
  Generator popularity_random{0};
  Generator operation_random{0};
  Generator retry_random{0};
  double tokens = 0;
  Nanos tokens_at = 0;

  // What fault actions on the platform did, counted by the engine (the
  // board counts the rest): "<topic>.poison_appended", and each refusal:
  // "<topic>.poison_failed", "<part>.crash_failed", "<part>.restart_failed".
  std::map<std::string, std::uint64_t> fault_results;

  std::uint64_t in_flight = 0;  // Requests started and not yet answered.

  std::vector<std::string> acknowledged;
  Nanos load_end = 0;
  Nanos last_fault_end = 0;
  std::optional<Nanos> converged_at;
  bool has_pollers = false;

  std::atomic<Nanos> published_now{0};
  std::atomic<std::uint64_t> published_events{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> active_faults{0};
  std::atomic<bool> finished{false};
  // The patterns as they are now: the scenario's, then the switches.
  PatternSettings patterns;

  mutable std::mutex inject_mutex;
  std::vector<FaultSpec> injected;                     // GUARDED_BY(inject_mutex)
  std::vector<std::pair<std::string, bool>> switches;  // GUARDED_BY(inject_mutex)
  // What the run did beyond its scenario, for a replay: the faults injected
  // (with the time they started) and every switch made.
  std::vector<FaultSpec> injected_done;          // GUARDED_BY(inject_mutex)
  std::vector<PatternSwitchSpec> switches_done;  // GUARDED_BY(inject_mutex)
  std::atomic<bool> has_injected{false};

  State(MetricsOptions options, std::uint64_t seed)
      : streams(seed), board(seed), metrics(options) {}
};

Engine::Engine(Scenario scenario, Topology topology, EngineOptions options)
    : m_scenario(std::move(scenario)),
      m_topology(std::move(topology)),
      m_options(std::move(options)) {}

Engine::~Engine() {
  // The platform's decorators refer to the fault board in the state: close
  // the platform first. Suspended processes only hold pointers to it.
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

// ---------------------------------------------------------------------------
// The run, as free functions over the engine's state: processes must not be
// capturing lambdas (simulation.h), and these keep the header small.
class EngineRun {
 public:
  using S = Engine::State;

  EngineRun(Engine& engine, S& state, SystemUnderTest* system)
      : m_engine(engine), m_state(state), m_system(system) {}

  // Sets the queue and worker gauges of a station at now.
  void touch(S::Station& station) {
    const Nanos now = m_state.simulation.now();
    m_state.metrics.setQueueDepth(station.id, now,
                                  static_cast<double>(station.resource->queueLength()));
    m_state.metrics.setBusyWorkers(station.id, now, station.resource->busy(),
                                   station.resource->capacity());
  }

  Nanos sample(const ServiceTimeModel* model, Generator& random) {
    return model == nullptr ? 0 : model->sample(random);
  }

  // The circuit breaker in front of `service`, or null when the pattern is off.
  S::Breaker* breakerFor(S::Station& service) {
    if (!m_state.patterns.circuit_breaker.enabled)
      return nullptr;
    auto found = m_state.breakers.find(service.spec->name);
    if (found == m_state.breakers.end()) {
      auto breaker = std::make_unique<S::Breaker>();
      breaker->id = service.id;
      found = m_state.breakers.emplace(service.spec->name, std::move(breaker)).first;
      m_state.metrics.setCircuitState(service.id, m_state.simulation.now(), CircuitState::Closed);
    }
    return found->second.get();
  }

  // Closes every breaker (the pattern was switched off).
  void closeBreakers() {
    for (auto& [name, breaker] : m_state.breakers) {
      breaker->probe_in_flight = false;
      setBreaker(*breaker, CircuitState::Closed);
    }
  }

  void setBreaker(S::Breaker& breaker, CircuitState state) {
    if (breaker.state == state)
      return;
    breaker.state = state;
    if (state == CircuitState::Open)
      breaker.opened_at = m_state.simulation.now();
    if (state == CircuitState::Closed)
      breaker.buckets.clear();
    m_state.metrics.setCircuitState(breaker.id, m_state.simulation.now(), state);
  }

  // Returns false when the breaker refuses the call now.
  bool breakerAllows(S::Breaker& breaker) {
    const auto& settings = m_state.patterns.circuit_breaker;
    const Nanos now = m_state.simulation.now();
    if (breaker.state == CircuitState::Open) {
      if (now - breaker.opened_at < settings.open_for.count())
        return false;
      setBreaker(breaker, CircuitState::HalfOpen);
    }
    if (breaker.state == CircuitState::HalfOpen) {
      if (breaker.probe_in_flight)
        return false;
      breaker.probe_in_flight = true;
    }
    return true;
  }

  void breakerRecord(S::Breaker& breaker, bool failed) {
    const auto& settings = m_state.patterns.circuit_breaker;
    if (!settings.enabled)
      return;  // Switched off while this call was in flight.
    const Nanos now = m_state.simulation.now();
    if (breaker.state == CircuitState::HalfOpen) {
      breaker.probe_in_flight = false;
      setBreaker(breaker, failed ? CircuitState::Open : CircuitState::Closed);
      return;
    }
    const Nanos bucket_length = std::max<Nanos>(settings.window.count() / 10, 1);
    const Nanos bucket_start = now - now % bucket_length;
    if (breaker.buckets.empty() || std::get<0>(breaker.buckets.back()) != bucket_start)
      breaker.buckets.emplace_back(bucket_start, 0, 0);
    ++std::get<1>(breaker.buckets.back());
    if (failed)
      ++std::get<2>(breaker.buckets.back());
    while (!breaker.buckets.empty() &&
           std::get<0>(breaker.buckets.front()) + settings.window.count() <= now)
      breaker.buckets.pop_front();
    std::uint64_t calls = 0;
    std::uint64_t fails = 0;
    for (const auto& [start, bucket_calls, bucket_fails] : breaker.buckets) {
      calls += bucket_calls;
      fails += bucket_fails;
    }
    if (breaker.state == CircuitState::Closed &&
        calls >= static_cast<std::uint64_t>(settings.min_requests) &&
        static_cast<double>(fails) > settings.failure_ratio * static_cast<double>(calls)) {
      setBreaker(breaker, CircuitState::Open);
    }
  }

  // Token bucket at the entry; true when a token was available.
  bool takeToken() {
    const auto& settings = m_state.patterns.rate_limit;
    const Nanos now = m_state.simulation.now();
    m_state.tokens =
        std::min<double>(settings.burst, m_state.tokens + toSeconds(now - m_state.tokens_at) *
                                                              settings.rate_per_second);
    m_state.tokens_at = now;
    if (m_state.tokens < 1.0)
      return false;
    m_state.tokens -= 1.0;
    return true;
  }

  // Crosses a link: returns the error kind, or empty when the message passed.
  // `delay` receives the latency to wait.
  std::string crossLink(S::Link& link, Nanos& delay) {
    if (link.partitioned)
      return "link_partition";
    const double loss = std::min(1.0, link.spec->loss + link.extra_loss);
    if (loss > 0 && link.random.uniform() < loss)
      return "link_loss";
    delay = link.latency ? link.latency->sample(link.random) : 0;
    if (link.extra_latency > 0) {
      const double jitter = link.extra_jitter > 0 ? (link.random.uniform() * 2 - 1) *
                                                        static_cast<double>(link.extra_jitter)
                                                  : 0.0;
      delay += std::max<Nanos>(0, link.extra_latency + static_cast<Nanos>(std::llround(jitter)));
    }
    return {};
  }

  // One attempt at hops [first, end) of a route. Returns the error kind or
  // empty; `hop_arrival` receives when each hop was reached, `reached` how many.
  // Written as a process body shared through the Attempt struct because the
  // kernel has no awaitable sub-coroutines: see request() below.

  void recordHops(const S::Route& route, const std::array<Nanos, kMaxHops>& arrived,
                  std::size_t reached, Nanos intended, const std::string& error) {
    const Nanos now = m_state.simulation.now();
    // The entry hop answers even a request refused before reaching it (rate
    // limited, lost on the client's link): the client saw that answer.
    reached = std::max<std::size_t>(reached, 1);
    for (std::size_t index = 0; index < reached; ++index) {
      const Nanos start = index == 0 ? intended : arrived[index];
      if (error.empty()) {
        m_state.metrics.recordSuccess(route.hops[index].metric, start, now);
      } else {
        m_state.metrics.recordError(route.hops[index].metric, start, now, error);
      }
    }
  }

  // Calls the platform outside any simulated request (an observation, a
  // crash, a restart): a latency fault it runs into costs no simulated time,
  // and must not be billed to the next request that takes the board's charge.
  template <typename Call>
  auto untimed(Call&& call) {
    auto result = std::forward<Call>(call)();
    (void)m_state.board.takeCharge();
    return result;
  }

  void observeLag(S::Poller& poller) {
    // A crashed consumer is observed too: its lag keeps growing while the
    // log does.
    if (m_system == nullptr)
      return;
    const Nanos now = m_state.simulation.now();
    auto lag = untimed([&] { return m_system->lag(poller.part); });
    poller.lag_known = lag.has_value();
    if (!lag)
      return;  // The store is down: the gauge keeps its last value.
    poller.lag = lag->events;
    if (lag->end > poller.last_end) {
      poller.appeared.emplace_back(lag->end, now);
      poller.last_end = lag->end;
    }
    const std::int64_t position = lag->end - lag->events;
    while (!poller.appeared.empty() && poller.appeared.front().first <= position)
      poller.appeared.pop_front();
    const Nanos oldest = poller.appeared.empty() ? now : poller.appeared.front().second;
    m_state.metrics.setConsumerLag(poller.station->id, now, lag->events, oldest);
  }

  void checkConvergence() {
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

  Process request(const S::Route* route, Nanos intended, int property, CompletionSlot* completion);
  Process openArrivals(std::size_t phase_index, Nanos phase_start);
  Process closedUser(std::size_t phase_index, Nanos phase_start, std::uint64_t user);
  Process poll(S::Poller* poller);
  Process faultProcess(FaultSpec fault, std::string label);
  // Switches a pattern at its time on the scenario's timeline.
  Process switchProcess(PatternSwitchSpec change);

  void startFault(const FaultSpec& fault);
  void endFault(const FaultSpec& fault);
  static std::string boardTarget(const S& state, const std::string& component);

  UserOperation chooseOperation(const LoadPhase& phase) {
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

  int chooseProperty(std::size_t phase_index) {
    const std::vector<double>& cdf = m_state.popularity[phase_index];
    if (cdf.empty())
      return 0;
    const double u = m_state.popularity_random.uniform();
    const auto found = std::upper_bound(cdf.begin(), cdf.end(), u);
    return static_cast<int>(
        std::min<std::ptrdiff_t>(found - cdf.begin(), static_cast<std::ptrdiff_t>(cdf.size()) - 1));
  }

  void arrive(std::size_t phase_index, Nanos intended, CompletionSlot* completion) {
    const LoadPhase& phase = m_engine.scenario().load[phase_index];
    const UserOperation operation = chooseOperation(phase);
    const int property = chooseProperty(phase_index);
    const auto& route = m_state.routes[static_cast<std::size_t>(operation)];
    m_state.requests.fetch_add(1, std::memory_order_relaxed);
    m_state.simulation.spawn(request(&*route, intended, property, completion));
  }

  Engine& m_engine;
  S& m_state;
  SystemUnderTest* m_system;
};

Process EngineRun::request(const S::Route* route, Nanos intended, int property,
                           CompletionSlot* completion) {
  Simulation& simulation = m_state.simulation;
  const PatternSettings& patterns = m_state.patterns;
  const std::size_t hop_count = route->hops.size();
  std::array<Nanos, kMaxHops> arrived{};
  std::size_t reached = 0;
  std::size_t held = 0;
  std::string error;
  const Nanos deadline = patterns.timeout.enabled ? intended + patterns.timeout.after.count()
                                                  : std::numeric_limits<Nanos>::max();
  int attempt = 0;
  Nanos backoff = patterns.retry.backoff.count();

  // The entry hop (hop 0) is entered once; the downstream hops (1..n) are
  // one attempt each, retried when the retry pattern is on.
  S::Breaker* breaker = hop_count > 1 ? breakerFor(*route->hops[1].station) : nullptr;
  Resource* bulkhead = nullptr;
  if (patterns.bulkhead.enabled && hop_count > 1) {
    auto found = m_state.bulkheads.find(route->hops[1].station->spec->name);
    if (found != m_state.bulkheads.end())
      bulkhead = found->second.get();
  }

  // Every request in flight is a suspended process: past the limit an
  // arrival is refused at once, so that memory stays bounded however long
  // the entry link's latency (scenario_limits.h).
  const bool admitted = m_state.in_flight < m_engine.m_options.max_requests_in_flight;
  if (admitted)
    ++m_state.in_flight;
  else
    error = "overloaded";
  if (admitted && patterns.rate_limit.enabled && !takeToken())
    error = "rate_limited";

  std::size_t hop = 0;
  bool holding_bulkhead = false;
  while (error.empty()) {
    // Walk hops from `hop` to the end.
    for (; hop < hop_count && error.empty(); ++hop) {
      const S::Hop& current = route->hops[hop];
      S::Station& station = *current.station;
      if (hop == 1) {
        if (breaker != nullptr && !breakerAllows(*breaker)) {
          error = "circuit_open";
          break;
        }
        if (bulkhead != nullptr) {
          const bool admitted = co_await bulkhead->acquireFor(0);
          if (!admitted) {
            error = "bulkhead_full";
            break;
          }
          holding_bulkhead = true;
        }
      }
      if (current.link_in != nullptr) {
        Nanos delay = 0;
        error = crossLink(*current.link_in, delay);
        if (!error.empty())
          break;
        if (delay > 0)
          co_await simulation.delay(delay);
      }
      arrived[hop] = simulation.now();
      reached = std::max(reached, hop + 1);
      if (station.alive_instances == 0) {
        error = "unavailable_instance";
        break;
      }
      const Nanos left = deadline - simulation.now();
      if (left <= 0) {
        error = "timeout";
        break;
      }
      const bool bounded = deadline != std::numeric_limits<Nanos>::max();
      bool granted = false;
      if (bounded) {
        granted = co_await station.resource->acquireFor(left);
      } else {
        granted = co_await station.resource->acquire();
      }
      if (!granted) {
        error = station.resource->queueLength() >= station.resource->queueLimit() ? "rejected"
                                                                                  : "timeout";
        touch(station);
        break;
      }
      ++held;
      touch(station);
      const double waited = toSeconds(simulation.now() - arrived[hop]);
      if (station.waits)
        station.waits->add(waited);
      station.wait_stats.add(waited);

      const bool commit_point = hop + 1 == hop_count;
      const bool measured =
          commit_point && route->real && m_engine.scenario().mode == ServiceTimeMode::Measured;
      Nanos service = measured ? 0 : sample(current.model, station.random);
      if (!station.real && station.store_like) {
        // A model-only store: the fault board acts here, as a decorator does
        // on a real store.
        auto allowed = m_state.board.beforeCall(station.spec->name);
        service += m_state.board.takeCharge();
        if (!allowed) {
          error = errorKindOf(allowed.error());
        }
      }
      if (service > 0)
        co_await simulation.delay(service);
      if (commit_point && route->real && error.empty()) {
        m_system->setTime(simulation.now());
        m_state.board.setNow(simulation.now());
        const auto started = std::chrono::steady_clock::now();
        OperationOutcome outcome =
            m_system->execute(route->operation, property, m_state.operation_random);
        Nanos extra = m_state.board.takeCharge();
        if (measured) {
          extra += std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count();
        }
        if (extra > 0)
          co_await simulation.delay(extra);
        if (!outcome.ok) {
          error = outcome.error_kind.empty() ? "error" : outcome.error_kind;
        } else if (!outcome.booking_id.empty()) {
          m_state.acknowledged.push_back(std::move(outcome.booking_id));
        }
      }
    }
    // Unwind the downstream hops (1..held-1), keeping the entry hop.
    while (held > 1) {
      --held;
      route->hops[held].station->resource->release();
      touch(*route->hops[held].station);
    }
    if (holding_bulkhead) {
      bulkhead->release();
      holding_bulkhead = false;
    }
    if (breaker != nullptr && error != "circuit_open")
      breakerRecord(*breaker, !error.empty() && isTransient(error));
    if (error.empty() || !patterns.retry.enabled || !isTransient(error) || held == 0 ||
        attempt + 1 >= patterns.retry.attempts) {
      break;
    }
    // Retry from the first downstream hop after a backoff with jitter.
    ++attempt;
    const double jitter = (m_state.retry_random.uniform() * 2 - 1) * patterns.retry.jitter;
    const Nanos wait =
        std::max<Nanos>(0, static_cast<Nanos>(static_cast<double>(backoff) * (1.0 + jitter)));
    backoff = std::min<Nanos>(backoff * 2, patterns.retry.max_backoff.count());
    if (simulation.now() + wait >= deadline) {
      error = "timeout";
      break;
    }
    co_await simulation.delay(wait);
    error.clear();
    hop = 1;
  }
  if (held > 0) {
    route->hops[0].station->resource->release();
    touch(*route->hops[0].station);
  }
  if (error.empty() && simulation.now() > deadline)
    error = "timeout";  // The answer came too late for the caller.
  if (admitted)
    --m_state.in_flight;
  recordHops(*route, arrived, reached, intended, error);
  if (completion != nullptr && completion->handle)
    simulation.resumeAt(simulation.now(), completion->handle);
}

Process EngineRun::openArrivals(std::size_t phase_index, Nanos phase_start) {
  Simulation& simulation = m_state.simulation;
  const LoadPhase& phase = m_engine.scenario().load[phase_index];
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

Process EngineRun::closedUser(std::size_t phase_index, Nanos phase_start, std::uint64_t user) {
  Simulation& simulation = m_state.simulation;
  const LoadPhase& phase = m_engine.scenario().load[phase_index];
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

Process EngineRun::poll(S::Poller* poller) {
  Simulation& simulation = m_state.simulation;
  S::Station& station = *poller->station;
  const Nanos interval = std::max<Nanos>(station.spec->poll_interval.count(), kMicrosecond);
  const auto batch = static_cast<std::size_t>(std::max(station.spec->batch, 1));
  while (true) {
    co_await simulation.delay(interval);
    observeLag(*poller);
    if (poller->crashed || station.alive_instances == 0)
      continue;
    if (poller->lag == 0 && poller->lag_known) {
      checkConvergence();
      continue;
    }
    const Nanos started = simulation.now();
    const bool granted = co_await station.resource->acquire();
    if (!granted)
      continue;
    touch(station);
    // A step costs its fixed part plus, when the topology gives one, a cost
    // per event it will move (known from the lag it just read).
    Nanos service = sample(poller->model, station.random);
    if (poller->per_event != nullptr) {
      const auto events = std::min<std::int64_t>(poller->lag, static_cast<std::int64_t>(batch));
      service = saturatingAdd(
          service, saturatingMultiply(events, poller->per_event->sample(station.random)));
    }
    if (service > 0)
      co_await simulation.delay(service);
    std::string error;
    if (!poller->crashed) {
      m_system->setTime(simulation.now());
      m_state.board.setNow(simulation.now());
      auto moved = m_system->step(poller->part, batch);
      const Nanos extra = m_state.board.takeCharge();
      if (extra > 0)
        co_await simulation.delay(extra);
      if (!moved) {
        error = errorKindOf(moved.error());
      }
    }
    station.resource->release();
    touch(station);
    if (error.empty()) {
      m_state.metrics.recordSuccess(poller->metric, started, simulation.now());
    } else {
      m_state.metrics.recordError(poller->metric, started, simulation.now(), error);
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

// The name the fault board knows a store by: the platform part a real store
// binds (its decorator's target), or the component's own name.
std::string EngineRun::boardTarget(const S& state, const std::string& component) {
  auto found = state.stations.find(component);
  if (found != state.stations.end() && found->second->real)
    return found->second->spec->binds;
  return component;
}

void EngineRun::startFault(const FaultSpec& fault) {
  FaultBoard& board = m_state.board;
  const Nanos now = m_state.simulation.now();
  board.setNow(now);
  switch (fault.kind) {
    case FaultKind::StoreOutage:
      board.setOutage(boardTarget(m_state, fault.target), true);
      break;
    case FaultKind::StoreLatency:
      board.setLatency(boardTarget(m_state, fault.target), fault.latency.count(),
                       fault.jitter.count());
      break;
    case FaultKind::StoreErrorRate:
      board.setErrorRate(boardTarget(m_state, fault.target), fault.probability);
      break;
    case FaultKind::LinkPartition:
    case FaultKind::LinkLatency:
    case FaultKind::LinkLoss: {
      S::Link& link = *m_state.links.at({fault.target, fault.peer});
      if (fault.kind == FaultKind::LinkPartition)
        link.partitioned = true;
      if (fault.kind == FaultKind::LinkLatency) {
        link.extra_latency = fault.latency.count();
        link.extra_jitter = fault.jitter.count();
      }
      if (fault.kind == FaultKind::LinkLoss)
        link.extra_loss = fault.probability;
      break;
    }
    case FaultKind::InstanceKill: {
      S::Station& station = *m_state.stations.at(fault.target);
      station.alive_instances = std::max(0, station.alive_instances - std::max(fault.instances, 1));
      station.resource->setCapacity(station.alive_instances * station.spec->workers);
      touch(station);
      break;
    }
    case FaultKind::ConsumerCrash:
      for (auto& poller : m_state.pollers) {
        if (poller->station->spec->name == fault.target && !poller->crashed) {
          // A part the platform could not crash keeps running: say so in the
          // report rather than pretend it went down.
          if (untimed([&] { return m_system->crash(poller->part); }))
            poller->crashed = true;
          else
            ++m_state.fault_results[poller->part + ".crash_failed"];
        }
      }
      break;
    case FaultKind::DeliveryDuplicate:
      board.setDuplicate(fault.target, fault.probability);
      break;
    case FaultKind::DeliveryDelay:
      board.setDelay(fault.target, fault.latency.count(), fault.jitter.count());
      break;
    case FaultKind::DeliveryReorder:
      board.setReorder(fault.target, fault.window);
      break;
    case FaultKind::PoisonEvent: {
      m_system->setTime(now);
      const int count = std::max(fault.count, 1);
      const bool appended =
          untimed([&] { return m_system->appendPoison(fault.target, count); }).has_value();
      m_state.fault_results[fault.target + (appended ? ".poison_appended" : ".poison_failed")] +=
          static_cast<std::uint64_t>(count);
      break;
    }
  }
}

void EngineRun::endFault(const FaultSpec& fault) {
  FaultBoard& board = m_state.board;
  switch (fault.kind) {
    case FaultKind::StoreOutage:
      board.setOutage(boardTarget(m_state, fault.target), false);
      break;
    case FaultKind::StoreLatency:
      board.setLatency(boardTarget(m_state, fault.target), 0, 0);
      break;
    case FaultKind::StoreErrorRate:
      board.setErrorRate(boardTarget(m_state, fault.target), 0);
      break;
    case FaultKind::LinkPartition:
    case FaultKind::LinkLatency:
    case FaultKind::LinkLoss: {
      S::Link& link = *m_state.links.at({fault.target, fault.peer});
      if (fault.kind == FaultKind::LinkPartition)
        link.partitioned = false;
      if (fault.kind == FaultKind::LinkLatency) {
        link.extra_latency = 0;
        link.extra_jitter = 0;
      }
      if (fault.kind == FaultKind::LinkLoss)
        link.extra_loss = 0;
      break;
    }
    case FaultKind::InstanceKill: {
      S::Station& station = *m_state.stations.at(fault.target);
      station.alive_instances =
          std::min(station.spec->instances, station.alive_instances + std::max(fault.instances, 1));
      station.resource->setCapacity(station.alive_instances * station.spec->workers);
      touch(station);
      break;
    }
    case FaultKind::ConsumerCrash:
      for (auto& poller : m_state.pollers) {
        if (poller->station->spec->name == fault.target && poller->crashed) {
          if (untimed([&] { return m_system->restart(poller->part); })) {
            poller->crashed = false;
            observeLag(*poller);
          } else {
            ++m_state.fault_results[poller->part + ".restart_failed"];
          }
        }
      }
      break;
    case FaultKind::DeliveryDuplicate:
      board.setDuplicate(fault.target, 0);
      break;
    case FaultKind::DeliveryDelay:
      board.setDelay(fault.target, 0, 0);
      break;
    case FaultKind::DeliveryReorder:
      board.setReorder(fault.target, 0);
      break;
    case FaultKind::PoisonEvent:
      break;
  }
}

// How long a fault acts: its window, or until its restart for a kill or crash.
static std::optional<Nanos> faultLength(const FaultSpec& fault) {
  if (fault.kind == FaultKind::InstanceKill || fault.kind == FaultKind::ConsumerCrash) {
    if (fault.restart_after)
      return fault.restart_after->count();
    if (fault.length.count() > 0)
      return fault.length.count();
    return std::nullopt;
  }
  if (isWindowFault(fault.kind))
    return fault.length.count();
  return Nanos{0};
}

static std::string faultTarget(const FaultSpec& fault) {
  return isLinkFault(fault.kind) ? fault.target + "->" + fault.peer : fault.target;
}

Process EngineRun::switchProcess(PatternSwitchSpec change) {
  Simulation& simulation = m_state.simulation;
  if (change.at.count() > simulation.now())
    co_await simulation.delayUntil(change.at.count());
  m_engine.applySwitch(change.pattern, change.on);
}

Process EngineRun::faultProcess(FaultSpec fault, std::string label) {
  Simulation& simulation = m_state.simulation;
  if (fault.at.count() > simulation.now())
    co_await simulation.delayUntil(fault.at.count());
  const std::optional<Nanos> length = faultLength(fault);
  const bool lasting = !length || *length > 0;
  if (lasting)
    m_state.active_faults.fetch_add(1, std::memory_order_relaxed);
  startFault(fault);
  const Nanos end = length ? simulation.now() + *length : m_engine.end();
  m_state.metrics.addFaultWindow(FaultWindow{simulation.now(), length ? end : m_engine.end(),
                                             std::string(toString(fault.kind)), label});
  m_state.last_fault_end = std::max(m_state.last_fault_end, length ? end : m_engine.end());
  m_state.converged_at.reset();
  if (!lasting)
    co_return;
  if (!length)
    co_return;  // Lasts to the end of the run.
  co_await simulation.delayUntil(end);
  endFault(fault);
  m_state.active_faults.fetch_sub(1, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------

Result<void> Engine::checkFault(const FaultSpec& fault, std::string_view field) const {
  auto names_of = [this](auto predicate) {
    std::vector<std::string> names;
    for (const ComponentSpec& component : m_topology.components) {
      if (predicate(component))
        names.push_back(component.name);
    }
    return names;
  };
  auto refuse = [&](const std::vector<std::string>& valid, std::string_view what) -> Result<void> {
    std::string message =
        fmt::format("'{}' is not {} of topology '{}'", fault.target, what, m_topology.name);
    if (auto suggestion = suggestClosest(fault.target, valid))
      message += fmt::format("; did you mean '{}'?", *suggestion);
    else if (!valid.empty())
      message += fmt::format(" (one of: {})", fmt::join(valid, ", "));
    return valueError(fmt::format("{}.target", field), message);
  };
  auto has = [](const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  // The parser bounds a file's faults; an injected one gets the same limit.
  if (fault.kind == FaultKind::PoisonEvent && fault.count > kMaxPoisonEvents) {
    return valueError(
        fmt::format("{}.count", field),
        fmt::format("{} poison events; the limit is {}", fault.count, kMaxPoisonEvents));
  }
  switch (fault.kind) {
    case FaultKind::StoreOutage:
    case FaultKind::StoreLatency:
    case FaultKind::StoreErrorRate: {
      const auto valid = names_of([](const ComponentSpec& c) { return isStoreLike(c.kind); });
      if (!has(valid, fault.target))
        return refuse(valid, "a store");
      return {};
    }
    case FaultKind::LinkPartition:
    case FaultKind::LinkLatency:
    case FaultKind::LinkLoss: {
      if (m_topology.findLink(fault.target, fault.peer) == nullptr) {
        std::vector<std::string> valid;
        for (const LinkSpec& link : m_topology.links)
          valid.push_back(link.from + "->" + link.to);
        return valueError(fmt::format("{}.from", field),
                          fmt::format("no link {}->{} in topology '{}' (links: {})", fault.target,
                                      fault.peer, m_topology.name, fmt::join(valid, ", ")));
      }
      return {};
    }
    case FaultKind::InstanceKill: {
      const auto valid =
          names_of([](const ComponentSpec& c) { return c.kind != ComponentKind::Client; });
      if (!has(valid, fault.target))
        return refuse(valid, "a component with instances");
      const ComponentSpec& component = *m_topology.findComponent(fault.target);
      if (std::max(fault.instances, 1) > component.instances) {
        return valueError(fmt::format("{}.instances", field),
                          fmt::format("{} has {} instance(s); cannot kill {}", fault.target,
                                      component.instances, fault.instances));
      }
      return {};
    }
    case FaultKind::ConsumerCrash: {
      const auto valid = names_of([](const ComponentSpec& c) { return isPoller(c); });
      if (!has(valid, fault.target))
        return refuse(valid, "a consumer");
      return {};
    }
    case FaultKind::DeliveryDuplicate:
    case FaultKind::DeliveryDelay:
    case FaultKind::DeliveryReorder:
    case FaultKind::PoisonEvent: {
      const std::vector<std::string> topics =
          m_system ? m_system->topics() : m_options.known_topics;
      if (!has(topics, fault.target)) {
        std::string message = topics.empty()
                                  ? fmt::format("topic '{}': topology '{}' runs no event log",
                                                fault.target, m_topology.name)
                                  : fmt::format("'{}' is not a topic of the event log (one of: {})",
                                                fault.target, fmt::join(topics, ", "));
        return valueError(fmt::format("{}.target", field), message);
      }
      return {};
    }
  }
  return {};
}

Result<std::unique_ptr<Engine>> Engine::create(Scenario scenario, EngineOptions options) {
  if (options.seed)
    scenario.seed = *options.seed;
  Topology topology =
      STAYLAB_TRY(loadTopology(scenario.topology, options.scenario_dir, options.topologies_dir));

  // Patterns this engine runs; the platform itself always is CQRS with an
  // outbox and idempotent consumers.
  const PatternSettings& patterns = scenario.patterns;
  auto unsupported = [](std::string_view name, std::string_view why) {
    return valueError(fmt::format("patterns.{}", name), fmt::format("{} {}", name, why));
  };
  if (!patterns.cqrs)
    return unsupported("cqrs", "cannot be switched off yet: search always reads the read model");
  if (!patterns.outbox)
    return unsupported("outbox",
                       "cannot be switched off yet: the platform always writes events "
                       "through its transactional outbox");
  if (!patterns.idempotent_consumer)
    return unsupported("idempotent_consumer",
                       "cannot be switched off yet: the projections are always idempotent");
  const std::array<std::pair<std::string_view, bool>, 9> not_yet = {{
      {"saga", patterns.saga},
      {"strangler_fig", patterns.strangler_fig},
      {"event_sourcing", patterns.event_sourcing},
      {"materialized_view", patterns.materialized_view},
      {"load_leveling", patterns.load_leveling},
      {"cache_aside", patterns.cache_aside.enabled},
      {"competing_consumers", patterns.competing_consumers.enabled},
      {"partitioning", patterns.partitioning.enabled},
      {"dead_letter", patterns.dead_letter.enabled},
  }};
  for (const auto& [name, on] : not_yet) {
    if (on)
      return unsupported(name,
                         "is not supported by this engine yet (supported: circuit_breaker, "
                         "retry, timeout, bulkhead, rate_limit)");
  }

  const Nanos duration = scenario.duration.count();
  if (options.sample_interval) {
    const Nanos run_length = options.until ? std::min(*options.until, duration) : duration;
    STAYLAB_TRY(checkSampleInterval(*options.sample_interval, run_length, "sample_interval"));
  }
  MetricsOptions metrics_options;
  metrics_options.sample_interval =
      options.sample_interval.value_or(defaultSampleInterval(duration));
  std::unique_ptr<Engine> engine(new Engine(std::move(scenario), std::move(topology), options));
  const PatternSettings& settings = engine->m_scenario.patterns;
  engine->m_end = engine->m_options.until ? std::min(*engine->m_options.until, duration) : duration;
  engine->m_state = std::make_unique<State>(metrics_options, engine->m_scenario.seed);
  State& state = *engine->m_state;
  const Scenario& sc = engine->m_scenario;
  const Topology& topo = engine->m_topology;
  state.mix_random = state.streams.stream("mix");
  state.popularity_random = state.streams.stream("popularity");
  state.operation_random = state.streams.stream("operations");
  state.retry_random = state.streams.stream("retry");
  state.tokens = settings.rate_limit.burst;
  state.patterns = settings;

  // Stations.
  bool binds_real = false;
  for (std::size_t index = 0; index < topo.components.size(); ++index) {
    const ComponentSpec& component = topo.components[index];
    if (component.kind == ComponentKind::Client)
      continue;
    auto station = std::make_unique<State::Station>();
    station->spec = &component;
    station->id = state.metrics.component(component.name);
    station->alive_instances = component.instances;
    const auto capacity = component.instances * component.workers;
    const auto queue =
        static_cast<std::size_t>(component.instances) * static_cast<std::size_t>(component.queue);
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
  for (const LinkSpec& spec : topo.links) {
    auto link = std::make_unique<State::Link>();
    link->spec = &spec;
    link->latency =
        STAYLAB_TRY(modelOf(spec.latency, fmt::format("links.{}->{}", spec.from, spec.to)));
    link->random = state.streams.stream(fmt::format("link/{}->{}", spec.from, spec.to));
    state.links.emplace(std::make_pair(spec.from, spec.to), std::move(link));
  }

  // The platform.
  if (binds_real && !engine->m_options.validate_only) {
    if (!engine->m_options.make_system) {
      return invalidInput("topology",
                          "topology '{}' binds real parts of the platform, but no "
                          "platform was given to run them",
                          topo.name);
    }
    engine->m_system = STAYLAB_TRY(engine->m_options.make_system(state.board));
    STAYLAB_TRY(engine->m_system->seed(sc.data));
  }

  // Routes for the operations the load mixes.
  for (std::size_t op = 0; op < kUserOperationCount; ++op) {
    const auto operation = static_cast<UserOperation>(op);
    bool used = false;
    for (const LoadPhase& phase : sc.load)
      used = used || phase.mix[op] > 0;
    const Route* route = topo.findRoute(toString(operation));
    if (!route) {
      if (used) {
        return valueError("load.mix",
                          fmt::format("the load mixes '{}' but topology '{}' has no route for it",
                                      toString(operation), topo.name));
      }
      continue;
    }
    if (route->hops.empty() || route->hops.size() > kMaxHops) {
      return invalidInput("topology.routes", "route '{}' needs 1..{} hops", route->operation,
                          kMaxHops);
    }
    State::Route runtime;
    runtime.operation = operation;
    const ComponentSpec* previous = nullptr;
    for (const Hop& hop : route->hops) {
      State::Hop step;
      auto found = state.stations.find(hop.component);
      if (found == state.stations.end()) {
        return invalidInput("topology.routes", "route '{}' goes through '{}', which cannot serve",
                            route->operation, hop.component);
      }
      step.station = found->second.get();
      step.operation = hop.operation;
      auto model = step.station->models.find(hop.operation);
      step.model = model == step.station->models.end() ? nullptr : &model->second;
      step.metric = state.metrics.operation(hop.component, hop.operation);
      // The link from the caller: the previous hop, or a client for the entry.
      if (previous != nullptr) {
        auto link = state.links.find({previous->name, hop.component});
        step.link_in = link == state.links.end() ? nullptr : link->second.get();
      } else {
        for (const ComponentSpec& component : topo.components) {
          if (component.kind != ComponentKind::Client)
            continue;
          auto link = state.links.find({component.name, hop.component});
          if (link != state.links.end()) {
            step.link_in = link->second.get();
            break;
          }
        }
      }
      previous = step.station->spec;
      runtime.hops.push_back(std::move(step));
    }
    runtime.real = runtime.hops.back().station->real && engine->m_system != nullptr;
    state.routes[op] = std::move(runtime);
  }

  // Pollers of the asynchronous parts.
  if (engine->m_system) {
    for (const ComponentSpec& component : topo.components) {
      if (!isPoller(component))
        continue;
      auto poller = std::make_unique<State::Poller>();
      poller->station = state.stations.at(component.name).get();
      poller->part = component.binds;
      poller->metric = state.metrics.operation(component.name, "step");
      auto model = poller->station->models.find("step");
      poller->model = model == poller->station->models.end() ? nullptr : &model->second;
      auto per_event = poller->station->models.find("event");
      poller->per_event = per_event == poller->station->models.end() ? nullptr : &per_event->second;
      state.pollers.push_back(std::move(poller));
    }
    state.has_pollers = !state.pollers.empty();
  }

  // Popularity per phase.
  const int properties = engine->m_system ? std::max(engine->m_system->propertyCount(), 1) : 1;
  for (const LoadPhase& phase : sc.load) {
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

  // Bulkheads in front of each downstream service, used while the pattern
  // is on (it may be switched on during the run).
  for (const auto& route : state.routes) {
    if (!route || route->hops.size() < 2)
      continue;
    const std::string& name = route->hops[1].station->spec->name;
    if (!state.bulkheads.contains(name)) {
      state.bulkheads.emplace(
          name, std::make_unique<Resource>(state.simulation, settings.bulkhead.max_concurrent, 0));
    }
  }

  // Faults, checked against the topology and the log's topics.
  for (std::size_t index = 0; index < sc.faults.size(); ++index)
    STAYLAB_TRY(engine->checkFault(sc.faults[index], fmt::format("faults[{}]", index)));

  // Expectation subjects must name what the run measures.
  for (std::size_t index = 0; index < sc.expectations.size(); ++index) {
    const MetricRef& metric = sc.expectations[index].metric;
    if (metric.component.empty())
      continue;
    const ComponentSpec* component = topo.findComponent(metric.component);
    std::vector<std::string> names;
    for (const ComponentSpec& c : topo.components)
      names.push_back(c.name);
    if (component == nullptr) {
      std::string message =
          fmt::format("'{}' is not a component of topology '{}'", metric.component, topo.name);
      if (auto suggestion = suggestClosest(metric.component, names))
        message += fmt::format("; did you mean '{}'?", *suggestion);
      return valueError(fmt::format("expect[{}]", index), message);
    }
    if (!metric.operation.empty()) {
      std::vector<std::string> operations;
      for (const auto& route : state.routes) {
        if (!route)
          continue;
        for (const State::Hop& hop : route->hops) {
          if (hop.station->spec == component)
            operations.push_back(hop.operation);
        }
      }
      if (isPoller(*component))
        operations.push_back("step");
      if (std::find(operations.begin(), operations.end(), metric.operation) == operations.end()) {
        std::string message = fmt::format("'{}' has no operation '{}' in this run", component->name,
                                          metric.operation);
        if (auto suggestion = suggestClosest(metric.operation, operations))
          message += fmt::format("; did you mean '{}'?", *suggestion);
        return valueError(fmt::format("expect[{}]", index), message);
      }
    }
  }

  if (engine->m_options.validate_only)
    return engine;

  // Batch means for the queue waits, sized from the expected arrivals.
  std::array<double, kUserOperationCount> expected_by_operation{};
  for (const LoadPhase& phase : sc.load) {
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
      expected_by_operation[op] += count * phase.mix[op];
  }
  for (auto& [name, station] : state.stations) {
    double expected = 0;
    for (std::size_t op = 0; op < kUserOperationCount; ++op) {
      const auto& route = state.routes[op];
      if (!route)
        continue;
      for (const State::Hop& hop : route->hops) {
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

  // Schedule the load, the pollers and the faults.
  EngineRun* run = new EngineRun(*engine, state, engine->m_system.get());
  engine->m_run.reset(run);
  Nanos phase_start = 0;
  for (std::size_t index = 0; index < sc.load.size(); ++index) {
    const LoadPhase& phase = sc.load[index];
    if (phase.arrivals.kind == ArrivalKind::Closed) {
      for (int user = 0; user < phase.arrivals.users; ++user)
        state.simulation.spawn(
            run->closedUser(index, phase_start, static_cast<std::uint64_t>(user)));
    } else {
      state.simulation.spawn(run->openArrivals(index, phase_start));
    }
    phase_start += phase.length.count();
  }
  state.load_end = std::min(phase_start, engine->m_end);
  for (auto& poller : state.pollers)
    state.simulation.spawn(run->poll(poller.get()));
  for (std::size_t index = 0; index < sc.faults.size(); ++index) {
    const FaultSpec& fault = sc.faults[index];
    state.simulation.spawn(run->faultProcess(fault, faultTarget(fault)));
  }
  for (const PatternSwitchSpec& change : sc.switches)
    state.simulation.spawn(run->switchProcess(change));
  return engine;
}

Result<void> Engine::injectFault(FaultSpec fault) {
  STAYLAB_TRY(checkFault(fault, "fault"));
  std::lock_guard lock(m_state->inject_mutex);
  m_state->injected.push_back(std::move(fault));
  m_state->has_injected.store(true, std::memory_order_release);
  return {};
}

Result<void> Engine::switchPattern(std::string_view pattern, bool on) {
  PatternSettings probe;
  if (patternSwitch(probe, pattern) == nullptr) {
    return invalidInput("pattern", "'{}' cannot be switched during a run; one of: {}", pattern,
                        fmt::join(kLivePatterns, ", "));
  }
  std::lock_guard lock(m_state->inject_mutex);
  m_state->switches.emplace_back(std::string(pattern), on);
  m_state->has_injected.store(true, std::memory_order_release);
  return {};
}

const PatternSettings& Engine::patterns() const {
  return m_state->patterns;
}

void Engine::applySwitch(std::string_view pattern, bool on) {
  bool* enabled = patternSwitch(m_state->patterns, pattern);
  if (enabled == nullptr || *enabled == on)
    return;  // Already so: nothing happens, nothing to record.
  *enabled = on;
  if (pattern == "circuit_breaker" && !on)
    m_run->closeBreakers();  // No breaker stays open once the pattern is off.
  m_state->metrics.addPatternSwitch(
      PatternSwitch{m_state->simulation.now(), std::string(pattern), on});
  std::lock_guard lock(m_state->inject_mutex);
  m_state->switches_done.push_back(PatternSwitchSpec{
      std::chrono::nanoseconds(m_state->simulation.now()), std::string(pattern), on});
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
    if (same != scenario.switches.end())
      same->on = change.on;
    else
      scenario.switches.push_back(std::move(change));
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
  for (const auto& [pattern, on] : switches)
    applySwitch(pattern, on);
  for (FaultSpec& fault : faults) {
    fault.at = std::chrono::nanoseconds(m_state->simulation.now());
    {
      std::lock_guard lock(m_state->inject_mutex);
      m_state->injected_done.push_back(fault);
    }
    const std::string label = faultTarget(fault);
    m_state->simulation.spawn(m_run->faultProcess(std::move(fault), label));
  }
}

void Engine::publishProgress() {
  State& state = *m_state;
  state.published_now.store(state.simulation.now(), std::memory_order_relaxed);
  state.published_events.store(state.simulation.eventsProcessed(), std::memory_order_relaxed);
}

Nanos Engine::runUntil(Nanos time) {
  State& state = *m_state;
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
  State& state = *m_state;
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
  State& state = *m_state;
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
