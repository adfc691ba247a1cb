#pragma once

// Run metrics of a simulation: per (component, operation) counts, errors by
// kind and latency histograms; per component gauges (queue depth, busy
// workers, circuit state, consumer lag); fault windows; and a time series of
// fixed-length intervals of virtual time. DESIGN.md section 3, "Metrics".
//
// Latency is measured from the INTENDED start of a request. Every recording
// call takes `intended_start` and `completion` explicitly: `intended_start` is
// when the request should have begun (its scheduled arrival for open-loop
// load, the end of its think time for a closed population, the first attempt
// for a retried call), never the moment a worker picked it up. A request
// intended at t=0 that waits 5 s in a queue and is then served in 100 ms
// records 5.1 s. Measuring from the dequeue instead would hide exactly the
// queueing an overloaded system shows (coordinated omission).
//
// What counts: a completion is a request that got an answer, success or
// error; `count` and throughput include both, `errors` the failed ones, and
// the latency histogram holds every completion (a caller waits for a refusal
// as much as for a result).
//
// Keys: an operation is (component, operation). Besides the operations, the
// registry keeps, per component, the aggregate of its operations, keyed
// (component, "*"), and the aggregate of everything, keyed ("*", "*").
// Component names never contain '*', so these keys do not clash; in that
// order ('*' sorts before letters and digits) they are listed first.
//
// Intervals: virtual time is cut into [k*interval, (k+1)*interval). A
// completion or gauge change at exactly a boundary belongs to the interval
// that starts there. Intervals close by themselves when a call arrives past
// their end, when sample(now) is called, and for the last, partial one, in
// finish(end). A closed interval yields one SeriesPoint per key known then,
// even when nothing happened (a throughput of 0 is a value too).
//
// Thread safety: one thread (the simulation's) makes every recording call and
// sample()/finish(). Any thread may call snapshot() or published() at any
// time: they read the snapshot published when the last interval closed, which
// is consistent (totals equal the sum of the series) and never changes.
// Recording touches only plain members; the copying and the lock happen once
// per interval.
//
// Ordering: recording calls must come in non-decreasing virtual time (as a
// simulation makes them); a call dated before the current interval counts in
// the current interval.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simulator/kernel/simulation.h"
#include "simulator/metrics/request_error.h"
#include "simulator/stats/histogram.h"

namespace staylab::sim {

// The operation (or component) part of an aggregate key.
inline constexpr std::string_view kAllOperations = "*";
inline constexpr std::string_view kAllComponents = "*";

enum class CircuitState { Closed, HalfOpen, Open };
// Returns "closed", "half_open" or "open".
std::string_view toString(CircuitState state);

struct MetricsOptions {
  // Length of one time-series interval in virtual time, > 0. Default: 1 s.
  Nanos sample_interval = kSecond;
};

// A (component, operation) pair; operation "*" is the whole component and
// ("*", "*") the whole run.
struct MetricKey {
  std::string component;
  std::string operation;

  // Returns "gateway.book", "gateway.*" or "*".
  std::string toString() const;
  bool isTotal() const { return component == kAllComponents; }
  bool isComponent() const { return !isTotal() && operation == kAllOperations; }
  auto operator<=>(const MetricKey&) const = default;
};

// Latency statistics of a histogram, in nanoseconds of virtual time. All zero
// when count is 0. Percentiles are within 0.4% of the exact value; min, max
// and mean are exact.
struct LatencySummary {
  std::uint64_t count = 0;
  Nanos min = 0;
  Nanos p50 = 0;
  Nanos p90 = 0;
  Nanos p99 = 0;
  Nanos p999 = 0;
  Nanos max = 0;
  double mean = 0;

  static LatencySummary of(const Histogram& histogram);
  bool operator==(const LatencySummary&) const = default;
};

// Counts of the patterns' measures (pattern.h), by measure name.
using MeasureCounts = std::map<std::string, std::uint64_t, std::less<>>;

// Everything one key did over the run, up to MetricsSnapshot::now.
struct OperationTotals {
  MetricKey key;
  std::uint64_t count = 0;   // Completions, successes and errors.
  std::uint64_t errors = 0;  // Completions that failed.
  ErrorCounts errors_by_kind;
  LatencySummary latency;
  // What the patterns measure of this key (pattern.h MeasureSpec), by name;
  // only the measures counted at least once.
  MeasureCounts measures;

  // Returns errors / count, 0 without completions.
  double errorRate() const;
};

struct QueueGauge {
  double current = 0;  // Requests waiting, at `now`.
  double max = 0;      // Largest value set during the run.
  double mean = 0;     // Time-weighted mean over [0, now).
};

struct WorkerGauge {
  double busy = 0;         // Busy workers at `now`.
  double capacity = 0;     // Workers (instances x workers) at `now`.
  double utilisation = 0;  // Busy worker-time / worker-time over [0, now), 0..1.
};

struct CircuitGauge {
  CircuitState state = CircuitState::Closed;  // At `now`.
  std::uint64_t opens = 0;                    // Transitions into Open during the run.
};

struct LagGauge {
  std::int64_t events = 0;  // Events not yet consumed, at `now`.
  Nanos time = 0;           // Age of the oldest of them at `now`; 0 when none.
  std::int64_t max_events = 0;
  Nanos max_time = 0;
};

// The gauges one component reported; a gauge it never set is empty.
struct ComponentGauges {
  std::string component;
  std::optional<QueueGauge> queue;
  std::optional<WorkerGauge> workers;
  std::optional<CircuitGauge> circuit;
  std::optional<LagGauge> lag;
};

// One key in one interval. Operation keys fill the request fields only;
// component keys also the gauges their component set; the total key the
// request fields only.

struct SeriesPoint {
  std::uint32_t key = 0;  // Index into TimeSeries::keys().
  std::uint64_t completions = 0;
  std::uint64_t errors = 0;
  // Of the errors, those the domain answered (see isRefusal(RequestError)).
  std::uint64_t refused = 0;
  double throughput = 0;             // Completions per second of the interval.
  std::optional<double> error_rate;  // errors / completions; empty without completions.
  std::optional<Nanos> p50;          // Latencies of the interval's completions;
  std::optional<Nanos> p99;          // empty without completions.
  std::optional<Nanos> max;
  std::optional<double> queue_depth;       // Time-weighted mean over the interval.
  std::optional<double> queue_depth_max;   // Largest value during the interval.
  std::optional<double> utilisation;       // Busy worker-time / worker-time, 0..1.
  std::optional<CircuitState> circuit;     // Most open state during the interval.
  std::optional<std::int64_t> lag_events;  // Largest lag during the interval,
  std::optional<Nanos> lag_time;           // in events and in time.
  MeasureCounts measures;                  // The patterns' measures counted in the interval.
};

// One closed interval [start, end); `points` are in key order (MetricKey's
// operator<), one per key known when it closed.
struct IntervalSample {
  Nanos start = 0;
  Nanos end = 0;
  std::vector<SeriesPoint> points;

  // Returns the point of key index `key`, or null when the key did not exist yet.
  const SeriesPoint* find(std::uint32_t key) const;
};

// The closed intervals of a run, oldest first. Copying is cheap: intervals
// live in immutable shared blocks, so snapshots share them.
class TimeSeries {
 public:
  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  const IntervalSample& operator[](std::size_t index) const;
  // Every key that has appeared, by index; a key keeps its index for the run.
  const std::vector<MetricKey>& keys() const { return m_keys; }
  // Returns the index of `key`, or nothing.
  std::optional<std::uint32_t> findKey(std::string_view component,
                                       std::string_view operation) const;

 private:
  friend class MetricsRegistry;
  static constexpr std::size_t kBlockSize = 16;
  std::vector<std::shared_ptr<const std::vector<IntervalSample>>> m_blocks;
  std::size_t m_size = 0;
  std::vector<MetricKey> m_keys;
};

// A fault as shown on the charts: [start, end) of virtual time. A one-off
// fault (a poison event) has end == start.
struct FaultWindow {
  Nanos start = 0;
  Nanos end = 0;
  std::string kind;    // "store_outage", as in scenario files.
  std::string target;  // "booking-db"; a link as "gateway->booking".

  auto operator<=>(const FaultWindow&) const = default;
};

// A pattern switched on or off during a run, at virtual time `at`.
struct PatternSwitch {
  PatternSwitch() = default;
  PatternSwitch(Nanos at_, std::string pattern_, bool on_, std::string settings_ = {})
      : at(at_), pattern(std::move(pattern_)), on(on_), settings(std::move(settings_)) {}

  Nanos at = 0;
  std::string pattern;  // "retry", as in scenario files.
  bool on = false;
  // The settings the switch changed besides its switch, as a scenario's
  // switch gives them (PatternSwitchSpec::settings); empty for none.
  std::string settings;

  auto operator<=>(const PatternSwitch&) const = default;
};

// A consistent copy of the metrics at the end of an interval.
struct MetricsSnapshot {
  Nanos now = 0;  // End of the last closed interval: everything here is up to it.
  Nanos sample_interval = kSecond;
  bool finished = false;                    // finish() was called.
  std::vector<OperationTotals> operations;  // Sorted by key; includes "c.*" and "*".
  std::vector<ComponentGauges> components;  // Sorted by name; every component known.
  std::vector<FaultWindow> faults;          // Sorted.
  std::vector<PatternSwitch> switches;      // In the order they happened.
  TimeSeries series;

  // Returns the totals of (component, operation); operation "*" for a whole
  // component, ("*", "*") for the run. Null when nothing was recorded for it.
  const OperationTotals* findOperation(std::string_view component,
                                       std::string_view operation) const;
  const ComponentGauges* findComponent(std::string_view component) const;
};

// A handle to an operation key, for recording without a string lookup.
struct OperationId {
  std::uint32_t index = 0;
};
// A handle to a component, for setting gauges without a string lookup.
struct ComponentId {
  std::uint32_t index = 0;
};

class MetricsRegistry {
 public:
  explicit MetricsRegistry(MetricsOptions options = MetricsOptions());
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;
  ~MetricsRegistry();

  // Returns the handle of (component, operation), creating the key (and its
  // component) on first use. Names must not be empty or "*".
  OperationId operation(std::string_view component, std::string_view operation);
  // Returns the handle of a component, creating it on first use.
  ComponentId component(std::string_view component);

  // Records a successful completion at `completion` of a request intended to
  // start at `intended_start` (see the header comment): latency is
  // completion - intended_start.
  void recordSuccess(OperationId id, Nanos intended_start, Nanos completion);
  // Records a failed completion and what failed.
  void recordError(OperationId id, Nanos intended_start, Nanos completion, RequestError error);
  void recordSuccess(std::string_view component, std::string_view operation, Nanos intended_start,
                     Nanos completion);
  void recordError(std::string_view component, std::string_view operation, Nanos intended_start,
                   Nanos completion, RequestError error);
  // Counts `count` of a pattern's measure (pattern.h MeasureSpec) on a key
  // at `now`: it adds to the key, its component and the run's total.
  void addMeasure(OperationId id, Nanos now, std::string_view measure, std::uint64_t count);

  // Sets a component's gauges as of `now`; each holds until the next call.
  // Queue depth: requests waiting (not in service).
  void setQueueDepth(ComponentId id, Nanos now, double depth);
  // Busy workers out of `capacity` (all instances' workers).
  void setBusyWorkers(ComponentId id, Nanos now, double busy, double capacity);
  void setCircuitState(ComponentId id, Nanos now, CircuitState state);
  // A consumer `events_behind` events behind the log's end, the oldest of
  // them produced at `oldest_unconsumed_at` (ignored when events_behind is
  // 0). Its lag in time keeps growing with the clock until the next call.
  void setConsumerLag(ComponentId id, Nanos now, std::int64_t events_behind,
                      Nanos oldest_unconsumed_at);

  // Records a fault window for the charts (its start and end may lie ahead).
  void addFaultWindow(FaultWindow window);
  // Records a pattern switched during the run.
  void addPatternSwitch(PatternSwitch change);

  // Closes every interval that ends at or before `now` and, if one closed,
  // publishes a snapshot. Calling it again for the same time changes nothing.
  void sample(Nanos now);
  // Closes the intervals up to `end`, the last one possibly shorter, and
  // publishes the final snapshot. Recording after finish() is ignored.
  void finish(Nanos end);

  // Returns a copy of the last published snapshot. Any thread.
  MetricsSnapshot snapshot() const;
  // Returns the last published snapshot without copying it. Any thread.
  std::shared_ptr<const MetricsSnapshot> published() const;

  Nanos sampleInterval() const { return m_options.sample_interval; }

 private:
  struct OperationState;
  struct ComponentState;

  void advance(Nanos now);
  void closeInterval(Nanos end);
  void publish();
  std::uint32_t addSeriesKey(MetricKey key);
  void recordCompletion(OperationId id, Nanos intended_start, Nanos completion,
                        std::optional<RequestError> error);

  MetricsOptions m_options;
  Nanos m_interval_start = 0;
  Nanos m_interval_end = 0;
  bool m_finished = false;

  std::vector<std::unique_ptr<OperationState>> m_operations;
  std::vector<std::unique_ptr<ComponentState>> m_components;
  std::map<std::string, std::uint32_t, std::less<>> m_component_index;
  std::unique_ptr<OperationState> m_total;  // The ("*", "*") aggregate.

  std::vector<MetricKey> m_series_keys;
  std::vector<std::uint32_t> m_series_order;  // Key indices sorted by key.
  std::vector<std::shared_ptr<const std::vector<IntervalSample>>> m_sealed_blocks;
  std::vector<IntervalSample> m_open_block;
  std::size_t m_interval_count = 0;
  std::vector<FaultWindow> m_faults;
  std::vector<PatternSwitch> m_switches;

  mutable std::mutex m_mutex;
  std::shared_ptr<const MetricsSnapshot> m_published;  // GUARDED_BY(m_mutex)
};

}  // namespace staylab::sim
