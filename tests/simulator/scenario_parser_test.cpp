#include <chrono>
#include <fstream>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "simulator/patterns/registry.h"
#include "simulator/scenario/expectation.h"
#include "simulator/scenario/scenario.h"
#include "simulator/scenario/scenario_parser.h"
#include "simulator/scenario/scenario_yaml.h"
#include "simulator/scenario/units.h"
#include "tests/support/temp_dir.h"

namespace staylab::sim {
namespace {

using namespace std::chrono_literals;

// The scenario of the issue, as a tester would write it.
constexpr std::string_view kFullScenario = R"(schema: 1
name: booking-store-outage
description: What the gateway sees while the booking store is down for 30 s.
seed: 42
duration: 5m            # units: ns, us, ms, s, m, h; plain numbers refused
mode: model             # model | measured
data: { properties: 200, seed: 7 }
topology:
  file: default         # assets/topologies/<name>.yaml, or a path
  overrides:
    - component: booking-service
      instances: 2
      workers: 8
      queue: 64
      service_time: { operation: book, distribution: lognormal, median: 4ms, p99: 20ms }
patterns: { outbox: true, circuit_breaker: { enabled: true, failure_ratio: 0.5, open_for: 10s }, retry: { attempts: 3, backoff: 50ms, jitter: 0.2 } }
load:
  - phase: warm-up
    for: 30s
    arrivals: { kind: constant, rate: 20/s }
    mix: { search: 70, view: 15, book: 10, cancel: 3, edit: 2 }
    popularity: { zipf: 1.1 }
faults:
  - { at: 60s, for: 30s, kind: store_outage, target: booking-db }
  - { at: 2m, for: 20s, kind: store_latency, target: search-index, latency: 200ms, jitter: 50ms }
  - { at: 3m, kind: consumer_crash, target: search-projection, restart_after: 15s }
  - { at: 4m, for: 10s, kind: delivery_duplicate, target: booking-events, probability: 0.1 }
switches:
  - { at: 70s, pattern: retry, on: true }
  - { at: 2m, pattern: circuit_breaker, on: false }
expect:
  - double_bookings == 0
  - lost_acknowledged == 0
  - p99(gateway.book) < 300ms
  - error_rate(gateway.book) < 0.05
  - max_lag(search-projection) < 30s
)";

// The smallest scenario the parser accepts; the malformed cases below vary it.
constexpr std::string_view kMinimal = R"(schema: 1
name: minimal
description: The least a scenario says.
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)";

// Returns kMinimal with `extra` appended.
std::string minimalWith(std::string_view extra) {
  return std::string(kMinimal) + std::string(extra);
}

Scenario parseOk(std::string_view text) {
  auto scenario = parseScenarioText(text, "test.yaml");
  EXPECT_TRUE(scenario.has_value()) << (scenario ? "" : scenario.error().describe());
  return scenario.value_or(Scenario{});
}

// Returns a pattern's settings as the pattern writes them back.
std::string settingsOf(const Scenario& scenario, std::string_view pattern) {
  const auto index = patternIndex(pattern);
  EXPECT_TRUE(index.has_value()) << pattern;
  return index ? patternRegistry()[*index]->write(scenario.patterns.at(*index)) : std::string();
}

TEST(ScenarioParserTest, ReadsTheFullScenarioIntoTheModel) {
  const Scenario scenario = parseOk(kFullScenario);

  EXPECT_EQ(scenario.schema, 1);
  EXPECT_EQ(scenario.name, "booking-store-outage");
  EXPECT_EQ(scenario.description,
            "What the gateway sees while the booking store is down for 30 s.");
  EXPECT_EQ(scenario.seed, 42u);
  EXPECT_EQ(scenario.duration, 5min);
  EXPECT_EQ(scenario.mode, ServiceTimeMode::Model);
  EXPECT_EQ(scenario.data.properties, 200);
  EXPECT_EQ(scenario.data.seed, 7u);

  EXPECT_EQ(scenario.topology.file, "default");
  ASSERT_EQ(scenario.topology.overrides.size(), 1u);
  const ComponentOverride& service = scenario.topology.overrides[0];
  EXPECT_EQ(service.component, "booking-service");
  EXPECT_EQ(service.instances, 2);
  EXPECT_EQ(service.workers, 8);
  EXPECT_EQ(service.queue, 64);
  ServiceTimeSpec book;
  book.operation = "book";
  book.distribution = ServiceTimeDistribution::LogNormal;
  book.median = 4ms;
  book.p99 = 20ms;
  ASSERT_EQ(service.service_times.size(), 1u);
  EXPECT_EQ(service.service_times[0], book);

  EXPECT_TRUE(scenario.patterns.enabled("outbox"));
  EXPECT_TRUE(scenario.patterns.enabled("cqrs"));  // The platform's default.
  EXPECT_TRUE(scenario.patterns.enabled("circuit_breaker"));
  // min_requests keeps its default.
  EXPECT_EQ(settingsOf(scenario, "circuit_breaker"),
            "failure_ratio: 0.5, window: 10s, min_requests: 20, open_for: 10s");
  EXPECT_TRUE(scenario.patterns.enabled("retry"));  // A mapping turns a switch on.
  EXPECT_EQ(settingsOf(scenario, "retry"),
            "attempts: 3, backoff: 50ms, max_backoff: 1s, jitter: 0.2");
  EXPECT_FALSE(scenario.patterns.enabled("timeout"));

  ASSERT_EQ(scenario.load.size(), 1u);
  const LoadPhase& phase = scenario.load[0];
  EXPECT_EQ(phase.name, "warm-up");
  EXPECT_EQ(phase.length, 30s);
  EXPECT_EQ(phase.arrivals.kind, ArrivalKind::Constant);
  EXPECT_EQ(phase.arrivals.rate, 20.0);
  EXPECT_DOUBLE_EQ(phase.share(UserOperation::Search), 0.70);
  EXPECT_DOUBLE_EQ(phase.share(UserOperation::View), 0.15);
  EXPECT_DOUBLE_EQ(phase.share(UserOperation::Book), 0.10);
  EXPECT_DOUBLE_EQ(phase.share(UserOperation::Cancel), 0.03);
  EXPECT_DOUBLE_EQ(phase.share(UserOperation::Edit), 0.02);
  EXPECT_EQ(phase.popularity.zipf, 1.1);

  ASSERT_EQ(scenario.faults.size(), 4u);
  FaultSpec outage;
  outage.kind = FaultKind::StoreOutage;
  outage.at = 60s;
  outage.length = 30s;
  outage.target = "booking-db";
  EXPECT_EQ(scenario.faults[0], outage);
  FaultSpec latency;
  latency.kind = FaultKind::StoreLatency;
  latency.at = 2min;
  latency.length = 20s;
  latency.target = "search-index";
  latency.latency = 200ms;
  latency.jitter = 50ms;
  EXPECT_EQ(scenario.faults[1], latency);
  FaultSpec crash;
  crash.kind = FaultKind::ConsumerCrash;
  crash.at = 3min;
  crash.target = "search-projection";
  crash.restart_after = 15s;
  EXPECT_EQ(scenario.faults[2], crash);
  FaultSpec duplicate;
  duplicate.kind = FaultKind::DeliveryDuplicate;
  duplicate.at = 4min;
  duplicate.length = 10s;
  duplicate.target = "booking-events";
  duplicate.probability = 0.1;
  EXPECT_EQ(scenario.faults[3], duplicate);

  const std::vector<PatternSwitchSpec> switches = {{70s, "retry", true},
                                                   {2min, "circuit_breaker", false}};
  EXPECT_EQ(scenario.switches, switches);

  ASSERT_EQ(scenario.expectations.size(), 5u);
  EXPECT_EQ(scenario.expectations[0].metric.name, MetricName::DoubleBookings);
  EXPECT_EQ(scenario.expectations[0].comparison, Comparison::Equal);
  EXPECT_EQ(scenario.expectations[0].threshold.number, 0.0);
  EXPECT_EQ(scenario.expectations[1].metric.name, MetricName::LostAcknowledged);
  const Expectation& p99 = scenario.expectations[2];
  EXPECT_EQ(p99.metric.name, MetricName::P99);
  EXPECT_EQ(p99.metric.component, "gateway");
  EXPECT_EQ(p99.metric.operation, "book");
  EXPECT_EQ(p99.comparison, Comparison::Less);
  EXPECT_EQ(p99.threshold.kind, QuantityKind::Duration);
  EXPECT_EQ(p99.threshold.duration, 300ms);
  EXPECT_EQ(scenario.expectations[3].threshold.kind, QuantityKind::Ratio);
  EXPECT_EQ(scenario.expectations[3].threshold.number, 0.05);
  const Expectation& lag = scenario.expectations[4];
  EXPECT_EQ(lag.metric.name, MetricName::MaxLag);
  EXPECT_EQ(lag.metric.component, "search-projection");
  EXPECT_EQ(lag.metric.operation, "");
  EXPECT_EQ(lag.threshold.duration, 30s);
}

TEST(ScenarioParserTest, FillsDefaultsForWhatTheFileLeavesOut) {
  const Scenario scenario = parseOk(kMinimal);
  EXPECT_EQ(scenario.seed, 1u);
  EXPECT_EQ(scenario.mode, ServiceTimeMode::Model);
  EXPECT_EQ(scenario.data, SeedData{});
  EXPECT_EQ(scenario.topology, TopologySpec{});
  EXPECT_EQ(scenario.patterns, PatternSettings{});
  ASSERT_EQ(scenario.load.size(), 1u);
  EXPECT_EQ(scenario.load[0].mix, kDefaultMix);
  EXPECT_EQ(scenario.load[0].popularity.zipf, 0.0);
  EXPECT_TRUE(scenario.faults.empty());
  EXPECT_TRUE(scenario.expectations.empty());
}

TEST(ScenarioParserTest, CanonicalYamlReadsBackToTheSameScenario) {
  const Scenario scenario = parseOk(kFullScenario);
  const std::string canonical = toYaml(scenario);
  const Scenario again = parseOk(canonical);
  EXPECT_EQ(again, scenario) << canonical;
  EXPECT_EQ(toYaml(again), canonical);
}

TEST(ScenarioParserTest, ReadsEveryArrivalKindFaultKindAndPattern) {
  constexpr std::string_view text = R"(schema: 1
name: everything
description: |
  Every kind of arrival and fault,
  and every pattern switch.
seed: 18446744073709551615
duration: 1h30m
mode: measured
topology:
  file: topologies/big.yaml
  overrides:
    - component: search-service
      service_time:
        - { operation: search, distribution: constant, value: 2ms }
        - { operation: view, distribution: exponential, mean: 1.5ms }
        - { operation: edit, distribution: uniform, min: 0s, max: 3ms }
patterns:
  cqrs: true
  outbox: false
  idempotent_consumer: { enabled: true }
  timeout: { after: 800ms }
  bulkhead: { max_concurrent: 16 }
  rate_limit: { rate: 500/s, burst: 50 }
  retry: { enabled: false, attempts: 5 }
load:
  - { phase: a, for: 1m, arrivals: { kind: poisson, rate: 1200/m } }
  - { phase: b, for: 1m, arrivals: { kind: ramp, from: 0/s, to: 100/s } }
  - { phase: c, for: 1m, arrivals: { kind: step, from: 10/s, to: 50/s, steps: 4 } }
  - { phase: d, for: 1m, arrivals: { kind: burst, rate: 500/s, every: 10s, for: 2s, base: 5/s } }
  - phase: e
    for: 1m
    arrivals: { kind: closed, users: 40, think: 2s }
    mix: { search: 0.5, view: 0.5 }
    popularity: uniform
faults:
  - { at: 1m, for: 10s, kind: store_error_rate, target: booking-db, probability: 0.3 }
  - { at: 2m, for: 10s, kind: link_partition, from: gateway, to: booking-service }
  - { at: 3m, for: 10s, kind: link_latency, from: gateway, to: search-service, latency: 40ms }
  - { at: 4m, for: 10s, kind: link_loss, from: gateway, to: search-service, probability: 0.01 }
  - { at: 5m, kind: instance_kill, target: booking-service, instances: 2 }
  - { at: 6m, for: 10s, kind: delivery_delay, target: booking-events, delay: 2s, jitter: 1s }
  - { at: 7m, for: 10s, kind: delivery_reorder, target: booking-events, window: 8 }
  - { at: 8m, kind: poison_event, target: booking-events }
expect:
  - throughput(gateway) >= 50/s
  - "utilisation(booking-db) <= 80%"
  - max_lag(search-projection) < 1000
  - count(gateway.search) > 10
  - convergence_time < 2s
)";
  const Scenario scenario = parseOk(text);
  EXPECT_EQ(scenario.description, "Every kind of arrival and fault,\nand every pattern switch.\n");
  EXPECT_EQ(scenario.seed, 18446744073709551615u);
  EXPECT_EQ(scenario.duration, 90min);
  EXPECT_EQ(scenario.mode, ServiceTimeMode::Measured);
  EXPECT_EQ(scenario.topology.file, "topologies/big.yaml");
  ASSERT_EQ(scenario.topology.overrides.at(0).service_times.size(), 3u);
  EXPECT_EQ(scenario.topology.overrides[0].service_times[1].mean, 1500us);
  EXPECT_FALSE(scenario.topology.overrides[0].instances.has_value());

  const PatternSettings& patterns = scenario.patterns;
  EXPECT_TRUE(patterns.enabled("cqrs") && patterns.enabled("idempotent_consumer"));
  EXPECT_FALSE(patterns.enabled("outbox"));
  EXPECT_TRUE(patterns.enabled("timeout"));
  EXPECT_EQ(settingsOf(scenario, "timeout"), "after: 800ms");
  EXPECT_EQ(settingsOf(scenario, "bulkhead"), "max_concurrent: 16");
  EXPECT_EQ(settingsOf(scenario, "rate_limit"), "rate: 500/s, burst: 50");
  EXPECT_FALSE(patterns.enabled("retry"));  // A mapping may keep a switch off.
  EXPECT_EQ(settingsOf(scenario, "retry"),
            "attempts: 5, backoff: 50ms, max_backoff: 1s, jitter: 0.2");

  ASSERT_EQ(scenario.load.size(), 5u);
  EXPECT_EQ(scenario.load[0].arrivals.kind, ArrivalKind::Poisson);
  EXPECT_EQ(scenario.load[0].arrivals.rate, 20.0);
  EXPECT_EQ(scenario.load[1].arrivals.to, 100.0);
  EXPECT_EQ(scenario.load[2].arrivals.steps, 4);
  EXPECT_EQ(scenario.load[3].arrivals.burst_length, 2s);
  EXPECT_EQ(scenario.load[3].arrivals.base, 5.0);
  EXPECT_EQ(scenario.load[4].arrivals.users, 40);
  EXPECT_EQ(scenario.load[4].arrivals.think, 2s);
  EXPECT_EQ(scenario.load[4].share(UserOperation::Book), 0.0);

  ASSERT_EQ(scenario.faults.size(), 8u);
  EXPECT_EQ(scenario.faults[1].target, "gateway");
  EXPECT_EQ(scenario.faults[1].peer, "booking-service");
  EXPECT_EQ(scenario.faults[4].instances, 2);
  EXPECT_FALSE(scenario.faults[4].restart_after.has_value());
  EXPECT_EQ(scenario.faults[5].latency, 2s);
  EXPECT_EQ(scenario.faults[6].window, 8);
  EXPECT_EQ(scenario.faults[7].count, 1);

  ASSERT_EQ(scenario.expectations.size(), 5u);
  EXPECT_EQ(scenario.expectations[0].threshold.kind, QuantityKind::Rate);
  EXPECT_EQ(scenario.expectations[1].threshold.number, 0.8);
  EXPECT_EQ(scenario.expectations[2].threshold.kind, QuantityKind::Number);

  EXPECT_EQ(parseOk(toYaml(scenario)), scenario);
}

TEST(ScenarioParserTest, ALongFirstBackoffRaisesTheDefaultCap) {
  const Scenario scenario = parseOk(minimalWith("patterns: { retry: { backoff: 3s } }\n"));
  EXPECT_TRUE(scenario.patterns.enabled("retry"));
  EXPECT_EQ(settingsOf(scenario, "retry"),
            "attempts: 3, backoff: 3s, max_backoff: 3s, jitter: 0.2");
}

TEST(ScenarioParserTest, AnchorsAndAliasesReuseAMix) {
  constexpr std::string_view text = R"(schema: 1
name: aliases
description: Two phases share one mix.
duration: 5m
load:
  - { phase: a, for: 1m, arrivals: { kind: constant, rate: 10/s }, mix: &mix { search: 50, book: 50 } }
  - { phase: b, for: 1m, arrivals: { kind: constant, rate: 20/s }, mix: *mix }
)";
  const Scenario scenario = parseOk(text);
  ASSERT_EQ(scenario.load.size(), 2u);
  EXPECT_EQ(scenario.load[1].mix, scenario.load[0].mix);
  EXPECT_EQ(scenario.load[1].share(UserOperation::Book), 0.5);
}

TEST(ScenarioParserTest, AcceptsAByteOrderMarkAndWindowsLineEndings) {
  std::string text = "\xEF\xBB\xBF";
  for (char c : kMinimal) {
    if (c == '\n') {
      text += '\r';
    }
    text += c;
  }
  EXPECT_EQ(parseOk(text).name, "minimal");
}

// A malformed scenario, the position of its first mistake and part of the reason.
struct Malformed {
  std::string_view name;
  std::string_view text;
  int line;
  int column;
  std::string_view reason;
};

void PrintTo(const Malformed& malformed, std::ostream* out) {
  *out << malformed.name;
}

class MalformedScenarioTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedScenarioTest, IsRejectedWithItsPositionAndReason) {
  const Malformed& malformed = GetParam();
  const auto scenario = parseScenarioText(malformed.text, "bad.yaml");
  ASSERT_FALSE(scenario.has_value()) << "accepted:\n" << malformed.text;
  const Error& error = scenario.error();
  EXPECT_EQ(error.kind, ErrorKind::InvalidInput);
  EXPECT_EQ(error.field, fmt::format("bad.yaml:{}:{}", malformed.line, malformed.column))
      << error.message;
  EXPECT_NE(error.message.find(malformed.reason), std::string::npos)
      << "reason: " << error.message << "\nexpected to contain: " << malformed.reason;
}

// Each text is kMinimal with one mistake; comments name it where it is not obvious.
const Malformed kMalformed[] = {
    {"SwitchOfAnUnknownPatternSuggestsTheClosest", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
switches:
  - { at: 10s, pattern: rety, on: true }
)",
     8, 25, "did you mean 'retry'?"},
    {"SwitchOfAPatternTheEngineCannotSwitch", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
switches:
  - { at: 10s, pattern: saga, on: true }
)",
     8, 25, "'pattern' must be one of cqrs, rate_limit, timeout, retry, circuit_breaker, bulkhead"},
    {"SwitchWithoutOn", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
switches:
  - { at: 10s, pattern: retry }
)",
     8, 5, "'on'"},
    {"SwitchOnNotABoolean", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
switches:
  - { at: 10s, pattern: retry, on: maybe }
)",
     8, 36, "'on'"},
    {"SwitchAfterTheEnd", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
switches:
  - { at: 5m, pattern: retry, on: true }
)",
     8, 11, "the switch at 5m is not within the run's duration of 5m"},
    {"SwitchesOutOfOrder", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
switches:
  - { at: 20s, pattern: retry, on: true }
  - { at: 10s, pattern: timeout, on: true }
)",
     9, 11, "switches go in time order"},
    {"SamePatternSwitchedTwiceAtOnce", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
switches:
  - { at: 20s, pattern: retry, on: true }
  - { at: 20s, pattern: retry, on: false }
)",
     9, 11, "retry is switched twice at 20s"},
    {"SwitchWithAnUnknownKey", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
switches:
  - { at: 20s, pattern: retry, on: true, for: 10s }
)",
     8, 42, "unknown key 'for' in switch"},
    {"UnknownKeySuggestsTheClosest", R"(schema: 1
name: minimal
description: d
durration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     4, 1, "unknown key 'durration' in scenario; did you mean 'duration'?"},
    {"UnknownKeyFarFromAnyListsTheKeys", R"(schema: 1
name: minimal
description: d
duration: 5m
owner: qa
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     5, 1, "unknown key 'owner' in scenario (keys: schema, name,"},
    {"DuplicateKey", R"(schema: 1
name: minimal
description: d
seed: 1
duration: 5m
seed: 2
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     6, 1, "duplicate key 'seed' (first given at line 4, column 1)"},
    {"DurationInWords", R"(schema: 1
name: minimal
description: d
duration: 5 minutes
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     4, 11, "write 5m"},
    {"DurationWithoutUnit", R"(schema: 1
name: minimal
description: d
duration: 5
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     4, 11, "'5' has no unit"},
    {"NegativeDuration", R"(schema: 1
name: minimal
description: d
duration: -3s
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     4, 11, "negative"},
    {"ZeroDuration", R"(schema: 1
name: minimal
description: d
duration: 0s
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     4, 11, "'duration' must be longer than 0"},
    {"RunLongerThanThirtyDays", R"(schema: 1
name: minimal
description: d
duration: 720h1ns
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     4, 11, "the limit is 30 days"},
    {"UnsupportedSchema", R"(schema: 2
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     1, 9, "unsupported schema 2"},
    {"MissingName", R"(schema: 1
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     1, 1, "missing key 'name' in scenario"},
    {"NameWithSpaces", R"(schema: 1
name: Booking Outage
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     2, 7, "lowercase letters, digits"},
    {"EmptyDescription", R"(schema: 1
name: minimal
description: ""
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     3, 14, "'description' is empty"},
    {"SeedNotANumber", R"(schema: 1
name: minimal
description: d
seed: forty-two
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     4, 7, "'seed' must be a whole number"},
    {"SeedQuoted", R"(schema: 1
name: minimal
description: d
seed: "42"
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     4, 7, "without quotes"},
    {"ModeMisspelt", R"(schema: 1
name: minimal
description: d
duration: 5m
mode: modle
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     5, 7, "did you mean 'model'?"},
    {"BooleanAsYes", R"(schema: 1
name: minimal
description: d
duration: 5m
patterns: { outbox: yes }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     5, 21, "'outbox' must be true or false, got 'yes'"},
    {"UnknownPattern", R"(schema: 1
name: minimal
description: d
duration: 5m
patterns: { circuitbreaker: true }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     5, 13, "did you mean 'circuit_breaker'?"},
    {"FailureRatioAboveOne", R"(schema: 1
name: minimal
description: d
duration: 5m
patterns: { circuit_breaker: { failure_ratio: 1.5 } }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     5, 47, "'failure_ratio' must be above 0 and at most 1, got 1.5"},
    {"InstancesZero", R"(schema: 1
name: minimal
description: d
duration: 5m
topology:
  overrides:
    - { component: booking-service, instances: 0 }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     7, 48, "'instances' must be between 1 and 10000, got 0"},
    {"WorkersNotWhole", R"(schema: 1
name: minimal
description: d
duration: 5m
topology:
  overrides:
    - { component: booking-service, workers: 2.5 }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     7, 46, "'workers' must be a whole number, got '2.5'"},
    {"OverrideChangesNothing", R"(schema: 1
name: minimal
description: d
duration: 5m
topology:
  overrides:
    - { component: booking-service }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     7, 7, "changes nothing"},
    {"LognormalP99BelowMedian", R"(schema: 1
name: minimal
description: d
duration: 5m
topology:
  overrides:
    - component: booking-service
      service_time: { operation: book, distribution: lognormal, median: 4ms, p99: 2ms }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     8, 83, "'p99' (2ms) must be above 'median' (4ms)"},
    {"ServiceTimeKeyOfAnotherDistribution", R"(schema: 1
name: minimal
description: d
duration: 5m
topology:
  overrides:
    - component: booking-service
      service_time: { operation: book, distribution: constant, median: 4ms }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     8, 64, "'median' does not apply to a constant distribution, which takes value"},
    {"EmptyLoad", R"(schema: 1
name: minimal
description: d
duration: 5m
load: []
)",
     5, 7, "'load' is empty"},
    {"LoadWithoutValue", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
)",
     5, 1, "'load' has no value"},
    {"LoadNotAList", R"(schema: 1
name: minimal
description: d
duration: 5m
load: { phase: steady }
)",
     5, 7, "'load' must be a list of phases, not a mapping"},
    {"RateWithoutUnit", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10 } }
)",
     6, 65, "'10' is not a rate"},
    {"RateAboveLimit", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: poisson, rate: 2000000/s } }
)",
     6, 64, "above the limit of 1000000/s"},
    {"ArrivalKindUnknown", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constnat, rate: 10/s } }
)",
     6, 49, "did you mean 'constant'?"},
    {"ArrivalKeyOfAnotherKind", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s, users: 5 } }
)",
     6, 71, "'users' does not apply to constant arrivals"},
    {"BurstLongerThanItsPeriod", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - phase: spiky
    for: 1m
    arrivals: { kind: burst, rate: 100/s, every: 5s, for: 5s }
)",
     8, 59, "make 'for' shorter than 'every'"},
    {"MixNotAddingUp", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - phase: steady
    for: 1m
    arrivals: { kind: constant, rate: 10/s }
    mix: { search: 70, view: 20 }
)",
     9, 10, "the mix adds up to 90"},
    {"MixUnknownOperation", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - phase: steady
    for: 1m
    arrivals: { kind: constant, rate: 10/s }
    mix: { serch: 100 }
)",
     9, 12, "did you mean 'search'?"},
    {"PhasesLongerThanTheRun", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: one, for: 3m, arrivals: { kind: constant, rate: 10/s } }
  - { phase: two, for: 3m, arrivals: { kind: constant, rate: 10/s } }
)",
     7, 24, "phase 'two' ends at 6m, after the run's duration of 5m"},
    {"DuplicatePhaseName", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: one, for: 1m, arrivals: { kind: constant, rate: 10/s } }
  - { phase: one, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     7, 14, "phase name 'one' is already used at line 6"},
    {"ZipfNegative", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - phase: steady
    for: 1m
    arrivals: { kind: constant, rate: 10/s }
    popularity: { zipf: -1 }
)",
     9, 25, "'zipf': '-1' is negative"},
    {"FaultUnknownKind", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, for: 10s, kind: store_outtage, target: booking-db }
)",
     8, 31, "did you mean 'store_outage'?"},
    {"FaultMissingTarget", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, for: 10s, kind: store_outage }
)",
     8, 5, "missing key 'target' in store_outage fault"},
    {"FaultAfterTheRun", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 6m, kind: consumer_crash, target: search-projection }
)",
     8, 11, "the fault at 6m is not within the run's duration of 5m"},
    {"FaultEndingAfterTheRun", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 4m50s, for: 20s, kind: store_outage, target: booking-db }
)",
     8, 23, "the fault ends at 310s, after the run's duration of 5m"},
    {"FaultForOnAnInstantKind", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, for: 10s, kind: consumer_crash, target: search-projection }
)",
     8, 15,
     "'for' does not apply to consumer_crash, which happens at one instant; use "
     "restart_after"},
    {"FaultKeyOfAnotherKind", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, for: 10s, kind: store_outage, target: booking-db, latency: 1s }
)",
     8, 65, "'latency' does not apply to store_outage"},
    {"ProbabilityAboveOne", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, for: 10s, kind: link_loss, from: gateway, to: search, probability: 1.2 }
)",
     8, 82, "'probability' must be above 0 and at most 1, got 1.2"},
    {"JitterLargerThanLatency", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, for: 10s, kind: store_latency, target: db, latency: 50ms, jitter: 80ms }
)",
     8, 81, "'jitter' (80ms) is larger than the latency (50ms)"},
    {"LinkToItself", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, for: 10s, kind: link_partition, from: gateway, to: gateway }
)",
     8, 66, "'from' and 'to' are both 'gateway'"},
    {"OverlappingFaults", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, for: 30s, kind: store_outage, target: booking-db }
  - { at: 80s, for: 30s, kind: store_outage, target: booking-db }
)",
     9, 11, "overlaps the one at line 8"},
    {"RestartAfterTheRun", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 4m, kind: instance_kill, target: booking-service, restart_after: 2m }
)",
     8, 76, "the restart at 6m is after the run's duration of 5m"},
    {"FaultsWithoutValue", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
expect: []
)",
     7, 1, "write a list, or faults: [] for none"},
    {"ExpectationUnknownFunction", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
expect:
  - p95(gateway.book) < 300ms
)",
     8, 5, "unknown metric function 'p95'"},
    {"ExpectationLatencyWithoutUnit", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
expect:
  - p99(gateway.book) < 300
)",
     8, 25, "p99 is a duration; compare it with a duration such as 300ms"},
    {"ExpectationQuotedPointsInsideTheQuotes", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
expect:
  - "error_rate(gateway.book) = 0.05"
)",
     8, 31, "write '==' to compare"},
    {"ExpectationNotAString", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
expect:
  - { p99: 300ms }
)",
     8, 5, "'expect' must be an expectation such as p99(gateway.book) < 300ms, not a mapping"},
    {"YamlSyntaxError", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s }
)",
     7, 1, "YAML syntax: end of map flow not found"},
    {"TopLevelIsAList", R"(- schema: 1
)",
     1, 1, "a scenario is a mapping of keys"},
    {"EmptyFile", "# nothing but a comment\n", 1, 1, "the file is empty"},
    {"TwoDocuments", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
---
schema: 1
)",
     7, 1, "one YAML document"},
    {"ExplicitTag", R"(schema: 1
name: minimal
description: d
seed: !!int 42
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     4, 7, "YAML tags such as"},
    {"AliasInsideItself", R"(schema: 1
name: minimal
description: d
duration: 5m
topology: &self { overrides: [*self] }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     5, 31, "alias refers to a node that contains it"},
    {"ListAsKey", R"(schema: 1
name: minimal
description: d
duration: 5m
? [load]
: x
)",
     5, 3, "keys must be plain words"},
    {"DuplicateOverride", R"(schema: 1
name: minimal
description: d
duration: 5m
topology:
  overrides:
    - { component: gateway, instances: 2 }
    - { component: gateway, workers: 4 }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     8, 20, "component 'gateway' is already overridden at line 7"},
    {"MaxBackoffBelowBackoff", R"(schema: 1
name: minimal
description: d
duration: 5m
patterns: { retry: { backoff: 2s, max_backoff: 1s } }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     5, 48, "'max_backoff' (1s) is below 'backoff' (2s)"},
    {"LoadLevelingWithoutWorkers", R"(schema: 1
name: minimal
description: d
duration: 5m
patterns: { load_leveling: { enabled: true, workers: 0 } }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     5, 54, "'workers' must be between 1 and 64, got 0"},
    {"CacheAsideWithoutATtl", R"(schema: 1
name: minimal
description: d
duration: 5m
patterns: { cache_aside: { ttl: 0s } }
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
)",
     5, 33, "'ttl' must be longer than 0"},
    {"ClosedLoadWithoutUsers", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: closed, think: 1s } }
)",
     6, 41, "missing key 'users' in closed arrivals"},
    {"ZeroRate", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 0/s } }
)",
     6, 65, "'rate' must be above 0/s"},
    {"StepsOutOfRange", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: s, for: 1m, arrivals: { kind: step, from: 1/s, to: 9/s, steps: 0 } }
)",
     6, 77, "'steps' must be between 1 and 1000, got 0"},
    {"PopularityUnknown", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: s, for: 1m, arrivals: { kind: constant, rate: 1/s }, popularity: hot }
)",
     6, 79, "'popularity' must be uniform or { zipf: <exponent> }"},
    {"MixNegativeWeight", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: s, for: 1m, arrivals: { kind: constant, rate: 1/s }, mix: { search: -10 } }
)",
     6, 82, "'search': '-10' is negative"},
    {"ReorderWindowTooSmall", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, for: 10s, kind: delivery_reorder, target: booking-events, window: 1 }
)",
     8, 81, "'window' must be between 2 and 10000, got 1"},
    {"ListOfFaultsHoldsAWord", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - store_outage
)",
     8, 5, "fault must be a mapping of keys"},
    {"ExpectationNamingRunBWithoutCompare", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
expect:
  - B.stale_reads == 0
)",
     8, 5, "'B.' names run B, but the scenario has no compare: block"},
    {"ExpectationComparingWithRunBWithoutCompare", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
expect:
  - count(front.get) > 2 * B.count(front.get)
)",
     8, 28, "no compare: block"},
    {"ExpectationNamingAnUnknownRun", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: with-retry
  patterns: { retry: true }
expect:
  - A.count(front.get) > C.count(front.get)
)",
     11, 26, "unknown run 'C'; the runs are A"},
    {"ExpectationComparingMetricsOfDifferentKinds", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: with-retry
  patterns: { retry: true }
expect:
  - B.p99(front.get) > A.count(front.get)
)",
     11, 24, "B.p99(front.get) is a duration but A.count(front.get) is a count"},
    {"ExpectationScaledByZero", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: with-retry
  patterns: { retry: true }
expect:
  - B.p99(front.get) > 0 * A.p99(front.get)
)",
     11, 24, "the scale is 0"},
    {"ExpectationScaledByANegativeNumber", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: with-retry
  patterns: { retry: true }
expect:
  - B.count(front.get) < -2 * A.count(front.get)
)",
     11, 26, "the scale '-2' is negative"},
    {"ExpectationScaledByAWord", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: with-retry
  patterns: { retry: true }
expect:
  - B.count(front.get) < twice * A.count(front.get)
)",
     11, 26, "the scale 'twice' is not a number"},
    {"ExpectationComparingAnUnknownMeasure", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: with-retry
  patterns: { retry: true }
expect:
  - B.stale_readz < A.stale_reads
)",
     11, 7, "did you mean 'stale_reads'?"},
    {"CompareWithOnlyAName", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare: { name: same }
)",
     7, 10, "changes nothing, so run B would be run A"},
    {"CompareThatChangesNothing", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: same
  patterns: { cqrs: true }
)",
     8, 3, "changes nothing"},
    {"CompareWithAnUnknownKey", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: x
  seed: 3
)",
     9, 3, "unknown key 'seed' in compare"},
    {"CompareWithoutAName", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  patterns: { retry: true }
)",
     8, 3, "'name'"},
    {"CompareNameIsNotASlug", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: Without Retry
  patterns: { retry: true }
)",
     8, 9, "'name'"},
    {"CompareNameGivenTwice", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: a
  name: b
  patterns: { retry: true }
)",
     9, 3, "duplicate key 'name'"},
    {"CompareOverridesAnUnknownPattern", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: x
  patterns: { rerty: true }
)",
     9, 15, "did you mean 'retry'?"},
    {"CompareOverridesAPatternWithABadSetting", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: x
  patterns: { retry: { attempts: 0 } }
)",
     9, 34, "'attempts' must be between 1 and 100"},
    {"CompareSwitchesAPatternThatCannotSwitchLive", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: x
  switches:
    - { at: 10s, pattern: saga, on: true }
)",
     10, 27, "'pattern' must be one of"},
    {"CompareWithAnEmptyLoad", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: x
  load: []
)",
     9, 9, "'load' is empty"},
    {"CompareFaultAfterTheRun", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
compare:
  name: x
  faults:
    - { at: 10m, for: 1s, kind: store_outage, target: store }
)",
     10, 13, "not within the run's duration"},
    {"RebuildModeUnknown", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, kind: rebuild, target: search-projection, mode: sideways }
)",
     8, 63, "'mode' is in_place or blue_green, not 'sideways'"},
    {"RebuildModeOnAnotherKind", R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, kind: consumer_crash, target: search-projection, mode: in_place }
)",
     8, 64, "'mode' does not apply to consumer_crash"},
    {"ControlCharacter", "schema: 1\nname: mini\x01mal\n", 2, 11,
     "control character U+0001 is not allowed"},
    {"InvalidUtf8", "schema: 1\nname: \xC3\x28\n", 2, 7, "invalid UTF-8"},
    {"LoneCarriageReturn", "schema: 1\rname: minimal\n", 1, 10, "carriage return"},
};

TEST(ScenarioParserTest, ReadsARebuildOnTheTimelineWithOrWithoutItsMode) {
  const Scenario scenario = parseOk(R"(schema: 1
name: minimal
description: d
duration: 5m
load:
  - { phase: steady, for: 1m, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 1m, kind: rebuild, target: search-projection }
  - { at: 2m, kind: rebuild, target: search-projection, mode: blue_green }
)");
  ASSERT_EQ(scenario.faults.size(), 2u);
  EXPECT_EQ(scenario.faults[0].kind, FaultKind::Rebuild);
  EXPECT_FALSE(scenario.faults[0].mode.has_value());
  EXPECT_EQ(scenario.faults[1].mode, RebuildMode::BlueGreen);
  EXPECT_FALSE(isWindowFault(FaultKind::Rebuild));
}

INSTANTIATE_TEST_SUITE_P(ScenarioParserTest, MalformedScenarioTest, ::testing::ValuesIn(kMalformed),
                         [](const ::testing::TestParamInfo<Malformed>& info) {
                           return std::string(info.param.name);
                         });

TEST(ScenarioParserTest, ErrorsDescribeAsFileLineColumnAndReason) {
  const auto scenario = parseScenarioText("schema: 1\nnmae: x\n", "outage.yaml");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_EQ(scenario.error().code, "scenario.schema");
  EXPECT_EQ(scenario.error().describe(),
            "outage.yaml:2:1: unknown key 'nmae' in scenario; did you mean 'name'?");
}

TEST(ScenarioParserTest, QuotesLongInputShortInMessages) {
  const std::string word(5000, 'x');
  const auto scenario = parseScenarioText(minimalWith("mode: " + word + "\n"), "long.yaml");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_EQ(scenario.error().field, "long.yaml:7:7");
  EXPECT_NE(scenario.error().message.find("got 'xxxxx"), std::string::npos);
  EXPECT_NE(scenario.error().message.find("...'"), std::string::npos);
  EXPECT_LT(scenario.error().message.size(), 200u) << scenario.error().message;
}

TEST(ScenarioParserLimitsTest, RefusesAFileOverOneMebibyte) {
  std::string text = minimalWith("# ");
  text.append(kMaxScenarioFileBytes, 'x');
  const auto scenario = parseScenarioText(text, "big.yaml");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_EQ(scenario.error().code, "scenario.limit");
  EXPECT_EQ(scenario.error().field, "big.yaml:1:1");
  EXPECT_NE(scenario.error().message.find("1 MiB"), std::string::npos);
}

TEST(ScenarioParserLimitsTest, AcceptsAFileJustUnderOneMebibyte) {
  std::string text = minimalWith("# ");
  text.append(kMaxScenarioFileBytes - text.size() - 1, 'x');
  text += '\n';
  ASSERT_EQ(text.size(), kMaxScenarioFileBytes);
  EXPECT_TRUE(parseScenarioText(text, "big.yaml").has_value());
}

TEST(ScenarioParserLimitsTest, RefusesNestingDeeperThanThirtyTwo) {
  // The top-level mapping is level 1; the 32nd '[' opens level 33.
  std::string text = "schema: 1\nname: deep\ndescription: d\nduration: 5m\nload: ";
  text += std::string(32, '[') + std::string(32, ']') + "\n";
  const auto scenario = parseScenarioText(text, "deep.yaml");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_EQ(scenario.error().field, "deep.yaml:5:38");
  EXPECT_NE(scenario.error().message.find("nesting deeper than 32 levels"), std::string::npos);
}

TEST(ScenarioParserLimitsTest, SurvivesNestingFarBeyondTheLimit) {
  std::string text = "load: " + std::string(100'000, '[');
  const auto scenario = parseScenarioText(text, "deep.yaml");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_EQ(scenario.error().code, "scenario.syntax");
}

TEST(ScenarioParserLimitsTest, RefusesMoreThanAThousandPhases) {
  std::string text = "schema: 1\nname: many\ndescription: d\nduration: 720h\nload:\n";
  for (int phase = 0; phase <= 1000; ++phase) {
    text += fmt::format(
        "  - {{ phase: p{}, for: 1s, arrivals: {{ kind: constant, rate: 1/s }} }}\n", phase);
  }
  const auto scenario = parseScenarioText(text, "many.yaml");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_EQ(scenario.error().code, "scenario.limit");
  EXPECT_EQ(scenario.error().field, "many.yaml:1006:5");  // The 1001st phase.
  EXPECT_NE(scenario.error().message.find("more than 1000 phases"), std::string::npos);
}

TEST(ScenarioParserLimitsTest, AcceptsAThousandFaultsAndExpectations) {
  std::string text =
      "schema: 1\nname: many\ndescription: d\nduration: 720h\nload:\n"
      "  - { phase: p, for: 1s, arrivals: { kind: constant, rate: 1/s } }\n"
      "faults:\n";
  for (int fault = 0; fault < 1000; ++fault) {
    text += fmt::format("  - {{ at: {}s, for: 1s, kind: store_outage, target: db }}\n", fault);
  }
  text += "expect:\n";
  for (int expectation = 0; expectation < 1000; ++expectation) {
    text += fmt::format("  - count(gateway) >= {}\n", expectation);
  }
  const Scenario scenario = parseOk(text);
  EXPECT_EQ(scenario.faults.size(), 1000u);
  EXPECT_EQ(scenario.expectations.size(), 1000u);

  const auto one_more = parseScenarioText(text + "  - count(gateway) >= 1000\n", "many.yaml");
  ASSERT_FALSE(one_more.has_value());
  EXPECT_EQ(one_more.error().code, "scenario.limit");
  EXPECT_NE(one_more.error().message.find("more than 1000 expectations"), std::string::npos);
}

TEST(ScenarioParserLimitsTest, RunLengthIsAtMostThirtyDays) {
  const auto withDuration = [](std::string_view duration) {
    return fmt::format(
        "schema: 1\nname: long\ndescription: d\nduration: {}\nload:\n"
        "  - {{ phase: p, for: 1s, arrivals: {{ kind: constant, rate: 1/s }} }}\n",
        duration);
  };
  EXPECT_EQ(parseOk(withDuration("720h")).duration, std::chrono::hours(720));
  const auto too_long = parseScenarioText(withDuration("720h1ns"), "long.yaml");
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, "scenario.limit");
  const auto absurd = parseScenarioText(withDuration("99999999999999999999h"), "long.yaml");
  ASSERT_FALSE(absurd.has_value());
  EXPECT_NE(absurd.error().message.find("too long"), std::string::npos);
}

// A scenario of `duration` with the given load and faults sections.
std::string scenarioWith(std::string_view load, std::string_view faults = "",
                         std::string_view duration = "720h") {
  return fmt::format("schema: 1\nname: limits\ndescription: d\nduration: {}\nload:\n{}{}", duration,
                     load, faults.empty() ? "" : fmt::format("faults:\n{}", faults));
}

void expectRefusedAt(const std::string& text, std::string_view position, std::string_view code,
                     std::string_view reason) {
  const auto scenario = parseScenarioText(text, "limits.yaml");
  ASSERT_FALSE(scenario.has_value()) << "accepted:\n" << text;
  EXPECT_EQ(scenario.error().field, fmt::format("limits.yaml:{}", position))
      << scenario.error().message;
  EXPECT_EQ(scenario.error().code, code) << scenario.error().message;
  EXPECT_NE(scenario.error().message.find(reason), std::string::npos) << scenario.error().message;
}

TEST(ScenarioParserLimitsTest, RefusesRatesTooLowForTheEngineToRepresent) {
  // At 1e-10/s the gap between arrivals (1e19 ns) overflows int64 nanoseconds.
  for (const char* kind : {"constant", "poisson"}) {
    expectRefusedAt(
        scenarioWith(fmt::format(
            "  - {{ phase: p, for: 1s, arrivals: {{ kind: {}, rate: 1e-10/s }} }}\n", kind)),
        fmt::format("6:{}", 52 + std::string_view(kind).size()), "scenario.value",
        "'rate' is 1e-10/s, below the limit of 1e-06/s");
  }
  expectRefusedAt(
      scenarioWith("  - { phase: p, for: 1s, arrivals: { kind: ramp, from: 0/s, to: 1e-9/s } }\n"),
      "6:65", "scenario.value", "'to' is 1e-9/s, below the limit");
  expectRefusedAt(scenarioWith("  - { phase: p, for: 1s, arrivals: { kind: burst, rate: 1/s, "
                               "every: 10s, for: 1s, base: 1e-7/s } }\n"),
                  "6:89", "scenario.value", "'base' is 1e-7/s");
  // The floor itself, and 0 where the kind allows it, are fine.
  const Scenario slow = parseOk(
      scenarioWith("  - { phase: p, for: 1s, arrivals: { kind: poisson, rate: 1e-6/s } }\n"
                   "  - { phase: q, for: 1s, arrivals: { kind: ramp, from: 0/s, to: 1/h } }\n"));
  EXPECT_EQ(slow.load[0].arrivals.rate, kMinRate);
}

TEST(ScenarioParserLimitsTest, SeedDataIsAtMostWhatThePlatformSeeds) {
  const std::string text =
      scenarioWith("  - { phase: p, for: 1s, arrivals: { kind: constant, rate: 1/s } }\n");
  EXPECT_EQ(parseOk(text + "data: { properties: 100000 }\n").data.properties, kMaxSeedProperties);
  expectRefusedAt(text + "data: { properties: 1000000 }\n", "7:21", "scenario.value",
                  "'properties' must be between 1 and 100000, got 1000000");
}

TEST(ScenarioParserLimitsTest, ClosedUsersAreAtMostTenThousandInAll) {
  const auto closed = [](std::string_view name, int users) {
    return fmt::format(
        "  - {{ phase: {}, for: 1s, arrivals: {{ kind: closed, users: {}, think: 0s }} }}\n", name,
        users);
  };
  EXPECT_EQ(parseOk(scenarioWith(closed("p", 10'000))).load[0].arrivals.users, kMaxClosedUsers);
  expectRefusedAt(scenarioWith(closed("p", 1'000'000)), "6:59", "scenario.value",
                  "'users' must be between 1 and 10000, got 1000000");
  // Every phase's users are made at the start: the limit is on their sum.
  expectRefusedAt(scenarioWith(closed("p", 6000) + closed("q", 4001)), "7:59", "scenario.limit",
                  "the closed phases have 10001 users together; the limit is 10000");
  parseOk(scenarioWith(closed("p", 6000) + closed("q", 4000)));
}

TEST(ScenarioParserLimitsTest, PoisonEventsAreAtMostTenThousandInAll) {
  const std::string load = "  - { phase: p, for: 1s, arrivals: { kind: constant, rate: 1/s } }\n";
  const auto poison = [](int at, int count) {
    return fmt::format("  - {{ at: {}s, kind: poison_event, target: booking, count: {} }}\n", at,
                       count);
  };
  EXPECT_EQ(parseOk(scenarioWith(load, poison(1, 10'000))).faults[0].count, kMaxPoisonEvents);
  expectRefusedAt(scenarioWith(load, poison(1, 1'000'000)), "8:59", "scenario.value",
                  "'count' must be between 1 and 10000, got 1000000");
  expectRefusedAt(scenarioWith(load, poison(1, 6000) + poison(2, 4001)), "9:59", "scenario.limit",
                  "the poison_event faults append 10001 events together; the limit is 10000");
}

TEST(ScenarioParserLimitsTest, AliasesOfAliasesCostNothing) {
  // Thirty levels of doubling would be a billion nodes if aliases were copied.
  std::string text = minimalWith("patterns:\n  cqrs: false\n");
  std::string anchors = "topology:\n  file: x\n  overrides:\n    - &a0 [x, x]\n";
  for (int level = 1; level < 30; ++level) {
    anchors += fmt::format("    - &a{} [*a{}, *a{}]\n", level, level - 1, level - 1);
  }
  const auto scenario = parseScenarioText(std::string(kMinimal) + anchors, "laughs.yaml");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_EQ(scenario.error().field, "laughs.yaml:10:7");
  EXPECT_NE(scenario.error().message.find("override must be a mapping"), std::string::npos);
}

TEST(ScenarioParserFileTest, ReadsAFileAndNamesItInErrors) {
  staylab::testing::TempDir dir;
  const auto path = dir / "outage.yaml";
  {
    std::ofstream out(path);
    out << kMinimal;
  }
  EXPECT_EQ(parseScenarioFile(path).value_or(Scenario{}).name, "minimal");
  {
    std::ofstream out(path);
    out << "schema: 1\nname: x\n  bad indent: 1\n";
  }
  const auto broken = parseScenarioFile(path);
  ASSERT_FALSE(broken.has_value());
  EXPECT_TRUE(broken.error().field.starts_with(path.string() + ":"));

  const auto missing = parseScenarioFile(dir / "absent.yaml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
  EXPECT_EQ(missing.error().code, "scenario.io");
  EXPECT_EQ(parseScenarioFile(dir.path()).error().kind, ErrorKind::NotFound);
}

// Expectation grammar.
struct ValidExpectation {
  std::string_view text;
  MetricName metric;
  std::string_view component;
  std::string_view operation;
  Comparison comparison;
  QuantityKind kind;
  double number;
  std::chrono::nanoseconds duration;
  std::string_view canonical;
};

TEST(ExpectationTest, ParsesEveryMetricComparisonAndValueKind) {
  const ValidExpectation cases[] = {
      {"double_bookings == 0", MetricName::DoubleBookings, "", "", Comparison::Equal,
       QuantityKind::Number, 0, 0ns, "double_bookings == 0"},
      {"lost_acknowledged<=0", MetricName::LostAcknowledged, "", "", Comparison::LessOrEqual,
       QuantityKind::Number, 0, 0ns, "lost_acknowledged <= 0"},
      {"undelivered_events != 3", MetricName::UndeliveredEvents, "", "", Comparison::NotEqual,
       QuantityKind::Number, 3, 0ns, "undelivered_events != 3"},
      {"read_model_mismatches == 0", MetricName::ReadModelMismatches, "", "", Comparison::Equal,
       QuantityKind::Number, 0, 0ns, "read_model_mismatches == 0"},
      {"convergence_time < 1.5s", MetricName::ConvergenceTime, "", "", Comparison::Less,
       QuantityKind::Duration, 0, 1500ms, "convergence_time < 1500ms"},
      {"p50(gateway.search) < 20ms", MetricName::P50, "gateway", "search", Comparison::Less,
       QuantityKind::Duration, 0, 20ms, "p50(gateway.search) < 20ms"},
      {"p90( gateway ) <= 1m", MetricName::P90, "gateway", "", Comparison::LessOrEqual,
       QuantityKind::Duration, 0, 1min, "p90(gateway) <= 1m"},
      {"p99(gateway.book) < 300ms", MetricName::P99, "gateway", "book", Comparison::Less,
       QuantityKind::Duration, 0, 300ms, "p99(gateway.book) < 300ms"},
      {"p999(booking-db.insert) < 2s", MetricName::P999, "booking-db", "insert", Comparison::Less,
       QuantityKind::Duration, 0, 2s, "p999(booking-db.insert) < 2s"},
      {"max(gateway.view) < 1s", MetricName::Max, "gateway", "view", Comparison::Less,
       QuantityKind::Duration, 0, 1s, "max(gateway.view) < 1s"},
      {"mean(search_service) > 100us", MetricName::Mean, "search_service", "", Comparison::Greater,
       QuantityKind::Duration, 0, 100us, "mean(search_service) > 100us"},
      {"error_rate(gateway.book) < 0.05", MetricName::ErrorRate, "gateway", "book",
       Comparison::Less, QuantityKind::Ratio, 0.05, 0ns, "error_rate(gateway.book) < 0.05"},
      {"error_rate(gateway) < 5%", MetricName::ErrorRate, "gateway", "", Comparison::Less,
       QuantityKind::Ratio, 0.05, 0ns, "error_rate(gateway) < 0.05"},
      {"count(gateway.book) >= 100", MetricName::Count, "gateway", "book",
       Comparison::GreaterOrEqual, QuantityKind::Number, 100, 0ns, "count(gateway.book) >= 100"},
      {"throughput(gateway) > 1200/m", MetricName::Throughput, "gateway", "", Comparison::Greater,
       QuantityKind::Rate, 20, 0ns, "throughput(gateway) > 20/s"},
      {"max_lag(search-projection) < 30s", MetricName::MaxLag, "search-projection", "",
       Comparison::Less, QuantityKind::Duration, 0, 30s, "max_lag(search-projection) < 30s"},
      {"max_lag(search-projection) < 500", MetricName::MaxLag, "search-projection", "",
       Comparison::Less, QuantityKind::Number, 500, 0ns, "max_lag(search-projection) < 500"},
      {"utilisation(booking-db) <= 80%", MetricName::Utilisation, "booking-db", "",
       Comparison::LessOrEqual, QuantityKind::Ratio, 0.8, 0ns, "utilisation(booking-db) <= 0.8"},
      {"stale_reads > 0", MetricName::Measure, "", "", Comparison::Greater, QuantityKind::Number, 0,
       0ns, "stale_reads > 0"},
      {"stale_reads(gateway.search) == 0", MetricName::Measure, "gateway", "search",
       Comparison::Equal, QuantityKind::Number, 0, 0ns, "stale_reads(gateway.search) == 0"},
      {"stale_read_ratio(gateway.search) < 5%", MetricName::Measure, "gateway", "search",
       Comparison::Less, QuantityKind::Ratio, 0.05, 0ns, "stale_read_ratio(gateway.search) < 0.05"},
      {"write_read_divergence == 0", MetricName::Measure, "", "", Comparison::Equal,
       QuantityKind::Number, 0, 0ns, "write_read_divergence == 0"},
  };
  for (const ValidExpectation& valid : cases) {
    SCOPED_TRACE(valid.text);
    const auto expectation = parseExpectation(valid.text);
    ASSERT_TRUE(expectation.has_value()) << expectation.error().reason;
    EXPECT_EQ(expectation->metric.name, valid.metric);
    EXPECT_EQ(expectation->metric.component, valid.component);
    EXPECT_EQ(expectation->metric.operation, valid.operation);
    EXPECT_EQ(expectation->comparison, valid.comparison);
    EXPECT_EQ(expectation->threshold.kind, valid.kind);
    EXPECT_DOUBLE_EQ(expectation->threshold.number, valid.number);
    EXPECT_EQ(expectation->threshold.duration, valid.duration);
    EXPECT_EQ(toString(*expectation), valid.canonical);
    EXPECT_EQ(parseExpectation(toString(*expectation)).value(), *expectation);
  }
}

struct InvalidExpectation {
  std::string_view text;
  std::size_t offset;
  std::string_view reason;
};

TEST(ExpectationTest, RejectsMalformedExpectationsWithTheirOffset) {
  const InvalidExpectation cases[] = {
      {"", 0, "expected a metric"},
      {"p95(gateway.book) < 1s", 0, "unknown metric function 'p95'"},
      {"utilization(db) < 0.5", 0, "did you mean 'utilisation'?"},
      {"double_booking == 0", 0, "did you mean 'double_bookings'?"},
      {"p99 < 300ms", 0, "'p99' needs a component in parentheses"},
      {"double_bookings(gateway) == 0", 15, "takes no argument"},
      {"p99(.book) < 1s", 4, "expected a component name"},
      {"p99(gateway.) < 1s", 12, "expected an operation name"},
      {"p99(gateway.book < 1s", 17, "expected ')'"},
      {"max_lag(search-projection.apply) < 1s", 25, "takes a component, not an operation"},
      {"double_bookings 0", 16, "expected a comparison"},
      {"double_bookings = 0", 16, "write '=='"},
      {"double_bookings ==", 18, "expected a value"},
      {"double_bookings == -1", 19, "negative"},
      {"double_bookings == 0.5", 19, "not a whole number"},
      {"double_bookings == 5ms", 19, "compare it with a whole number"},
      {"p99(gateway.book) < 300", 20, "compare it with a duration such as 300ms"},
      {"p99(gateway.book) < 5 minutes", 22, "unexpected 'minutes'"},
      {"p99(gateway.book) < 300xs", 20, "unknown unit 'xs'"},
      {"error_rate(gateway) < 1.5", 22, "between 0 and 1"},
      {"error_rate(gateway) < 150%", 22, "between 0% and 100%"},
      {"error_rate(gateway) < 1s", 22, "is a ratio"},
      {"throughput(gateway) > 100", 22, "compare it with a rate such as 100/s"},
      {"throughput(gateway) > 100/fortnight", 22, "unknown unit 'fortnight'"},
      {"max_lag(consumer) < 5%", 20, "lag in time (30s) or in events (100)"},
      {"count(gateway) > 10 and more", 20, "unexpected 'and more'"},
      {"P99(gateway.book) < 1s", 0, "unknown metric function 'P99'"},
      {"count(a234567890123456789012345678901234567890123456789012345678901234x) > 1", 6,
       "names are at most 64 characters long"},
      {"p99(Gateway.book) < 1s", 4, "expected a component name"},
      {"stale_read == 0", 0, "did you mean 'stale_reads'?"},
      {"stale_read_ratio > 0.1", 0, "'stale_read_ratio' needs an operation in parentheses"},
      {"duplicates_applied(fraud-detection) > 0", 18, "counted for the whole run"},
      {"stale_reads == 0.5", 15, "not a whole number"},
      {"stale_read_ratio(gateway.search) > 2", 35, "between 0 and 1"},
  };
  for (const InvalidExpectation& invalid : cases) {
    SCOPED_TRACE(invalid.text);
    const auto expectation = parseExpectation(invalid.text);
    ASSERT_FALSE(expectation.has_value());
    EXPECT_EQ(expectation.error().offset, invalid.offset) << expectation.error().reason;
    EXPECT_NE(expectation.error().reason.find(invalid.reason), std::string::npos)
        << expectation.error().reason;
  }
}

TEST(ExpectationTest, ComparesActualValuesWithTheThreshold) {
  EXPECT_TRUE(compare(0.2, Comparison::Less, 0.3));
  EXPECT_FALSE(compare(0.3, Comparison::Less, 0.3));
  EXPECT_TRUE(compare(0.3, Comparison::LessOrEqual, 0.3));
  EXPECT_TRUE(compare(0, Comparison::Equal, 0));
  EXPECT_TRUE(compare(1, Comparison::NotEqual, 0));
  EXPECT_TRUE(compare(5, Comparison::GreaterOrEqual, 5));
  EXPECT_FALSE(compare(5, Comparison::Greater, 5));
}

// Units.
TEST(UnitsTest, ParsesDurationsExactly) {
  EXPECT_EQ(parseDuration("300ms").value(), 300ms);
  EXPECT_EQ(parseDuration("5m").value(), 5min);
  EXPECT_EQ(parseDuration("1.5s").value(), 1500ms);
  EXPECT_EQ(parseDuration("1h30m").value(), 90min);
  EXPECT_EQ(parseDuration("2m0.5s").value(), 120500ms);
  EXPECT_EQ(parseDuration("0.000000001s").value(), 1ns);
  EXPECT_EQ(parseDuration("7ns").value(), 7ns);
  EXPECT_EQ(parseDuration("250us").value(), 250us);
  EXPECT_EQ(parseDuration("0s").value(), 0ns);
}

TEST(UnitsTest, RefusesDurationsATesterMightMeanDifferently) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"5", "has no unit"},
      {"5 minutes", "write 5m"},
      {"5 m", "write 5m"},
      {"5minutes", "write 5m"},
      {"2days", "days are written in hours"},
      {"-3s", "negative"},
      {"1.5ns", "finer than a nanosecond"},
      {"30s1m", "from the largest unit to the smallest"},
      {"1m30", "every number needs a unit"},
      {"s", "write a number and a unit"},
      {"", "empty duration"},
      {"99999999999h", "too long"},
  };
  for (const auto& [text, reason] : cases) {
    SCOPED_TRACE(text);
    const auto duration = parseDuration(text);
    ASSERT_FALSE(duration.has_value());
    EXPECT_NE(duration.error().message.find(reason), std::string::npos) << duration.error().message;
  }
}

TEST(UnitsTest, ParsesRatesPerSecond) {
  EXPECT_EQ(parseRate("20/s").value(), 20.0);
  EXPECT_EQ(parseRate("1200/m").value(), 20.0);
  EXPECT_EQ(parseRate("3600/h").value(), 1.0);
  EXPECT_EQ(parseRate("2/ms").value(), 2000.0);
  EXPECT_EQ(parseRate("0.5/s").value(), 0.5);
  EXPECT_FALSE(parseRate("20").has_value());
  EXPECT_FALSE(parseRate("20/").has_value());
  EXPECT_FALSE(parseRate("-1/s").has_value());
  EXPECT_FALSE(parseRate("inf/s").has_value());
  EXPECT_FALSE(parseRate("20/day").has_value());
}

TEST(UnitsTest, FormatsWhatItParses) {
  EXPECT_EQ(formatDuration(300ms), "300ms");
  EXPECT_EQ(formatDuration(90s), "90s");
  EXPECT_EQ(formatDuration(2h), "2h");
  EXPECT_EQ(formatDuration(0ns), "0s");
  EXPECT_EQ(formatRate(1.0 / 3), "0.3333333333333333/s");
  EXPECT_EQ(parseRate(formatRate(1200.0 / 60 / 7)).value(), 1200.0 / 60 / 7);
  EXPECT_EQ(parseDuration(formatDuration(123456789ns)).value(), 123456789ns);
}

}  // namespace
}  // namespace staylab::sim
