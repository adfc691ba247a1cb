#include "simulator/scenario/scenario_yaml.h"

#include <tuple>

#include <fmt/format.h>

#include "simulator/patterns/registry.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

// Returns `text` as a YAML double-quoted scalar. The parser lets no control
// character other than tab, line feed and carriage return into a Scenario.
std::string quote(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      default:
        quoted += c;
    }
  }
  quoted += '"';
  return quoted;
}

std::string_view boolText(bool value) {
  return value ? "true" : "false";
}

void writeServiceTime(std::string& out, const ServiceTimeSpec& spec) {
  out += fmt::format("        - {{ operation: {}, distribution: {}", quote(spec.operation),
                     toString(spec.distribution));
  switch (spec.distribution) {
    case ServiceTimeDistribution::Constant:
      out += fmt::format(", value: {}", formatDuration(spec.value));
      break;
    case ServiceTimeDistribution::Exponential:
      out += fmt::format(", mean: {}", formatDuration(spec.mean));
      break;
    case ServiceTimeDistribution::Uniform:
      out += fmt::format(", min: {}, max: {}", formatDuration(spec.min), formatDuration(spec.max));
      break;
    case ServiceTimeDistribution::LogNormal:
      out += fmt::format(", median: {}, p99: {}", formatDuration(spec.median),
                         formatDuration(spec.p99));
      break;
  }
  out += " }\n";
}

// Returns the entries of a `patterns:` mapping, each line after `indent`:
// each pattern whose settings differ from `base` (the defaults, some of
// them on; or run A's), a plain switch as `name: true`, settings as a flow
// mapping.
std::string patternEntries(const PatternSettings& patterns, const PatternSettings& base,
                           std::string_view indent) {
  std::string body;
  const auto registry = patternRegistry();
  for (std::size_t index = 0; index < registry.size(); ++index) {
    const PatternConfig& config = patterns.at(index);
    if (config.equals(base.at(index)))
      continue;
    const std::string settings = registry[index]->write(config);
    if (settings.empty()) {
      body +=
          fmt::format("{}  {}: {}\n", indent, registry[index]->name(), boolText(config.enabled));
    } else {
      body += fmt::format("{}  {}: {{ enabled: {}, {} }}\n", indent, registry[index]->name(),
                          boolText(config.enabled), settings);
    }
  }
  return body;
}

void writeArrivals(std::string& out, const ArrivalSpec& arrivals, std::string_view indent) {
  out += fmt::format("{}    arrivals: {{ kind: {}", indent, toString(arrivals.kind));
  switch (arrivals.kind) {
    case ArrivalKind::Constant:
    case ArrivalKind::Poisson:
      out += fmt::format(", rate: {}", formatRate(arrivals.rate));
      break;
    case ArrivalKind::Ramp:
      out += fmt::format(", from: {}, to: {}", formatRate(arrivals.from), formatRate(arrivals.to));
      break;
    case ArrivalKind::Step:
      out += fmt::format(", from: {}, to: {}, steps: {}", formatRate(arrivals.from),
                         formatRate(arrivals.to), arrivals.steps);
      break;
    case ArrivalKind::Burst:
      out += fmt::format(", rate: {}, every: {}, for: {}, base: {}", formatRate(arrivals.rate),
                         formatDuration(arrivals.every), formatDuration(arrivals.burst_length),
                         formatRate(arrivals.base));
      break;
    case ArrivalKind::Closed:
      out += fmt::format(", users: {}, think: {}", arrivals.users, formatDuration(arrivals.think));
      break;
  }
  out += " }\n";
}

void writeFault(std::string& out, const FaultSpec& fault, std::string_view indent) {
  out += fmt::format("{}  - {{ at: {}, kind: {}", indent, formatDuration(fault.at),
                     toString(fault.kind));
  if (isLinkFault(fault.kind)) {
    out += fmt::format(", from: {}, to: {}", quote(fault.target), quote(fault.peer));
  } else {
    out += fmt::format(", target: {}", quote(fault.target));
  }
  if (isWindowFault(fault.kind)) {
    out += fmt::format(", for: {}", formatDuration(fault.length));
  }
  switch (fault.kind) {
    case FaultKind::StoreLatency:
    case FaultKind::LinkLatency:
      out += fmt::format(", latency: {}, jitter: {}", formatDuration(fault.latency),
                         formatDuration(fault.jitter));
      break;
    case FaultKind::DeliveryDelay:
      out += fmt::format(", delay: {}, jitter: {}", formatDuration(fault.latency),
                         formatDuration(fault.jitter));
      break;
    case FaultKind::StoreErrorRate:
    case FaultKind::LinkLoss:
    case FaultKind::DeliveryDuplicate:
      out += fmt::format(", probability: {}", formatDecimal(fault.probability));
      break;
    case FaultKind::DeliveryReorder:
      out += fmt::format(", window: {}", fault.window);
      break;
    case FaultKind::InstanceKill:
      out += fmt::format(", instances: {}", fault.instances);
      break;
    case FaultKind::PoisonEvent:
      out += fmt::format(", count: {}", fault.count);
      break;
    case FaultKind::Rebuild:
      if (fault.mode)
        out += fmt::format(", mode: {}", toString(*fault.mode));
      break;
    case FaultKind::StoreOutage:
    case FaultKind::LinkPartition:
    case FaultKind::ConsumerCrash:
      break;
  }
  if (fault.restart_after) {
    out += fmt::format(", restart_after: {}", formatDuration(*fault.restart_after));
  }
  out += " }\n";
}

// Writes `load:` and its phases, each line after `indent`.
void writeLoad(std::string& out, const std::vector<LoadPhase>& load, std::string_view indent) {
  out += fmt::format("{}load:\n", indent);
  for (const LoadPhase& phase : load) {
    out += fmt::format("{}  - phase: {}\n", indent, quote(phase.name));
    out += fmt::format("{}    for: {}\n", indent, formatDuration(phase.length));
    writeArrivals(out, phase.arrivals, indent);
    out += fmt::format("{}    mix: {{", indent);
    for (std::size_t index = 0; index < kUserOperationCount; ++index) {
      out +=
          fmt::format("{} {}: {}", index == 0 ? "" : ",",
                      toString(static_cast<UserOperation>(index)), formatDecimal(phase.mix[index]));
    }
    out += " }\n";
    if (phase.popularity.zipf == 0) {
      out += fmt::format("{}    popularity: uniform\n", indent);
    } else {
      out += fmt::format("{}    popularity: {{ zipf: {} }}\n", indent,
                         formatDecimal(phase.popularity.zipf));
    }
  }
}

// Writes `faults:`, `[]` when there are none.
void writeFaults(std::string& out, const std::vector<FaultSpec>& faults, std::string_view indent) {
  out += fmt::format("{}{}", indent, faults.empty() ? "faults: []\n" : "faults:\n");
  for (const FaultSpec& fault : faults) {
    writeFault(out, fault, indent);
  }
}

// Writes `switches:`, `[]` when there are none.
void writeSwitches(std::string& out, const std::vector<PatternSwitchSpec>& switches,
                   std::string_view indent) {
  out += fmt::format("{}{}", indent, switches.empty() ? "switches: []\n" : "switches:\n");
  for (const PatternSwitchSpec& change : switches) {
    out += fmt::format("{}  - {{ at: {}, pattern: {}, on: {}{}{} }}\n", indent,
                       formatDuration(change.at), change.pattern, boolText(change.on),
                       change.settings.empty() ? "" : ", ", change.settings);
  }
}

// Writes `compare:`: its patterns as they differ from A's, and the lists it
// replaces.
void writeCompare(std::string& out, const ComparisonSpec& compare,
                  const PatternSettings& run_a_patterns) {
  constexpr std::string_view kIndent = "  ";
  out += fmt::format("compare:\n{}name: {}\n", kIndent, quote(compare.name));
  const std::string patterns = patternEntries(compare.patterns, run_a_patterns, kIndent);
  if (!patterns.empty())
    out += fmt::format("{}patterns:\n{}", kIndent, patterns);
  if (compare.switches)
    writeSwitches(out, *compare.switches, kIndent);
  if (compare.faults)
    writeFaults(out, *compare.faults, kIndent);
  if (compare.load)
    writeLoad(out, *compare.load, kIndent);
}

}  // namespace

std::string toYaml(const Scenario& scenario) {
  std::string out;
  out += fmt::format("schema: {}\n", scenario.schema);
  out += fmt::format("name: {}\n", quote(scenario.name));
  out += fmt::format("description: {}\n", quote(scenario.description));
  if (!scenario.group.empty())
    out += fmt::format("group: {}\n", quote(scenario.group));
  out += fmt::format("seed: {}\n", scenario.seed);
  out += fmt::format("duration: {}\n", formatDuration(scenario.duration));
  out += fmt::format("mode: {}\n", toString(scenario.mode));
  out += fmt::format("data: {{ properties: {}, seed: {} }}\n", scenario.data.properties,
                     scenario.data.seed);

  out += fmt::format("topology:\n  file: {}\n", quote(scenario.topology.file));
  if (!scenario.topology.overrides.empty()) {
    out += "  overrides:\n";
    for (const ComponentOverride& component : scenario.topology.overrides) {
      out += fmt::format("    - component: {}\n", quote(component.component));
      if (component.instances) {
        out += fmt::format("      instances: {}\n", *component.instances);
      }
      if (component.workers) {
        out += fmt::format("      workers: {}\n", *component.workers);
      }
      if (component.queue) {
        out += fmt::format("      queue: {}\n", *component.queue);
      }
      if (!component.service_times.empty()) {
        out += "      service_time:\n";
        for (const ServiceTimeSpec& spec : component.service_times) {
          writeServiceTime(out, spec);
        }
      }
    }
  }

  const std::string patterns = patternEntries(scenario.patterns, PatternSettings(), "");
  out += patterns.empty() ? "patterns: {}\n" : "patterns:\n" + patterns;

  writeLoad(out, scenario.load, "");
  writeFaults(out, scenario.faults, "");
  if (!scenario.switches.empty())
    writeSwitches(out, scenario.switches, "");
  if (scenario.compare)
    writeCompare(out, *scenario.compare, scenario.patterns);

  out += scenario.expectations.empty() ? "expect: []\n" : "expect:\n";
  for (const Expectation& expectation : scenario.expectations) {
    out += fmt::format("  - {}\n", quote(toString(expectation)));
  }
  return out;
}

}  // namespace staylab::sim
