#include "simulator/metrics/metrics.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

namespace staylab::sim {

namespace {

// Errors of an interval or a run, indexed by RequestError.
using ErrorArray = std::array<std::uint64_t, kRequestErrorCount>;

// A gauge that holds its value between changes, integrated over time.
struct TimeWeighted {
  double value = 0;
  Nanos last = 0;
  double interval_integral = 0;
  double interval_max = 0;
  double run_integral = 0;
  double run_max = 0;

  void integrate(Nanos now) {
    if (now <= last)
      return;
    const double area = value * static_cast<double>(now - last);
    interval_integral += area;
    run_integral += area;
    last = now;
  }
  void set(Nanos now, double new_value) {
    integrate(now);
    value = new_value;
    interval_max = std::max(interval_max, new_value);
    run_max = std::max(run_max, new_value);
  }
  // Starts the next interval at `end`; the caller has read the interval values.
  void restart(Nanos end) {
    integrate(end);
    interval_integral = 0;
    interval_max = value;
  }
};

struct CircuitTracker {
  CircuitState state = CircuitState::Closed;
  CircuitState interval_worst = CircuitState::Closed;
  std::uint64_t opens = 0;

  void set(CircuitState new_state) {
    if (new_state == CircuitState::Open && state != CircuitState::Open)
      ++opens;
    state = new_state;
    interval_worst = std::max(interval_worst, new_state);
  }
};

struct LagTracker {
  std::int64_t events = 0;
  Nanos oldest_at = 0;
  std::int64_t interval_max_events = 0;
  Nanos interval_max_time = 0;
  std::int64_t run_max_events = 0;
  Nanos run_max_time = 0;

  Nanos timeAt(Nanos now) const { return events > 0 ? std::max<Nanos>(0, now - oldest_at) : 0; }
  void fold(Nanos now) {
    const Nanos time = timeAt(now);
    interval_max_events = std::max(interval_max_events, events);
    interval_max_time = std::max(interval_max_time, time);
    run_max_events = std::max(run_max_events, events);
    run_max_time = std::max(run_max_time, time);
  }
  void set(Nanos now, std::int64_t new_events, Nanos new_oldest_at) {
    fold(now);  // The lag grew until now under the old values.
    events = std::max<std::int64_t>(0, new_events);
    oldest_at = new_oldest_at;
    fold(now);
  }
};

void fillRequestFields(SeriesPoint& point, std::uint64_t completions, std::uint64_t errors,
                       const ErrorArray& errors_by_kind, const Histogram& latency, Nanos length) {
  point.completions = completions;
  point.errors = errors;
  for (std::size_t index = 0; index < errors_by_kind.size(); ++index) {
    if (isRefusal(static_cast<RequestError>(index)))
      point.refused += errors_by_kind[index];
  }
  point.throughput = length > 0 ? static_cast<double>(completions) / toSeconds(length) : 0.0;
  if (completions > 0) {
    point.error_rate = static_cast<double>(errors) / static_cast<double>(completions);
    point.p50 = latency.percentile(50);
    point.p99 = latency.percentile(99);
    point.max = latency.max();
  }
}

void addCounts(ErrorArray& into, const ErrorArray& from) {
  for (std::size_t index = 0; index < into.size(); ++index)
    into[index] += from[index];
}

void addCounts(MeasureCounts& into, const MeasureCounts& from) {
  for (const auto& [name, count] : from)
    into[name] += count;
}

}  // namespace

std::string_view toString(CircuitState state) {
  switch (state) {
    case CircuitState::Closed:
      return "closed";
    case CircuitState::HalfOpen:
      return "half_open";
    case CircuitState::Open:
      return "open";
  }
  return "closed";
}

std::string MetricKey::toString() const {
  if (isTotal())
    return std::string(kAllComponents);
  return component + "." + operation;
}

LatencySummary LatencySummary::of(const Histogram& histogram) {
  LatencySummary summary;
  summary.count = histogram.count();
  if (summary.count == 0)
    return summary;
  summary.min = histogram.min();
  summary.p50 = histogram.percentile(50);
  summary.p90 = histogram.percentile(90);
  summary.p99 = histogram.percentile(99);
  summary.p999 = histogram.percentile(99.9);
  summary.max = histogram.max();
  summary.mean = histogram.mean();
  return summary;
}

double OperationTotals::errorRate() const {
  return count == 0 ? 0.0 : static_cast<double>(errors) / static_cast<double>(count);
}

const SeriesPoint* IntervalSample::find(std::uint32_t key) const {
  for (const SeriesPoint& point : points) {
    if (point.key == key)
      return &point;
  }
  return nullptr;
}

const IntervalSample& TimeSeries::operator[](std::size_t index) const {
  assert(index < m_size);
  return (*m_blocks[index / kBlockSize])[index % kBlockSize];
}

std::optional<std::uint32_t> TimeSeries::findKey(std::string_view component,
                                                 std::string_view operation) const {
  for (std::size_t index = 0; index < m_keys.size(); ++index) {
    if (m_keys[index].component == component && m_keys[index].operation == operation)
      return static_cast<std::uint32_t>(index);
  }
  return std::nullopt;
}

const OperationTotals* MetricsSnapshot::findOperation(std::string_view component,
                                                      std::string_view operation) const {
  const auto found = std::lower_bound(
      operations.begin(), operations.end(), std::pair(component, operation),
      [](const OperationTotals& totals, const std::pair<std::string_view, std::string_view>& key) {
        return std::pair<std::string_view, std::string_view>(totals.key.component,
                                                             totals.key.operation) < key;
      });
  if (found == operations.end() || found->key.component != component ||
      found->key.operation != operation)
    return nullptr;
  return &*found;
}

const ComponentGauges* MetricsSnapshot::findComponent(std::string_view component) const {
  const auto found = std::lower_bound(
      components.begin(), components.end(), component,
      [](const ComponentGauges& gauges, std::string_view name) { return gauges.component < name; });
  if (found == components.end() || found->component != component)
    return nullptr;
  return &*found;
}

// The request statistics of one key: an operation, a component's aggregate
// or the run's.
struct MetricsRegistry::OperationState {
  MetricKey key;
  std::uint32_t component = 0;
  std::uint32_t series_key = 0;
  // The open interval.
  std::uint64_t interval_count = 0;
  std::uint64_t interval_errors = 0;
  Histogram interval_latency;
  ErrorArray interval_errors_by_kind{};
  MeasureCounts interval_measures;
  // Closed intervals.
  std::uint64_t count = 0;
  std::uint64_t errors = 0;
  ErrorArray errors_by_kind{};
  MeasureCounts measures;
  Histogram latency;
  LatencySummary summary;  // Of `latency`, refreshed when it changes.

  // Adds the open interval of `other` to this one's open interval.
  void addInterval(const OperationState& other) {
    interval_count += other.interval_count;
    interval_errors += other.interval_errors;
    interval_latency.merge(other.interval_latency);
    addCounts(interval_errors_by_kind, other.interval_errors_by_kind);
    addCounts(interval_measures, other.interval_measures);
  }
  // Returns whether the open interval recorded anything.
  bool intervalRecorded() const { return interval_count > 0 || !interval_measures.empty(); }
  // Moves the open interval into the run totals and empties it.
  void closeInterval() {
    if (interval_count > 0) {
      count += interval_count;
      errors += interval_errors;
      latency.merge(interval_latency);
      addCounts(errors_by_kind, interval_errors_by_kind);
      summary = LatencySummary::of(latency);
    }
    addCounts(measures, interval_measures);
    interval_count = 0;
    interval_errors = 0;
    interval_latency.reset();
    interval_errors_by_kind.fill(0);
    interval_measures.clear();
  }
  OperationTotals totals() const {
    OperationTotals result;
    result.key = key;
    result.count = count;
    result.errors = errors;
    for (std::size_t index = 0; index < errors_by_kind.size(); ++index) {
      if (errors_by_kind[index] > 0)
        result.errors_by_kind.emplace(static_cast<RequestError>(index), errors_by_kind[index]);
    }
    result.latency = summary;
    result.measures = measures;
    return result;
  }
};

struct MetricsRegistry::ComponentState {
  std::string name;
  std::map<std::string, std::uint32_t, std::less<>> operations;  // Name -> m_operations index.
  OperationState aggregate;                                      // (name, "*").
  bool has_queue = false;
  bool has_workers = false;
  bool has_circuit = false;
  bool has_lag = false;
  TimeWeighted queue;
  TimeWeighted busy;
  TimeWeighted capacity;
  CircuitTracker circuit;
  LagTracker lag;
};

MetricsRegistry::MetricsRegistry(MetricsOptions options) : m_options(options) {
  assert(m_options.sample_interval > 0);
  if (m_options.sample_interval <= 0)
    m_options.sample_interval = kSecond;
  m_interval_end = m_options.sample_interval;
  m_total = std::make_unique<OperationState>();
  m_total->key = MetricKey{std::string(kAllComponents), std::string(kAllOperations)};
  m_total->series_key = addSeriesKey(m_total->key);
  publish();
}

MetricsRegistry::~MetricsRegistry() = default;

std::uint32_t MetricsRegistry::addSeriesKey(MetricKey key) {
  const auto index = static_cast<std::uint32_t>(m_series_keys.size());
  m_series_keys.push_back(std::move(key));
  const auto position = std::upper_bound(m_series_order.begin(), m_series_order.end(), index,
                                         [this](std::uint32_t left, std::uint32_t right) {
                                           return m_series_keys[left] < m_series_keys[right];
                                         });
  m_series_order.insert(position, index);
  return index;
}

ComponentId MetricsRegistry::component(std::string_view name) {
  assert(!name.empty() && name != kAllComponents);
  if (const auto found = m_component_index.find(name); found != m_component_index.end())
    return ComponentId{found->second};
  const auto index = static_cast<std::uint32_t>(m_components.size());
  auto state = std::make_unique<ComponentState>();
  state->name = std::string(name);
  state->aggregate.key = MetricKey{state->name, std::string(kAllOperations)};
  state->aggregate.component = index;
  state->aggregate.series_key = addSeriesKey(state->aggregate.key);
  for (TimeWeighted* gauge : {&state->queue, &state->busy, &state->capacity})
    gauge->last = m_interval_start;
  m_components.push_back(std::move(state));
  m_component_index.emplace(std::string(name), index);
  return ComponentId{index};
}

OperationId MetricsRegistry::operation(std::string_view component_name,
                                       std::string_view operation_name) {
  assert(!operation_name.empty() && operation_name != kAllOperations);
  const ComponentId owner = component(component_name);
  ComponentState& state = *m_components[owner.index];
  if (const auto found = state.operations.find(operation_name); found != state.operations.end())
    return OperationId{found->second};
  const auto index = static_cast<std::uint32_t>(m_operations.size());
  auto operation_state = std::make_unique<OperationState>();
  operation_state->key = MetricKey{state.name, std::string(operation_name)};
  operation_state->component = owner.index;
  operation_state->series_key = addSeriesKey(operation_state->key);
  m_operations.push_back(std::move(operation_state));
  state.operations.emplace(std::string(operation_name), index);
  return OperationId{index};
}

void MetricsRegistry::recordCompletion(OperationId id, Nanos intended_start, Nanos completion,
                                       std::optional<RequestError> error) {
  if (m_finished)
    return;
  if (completion >= m_interval_end) [[unlikely]]
    advance(completion);
  OperationState& state = *m_operations[id.index];
  ++state.interval_count;
  state.interval_latency.record(completion - intended_start);
  if (!error)
    return;
  ++state.interval_errors;
  ++state.interval_errors_by_kind[static_cast<std::size_t>(*error)];
}

void MetricsRegistry::addMeasure(OperationId id, Nanos now, std::string_view measure,
                                 std::uint64_t count) {
  if (m_finished || count == 0)
    return;
  if (now >= m_interval_end) [[unlikely]]
    advance(now);
  OperationState& state = *m_operations[id.index];
  auto found = state.interval_measures.find(measure);
  if (found == state.interval_measures.end())
    state.interval_measures.emplace(std::string(measure), count);
  else
    found->second += count;
}

void MetricsRegistry::recordSuccess(OperationId id, Nanos intended_start, Nanos completion) {
  recordCompletion(id, intended_start, completion, std::nullopt);
}

void MetricsRegistry::recordError(OperationId id, Nanos intended_start, Nanos completion,
                                  RequestError error) {
  recordCompletion(id, intended_start, completion, error);
}

void MetricsRegistry::recordSuccess(std::string_view component_name,
                                    std::string_view operation_name, Nanos intended_start,
                                    Nanos completion) {
  // Close the intervals that end before this completion first: the key is
  // new from this interval on, not in the ones before.
  if (!m_finished && completion >= m_interval_end)
    advance(completion);
  recordSuccess(operation(component_name, operation_name), intended_start, completion);
}

void MetricsRegistry::recordError(std::string_view component_name, std::string_view operation_name,
                                  Nanos intended_start, Nanos completion, RequestError error) {
  if (!m_finished && completion >= m_interval_end)
    advance(completion);
  recordError(operation(component_name, operation_name), intended_start, completion, error);
}

void MetricsRegistry::setQueueDepth(ComponentId id, Nanos now, double depth) {
  if (m_finished)
    return;
  if (now >= m_interval_end)
    advance(now);
  ComponentState& state = *m_components[id.index];
  state.has_queue = true;
  state.queue.set(std::max(now, m_interval_start), depth);
}

void MetricsRegistry::setBusyWorkers(ComponentId id, Nanos now, double busy, double capacity) {
  if (m_finished)
    return;
  if (now >= m_interval_end)
    advance(now);
  ComponentState& state = *m_components[id.index];
  state.has_workers = true;
  const Nanos at = std::max(now, m_interval_start);
  state.busy.set(at, busy);
  state.capacity.set(at, capacity);
}

void MetricsRegistry::setCircuitState(ComponentId id, Nanos now, CircuitState circuit_state) {
  if (m_finished)
    return;
  if (now >= m_interval_end)
    advance(now);
  ComponentState& state = *m_components[id.index];
  state.has_circuit = true;
  state.circuit.set(circuit_state);
}

void MetricsRegistry::setConsumerLag(ComponentId id, Nanos now, std::int64_t events_behind,
                                     Nanos oldest_unconsumed_at) {
  if (m_finished)
    return;
  if (now >= m_interval_end)
    advance(now);
  ComponentState& state = *m_components[id.index];
  state.has_lag = true;
  state.lag.set(std::max(now, m_interval_start), events_behind, oldest_unconsumed_at);
}

void MetricsRegistry::addFaultWindow(FaultWindow window) {
  if (window.end < window.start)
    window.end = window.start;
  m_faults.push_back(std::move(window));
}

void MetricsRegistry::addPatternSwitch(PatternSwitch change) {
  m_switches.push_back(std::move(change));
}

void MetricsRegistry::advance(Nanos now) {
  while (now >= m_interval_end)
    closeInterval(m_interval_end);
  publish();
}

void MetricsRegistry::sample(Nanos now) {
  if (m_finished || now < m_interval_end)
    return;
  advance(now);
}

void MetricsRegistry::finish(Nanos end) {
  if (m_finished)
    return;
  while (end >= m_interval_end)
    closeInterval(m_interval_end);
  if (end > m_interval_start)
    closeInterval(end);
  m_finished = true;
  publish();
}

void MetricsRegistry::closeInterval(Nanos end) {
  const Nanos length = end - m_interval_start;
  std::vector<SeriesPoint> by_key(m_series_keys.size());

  // Operations first: their intervals add up into their component's and the total.
  for (const auto& operation_state : m_operations) {
    OperationState& state = *operation_state;
    SeriesPoint& point = by_key[state.series_key];
    point.key = state.series_key;
    fillRequestFields(point, state.interval_count, state.interval_errors,
                      state.interval_errors_by_kind, state.interval_latency, length);
    point.measures = state.interval_measures;
    if (state.intervalRecorded()) {
      m_components[state.component]->aggregate.addInterval(state);
      m_total->addInterval(state);
    }
    state.closeInterval();
  }

  for (const auto& component_state : m_components) {
    ComponentState& state = *component_state;
    OperationState& aggregate = state.aggregate;
    SeriesPoint& point = by_key[aggregate.series_key];
    point.key = aggregate.series_key;
    fillRequestFields(point, aggregate.interval_count, aggregate.interval_errors,
                      aggregate.interval_errors_by_kind, aggregate.interval_latency, length);
    point.measures = aggregate.interval_measures;
    aggregate.closeInterval();
    if (state.has_queue) {
      state.queue.integrate(end);
      point.queue_depth = length > 0 ? state.queue.interval_integral / static_cast<double>(length)
                                     : state.queue.value;
      point.queue_depth_max = state.queue.interval_max;
      state.queue.restart(end);
    }
    if (state.has_workers) {
      state.busy.integrate(end);
      state.capacity.integrate(end);
      if (state.capacity.interval_integral > 0)
        point.utilisation = state.busy.interval_integral / state.capacity.interval_integral;
      else if (length == 0 && state.capacity.value > 0)
        point.utilisation = state.busy.value / state.capacity.value;
      state.busy.restart(end);
      state.capacity.restart(end);
    }
    if (state.has_circuit) {
      point.circuit = state.circuit.interval_worst;
      state.circuit.interval_worst = state.circuit.state;
    }
    if (state.has_lag) {
      state.lag.fold(end);
      point.lag_events = state.lag.interval_max_events;
      point.lag_time = state.lag.interval_max_time;
      state.lag.interval_max_events = state.lag.events;
      state.lag.interval_max_time = state.lag.timeAt(end);
    }
  }

  SeriesPoint& total = by_key[m_total->series_key];
  total.key = m_total->series_key;
  fillRequestFields(total, m_total->interval_count, m_total->interval_errors,
                    m_total->interval_errors_by_kind, m_total->interval_latency, length);
  total.measures = m_total->interval_measures;
  m_total->closeInterval();

  IntervalSample sample;
  sample.start = m_interval_start;
  sample.end = end;
  sample.points.reserve(by_key.size());
  for (const std::uint32_t key : m_series_order)
    sample.points.push_back(std::move(by_key[key]));
  m_open_block.push_back(std::move(sample));
  ++m_interval_count;
  if (m_open_block.size() == TimeSeries::kBlockSize) {
    m_sealed_blocks.push_back(
        std::make_shared<const std::vector<IntervalSample>>(std::move(m_open_block)));
    m_open_block = {};
    m_open_block.reserve(TimeSeries::kBlockSize);
  }

  m_interval_start = end;
  m_interval_end = end + m_options.sample_interval;
}

void MetricsRegistry::publish() {
  auto snapshot = std::make_shared<MetricsSnapshot>();
  snapshot->now = m_interval_start;
  snapshot->sample_interval = m_options.sample_interval;
  snapshot->finished = m_finished;

  snapshot->operations.reserve(m_operations.size() + m_components.size() + 1);
  snapshot->operations.push_back(m_total->totals());
  for (const auto& operation_state : m_operations)
    snapshot->operations.push_back(operation_state->totals());
  for (const auto& component_state : m_components)
    snapshot->operations.push_back(component_state->aggregate.totals());
  std::sort(snapshot->operations.begin(), snapshot->operations.end(),
            [](const OperationTotals& left, const OperationTotals& right) {
              return left.key < right.key;
            });

  const double elapsed = static_cast<double>(m_interval_start);
  snapshot->components.reserve(m_components.size());
  for (const auto& component_state : m_components) {
    const ComponentState& state = *component_state;
    ComponentGauges gauges;
    gauges.component = state.name;
    if (state.has_queue) {
      QueueGauge queue;
      queue.current = state.queue.value;
      queue.max = state.queue.run_max;
      queue.mean = elapsed > 0 ? state.queue.run_integral / elapsed : state.queue.value;
      gauges.queue = queue;
    }
    if (state.has_workers) {
      WorkerGauge workers;
      workers.busy = state.busy.value;
      workers.capacity = state.capacity.value;
      if (state.capacity.run_integral > 0)
        workers.utilisation = state.busy.run_integral / state.capacity.run_integral;
      else if (state.capacity.value > 0)
        workers.utilisation = state.busy.value / state.capacity.value;
      gauges.workers = workers;
    }
    if (state.has_circuit) {
      CircuitGauge circuit;
      circuit.state = state.circuit.state;
      circuit.opens = state.circuit.opens;
      gauges.circuit = circuit;
    }
    if (state.has_lag) {
      LagGauge lag;
      lag.events = state.lag.events;
      lag.time = state.lag.timeAt(m_interval_start);
      lag.max_events = state.lag.run_max_events;
      lag.max_time = state.lag.run_max_time;
      gauges.lag = lag;
    }
    snapshot->components.push_back(std::move(gauges));
  }
  std::sort(snapshot->components.begin(), snapshot->components.end(),
            [](const ComponentGauges& left, const ComponentGauges& right) {
              return left.component < right.component;
            });

  snapshot->faults = m_faults;
  std::sort(snapshot->faults.begin(), snapshot->faults.end());
  snapshot->switches = m_switches;

  TimeSeries& series = snapshot->series;
  series.m_blocks = m_sealed_blocks;
  if (!m_open_block.empty())
    series.m_blocks.push_back(std::make_shared<const std::vector<IntervalSample>>(m_open_block));
  series.m_size = m_interval_count;
  series.m_keys = m_series_keys;

  std::shared_ptr<const MetricsSnapshot> published = std::move(snapshot);
  std::lock_guard lock(m_mutex);
  m_published.swap(published);
  // The old snapshot is released outside the lock, when `published` dies.
}

std::shared_ptr<const MetricsSnapshot> MetricsRegistry::published() const {
  std::lock_guard lock(m_mutex);
  return m_published;
}

MetricsSnapshot MetricsRegistry::snapshot() const {
  return *published();
}

}  // namespace staylab::sim
