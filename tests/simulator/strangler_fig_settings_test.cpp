// The strangler fig's settings as a scenario writes them (simulator/patterns/
// strangler_fig.cpp) and the switches that move its routes on the timeline
// (simulator/scenario/pattern_switches.h).

#include <string>
#include <string_view>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "simulator/patterns/registry.h"
#include "simulator/scenario/pattern_switches.h"
#include "simulator/scenario/scenario.h"
#include "simulator/scenario/scenario_parser.h"
#include "simulator/scenario/scenario_yaml.h"

namespace staylab::sim {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kHead = R"(schema: 1
name: migration
description: Routes move from legacy to new.
duration: 2m
load:
  - { phase: steady, for: 2m, arrivals: { kind: constant, rate: 10/s } }
)";

std::string scenarioWith(std::string_view extra) {
  return std::string(kHead) + std::string(extra);
}

Scenario parseOk(std::string_view text) {
  auto scenario = parseScenarioText(text, "test.yaml");
  EXPECT_TRUE(scenario.has_value()) << (scenario ? "" : scenario.error().describe());
  return scenario.value_or(Scenario{});
}

PlatformBuild buildOf(const PatternSettings& patterns) {
  return platformBuildOf(patterns);
}

const staylab::Route& routeOf(const PlatformBuild& build, RoutedOperation operation) {
  return build.facade.route(operation);
}

constexpr std::string_view kFullSettings =
    "patterns:\n"
    "  strangler_fig: { enabled: true, routes: {search: new, view: legacy, book: {properties: "
    "30%}, cancel: {properties: 30%}, edit: {share: 30%}}, cdc: firehose, loop_prevention: "
    "false, attempts: 6, backoff: 250ms, legacy_typos: 5% }\n";

TEST(StranglerFigSettingsTest, ReadsRoutesCohortsAndTheCdcIntoThePlatformBuild) {
  const Scenario scenario = parseOk(scenarioWith(kFullSettings));
  const PlatformBuild build = buildOf(scenario.patterns);
  EXPECT_TRUE(build.strangler_fig);
  EXPECT_EQ(routeOf(build, RoutedOperation::Search), (staylab::Route{Backend::New}));
  EXPECT_EQ(routeOf(build, RoutedOperation::View), (staylab::Route{Backend::Legacy}));
  EXPECT_EQ(routeOf(build, RoutedOperation::Book),
            (staylab::Route{Backend::Legacy, Cohort::Properties, 30}));
  EXPECT_EQ(routeOf(build, RoutedOperation::Cancel),
            (staylab::Route{Backend::Legacy, Cohort::Properties, 30}));
  EXPECT_EQ(routeOf(build, RoutedOperation::Edit),
            (staylab::Route{Backend::Legacy, Cohort::Share, 30}));
  EXPECT_EQ(build.migration.strategy, CdcStrategy::Firehose);
  EXPECT_FALSE(build.migration.loop_prevention);
  EXPECT_EQ(build.migration.attempts, 6);
  EXPECT_EQ(build.migration.backoff_nanos, 250'000'000);
  EXPECT_EQ(build.migration.legacy_typo_percent, 5);
}

TEST(StranglerFigSettingsTest, IsOffByDefaultWithEveryRouteToLegacyAndTheDefaultCdc) {
  const Scenario scenario = parseOk(scenarioWith(""));
  const PlatformBuild build = buildOf(scenario.patterns);
  EXPECT_FALSE(build.strangler_fig);
  EXPECT_EQ(build.facade, StranglerFacade{});
  EXPECT_EQ(build.migration, MigrationSettings{});
  const Pattern* pattern = findPattern("strangler_fig");
  ASSERT_NE(pattern, nullptr);
  EXPECT_EQ(pattern->kind(), PatternKind::Platform);
  EXPECT_EQ(pattern->live(), LiveSwitch::Yes);
  EXPECT_TRUE(pattern->routesPerRequest());
}

TEST(StranglerFigSettingsTest, OperationsTheRoutesDoNotNameStayWithLegacy) {
  const Scenario scenario =
      parseOk(scenarioWith("patterns: { strangler_fig: { routes: { search: new } } }\n"));
  const PlatformBuild build = buildOf(scenario.patterns);
  EXPECT_TRUE(build.strangler_fig);
  EXPECT_EQ(routeOf(build, RoutedOperation::Search).backend, Backend::New);
  for (const auto operation : {RoutedOperation::View, RoutedOperation::Book,
                               RoutedOperation::Cancel, RoutedOperation::Edit}) {
    EXPECT_EQ(routeOf(build, operation), staylab::Route{}) << toString(operation);
  }
}

TEST(StranglerFigSettingsTest, ACohortOnAReadRouteIsAllowed) {
  const Scenario scenario =
      parseOk(scenarioWith("patterns: { strangler_fig: { routes: { search: {share: 0%}, "
                           "view: {properties: 100%} } } }\n"));
  const PlatformBuild build = buildOf(scenario.patterns);
  EXPECT_EQ(routeOf(build, RoutedOperation::Search),
            (staylab::Route{Backend::Legacy, Cohort::Share, 0}));
  EXPECT_EQ(routeOf(build, RoutedOperation::View),
            (staylab::Route{Backend::Legacy, Cohort::Properties, 100}));
}

TEST(StranglerFigSettingsTest, WriteRoundTripsThroughRead) {
  const Scenario scenario = parseOk(scenarioWith(kFullSettings));
  const auto index = patternIndex("strangler_fig");
  ASSERT_TRUE(index);
  const std::string written = patternRegistry()[*index]->write(scenario.patterns.at(*index));
  EXPECT_EQ(written,
            "routes: {search: new, view: legacy, book: {properties: 30%}, cancel: {properties: "
            "30%}, edit: {share: 30%}}, cdc: firehose, loop_prevention: false, attempts: 6, "
            "backoff: 250ms, legacy_typos: 5%");
  const Scenario again = parseOk(toYaml(scenario));
  EXPECT_EQ(again, scenario);
}

TEST(StranglerFigSettingsTest, ItsMeasuresAreRunMeasuresKnownToTheRegistry) {
  for (const std::string_view name :
       {"legacy_new_divergence", "cross_system_double_bookings", "cdc_unaccounted",
        "ordering_violations", "echo_changes", "cdc_retried", "cdc_errors", "cdc_applied",
        "sync_conflicts", "cdc_duplicates", "writes_held_on_legacy"}) {
    const auto measure = findMeasure(name);
    ASSERT_TRUE(measure.has_value()) << name;
    EXPECT_EQ(measure->pattern->name(), "strangler_fig");
    EXPECT_EQ(measure->measure->scope, MeasureScope::Run);
    EXPECT_FALSE(measure->measure->description.empty());
  }
}

// Bad settings: each names the field and the rule, at the value's position.
struct BadSettings {
  const char* name;
  const char* settings;  // Inside strangler_fig: { ... }
  const char* reason;
};

class StranglerFigBadSettingsTest : public ::testing::TestWithParam<BadSettings> {};

TEST_P(StranglerFigBadSettingsTest, IsRefusedNamingTheFieldAndTheRule) {
  const BadSettings& bad = GetParam();
  const std::string text =
      scenarioWith(fmt::format("patterns: {{ strangler_fig: {{ {} }} }}\n", bad.settings));
  const auto scenario = parseScenarioText(text, "bad.yaml");
  ASSERT_FALSE(scenario.has_value()) << "accepted: " << bad.settings;
  EXPECT_EQ(scenario.error().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(scenario.error().field.rfind("bad.yaml:7:", 0), 0u) << scenario.error().field;
  EXPECT_NE(scenario.error().message.find(bad.reason), std::string::npos)
      << scenario.error().message << "\nexpected: " << bad.reason;
}

const BadSettings kBadSettings[] = {
    {"UnknownOperation", "routes: { bok: new }",
     "unknown key 'bok' in routes; did you mean 'book'?"},
    {"BackendNeitherLegacyNorNew", "routes: { book: old }",
     "'routes.book' must be one of legacy, new; got 'old'"},
    {"PercentAboveAHundred", "routes: { book: {properties: 130%} }",
     "'routes.book.properties' must be between 0% and 100%; got '130%'"},
    {"PercentWithoutItsSign", "routes: { book: {share: 30} }",
     "'routes.book.share' must be a whole percentage such as 30%; got '30'"},
    {"NegativePercent", "routes: { edit: {share: -5%} }",
     "'routes.edit.share' must be between 0% and 100%; got '-5%'"},
    {"FractionalPercent", "routes: { edit: {share: 12.5%} }",
     "'routes.edit.share' must be a whole percentage such as 30%"},
    {"UnknownCohort", "routes: { book: {keys: 30%} }",
     "unknown key 'keys' in routes.book (keys: properties, share)"},
    {"TwoCohorts", "routes: { book: {properties: 30%, share: 30%} }",
     "'routes.book' takes one cohort, properties or share; got 2"},
    {"RouteAsAList", "routes: { book: [new] }",
     "'routes.book' must be legacy, new, or a cohort such as {properties: 30%}, not a list"},
    {"RoutesNotAMapping", "routes: new", "routes must be a mapping of keys"},
    {"UnknownCdcStrategy", "cdc: by_table", "'cdc' must be one of per_table, by_key, firehose"},
    {"AttemptsAboveTwenty", "attempts: 21", "'attempts'"},
    {"ZeroBackoff", "backoff: 0s", "'backoff'"},
    {"LoopPreventionNotABoolean", "loop_prevention: sometimes", "'loop_prevention'"},
    {"TyposAboveAHundredPercent", "legacy_typos: 150%",
     "'legacy_typos' must be between 0% and 100%"},
    {"UnknownKey", "route: { book: new }", "unknown key 'route' in strangler_fig"},
};

INSTANTIATE_TEST_SUITE_P(StranglerFigSettingsTest, StranglerFigBadSettingsTest,
                         ::testing::ValuesIn(kBadSettings),
                         [](const auto& info) { return std::string(info.param.name); });

// --- Switches that carry settings ---

constexpr std::string_view kMigrationSwitches = R"(patterns:
  strangler_fig: { enabled: true, routes: {search: new, book: legacy} }
switches:
  - {at: 40s, pattern: strangler_fig, routes: {book: {properties: 30%}}}
  - {at: 60s, pattern: retry, on: true}
  - {at: 90s, pattern: strangler_fig, routes: {book: legacy}, cdc: firehose}
)";

TEST(PatternSwitchSettingsTest, ASwitchCarriesOnlyTheSettingsItGives) {
  const Scenario scenario = parseOk(scenarioWith(kMigrationSwitches));
  ASSERT_EQ(scenario.switches.size(), 3u);
  EXPECT_EQ(scenario.switches[0],
            (PatternSwitchSpec{40s, "strangler_fig", true, "routes: {book: {properties: 30%}}"}));
  EXPECT_EQ(scenario.switches[1], (PatternSwitchSpec{60s, "retry", true, ""}));
  EXPECT_EQ(scenario.switches[2], (PatternSwitchSpec{90s, "strangler_fig", true,
                                                     "routes: {book: legacy}, cdc: firehose"}));
}

TEST(PatternSwitchSettingsTest, ARouteMoveReplacesOnlyTheOperationsItNames) {
  const Scenario scenario = parseOk(scenarioWith(kMigrationSwitches));
  PatternSettings patterns = scenario.patterns;
  ASSERT_TRUE(applyPatternSwitch(patterns, scenario.switches[0]).has_value());
  PlatformBuild build = buildOf(patterns);
  EXPECT_EQ(routeOf(build, RoutedOperation::Book),
            (staylab::Route{Backend::Legacy, Cohort::Properties, 30}));
  EXPECT_EQ(routeOf(build, RoutedOperation::Search).backend, Backend::New);  // Kept.
  EXPECT_EQ(build.migration.strategy, CdcStrategy::ByKey);

  // The rollback: book back to legacy, search still new.
  ASSERT_TRUE(applyPatternSwitch(patterns, scenario.switches[2]).has_value());
  build = buildOf(patterns);
  EXPECT_EQ(routeOf(build, RoutedOperation::Book), staylab::Route{});
  EXPECT_EQ(routeOf(build, RoutedOperation::Search).backend, Backend::New);
  EXPECT_EQ(build.migration.strategy, CdcStrategy::Firehose);
  EXPECT_TRUE(build.strangler_fig);
}

TEST(PatternSwitchSettingsTest, ASwitchWithSettingsAndOnFalseTurnsThePatternOff) {
  const Scenario scenario = parseOk(scenarioWith(
      "switches:\n  - {at: 10s, pattern: strangler_fig, on: false, routes: {view: new}}\n"));
  PatternSettings patterns = scenario.patterns;
  ASSERT_TRUE(applyPatternSwitch(patterns, scenario.switches[0]).has_value());
  EXPECT_FALSE(buildOf(patterns).strangler_fig);
  EXPECT_EQ(routeOf(buildOf(patterns), RoutedOperation::View).backend, Backend::New);
}

TEST(PatternSwitchSettingsTest, TheWriterWritesTheSettingsBackAndTheyReadTheSame) {
  const Scenario scenario = parseOk(scenarioWith(kMigrationSwitches));
  const std::string yaml = toYaml(scenario);
  EXPECT_NE(yaml.find("pattern: strangler_fig, on: true, routes: {book: {properties: 30%}}"),
            std::string::npos)
      << yaml;
  EXPECT_EQ(parseOk(yaml), scenario);
}

TEST(PatternSwitchSettingsTest, AnyLivePatternsKeysMayRideOnItsSwitch) {
  const Scenario scenario = parseOk(
      scenarioWith("switches:\n  - {at: 10s, pattern: retry, attempts: 5, backoff: 20ms}\n"));
  PatternSettings patterns = scenario.patterns;
  ASSERT_TRUE(applyPatternSwitch(patterns, scenario.switches[0]).has_value());
  EXPECT_TRUE(patterns.enabled("retry"));
  const auto index = *patternIndex("retry");
  EXPECT_NE(patternRegistry()[index]->write(patterns.at(index)).find("attempts: 5"),
            std::string::npos);
}

TEST(PatternSwitchSettingsTest, ASwitchOfBThatCarriesSettingsReadsOverBsPatterns) {
  const Scenario scenario = parseOk(scenarioWith(R"(patterns:
  strangler_fig: { enabled: true, routes: {book: {properties: 30%}} }
compare:
  name: by-share
  patterns: { strangler_fig: { routes: {book: {share: 30%}} } }
  switches:
    - {at: 30s, pattern: strangler_fig, routes: {search: new}}
)"));
  ASSERT_TRUE(scenario.compare.has_value());
  const Scenario b = scenarioB(scenario);
  PatternSettings patterns = b.patterns;
  ASSERT_TRUE(applyPatternSwitch(patterns, b.switches.at(0)).has_value());
  EXPECT_EQ(routeOf(buildOf(patterns), RoutedOperation::Book).cohort, Cohort::Share);
  EXPECT_EQ(routeOf(buildOf(patterns), RoutedOperation::Search).backend, Backend::New);
}

struct BadSwitch {
  const char* name;
  const char* entry;  // One item of switches:, on line 8.
  int column;
  const char* reason;
};

class BadSwitchSettingsTest : public ::testing::TestWithParam<BadSwitch> {};

TEST_P(BadSwitchSettingsTest, IsRefusedAtTheValueNamingTheFieldAndTheRule) {
  const BadSwitch& bad = GetParam();
  const std::string text = scenarioWith(fmt::format("switches:\n  - {}\n", bad.entry));
  const auto scenario = parseScenarioText(text, "bad.yaml");
  ASSERT_FALSE(scenario.has_value()) << "accepted: " << bad.entry;
  EXPECT_EQ(scenario.error().field, fmt::format("bad.yaml:8:{}", bad.column))
      << scenario.error().message;
  EXPECT_NE(scenario.error().message.find(bad.reason), std::string::npos)
      << scenario.error().message << "\nexpected: " << bad.reason;
}

const BadSwitch kBadSwitches[] = {
    {"AKeyThePatternDoesNotHave", "{at: 10s, pattern: strangler_fig, routs: {book: new}}", 39,
     "unknown key 'routs' in switch; did you mean 'routes'?"},
    {"SettingsOfAnotherPattern", "{at: 10s, pattern: retry, routes: {book: new}}", 31,
     "unknown key 'routes' in switch"},
    {"AnUnknownOperation", "{at: 10s, pattern: strangler_fig, routes: {bok: new}}", 48,
     "unknown key 'bok' in routes; did you mean 'book'?"},
    {"ABadBackend", "{at: 10s, pattern: strangler_fig, routes: {book: old}}", 54,
     "'routes.book' must be one of legacy, new; got 'old'"},
    {"APercentOutOfRange", "{at: 10s, pattern: strangler_fig, routes: {book: {share: 101%}}}", 62,
     "'routes.book.share' must be between 0% and 100%; got '101%'"},
    {"NoSettingsAndNoOn", "{at: 10s, pattern: strangler_fig}", 5, "missing key 'on' in switch"},
    {"APatternThatCannotSwitchLive", "{at: 10s, pattern: cache_aside, ttl: 1s}", 24,
     "'pattern' must be one of"},
    {"OnNotABoolean", "{at: 10s, pattern: strangler_fig, on: yes, routes: {book: new}}", 43,
     "'on'"},
};

INSTANTIATE_TEST_SUITE_P(PatternSwitchSettingsTest, BadSwitchSettingsTest,
                         ::testing::ValuesIn(kBadSwitches),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace staylab::sim
