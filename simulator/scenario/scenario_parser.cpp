#include "simulator/scenario/scenario_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "simulator/patterns/registry.h"
#include "simulator/scenario/pattern_switches.h"
#include "simulator/scenario/suggest.h"
#include "simulator/scenario/units.h"
#include "simulator/scenario/yaml_reader.h"
#include "simulator/scenario/yaml_tree.h"

namespace staylab::sim {
namespace {

using std::chrono::nanoseconds;
using yaml::contains;
using yaml::describeKind;
using yaml::Fields;
using yaml::MapEntry;
using yaml::Node;
using yaml::NodeKind;
using yaml::Position;
using yaml::ScalarStyle;

constexpr std::string_view kSyntax = "scenario.syntax";
constexpr std::string_view kSchema = "scenario.schema";
constexpr std::string_view kValue = "scenario.value";
constexpr std::string_view kLimit = "scenario.limit";
constexpr std::string_view kExpectationCode = "scenario.expectation";
static_assert(kMaxScenarioDuration == yaml::kMaxDuration, "readDuration's limit is the scenario's");

constexpr std::size_t kMaxPathLength = 1024;
constexpr std::size_t kMaxGroupBytes = 60;

constexpr std::array<std::string_view, 15> kScenarioKeys = {
    "schema",   "name",     "description", "group",  "seed",     "duration", "mode",  "data",
    "topology", "patterns", "load",        "faults", "switches", "compare",  "expect"};
constexpr std::array<std::string_view, 5> kCompareKeys = {"name", "patterns", "switches", "faults",
                                                          "load"};
constexpr std::array<std::string_view, 2> kDataKeys = {"properties", "seed"};
constexpr std::array<std::string_view, 2> kTopologyKeys = {"file", "overrides"};
constexpr std::array<std::string_view, 5> kOverrideKeys = {"component", "instances", "workers",
                                                           "queue", "service_time"};
constexpr std::array<std::string_view, 5> kPhaseKeys = {"phase", "for", "arrivals", "mix",
                                                        "popularity"};
constexpr std::array<std::string_view, 10> kArrivalKeys = {
    "kind", "rate", "from", "to", "steps", "base", "every", "for", "users", "think"};
constexpr std::array<std::string_view, 1> kPopularityKeys = {"zipf"};
constexpr std::array<std::string_view, 5> kMixKeys = {"search", "view", "book", "cancel", "edit"};
constexpr std::array<std::string_view, 15> kFaultKeys = {
    "at",     "for",       "kind",   "target",        "from",
    "to",     "latency",   "jitter", "delay",         "probability",
    "window", "instances", "count",  "restart_after", "mode"};
constexpr std::array<std::string_view, 2> kRebuildModeNames = {"in_place", "blue_green"};
constexpr std::array<std::string_view, 2> kModeNames = {"model", "measured"};
constexpr std::array<std::string_view, 6> kArrivalKindNames = {"constant", "poisson", "ramp",
                                                               "step",     "burst",   "closed"};
constexpr std::array<std::string_view, kFaultKindCount> kFaultKindNames = {
    "store_outage",     "store_latency", "store_error_rate", "link_partition",     "link_latency",
    "link_loss",        "instance_kill", "consumer_crash",   "delivery_duplicate", "delivery_delay",
    "delivery_reorder", "poison_event",  "rebuild"};

// The keys each fault kind requires and accepts, besides `kind` and `at`.
struct FaultShape {
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
};

const FaultShape& faultShape(FaultKind kind) {
  static const std::array<FaultShape, kFaultKindCount> shapes = {{
      {{"target", "for"}, {}},                         // store_outage
      {{"target", "for", "latency"}, {"jitter"}},      // store_latency
      {{"target", "for", "probability"}, {}},          // store_error_rate
      {{"from", "to", "for"}, {}},                     // link_partition
      {{"from", "to", "for", "latency"}, {"jitter"}},  // link_latency
      {{"from", "to", "for", "probability"}, {}},      // link_loss
      {{"target"}, {"instances", "restart_after"}},    // instance_kill
      {{"target"}, {"restart_after"}},                 // consumer_crash
      {{"target", "for", "probability"}, {}},          // delivery_duplicate
      {{"target", "for", "delay"}, {"jitter"}},        // delivery_delay
      {{"target", "for", "window"}, {}},               // delivery_reorder
      {{"target"}, {"count"}},                         // poison_event
      {{"target"}, {"mode"}},                          // rebuild
  }};
  return shapes[static_cast<std::size_t>(kind)];
}

// The keys each arrival kind requires and accepts, besides `kind`.
FaultShape arrivalShape(ArrivalKind kind) {
  switch (kind) {
    case ArrivalKind::Constant:
    case ArrivalKind::Poisson:
      return {{"rate"}, {}};
    case ArrivalKind::Ramp:
      return {{"from", "to"}, {}};
    case ArrivalKind::Step:
      return {{"from", "to", "steps"}, {}};
    case ArrivalKind::Burst:
      return {{"rate", "every", "for"}, {"base"}};
    case ArrivalKind::Closed:
      return {{"users", "think"}, {}};
  }
  return {};
}

class ScenarioReader : public yaml::Reader {
 public:
  ScenarioReader(std::string_view text, std::string_view file_name)
      : Reader(text, file_name, yaml::ErrorCodes{kSchema, kValue, kLimit}, kMaxScenarioListItems) {}

  Result<Scenario> read(const Node& root) {
    if (root.kind != NodeKind::Map) {
      return fail(root.position, kSchema,
                  "a scenario is a mapping of keys (schema, name, description, ...), not {}",
                  describeKind(root.kind));
    }
    const Fields fields = STAYLAB_TRY(openMap(root, "scenario", kScenarioKeys));
    Scenario scenario;

    const Node& schema = STAYLAB_TRY(require(fields, "schema", "scenario"));
    scenario.schema = static_cast<int>(STAYLAB_TRY(readInteger(schema, "schema", 0, 1'000'000)));
    if (scenario.schema != kScenarioSchemaVersion) {
      return fail(schema.position, kValue, "unsupported schema {}; this version reads schema {}",
                  scenario.schema, kScenarioSchemaVersion);
    }
    scenario.name = STAYLAB_TRY(readName(STAYLAB_TRY(require(fields, "name", "scenario")), "name"));
    scenario.description = STAYLAB_TRY(readDescription(
        STAYLAB_TRY(require(fields, "description", "scenario")), "the scenario teaches"));
    if (const Node* group = fields.find("group"))
      scenario.group = STAYLAB_TRY(readGroup(*group));
    if (const Node* seed = fields.find("seed")) {
      scenario.seed = STAYLAB_TRY(readSeed(*seed, "seed"));
    }
    const Node& duration = STAYLAB_TRY(require(fields, "duration", "scenario"));
    scenario.duration = STAYLAB_TRY(readDuration(duration, "duration", DurationFloor::Positive));
    if (const Node* mode = fields.find("mode")) {
      const std::size_t index = STAYLAB_TRY(readChoice(*mode, "mode", kModeNames));
      scenario.mode = index == 0 ? ServiceTimeMode::Model : ServiceTimeMode::Measured;
    }
    if (const Node* data = fields.find("data")) {
      scenario.data = STAYLAB_TRY(readData(*data));
    }
    if (const Node* topology = fields.find("topology")) {
      scenario.topology = STAYLAB_TRY(readTopology(*topology));
    }
    if (const Node* patterns = fields.find("patterns")) {
      scenario.patterns = STAYLAB_TRY(readPatterns(*patterns, PatternSettings()));
    }
    scenario.load =
        STAYLAB_TRY(readLoad(STAYLAB_TRY(require(fields, "load", "scenario")), scenario.duration));
    if (const Node* faults = fields.find("faults")) {
      scenario.faults = STAYLAB_TRY(readFaults(*faults, scenario.duration));
    }
    if (const Node* switches = fields.find("switches")) {
      scenario.switches =
          STAYLAB_TRY(readSwitches(*switches, scenario.duration, scenario.patterns));
    }
    if (const Node* compare = fields.find("compare")) {
      scenario.compare = STAYLAB_TRY(readCompare(*compare, scenario));
    }
    if (const Node* expect = fields.find("expect")) {
      scenario.expectations = STAYLAB_TRY(readExpectations(
          *expect, scenario.compare ? ExpectationRuns::AAndB : ExpectationRuns::AOnly));
    }
    return scenario;
  }

 private:
  Result<std::string> readPath(const Node& node, std::string_view key) const {
    const std::string_view text = STAYLAB_TRY(scalarText(node, key, "a topology name or path"));
    if (text.empty() || text.size() > kMaxPathLength) {
      return fail(node.position, kValue, "'{}' must be 1 to {} characters", key, kMaxPathLength);
    }
    if (!yaml::isCleanText(text, /*allow_line_breaks=*/false) ||
        text.find('\t') != std::string_view::npos) {
      return fail(node.position, kValue, "'{}' holds a control character", key);
    }
    return std::string(text);
  }

  // A group is one line of text: what the scenario teaches, as the app's
  // library heads it.
  Result<std::string> readGroup(const Node& node) const {
    const std::string_view text = STAYLAB_TRY(scalarText(node, "group", "one line of text"));
    if (text.empty() || text.size() > kMaxGroupBytes) {
      return fail(node.position, kValue, "'group' must be 1 to {} bytes, got {}", kMaxGroupBytes,
                  text.size());
    }
    if (!yaml::isCleanText(text, /*allow_line_breaks=*/false))
      return fail(node.position, kValue, "'group' must be one line without control characters");
    return std::string(text);
  }

  Result<std::uint64_t> readSeed(const Node& node, std::string_view key) const {
    const std::string_view text = STAYLAB_TRY(plainText(node, key, "a whole number"));
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range) {
      return fail(node.position, kValue, "'{}' must be at most {}, got {}", key,
                  std::numeric_limits<std::uint64_t>::max(), abbreviate(text));
    }
    if (error != std::errc() || end != text.data() + text.size()) {
      return fail(node.position, kSchema, "'{}' must be a whole number from 0 to {}, got '{}'", key,
                  std::numeric_limits<std::uint64_t>::max(), abbreviate(text));
    }
    return value;
  }

  Result<SeedData> readData(const Node& node) const {
    const Fields fields = STAYLAB_TRY(openMap(node, "data", kDataKeys));
    SeedData data;
    if (const Node* properties = fields.find("properties")) {
      data.properties = STAYLAB_TRY(readInt(*properties, "properties", 1, kMaxSeedProperties));
    }
    if (const Node* seed = fields.find("seed")) {
      data.seed = STAYLAB_TRY(readSeed(*seed, "seed"));
    }
    return data;
  }

  Result<TopologySpec> readTopology(const Node& node) const {
    const Fields fields = STAYLAB_TRY(openMap(node, "topology", kTopologyKeys));
    TopologySpec topology;
    if (const Node* file = fields.find("file")) {
      topology.file = STAYLAB_TRY(readPath(*file, "file"));
    }
    if (const Node* overrides = fields.find("overrides")) {
      const auto& items = STAYLAB_TRY(readList(*overrides, "overrides", "overrides")).get();
      std::vector<const Node*> components;
      for (const yaml::NodePtr& item : items) {
        ComponentOverride component = STAYLAB_TRY(readOverride(*item));
        const Node* name = Fields(*item).find("component");
        for (std::size_t index = 0; index < topology.overrides.size(); ++index) {
          if (topology.overrides[index].component == component.component) {
            return fail(name->position, kValue,
                        "component '{}' is already overridden at line {}; merge the two",
                        component.component, components[index]->position.line + 1);
          }
        }
        components.push_back(name);
        topology.overrides.push_back(std::move(component));
      }
    }
    return topology;
  }

  Result<ComponentOverride> readOverride(const Node& node) const {
    const Fields fields = STAYLAB_TRY(openMap(node, "override", kOverrideKeys));
    ComponentOverride component;
    component.component =
        STAYLAB_TRY(readName(STAYLAB_TRY(require(fields, "component", "override")), "component"));
    if (const Node* instances = fields.find("instances")) {
      component.instances = STAYLAB_TRY(readInt(*instances, "instances", 1, 10'000));
    }
    if (const Node* workers = fields.find("workers")) {
      component.workers = STAYLAB_TRY(readInt(*workers, "workers", 1, 10'000));
    }
    if (const Node* queue = fields.find("queue")) {
      component.queue = STAYLAB_TRY(readInt(*queue, "queue", 0, 1'000'000));
    }
    if (const Node* service_time = fields.find("service_time")) {
      // One operation as a mapping, or several as a list of them.
      component.service_times = STAYLAB_TRY(readServiceTimes(*service_time, "service_time"));
    }
    if (!component.instances && !component.workers && !component.queue &&
        component.service_times.empty()) {
      return fail(node.position, kValue,
                  "override of '{}' changes nothing; give instances, workers, queue or "
                  "service_time",
                  component.component);
    }
    return component;
  }

  // Reads a pattern switch: true/false, or a mapping of its settings, which
  // turns it on unless it says `enabled: false`. Calls `settings` with the
  // mapping's fields to read the rest.
  template <typename ReadSettings>
  Result<bool> readSwitch(const Node& node, std::string_view key,
                          std::span<const std::string_view> keys, ReadSettings&& settings) const {
    if (node.kind == NodeKind::Scalar) {
      return readBool(node, key);
    }
    if (node.kind != NodeKind::Map) {
      return fail(node.position, kSchema, "'{}' must be true, false or a mapping of {}, not {}",
                  key, joinNames(keys), describeKind(node.kind));
    }
    const Fields fields = STAYLAB_TRY(openMap(node, key, keys));
    bool enabled = true;
    if (const Node* flag = fields.find("enabled")) {
      enabled = STAYLAB_TRY(readBool(*flag, "enabled"));
    }
    STAYLAB_TRY(settings(fields));
    return enabled;
  }

  // Reads `patterns:`, a mapping of registered pattern names (registry.h),
  // each read by its own pattern over its settings in `base`.
  Result<PatternSettings> readPatterns(const Node& node, const PatternSettings& base) const {
    const std::vector<std::string_view> names = patternNames();
    const Fields fields = STAYLAB_TRY(openMap(node, "patterns", names));
    PatternSettings patterns = base;
    const auto registry = patternRegistry();
    for (std::size_t index = 0; index < registry.size(); ++index) {
      const Pattern& pattern = *registry[index];
      const Node* value = fields.find(pattern.name());
      if (value == nullptr)
        continue;
      std::vector<std::string_view> keys = {"enabled"};
      keys.insert(keys.end(), pattern.keys().begin(), pattern.keys().end());
      PatternConfig& config = patterns.at(index);
      config.enabled = STAYLAB_TRY(readSwitch(
          *value, pattern.name(), keys,
          [&](const Fields& map) -> Result<void> { return pattern.read(*this, map, config); }));
    }
    return patterns;
  }

  Result<std::vector<LoadPhase>> readLoad(const Node& node, nanoseconds run_duration) const {
    const auto& items = STAYLAB_TRY(readList(node, "load", "phases")).get();
    if (items.empty()) {
      return fail(node.position, kValue, "'load' is empty; give at least one phase");
    }
    std::vector<LoadPhase> phases;
    std::vector<Position> name_positions;
    nanoseconds end{0};
    std::int64_t users = 0;
    for (const yaml::NodePtr& item : items) {
      LoadPhase phase = STAYLAB_TRY(readPhase(*item));
      const Fields fields(*item);
      for (std::size_t index = 0; index < phases.size(); ++index) {
        if (phases[index].name == phase.name) {
          return fail(fields.find("phase")->position, kValue,
                      "phase name '{}' is already used at line {}", phase.name,
                      name_positions[index].line + 1);
        }
      }
      if (phase.arrivals.kind == ArrivalKind::Closed) {
        users += phase.arrivals.users;  // Each at most kMaxClosedUsers, at most 1000 of them.
        if (users > kMaxClosedUsers) {
          return fail(Fields(*fields.find("arrivals")).find("users")->position, kLimit,
                      "the closed phases have {} users together; the limit is {} (each user is "
                      "a process for the whole run)",
                      users, kMaxClosedUsers);
        }
      }
      end += phase.length;  // Each is at most 30 days and there are at most 1000: no overflow.
      if (end > run_duration) {
        return fail(fields.find("for")->position, kValue,
                    "phase '{}' ends at {}, after the run's duration of {}", phase.name,
                    formatDuration(end), formatDuration(run_duration));
      }
      name_positions.push_back(fields.find("phase")->position);
      phases.push_back(std::move(phase));
    }
    return phases;
  }

  Result<LoadPhase> readPhase(const Node& node) const {
    const Fields fields = STAYLAB_TRY(openMap(node, "load phase", kPhaseKeys));
    LoadPhase phase;
    phase.name =
        STAYLAB_TRY(readName(STAYLAB_TRY(require(fields, "phase", "load phase")), "phase"));
    phase.length = STAYLAB_TRY(readDuration(STAYLAB_TRY(require(fields, "for", "load phase")),
                                            "for", DurationFloor::Positive));
    phase.arrivals =
        STAYLAB_TRY(readArrivals(STAYLAB_TRY(require(fields, "arrivals", "load phase"))));
    if (const Node* mix = fields.find("mix")) {
      phase.mix = STAYLAB_TRY(readMix(*mix));
    }
    if (const Node* popularity = fields.find("popularity")) {
      phase.popularity = STAYLAB_TRY(readPopularity(*popularity));
    }
    return phase;
  }

  Result<ArrivalSpec> readArrivals(const Node& node) const {
    const Fields fields = STAYLAB_TRY(openMap(node, "arrivals", kArrivalKeys));
    ArrivalSpec arrivals;
    arrivals.kind = static_cast<ArrivalKind>(STAYLAB_TRY(
        readChoice(STAYLAB_TRY(require(fields, "kind", "arrivals")), "kind", kArrivalKindNames)));
    const FaultShape shape = arrivalShape(arrivals.kind);
    const std::string what = fmt::format("{} arrivals", toString(arrivals.kind));
    for (const MapEntry& entry : node.entries) {
      if (entry.key != "kind" && !contains(shape.required, entry.key) &&
          !contains(shape.optional, entry.key)) {
        return fail(entry.key_position, kSchema, "'{}' does not apply to {}, which take {}",
                    abbreviate(entry.key), what, joinNames(shape.required));
      }
    }
    for (std::string_view key : shape.required) {
      STAYLAB_TRY(require(fields, key, what));
    }
    switch (arrivals.kind) {
      case ArrivalKind::Constant:
      case ArrivalKind::Poisson:
        arrivals.rate =
            STAYLAB_TRY(readRate(*fields.find("rate"), "rate", DurationFloor::Positive));
        break;
      case ArrivalKind::Ramp:
      case ArrivalKind::Step:
        arrivals.from = STAYLAB_TRY(readRate(*fields.find("from"), "from", DurationFloor::Zero));
        arrivals.to = STAYLAB_TRY(readRate(*fields.find("to"), "to", DurationFloor::Zero));
        if (arrivals.from == 0 && arrivals.to == 0) {
          return fail(fields.find("to")->position, kValue,
                      "'from' and 'to' are both 0/s; nothing would arrive");
        }
        if (arrivals.kind == ArrivalKind::Step) {
          arrivals.steps = STAYLAB_TRY(readInt(*fields.find("steps"), "steps", 1, 1000));
        }
        break;
      case ArrivalKind::Burst:
        arrivals.rate =
            STAYLAB_TRY(readRate(*fields.find("rate"), "rate", DurationFloor::Positive));
        arrivals.every =
            STAYLAB_TRY(readDuration(*fields.find("every"), "every", DurationFloor::Positive));
        arrivals.burst_length =
            STAYLAB_TRY(readDuration(*fields.find("for"), "for", DurationFloor::Positive));
        if (arrivals.burst_length >= arrivals.every) {
          return fail(fields.find("for")->position, kValue,
                      "a burst of {} every {} never stops; make 'for' shorter than 'every'",
                      formatDuration(arrivals.burst_length), formatDuration(arrivals.every));
        }
        if (const Node* base = fields.find("base")) {
          arrivals.base = STAYLAB_TRY(readRate(*base, "base", DurationFloor::Zero));
        }
        break;
      case ArrivalKind::Closed:
        arrivals.users = STAYLAB_TRY(readInt(*fields.find("users"), "users", 1, kMaxClosedUsers));
        arrivals.think =
            STAYLAB_TRY(readDuration(*fields.find("think"), "think", DurationFloor::Zero));
        break;
    }
    return arrivals;
  }

  Result<std::array<double, kUserOperationCount>> readMix(const Node& node) const {
    const Fields fields = STAYLAB_TRY(openMap(node, "mix", kMixKeys));
    std::array<double, kUserOperationCount> weights{};
    double sum = 0;
    for (std::size_t index = 0; index < kMixKeys.size(); ++index) {
      if (const Node* weight = fields.find(kMixKeys[index])) {
        weights[index] =
            STAYLAB_TRY(readNumber(*weight, kMixKeys[index], 0, Bound::Inclusive, 100));
        sum += weights[index];
      }
    }
    // Percentages or fractions, whichever the weights add up to, within a
    // relative 1e-6. Fractions get a hair more slack so that a mix written
    // back as fractions (toYaml) always reads again.
    double scale = 0;
    if (std::abs(sum - 100) <= 1e-4) {
      scale = 100;
    } else if (std::abs(sum - 1) <= 1e-6 + 1e-12) {
      scale = 1;
    } else {
      return fail(node.position, kValue,
                  "the mix adds up to {}; give percentages that add up to 100 or fractions that "
                  "add up to 1",
                  formatDecimal(sum));
    }
    for (double& weight : weights) {
      weight /= scale;
    }
    return weights;
  }

  Result<PopularitySpec> readPopularity(const Node& node) const {
    PopularitySpec popularity;
    if (node.kind == NodeKind::Scalar) {
      if (node.text != "uniform") {
        return fail(node.position, kValue,
                    "'popularity' must be uniform or {{ zipf: <exponent> }}, got '{}'",
                    abbreviate(node.text));
      }
      return popularity;
    }
    const Fields fields = STAYLAB_TRY(openMap(node, "popularity", kPopularityKeys));
    popularity.zipf = STAYLAB_TRY(readNumber(STAYLAB_TRY(require(fields, "zipf", "popularity")),
                                             "zipf", 0, Bound::Exclusive, 10));
    return popularity;
  }

  Result<std::vector<PatternSwitchSpec>> readSwitches(const Node& node, nanoseconds run_duration,
                                                      const PatternSettings& patterns) const {
    return readPatternSwitches(*this, node, run_duration, patterns);
  }

  Result<std::vector<FaultSpec>> readFaults(const Node& node, nanoseconds run_duration) const {
    const auto& items = STAYLAB_TRY(readList(node, "faults", "faults")).get();
    std::vector<FaultSpec> faults;
    std::vector<Position> at_positions;
    std::int64_t poison = 0;
    for (const yaml::NodePtr& item : items) {
      FaultSpec fault = STAYLAB_TRY(readFault(*item, run_duration));
      const Position at = Fields(*item).find("at")->position;
      if (fault.kind == FaultKind::PoisonEvent) {
        poison += fault.count;  // Each at most kMaxPoisonEvents, at most 1000 of them.
        if (poison > kMaxPoisonEvents) {
          const Node* count = Fields(*item).find("count");
          return fail(count != nullptr ? count->position : at, kLimit,
                      "the poison_event faults append {} events together; the limit is {}", poison,
                      kMaxPoisonEvents);
        }
      }
      if (isWindowFault(fault.kind)) {
        for (std::size_t index = 0; index < faults.size(); ++index) {
          const FaultSpec& other = faults[index];
          if (other.kind == fault.kind && fault.at < other.at + other.length &&
              other.at < fault.at + fault.length && other.target == fault.target &&
              other.peer == fault.peer) {
            return fail(at, kValue, "this {} overlaps the one at line {}; merge them",
                        toString(fault.kind), at_positions[index].line + 1);
          }
        }
      }
      at_positions.push_back(at);
      faults.push_back(std::move(fault));
    }
    return faults;
  }

  Result<FaultSpec> readFault(const Node& node, nanoseconds run_duration) const {
    const Fields fields = STAYLAB_TRY(openMap(node, "fault", kFaultKeys));
    FaultSpec fault;
    fault.kind = static_cast<FaultKind>(STAYLAB_TRY(
        readChoice(STAYLAB_TRY(require(fields, "kind", "fault")), "kind", kFaultKindNames)));
    const std::string_view kind_name = toString(fault.kind);
    const FaultShape& shape = faultShape(fault.kind);
    for (const MapEntry& entry : node.entries) {
      if (entry.key == "kind" || entry.key == "at" || contains(shape.required, entry.key) ||
          contains(shape.optional, entry.key)) {
        continue;
      }
      if (entry.key == "for") {
        return fail(entry.key_position, kSchema,
                    "'for' does not apply to {}, which happens at one instant{}", kind_name,
                    contains(shape.optional, "restart_after") ? "; use restart_after" : "");
      }
      return fail(entry.key_position, kSchema, "'{}' does not apply to {} (it takes: at, {}{}{})",
                  abbreviate(entry.key), kind_name, joinNames(shape.required),
                  shape.optional.empty() ? "" : ", optional ", joinNames(shape.optional));
    }
    const std::string what = fmt::format("{} fault", kind_name);
    const Node& at = STAYLAB_TRY(require(fields, "at", what));
    for (std::string_view key : shape.required) {
      STAYLAB_TRY(require(fields, key, what));
    }

    fault.at = STAYLAB_TRY(readDuration(at, "at", DurationFloor::Zero));
    if (fault.at >= run_duration) {
      return fail(at.position, kValue, "the fault at {} is not within the run's duration of {}",
                  formatDuration(fault.at), formatDuration(run_duration));
    }
    if (isLinkFault(fault.kind)) {
      fault.target = STAYLAB_TRY(readName(*fields.find("from"), "from"));
      fault.peer = STAYLAB_TRY(readName(*fields.find("to"), "to"));
      if (fault.target == fault.peer) {
        return fail(fields.find("to")->position, kValue,
                    "a link joins two components; 'from' "
                    "and 'to' are both '{}'",
                    fault.target);
      }
    } else if (isTopicFault(fault.kind)) {
      fault.target = STAYLAB_TRY(readTopicName(*fields.find("target"), "target"));
    } else {
      fault.target = STAYLAB_TRY(readName(*fields.find("target"), "target"));
    }
    if (const Node* length = fields.find("for")) {
      fault.length = STAYLAB_TRY(readDuration(*length, "for", DurationFloor::Positive));
      if (fault.at + fault.length > run_duration) {
        return fail(length->position, kValue,
                    "the fault ends at {}, after the run's duration of {}",
                    formatDuration(fault.at + fault.length), formatDuration(run_duration));
      }
    }
    const Node* latency = fields.find(fault.kind == FaultKind::DeliveryDelay ? "delay" : "latency");
    if (latency != nullptr) {
      fault.latency = STAYLAB_TRY(
          readDuration(*latency, fault.kind == FaultKind::DeliveryDelay ? "delay" : "latency",
                       DurationFloor::Positive));
    }
    if (const Node* jitter = fields.find("jitter")) {
      fault.jitter = STAYLAB_TRY(readDuration(*jitter, "jitter", DurationFloor::Zero));
      if (fault.jitter > fault.latency) {
        return fail(jitter->position, kValue, "'jitter' ({}) is larger than the {} ({})",
                    formatDuration(fault.jitter),
                    fault.kind == FaultKind::DeliveryDelay ? "delay" : "latency",
                    formatDuration(fault.latency));
      }
    }
    if (const Node* probability = fields.find("probability")) {
      fault.probability =
          STAYLAB_TRY(readNumber(*probability, "probability", 0, Bound::Exclusive, 1));
    }
    if (const Node* window = fields.find("window")) {
      fault.window = STAYLAB_TRY(readInt(*window, "window", 2, 10'000));
    }
    if (fault.kind == FaultKind::InstanceKill) {
      fault.instances = 1;
      if (const Node* instances = fields.find("instances")) {
        fault.instances = STAYLAB_TRY(readInt(*instances, "instances", 1, 10'000));
      }
    }
    if (fault.kind == FaultKind::PoisonEvent) {
      fault.count = 1;
      if (const Node* count = fields.find("count")) {
        fault.count = STAYLAB_TRY(readInt(*count, "count", 1, kMaxPoisonEvents));
      }
    }
    if (const Node* mode = fields.find("mode")) {
      const std::string_view text =
          STAYLAB_TRY(scalarText(*mode, "mode", "in_place or blue_green"));
      if (text == kRebuildModeNames[0]) {
        fault.mode = RebuildMode::InPlace;
      } else if (text == kRebuildModeNames[1]) {
        fault.mode = RebuildMode::BlueGreen;
      } else {
        return fail(mode->position, kValue, "'mode' is in_place or blue_green, not '{}'", text);
      }
    }
    if (const Node* restart = fields.find("restart_after")) {
      fault.restart_after =
          STAYLAB_TRY(readDuration(*restart, "restart_after", DurationFloor::Positive));
      if (fault.at + *fault.restart_after > run_duration) {
        return fail(restart->position, kValue,
                    "the restart at {} is after the run's duration of {}",
                    formatDuration(fault.at + *fault.restart_after), formatDuration(run_duration));
      }
    }
    return fault;
  }

  // Reads `compare:`, run B: A's patterns with those it names read over
  // them, and the lists it gives in place of A's, each read as at the top.
  Result<ComparisonSpec> readCompare(const Node& node, const Scenario& scenario) const {
    const Fields fields = STAYLAB_TRY(openMap(node, "compare", kCompareKeys));
    ComparisonSpec compare;
    compare.name = STAYLAB_TRY(readName(STAYLAB_TRY(require(fields, "name", "compare")), "name"));
    compare.patterns = scenario.patterns;
    if (const Node* patterns = fields.find("patterns")) {
      compare.patterns = STAYLAB_TRY(readPatterns(*patterns, scenario.patterns));
    }
    if (const Node* switches = fields.find("switches")) {
      compare.switches = STAYLAB_TRY(readSwitches(*switches, scenario.duration, compare.patterns));
    }
    if (const Node* faults = fields.find("faults")) {
      compare.faults = STAYLAB_TRY(readFaults(*faults, scenario.duration));
    }
    if (const Node* load = fields.find("load")) {
      compare.load = STAYLAB_TRY(readLoad(*load, scenario.duration));
    }
    const bool same = compare.patterns == scenario.patterns &&
                      compare.switches.value_or(scenario.switches) == scenario.switches &&
                      compare.faults.value_or(scenario.faults) == scenario.faults &&
                      compare.load.value_or(scenario.load) == scenario.load;
    if (same) {
      return fail(node.position, kValue,
                  "compare '{}' changes nothing, so run B would be run A; give the patterns, "
                  "switches, faults or load that B changes",
                  compare.name);
    }
    return compare;
  }

  Result<std::vector<Expectation>> readExpectations(const Node& node, ExpectationRuns runs) const {
    const auto& items = STAYLAB_TRY(readList(node, "expect", "expectations")).get();
    std::vector<Expectation> expectations;
    for (const yaml::NodePtr& item : items) {
      const std::string_view text = STAYLAB_TRY(
          scalarText(*item, "expect", "an expectation such as p99(gateway.book) < 300ms"));
      auto expectation = parseExpectation(text, runs);
      if (!expectation) {
        return std::unexpected(Error{ErrorKind::InvalidInput, std::string(kExpectationCode),
                                     location(positionInScalar(*item, expectation.error().offset)),
                                     expectation.error().reason});
      }
      expectations.push_back(std::move(*expectation));
    }
    return expectations;
  }
};

}  // namespace

Result<Scenario> parseScenarioText(std::string_view text, std::string_view file_name) {
  const auto syntax = [&](yaml::Position position, std::string message) {
    return std::unexpected(
        Error{ErrorKind::InvalidInput, std::string(kSyntax),
              fmt::format("{}:{}:{}", file_name, position.line + 1, position.column + 1),
              std::move(message)});
  };
  if (text.size() > kMaxScenarioFileBytes) {
    return std::unexpected(Error{ErrorKind::InvalidInput, std::string(kLimit),
                                 fmt::format("{}:1:1", file_name),
                                 fmt::format("the file is {} bytes; the limit is {} (1 MiB)",
                                             text.size(), kMaxScenarioFileBytes)});
  }
  // A UTF-8 byte order mark is dropped, as editors hide it: positions count from after it.
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  const yaml::TreeLimits limits{kMaxScenarioNesting, 200'000};
  auto root = yaml::parseDocument(text, limits);
  if (!root) {
    return syntax(root.error().position, std::move(root.error().reason));
  }
  try {
    return ScenarioReader(text, file_name).read(**root);
  } catch (const std::exception& exception) {
    // Only allocation can throw here; report it rather than let it escape.
    return syntax(yaml::Position{},
                  fmt::format("could not read the scenario: {}", exception.what()));
  }
}

Result<Scenario> parseScenarioFile(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return std::unexpected(
        Error{ErrorKind::NotFound, "scenario.io", name, "a directory, not a scenario file"});
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return std::unexpected(
        Error{ErrorKind::NotFound, "scenario.io", name, "cannot open the scenario file"});
  }
  // Read one byte past the limit so that a larger file is reported as such.
  std::string text(kMaxScenarioFileBytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) {
    return std::unexpected(
        Error{ErrorKind::StoreFailure, "scenario.io", name, "cannot read the scenario file"});
  }
  text.resize(static_cast<std::size_t>(file.gcount()));
  return parseScenarioText(text, name);
}

}  // namespace staylab::sim
