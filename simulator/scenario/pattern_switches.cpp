#include "simulator/scenario/pattern_switches.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "simulator/patterns/registry.h"
#include "simulator/scenario/scenario_limits.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

using yaml::Fields;
using yaml::MapEntry;
using yaml::Node;
using yaml::NodeKind;

constexpr std::array<std::string_view, 3> kSwitchKeys = {"at", "pattern", "on"};

// The keys a switch of `pattern` takes: its own, then the pattern's settings.
std::vector<std::string_view> switchKeys(const Pattern& pattern) {
  std::vector<std::string_view> keys(kSwitchKeys.begin(), kSwitchKeys.end());
  keys.insert(keys.end(), pattern.keys().begin(), pattern.keys().end());
  return keys;
}

// Returns true for a plain scalar that reads back the same inside a flow
// mapping: no flow indicator, no space, no quote or comment sign.
bool flowSafe(std::string_view text) {
  if (text.empty())
    return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '%' || c == '/' || c == '+';
  });
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string scalarText(std::string_view text, yaml::ScalarStyle style) {
  return style == yaml::ScalarStyle::Plain && flowSafe(text) ? std::string(text) : quoted(text);
}

}  // namespace

std::string flowText(const Node& node) {
  switch (node.kind) {
    case NodeKind::Null:
      return "~";
    case NodeKind::Scalar:
      return scalarText(node.text, node.style);
    case NodeKind::Sequence: {
      std::string out = "[";
      for (std::size_t index = 0; index < node.items.size(); ++index)
        out += (index == 0 ? "" : ", ") + flowText(*node.items[index]);
      return out + "]";
    }
    case NodeKind::Map: {
      std::string out = "{";
      for (std::size_t index = 0; index < node.entries.size(); ++index) {
        const MapEntry& entry = node.entries[index];
        out += fmt::format("{}{}: {}", index == 0 ? "" : ", ",
                           scalarText(entry.key, yaml::ScalarStyle::Plain), flowText(*entry.value));
      }
      return out + "}";
    }
  }
  return "~";
}

Result<std::vector<PatternSwitchSpec>> readPatternSwitches(const yaml::Reader& reader,
                                                           const Node& node,
                                                           std::chrono::nanoseconds run_duration,
                                                           const PatternSettings& patterns) {
  const std::string_view value_code = reader.codes().value;
  const auto& items = STAYLAB_TRY(reader.readList(node, "switches", "switches")).get();
  std::vector<PatternSwitchSpec> switches;
  PatternSettings current = patterns;  // As the switches so far leave them.
  for (const yaml::NodePtr& item : items) {
    if (item->kind != NodeKind::Map)
      STAYLAB_TRY(reader.openMap(*item, "switch", kSwitchKeys));  // Says what it must be.
    PatternSwitchSpec change;
    const std::vector<std::string_view> live = livePatternNames();
    const std::size_t chosen = STAYLAB_TRY(reader.readChoice(
        STAYLAB_TRY(reader.require(Fields(*item), "pattern", "switch")), "pattern", live));
    change.pattern = std::string(live[chosen]);
    const auto index = *patternIndex(change.pattern);
    const Pattern& pattern = *patternRegistry()[index];
    const Fields fields = STAYLAB_TRY(reader.openMap(*item, "switch", switchKeys(pattern)));

    const Node& at = STAYLAB_TRY(reader.require(fields, "at", "switch"));
    change.at = STAYLAB_TRY(reader.readDuration(at, "at", yaml::Reader::DurationFloor::Zero));
    if (change.at >= run_duration) {
      return reader.fail(at.position, value_code,
                         "the switch at {} is not within the run's duration of {}",
                         formatDuration(change.at), formatDuration(run_duration));
    }
    // The settings it gives, checked by the pattern over its settings now.
    std::string settings;
    for (const MapEntry& entry : item->entries) {
      if (std::find(kSwitchKeys.begin(), kSwitchKeys.end(), entry.key) != kSwitchKeys.end())
        continue;
      settings +=
          fmt::format("{}{}: {}", settings.empty() ? "" : ", ", entry.key, flowText(*entry.value));
    }
    PatternConfig& config = current.at(index);
    STAYLAB_TRY(pattern.read(reader, fields, config));
    change.settings = std::move(settings);
    if (const Node* on = fields.find("on")) {
      change.on = STAYLAB_TRY(reader.readBool(*on, "on"));
    } else if (change.settings.empty()) {
      STAYLAB_TRY(reader.require(fields, "on", "switch"));
    }
    config.enabled = change.on;
    if (!switches.empty() && change.at < switches.back().at) {
      return reader.fail(at.position, value_code,
                         "switches go in time order; this one at {} comes after one at {}",
                         formatDuration(change.at), formatDuration(switches.back().at));
    }
    for (const PatternSwitchSpec& other : switches) {
      if (other.at == change.at && other.pattern == change.pattern) {
        return reader.fail(at.position, value_code, "{} is switched twice at {}; keep one",
                           change.pattern, formatDuration(change.at));
      }
    }
    switches.push_back(std::move(change));
  }
  return switches;
}

Result<void> applyPatternSwitch(PatternSettings& patterns, const PatternSwitchSpec& change) {
  const auto index = patternIndex(change.pattern);
  if (!index)
    return invalidInput("pattern", "no pattern is named '{}'", change.pattern);
  const Pattern& pattern = *patternRegistry()[*index];
  // In place: a run's layers hold references to their pattern's settings.
  PatternConfig& config = patterns.at(*index);
  if (!change.settings.empty()) {
    const std::string text = "{" + change.settings + "}";
    const std::string file =
        fmt::format("switch of {} at {}", change.pattern, formatDuration(change.at));
    auto root = yaml::parseDocument(text, yaml::TreeLimits{});
    if (!root)
      return invalidInput(file, "settings '{}': {}", change.settings, root.error().reason);
    const yaml::Reader reader(text, file,
                              yaml::ErrorCodes{"switch.schema", "switch.value", "switch.limit"},
                              kMaxScenarioListItems);
    std::vector<std::string_view> keys(pattern.keys().begin(), pattern.keys().end());
    const Fields fields = STAYLAB_TRY(reader.openMap(**root, "switch settings", keys));
    // Tried on a copy first, so that settings it refuses change nothing.
    const std::unique_ptr<PatternConfig> trial = config.clone();
    STAYLAB_TRY(pattern.read(reader, fields, *trial));
    STAYLAB_TRY(pattern.read(reader, fields, config));
  }
  config.enabled = change.on;
  return {};
}

}  // namespace staylab::sim
