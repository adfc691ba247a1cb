// `staylab-cli patterns`: the simulator's patterns, read from the registry
// (simulator/patterns/registry.h), with what each does, whether it switches
// during a run, its settings and what its case studies measure.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/cli/cli.h"
#include "app/cli/cli_commands.h"
#include "app/cli/output.h"
#include "simulator/patterns/registry.h"

namespace staylab::app {
namespace {

std::string_view kindName(sim::PatternKind kind) {
  return kind == sim::PatternKind::Platform ? "platform" : "resilience";
}

std::vector<std::string> measureNames(const sim::Pattern& pattern) {
  std::vector<std::string> names;
  for (const sim::MeasureSpec& measure : pattern.measures()) {
    names.emplace_back(measure.name);
    if (!measure.ratio.empty())
      names.emplace_back(measure.ratio);
  }
  return names;
}

int runPatterns(const GlobalOptions& global, std::ostream& out) {
  const sim::PatternSettings defaults;
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  const auto registry = sim::patternRegistry();
  for (std::size_t index = 0; index < registry.size(); ++index) {
    const sim::Pattern& pattern = *registry[index];
    const bool live = pattern.live() == sim::LiveSwitch::Yes;
    const bool on = defaults.at(index).enabled;
    const std::string settings = pattern.write(defaults.at(index));
    const std::vector<std::string> measures = measureNames(pattern);
    list.push_back({{"name", pattern.name()},
                    {"title", pattern.title()},
                    {"kind", kindName(pattern.kind())},
                    {"live", live},
                    {"on_by_default", on},
                    {"settings", settings},
                    {"measures", measures},
                    {"summary", pattern.summary()}});
    rows.push_back(
        {std::string(pattern.name()), std::string(kindName(pattern.kind())), live ? "yes" : "no",
         on ? "on" : "off", settings.empty() ? std::string("-") : settings,
         measures.empty() ? std::string("-") : fmt::format("{}", fmt::join(measures, ", ")),
         std::string(pattern.summary())});
  }
  if (global.json) {
    out << dumpJson(list) << '\n';
  } else {
    printTable(
        out,
        {"PATTERN", "KIND", "LIVE", "DEFAULT", "SETTINGS (DEFAULTS)", "MEASURES", "WHAT IT DOES"},
        rows);
  }
  return kExitOk;
}

}  // namespace

void addPatternCommands(CLI::App& app, GlobalOptions& global, Standalone& standalone) {
  auto* patterns = app.add_subcommand(
      "patterns",
      "List the patterns a scenario can switch, in their wrapping order, with their settings "
      "and what they measure");
  patterns->callback([&global, &standalone] {
    standalone = [&global](std::ostream& out, std::ostream&) { return runPatterns(global, out); };
  });
}

}  // namespace staylab::app
