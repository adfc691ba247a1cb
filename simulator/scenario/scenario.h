#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simulator/patterns/pattern_settings.h"
#include "simulator/scenario/expectation.h"

// The scenario model: what a scenario file (assets/scenarios/*.yaml) says, as
// plain values. scenario_parser.h reads it from YAML and checks every rule
// written here; scenario_yaml.h writes it back. All durations are virtual
// time in whole nanoseconds; all rates are events per second of virtual time.
// Component, store, consumer and topic names are only checked for their
// spelling here (lowercase letters, digits, '-' and '_'); the runner checks
// them against the topology.
namespace staylab::sim {

// Where an operation's virtual service time comes from.
enum class ServiceTimeMode {
  Model,     // Drawn from the per-operation distribution: deterministic for a seed.
  Measured,  // The real duration of the real call: not reproducible byte for byte.
};

// The user operations a load phase mixes.
enum class UserOperation { Search, View, Book, Cancel, Edit };
inline constexpr std::size_t kUserOperationCount = 5;

std::string_view toString(ServiceTimeMode mode);
std::string_view toString(UserOperation operation);

// The data seeded before the run starts.
struct SeedData {
  int properties = 100;    // Listings created. Range 1..kMaxSeedProperties. Default: 100.
  std::uint64_t seed = 1;  // Seed of the data generator, apart from the run's seed. Default: 1.

  bool operator==(const SeedData&) const = default;
};

enum class ServiceTimeDistribution { Constant, Exponential, Uniform, LogNormal };
std::string_view toString(ServiceTimeDistribution distribution);

// The virtual service time of one operation of a component. Which fields
// apply depends on the distribution:
//   constant: value          exponential: mean
//   uniform:  min, max       lognormal:   median, p99 (p99 > median)
struct ServiceTimeSpec {
  std::string operation;
  ServiceTimeDistribution distribution = ServiceTimeDistribution::Constant;
  std::chrono::nanoseconds value{0};
  std::chrono::nanoseconds mean{0};
  std::chrono::nanoseconds min{0};
  std::chrono::nanoseconds max{0};
  std::chrono::nanoseconds median{0};
  std::chrono::nanoseconds p99{0};

  bool operator==(const ServiceTimeSpec&) const = default;
};

// Changes to one component of the topology; unset fields keep the topology's
// value.
struct ComponentOverride {
  std::string component;
  std::optional<int> instances;  // 1..10000
  std::optional<int> workers;    // Per instance, 1..10000.
  std::optional<int> queue;      // Bounded queue length per instance, 0..1000000.
  std::vector<ServiceTimeSpec> service_times;

  bool operator==(const ComponentOverride&) const = default;
};

struct TopologySpec {
  // A topology name (assets/topologies/<file>.yaml) or, when it contains '/'
  // or ends in ".yaml", a path relative to the scenario file. Default: "default".
  std::string file = "default";
  std::vector<ComponentOverride> overrides;

  bool operator==(const TopologySpec&) const = default;
};

enum class ArrivalKind {
  Constant,  // rate, evenly spaced.
  Poisson,   // rate, exponential gaps.
  Ramp,      // from -> to, linearly over the phase.
  Step,      // from -> to in `steps` equal stairs over the phase.
  Burst,     // rate for burst_length every `every`, base rate in between.
  Closed,    // users, each waiting `think` (mean, exponential) between requests.
};
std::string_view toString(ArrivalKind kind);

// How requests arrive in a phase. Only the fields of its kind are meaningful;
// the others stay zero. Rates are per second: 0 (from, to, base) or
// kMinRate..kMaxArrivalRate (scenario_limits.h).
struct ArrivalSpec {
  ArrivalKind kind = ArrivalKind::Constant;
  double rate = 0;                           // constant, poisson, burst
  double from = 0;                           // ramp, step
  double to = 0;                             // ramp, step
  int steps = 0;                             // step, 1..1000
  double base = 0;                           // burst: rate between bursts
  std::chrono::nanoseconds every{0};         // burst: period, > burst_length
  std::chrono::nanoseconds burst_length{0};  // burst: "for"
  int users = 0;                             // closed; all phases together <= kMaxClosedUsers
  std::chrono::nanoseconds think{0};         // closed

  bool operator==(const ArrivalSpec&) const = default;
};

// Skew of the property each request concerns.
struct PopularitySpec {
  double zipf = 0;  // Zipf exponent, 0 < s <= 10; 0 means uniform. Default: uniform.

  bool operator==(const PopularitySpec&) const = default;
};

// The default request mix: search 70 %, view 15 %, book 10 %, cancel 3 %, edit 2 %.
inline constexpr std::array<double, kUserOperationCount> kDefaultMix = {0.70, 0.15, 0.10, 0.03,
                                                                        0.02};

// One load phase. Phases run back to back from time 0; after the last one no
// new request arrives and the run drains until its duration.
struct LoadPhase {
  std::string name;
  std::chrono::nanoseconds length{0};  // "for"
  ArrivalSpec arrivals;
  // Share of each UserOperation, as fractions summing to 1 (the file may
  // give percentages summing to 100). Default: kDefaultMix.
  std::array<double, kUserOperationCount> mix = kDefaultMix;
  PopularitySpec popularity;

  double share(UserOperation operation) const { return mix[static_cast<std::size_t>(operation)]; }
  bool operator==(const LoadPhase&) const = default;
};

// Faults, in the vocabulary of Toxiproxy and Chaos Mesh.
enum class FaultKind {
  StoreOutage,        // target store refuses every call for `for`.
  StoreLatency,       // target store answers `latency` (+- jitter) slower.
  StoreErrorRate,     // target store fails calls with `probability`.
  LinkPartition,      // from -> to drops everything.
  LinkLatency,        // from -> to adds `latency` (+- jitter).
  LinkLoss,           // from -> to drops messages with `probability`.
  InstanceKill,       // `instances` instances of target die; back after restart_after if set.
  ConsumerCrash,      // target consumer stops; back after restart_after if set.
  DeliveryDuplicate,  // target topic delivers events twice with `probability`.
  DeliveryDelay,      // target topic delivers `delay` (+- jitter) late.
  DeliveryReorder,    // target topic shuffles events within a window of `window` events.
  PoisonEvent,        // `count` events on target topic that every consumer fails on.
  // Not a fault but an operator's action on the timeline: the target
  // projection drops its read model and replays the log from offset 0 while
  // the load goes on, in place or beside the live one (`mode`).
  Rebuild,
};
inline constexpr std::size_t kFaultKindCount = 13;

// How a rebuild replaces a read model (FaultKind::Rebuild).
enum class RebuildMode {
  InPlace,    // The live read model is emptied and replayed: reads see it partial.
  BlueGreen,  // A second one is built beside it; reads switch once it caught up.
};
std::string_view toString(RebuildMode mode);
std::string_view toString(FaultKind kind);

// Returns true for the faults that last a window (`for`) rather than happen once.
bool isWindowFault(FaultKind kind);
// Returns true for the faults that concern a link (from, to) instead of a target.
bool isLinkFault(FaultKind kind);
// Returns true for the faults whose target is a topic of the event log.
bool isTopicFault(FaultKind kind);

// One fault on the timeline. Only the fields of its kind are meaningful; the
// others stay at their zero value.
struct FaultSpec {
  FaultKind kind = FaultKind::StoreOutage;
  std::chrono::nanoseconds at{0};
  std::chrono::nanoseconds length{0};   // "for": window faults only, > 0.
  std::string target;                   // Store, component, consumer or topic; link: "from".
  std::string peer;                     // Link faults: "to".
  std::chrono::nanoseconds latency{0};  // store_latency, link_latency; delivery_delay: "delay".
  std::chrono::nanoseconds jitter{0};   // Optional with latency and delay.
  double probability = 0;               // store_error_rate, link_loss, delivery_duplicate.
  int window = 0;                       // delivery_reorder, 2..10000 events.
  int instances = 0;                    // instance_kill, default 1.
  int count = 0;                        // poison_event, default 1; all <= kMaxPoisonEvents.
  // rebuild: how; by default as the rebuild_by_replay pattern says.
  std::optional<RebuildMode> mode;
  std::optional<std::chrono::nanoseconds> restart_after;  // instance_kill, consumer_crash.

  bool operator==(const FaultSpec&) const = default;
};

// One pattern switched on or off at `at` of virtual time, with the settings
// the scenario's `patterns` give it, changed by those the switch gives
// (pattern_switches.h).
struct PatternSwitchSpec {
  PatternSwitchSpec() = default;
  PatternSwitchSpec(std::chrono::nanoseconds at_, std::string pattern_, bool on_,
                    std::string settings_ = {})
      : at(at_), pattern(std::move(pattern_)), on(on_), settings(std::move(settings_)) {}

  std::chrono::nanoseconds at{0};
  std::string pattern;  // A pattern of the registry that switches live.
  bool on = true;
  // Settings of the pattern besides its switch, read over its settings at
  // `at` (the keys given change, the others keep their values), as the
  // "key: value" pairs of a YAML flow mapping: "routes: {book: legacy}".
  // Empty: the switch turns the pattern on or off and changes nothing else.
  std::string settings;

  bool operator==(const PatternSwitchSpec&) const = default;
};

// A second run of the same scenario with some of it changed (`compare:`):
// run B. B runs on the same seed, data and topology as run A, the scenario
// as written; `expect:` may read both (expectation.h). The parser refuses a
// comparison that changes nothing.
struct ComparisonSpec {
  std::string name;  // Lowercase letters, digits, '-', '_'; up to 64 characters.
  // B's patterns in full: A's, with each pattern that compare's `patterns:`
  // names read over A's settings of it (keys it gives change, the others
  // keep A's values).
  PatternSettings patterns;
  // When set, B's whole list instead of A's.
  std::optional<std::vector<PatternSwitchSpec>> switches;
  std::optional<std::vector<FaultSpec>> faults;
  std::optional<std::vector<LoadPhase>> load;

  bool operator==(const ComparisonSpec&) const = default;
};

inline constexpr int kScenarioSchemaVersion = 1;

struct Scenario {
  int schema = kScenarioSchemaVersion;
  std::string name;         // Lowercase letters, digits, '-', '_'; up to 64 characters.
  std::string description;  // What the scenario teaches.
  // The kind of lesson, by which the app's library groups scenarios
  // ("Data patterns"); one line of up to 60 bytes. Empty: "Other".
  std::string group;
  std::uint64_t seed = 1;  // Default: 1.
  std::chrono::nanoseconds duration{0};
  ServiceTimeMode mode = ServiceTimeMode::Model;
  SeedData data;
  TopologySpec topology;
  PatternSettings patterns;     // Every registered pattern; the file changes some.
  std::vector<LoadPhase> load;  // At least one.
  std::vector<FaultSpec> faults;
  std::vector<PatternSwitchSpec> switches;  // In time order.
  std::optional<ComparisonSpec> compare;    // Run B, when the file asks for one.
  std::vector<Expectation> expectations;    // On run A, or on A and B with `compare`.

  bool operator==(const Scenario&) const = default;
};

// Returns run B of `scenario`, which must have `compare`: the scenario with
// compare's patterns and, where compare gives them, its switches, faults
// and load; without `compare` and without expectations (a comparison
// evaluates those over both runs). Run A is the scenario itself: an engine
// given a scenario with `compare` runs A.
Scenario scenarioB(const Scenario& scenario);

// Returns what run B of `scenario` (which must have `compare`) changes, in a
// fixed order: "patterns.<name>" for each pattern whose settings differ from
// A's, in registry order, then "switches", "faults" and "load" where compare
// gives a list other than A's.
std::vector<std::string> comparisonChanges(const Scenario& scenario);

}  // namespace staylab::sim
