// Competing consumers: a projection runs as several instances that share the
// partitions of its topics, each partition read by one instance at a time
// (so each partition keeps its order), dealt round-robin over the live
// instances and dealt again when one dies. Each instance steps on its own
// worker, so the lag after a burst or a crash drains about `instances` times
// faster, up to the number of partitions (more instances than partitions
// idle). Off: one instance reads every partition.

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "simulator/patterns/pattern.h"

namespace staylab::sim {
namespace {

// The consumers that can run as competing instances: the projections and
// the CDC processor of a migration, whose offsets and effects live per
// partition in their own store. Fraud
// detection keeps one graph of every event, so it stays one instance.
constexpr std::array<std::string_view, 3> kConsumers = {"search-projection", "history-projection",
                                                        "cdc-processor"};

struct CompetingConsumersSettings final : PatternConfigOf<CompetingConsumersSettings> {
  static constexpr std::string_view kPattern = "competing_consumers";
  std::string consumer = "search-projection";  // One of kConsumers.
  int instances = 2;                           // 1..64.

  bool operator==(const CompetingConsumersSettings&) const = default;
};

constexpr std::array<std::string_view, 2> kKeys = {"consumer", "instances"};

class CompetingConsumersPattern final : public Pattern {
 public:
  std::string_view name() const override { return CompetingConsumersSettings::kPattern; }
  std::string_view title() const override { return "Competing consumers"; }
  std::string_view summary() const override {
    return "Several instances of a projection share its partitions and catch up together; "
           "without it, one instance reads them all.";
  }
  PatternKind kind() const override { return PatternKind::Platform; }
  LiveSwitch live() const override { return LiveSwitch::No; }
  std::unique_ptr<PatternConfig> defaults() const override {
    return std::make_unique<CompetingConsumersSettings>();
  }
  std::span<const std::string_view> keys() const override { return kKeys; }
  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    auto& settings = static_cast<CompetingConsumersSettings&>(config);
    if (const yaml::Node* consumer = fields.find("consumer")) {
      std::string name = STAYLAB_TRY(reader.readName(*consumer, "consumer"));
      if (std::find(kConsumers.begin(), kConsumers.end(), name) == kConsumers.end()) {
        return reader.fail(
            consumer->position, reader.codes().value,
            "'consumer' must be search-projection, history-projection or cdc-processor, not "
            "'{}' (fraud detection keeps one instance: one graph of every event)",
            name);
      }
      settings.consumer = std::move(name);
    }
    if (const yaml::Node* instances = fields.find("instances"))
      settings.instances = STAYLAB_TRY(reader.readInt(*instances, "instances", 1, 64));
    return {};
  }
  std::string write(const PatternConfig& config) const override {
    const auto& settings = static_cast<const CompetingConsumersSettings&>(config);
    return fmt::format("consumer: {}, instances: {}", settings.consumer, settings.instances);
  }
  void configure(const PatternConfig& config, PlatformBuild& build) const override {
    const auto& settings = static_cast<const CompetingConsumersSettings&>(config);
    if (!config.enabled)
      return;
    build.competing_consumer = settings.consumer;
    build.competing_instances = settings.instances;
  }
};

}  // namespace

std::unique_ptr<Pattern> makeCompetingConsumersPattern() {
  return std::make_unique<CompetingConsumersPattern>();
}

}  // namespace staylab::sim
