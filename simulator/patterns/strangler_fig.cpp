// Strangler fig: a façade in the gateway routes each user operation to the
// legacy monolith or to the new services (domain/common/strangler_fig.h),
// and change data capture carries the legacy system's changes to the new
// one, with sync back while legacy still takes some writes. A write route
// may send a cohort to the new system: `properties: 30%` (each property
// owned by one side: the correct way) or `share: 30%` (that share of the
// requests, whatever the property: two systems sell the same nights).
// Routes move during a run as switches on the timeline; a rollback is a
// switch back. Off: there is no migration, every request goes to the new
// services as the platform is built.
//
//   strangler_fig: { enabled: true, routes: {search: new, view: legacy,
//     book: {properties: 30%}, cancel: {properties: 30%}, edit: {share: 30%}},
//     cdc: by_key, loop_prevention: true, attempts: 4, backoff: 1s, legacy_typos: 0% }
//
// `legacy_typos` is an input of the load, not a pattern setting: the share of
// the legacy screens' price edits typed with a decimal comma, which the new
// domain refuses (the dirty data of a real legacy).
//
// An operation `routes` does not name keeps its route: legacy at first.

#include <array>
#include <charconv>
#include <string>

#include <fmt/format.h>

#include "domain/common/strangler_fig.h"
#include "simulator/patterns/pattern.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

struct StranglerFigSettings final : PatternConfigOf<StranglerFigSettings> {
  static constexpr std::string_view kPattern = "strangler_fig";
  StranglerFacade facade;  // Every operation to legacy until `routes` says otherwise.
  MigrationSettings migration;

  bool operator==(const StranglerFigSettings&) const = default;
};

constexpr std::array<std::string_view, 6> kKeys = {"routes",   "cdc",     "loop_prevention",
                                                   "attempts", "backoff", "legacy_typos"};
constexpr std::array<std::string_view, kRoutedOperationCount> kOperations = {
    "search", "view", "book", "cancel", "edit"};
constexpr std::array<std::string_view, 2> kBackends = {"legacy", "new"};
constexpr std::array<std::string_view, 2> kCohorts = {"properties", "share"};
constexpr std::array<std::string_view, 3> kStrategies = {"per_table", "by_key", "firehose"};
constexpr int kMaxAttempts = 20;

constexpr std::array<MeasureSpec, 11> kMeasures = {{
    {"legacy_new_divergence", MeasureScope::Run, "",
     "listings and bookings that differ between the legacy database and the new stores after "
     "convergence, compared through the anti-corruption layer's mapping"},
    {"cross_system_double_bookings", MeasureScope::Run, "",
     "nights held by a confirmed booking on each side that are not the same booking"},
    {"cdc_unaccounted", MeasureScope::Run, "",
     "captured legacy changes neither applied, nor waiting in a CDC or retry topic, nor in the "
     "error topic (conservation: must be 0)"},
    {"ordering_violations", MeasureScope::Run, "",
     "changes that arrived before a change they depend on"},
    {"echo_changes", MeasureScope::Run, "",
     "changes that came back from the other side (sync back without loop prevention)"},
    {"cdc_retried", MeasureScope::Run, "", "change records appended to the retry topic"},
    {"cdc_errors", MeasureScope::Run, "", "changes moved to the error topic after every attempt"},
    {"cdc_applied", MeasureScope::Run, "",
     "captured legacy changes applied to the new side (or found applied already)"},
    {"sync_conflicts", MeasureScope::Run, "",
     "new-side bookings the legacy system refused on sync back (nights taken there)"},
    {"cdc_duplicates", MeasureScope::Run, "",
     "deliveries of a change already applied or given up, recognised and skipped (a redelivery "
     "after a crash, a duplicate delivery)"},
    {"writes_held_on_legacy", MeasureScope::Run, "",
     "writes the façade routed to the new side that stayed on legacy until every change of "
     "their property was migrated (the price of moving a property cohort safely)"},
}};

// Reads "30%": a whole percentage 0..100.
Result<int> readPercent(const yaml::Reader& reader, const yaml::Node& node, std::string_view key) {
  const std::string_view text =
      STAYLAB_TRY(reader.plainText(node, key, "a percentage such as 30%"));
  int value = -1;
  const bool percent = text.size() > 1 && text.back() == '%';
  const std::string_view digits = percent ? text.substr(0, text.size() - 1) : text;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (!percent || error != std::errc() || end != digits.data() + digits.size()) {
    return reader.fail(node.position, reader.codes().value,
                       "'{}' must be a whole percentage such as 30%; got '{}'", key, text);
  }
  if (value < 0 || value > 100) {
    return reader.fail(node.position, reader.codes().value,
                       "'{}' must be between 0% and 100%; got '{}'", key, text);
  }
  return value;
}

// Reads one operation's route: `legacy`, `new`, or a mapping of one cohort,
// `{properties: 30%}` or `{share: 30%}`.
Result<staylab::Route> readRoute(const yaml::Reader& reader, const yaml::Node& node,
                                 const std::string& key) {
  staylab::Route route;
  if (node.kind == yaml::NodeKind::Map) {
    STAYLAB_TRY(reader.openMap(node, key, kCohorts));
    if (node.entries.size() != 1) {
      return reader.fail(node.position, reader.codes().value,
                         "'{}' takes one cohort, properties or share; got {}", key,
                         node.entries.size());
    }
    const yaml::MapEntry& cohort = node.entries.front();
    route.cohort = cohort.key == "properties" ? Cohort::Properties : Cohort::Share;
    route.percent = STAYLAB_TRY(readPercent(reader, *cohort.value, key + "." + cohort.key));
    return route;
  }
  if (node.kind != yaml::NodeKind::Scalar) {
    return reader.fail(node.position, reader.codes().schema,
                       "'{}' must be legacy, new, or a cohort such as {{properties: 30%}}, not {}",
                       key, yaml::describeKind(node.kind));
  }
  const std::size_t backend = STAYLAB_TRY(reader.readChoice(node, key, kBackends));
  route.backend = backend == 0 ? Backend::Legacy : Backend::New;
  return route;
}

// Writes one route as readRoute takes it back.
std::string writeRoute(const staylab::Route& route) {
  switch (route.cohort) {
    case Cohort::All:
      return std::string(toString(route.backend));
    case Cohort::Properties:
    case Cohort::Share:
      return fmt::format("{{{}: {}%}}", toString(route.cohort), route.percent);
  }
  return std::string(toString(route.backend));
}

class StranglerFigPattern final : public Pattern {
 public:
  std::string_view name() const override { return StranglerFigSettings::kPattern; }
  std::string_view title() const override { return "Strangler fig"; }
  std::string_view summary() const override {
    return "A façade routes each operation to the legacy monolith or the new services (by "
           "property cohort or by request share) while change data capture carries legacy's "
           "changes over; without it every request goes to the new services.";
  }
  PatternKind kind() const override { return PatternKind::Platform; }
  LiveSwitch live() const override { return LiveSwitch::Yes; }
  bool routesPerRequest() const override { return true; }
  std::unique_ptr<PatternConfig> defaults() const override {
    return std::make_unique<StranglerFigSettings>();
  }
  std::span<const std::string_view> keys() const override { return kKeys; }

  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    auto& fig = static_cast<StranglerFigSettings&>(config);
    if (const yaml::Node* routes = fields.find("routes")) {
      const yaml::Fields operations = STAYLAB_TRY(reader.openMap(*routes, "routes", kOperations));
      for (const yaml::MapEntry& entry : operations.node().entries) {
        const auto operation = routedOperationFromString(entry.key);
        if (!operation)
          continue;  // openMap refused it already.
        fig.facade.setRoute(*operation,
                            STAYLAB_TRY(readRoute(reader, *entry.value, "routes." + entry.key)));
      }
    }
    if (const yaml::Node* cdc = fields.find("cdc")) {
      const std::size_t strategy = STAYLAB_TRY(reader.readChoice(*cdc, "cdc", kStrategies));
      fig.migration.strategy = *cdcStrategyFromString(kStrategies[strategy]);
    }
    if (const yaml::Node* loop = fields.find("loop_prevention"))
      fig.migration.loop_prevention = STAYLAB_TRY(reader.readBool(*loop, "loop_prevention"));
    if (const yaml::Node* attempts = fields.find("attempts"))
      fig.migration.attempts = STAYLAB_TRY(reader.readInt(*attempts, "attempts", 1, kMaxAttempts));
    if (const yaml::Node* backoff = fields.find("backoff")) {
      fig.migration.backoff_nanos =
          STAYLAB_TRY(
              reader.readDuration(*backoff, "backoff", yaml::Reader::DurationFloor::Positive))
              .count();
    }
    if (const yaml::Node* typos = fields.find("legacy_typos"))
      fig.migration.legacy_typo_percent = STAYLAB_TRY(readPercent(reader, *typos, "legacy_typos"));
    return {};
  }

  std::string write(const PatternConfig& config) const override {
    const auto& fig = static_cast<const StranglerFigSettings&>(config);
    std::string routes;
    for (int index = 0; index < kRoutedOperationCount; ++index) {
      const auto operation = static_cast<RoutedOperation>(index);
      routes += fmt::format("{}{}: {}", index == 0 ? "" : ", ", toString(operation),
                            writeRoute(fig.facade.route(operation)));
    }
    return fmt::format(
        "routes: {{{}}}, cdc: {}, loop_prevention: {}, attempts: {}, backoff: {}, legacy_typos: "
        "{}%",
        routes, toString(fig.migration.strategy), fig.migration.loop_prevention ? "true" : "false",
        fig.migration.attempts,
        formatDuration(std::chrono::nanoseconds(fig.migration.backoff_nanos)),
        fig.migration.legacy_typo_percent);
  }

  void configure(const PatternConfig& config, PlatformBuild& build) const override {
    const auto& fig = static_cast<const StranglerFigSettings&>(config);
    build.strangler_fig = fig.enabled;
    build.facade = fig.facade;
    build.migration = fig.migration;
  }

  std::span<const MeasureSpec> measures() const override { return kMeasures; }
};

}  // namespace

std::unique_ptr<Pattern> makeStranglerFigPattern() {
  return std::make_unique<StranglerFigPattern>();
}

}  // namespace staylab::sim
