#include "app/sim/calibrate.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include "app/sim/simulated_platform.h"
#include "simulator/faults/fault_board.h"
#include "simulator/scenario/units.h"

namespace staylab::app {
namespace {

using Clock = std::chrono::steady_clock;

sim::Nanos elapsedSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

// Returns the q-quantile of `samples` (nearest rank); `samples` not empty.
sim::Nanos quantile(std::vector<sim::Nanos> samples, double q) {
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[std::min(rank, samples.size() - 1)];
}

std::string duration(sim::Nanos value) {
  return sim::formatDuration(std::chrono::nanoseconds(value));
}

std::string serviceTimeYaml(const sim::ServiceTimeSpec& spec, bool with_operation) {
  std::string text = "{";
  if (with_operation)
    text += fmt::format("operation: {}, ", spec.operation);
  text += fmt::format("distribution: {}", sim::toString(spec.distribution));
  switch (spec.distribution) {
    case sim::ServiceTimeDistribution::Constant:
      text += fmt::format(", value: {}", duration(spec.value.count()));
      break;
    case sim::ServiceTimeDistribution::Exponential:
      text += fmt::format(", mean: {}", duration(spec.mean.count()));
      break;
    case sim::ServiceTimeDistribution::Uniform:
      text +=
          fmt::format(", min: {}, max: {}", duration(spec.min.count()), duration(spec.max.count()));
      break;
    case sim::ServiceTimeDistribution::LogNormal:
      text += fmt::format(", median: {}, p99: {}", duration(spec.median.count()),
                          duration(spec.p99.count()));
      break;
  }
  return text + "}";
}

// YAML double-quoted scalar.
std::string yamlQuoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string topologyYaml(const sim::Topology& topology) {
  std::string yaml = "schema: 1\n";
  yaml += fmt::format("name: {}\n", topology.name);
  yaml += fmt::format("description: {}\n", yamlQuoted(topology.description));
  yaml += "components:\n";
  for (const sim::ComponentSpec& component : topology.components) {
    yaml += fmt::format("  - name: {}\n    kind: {}\n", component.name, toString(component.kind));
    if (!component.binds.empty())
      yaml += fmt::format("    binds: {}\n", component.binds);
    if (!component.description.empty())
      yaml += fmt::format("    description: {}\n", yamlQuoted(component.description));
    yaml += fmt::format("    instances: {}\n    workers: {}\n    queue: {}\n", component.instances,
                        component.workers, component.queue);
    if (component.kind == sim::ComponentKind::Relay ||
        component.kind == sim::ComponentKind::Consumer) {
      yaml += fmt::format("    poll_interval: {}\n    batch: {}\n",
                          duration(component.poll_interval.count()), component.batch);
    }
    if (!component.service_times.empty()) {
      yaml += "    service_times:\n";
      for (const sim::ServiceTimeSpec& spec : component.service_times)
        yaml += fmt::format("      - {}\n", serviceTimeYaml(spec, true));
    }
    if (component.position) {
      yaml += fmt::format("    position: [{}, {}]\n", sim::formatDecimal(component.position->first),
                          sim::formatDecimal(component.position->second));
    }
  }
  if (!topology.links.empty()) {
    yaml += "links:\n";
    for (const sim::LinkSpec& link : topology.links) {
      yaml += fmt::format("  - {{from: {}, to: {}, latency: {}, loss: {}}}\n", link.from, link.to,
                          serviceTimeYaml(link.latency, false), sim::formatDecimal(link.loss));
    }
  }
  if (!topology.routes.empty()) {
    yaml += "routes:\n";
    for (const sim::Route& route : topology.routes) {
      std::vector<std::string> hops;
      for (const sim::Hop& hop : route.hops)
        hops.push_back(hop.component + "." + hop.operation);
      yaml += fmt::format("  {}: [{}]\n", route.operation, fmt::join(hops, ", "));
    }
  }
  return yaml;
}

Result<Calibration> calibrate(const CalibrationOptions& options) {
  sim::TopologySpec spec;
  Calibration calibration;
  calibration.topology = STAYLAB_TRY(sim::loadTopology(spec, {}, options.topologies_dir));

  sim::FaultBoard faults(options.seed);
  std::error_code error;
  const auto directory =
      std::filesystem::temp_directory_path() / fmt::format("staylab-calibrate-{}", ::getpid());
  std::filesystem::remove_all(directory, error);
  std::map<std::pair<std::string, std::string>, std::vector<sim::Nanos>> samples;
  {
    auto system = STAYLAB_TRY(SimulatedPlatform::open(directory, faults, sim::PlatformBuild{}));
    sim::SeedData data;
    data.properties = options.properties;
    data.seed = options.seed;
    STAYLAB_TRY(system->seed(data));
    sim::Generator random(options.seed);
    const std::array<std::pair<sim::UserOperation, std::pair<const char*, const char*>>, 5>
        measured = {{{sim::UserOperation::Search, {"search-index", "query"}},
                     {sim::UserOperation::View, {"listing-db", "read"}},
                     {sim::UserOperation::Book, {"booking-db", "write"}},
                     {sim::UserOperation::Cancel, {"booking-db", "write"}},
                     {sim::UserOperation::Edit, {"listing-db", "write"}}}};
    sim::Nanos virtual_now = 0;
    for (const auto& [operation, target] : measured) {
      for (int index = 0; index < options.samples; ++index) {
        virtual_now += sim::kSecond;
        system->setTime(virtual_now);
        const int rank = static_cast<int>(random.uniform() * system->propertyCount());
        const auto start = Clock::now();
        (void)system->execute(operation, rank, random);
        samples[{target.first, target.second}].push_back(elapsedSince(start));
      }
      // The asynchronous parts, on the events these calls produced: small
      // steps, so that each is measured several times.
      for (const char* part :
           {"relay", "search-projection", "history-projection", "fraud-detection"}) {
        for (int step = 0; step < 1000; ++step) {
          const auto start = Clock::now();
          const std::size_t moved = STAYLAB_TRY(system->step(part, 50));
          if (moved == 0)
            break;
          samples[{part, "step"}].push_back(elapsedSince(start));
        }
      }
    }
  }
  std::filesystem::remove_all(directory, error);

  for (auto& [key, values] : samples) {
    if (values.empty())
      continue;
    CalibratedOperation op;
    op.component = key.first;
    op.operation = key.second;
    op.samples = static_cast<int>(values.size());
    op.median = std::max<sim::Nanos>(quantile(values, 0.5), 1000);
    op.p99 = std::max<sim::Nanos>(quantile(values, 0.99), op.median + 1000);
    // Durations in the file are whole microseconds.
    op.median = op.median / 1000 * 1000;
    op.p99 = op.p99 / 1000 * 1000;
    sim::ComponentSpec* component = calibration.topology.findComponent(op.component);
    if (component != nullptr) {
      sim::ServiceTimeSpec model;
      model.operation = op.operation;
      model.distribution = sim::ServiceTimeDistribution::LogNormal;
      model.median = std::chrono::nanoseconds(op.median);
      model.p99 = std::chrono::nanoseconds(op.p99);
      auto found = std::find_if(component->service_times.begin(), component->service_times.end(),
                                [&op](const sim::ServiceTimeSpec& existing) {
                                  return existing.operation == op.operation;
                                });
      if (found != component->service_times.end()) {
        *found = model;
      } else {
        component->service_times.push_back(model);
      }
    }
    calibration.operations.push_back(std::move(op));
  }
  calibration.topology.name = "calibrated";
  calibration.topology.description =
      "The default topology with service times measured on this machine by staylab-cli calibrate "
      "(real SQLite, Xapian and RocksDB calls against a freshly seeded platform).";
  return calibration;
}

Result<void> writeCalibration(const Calibration& calibration, const std::filesystem::path& file) {
  const std::string text = topologyYaml(calibration.topology);
  // Refuse to write what could not be read back.
  STAYLAB_TRY(sim::parseTopologyText(text, file.filename().string()));
  auto temporary = file;
  temporary += ".tmp";
  {
    std::ofstream stream(temporary, std::ios::binary | std::ios::trunc);
    stream << text;
    stream.flush();
    if (!stream) {
      return storeFailure("calibrate.write", "cannot write {}", temporary.string());
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) {
    return storeFailure("calibrate.write", "cannot rename {} to {}: {}", temporary.string(),
                        file.string(), error.message());
  }
  return {};
}

}  // namespace staylab::app
