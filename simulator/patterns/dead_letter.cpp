// Dead-letter topic: a consumer that cannot apply an event (poison: a
// malformed payload, an unsupported version) tries it again at its next
// steps, up to `attempts` tries, then appends it with the error to the
// topic's dead-letter topic ("booking.dlq" on the real log), records it as
// poison and goes on. Switched off, the consumer retries it for ever: its
// partition blocks behind the event (head-of-line blocking), its lag there
// grows while its other partitions keep up. The search and history
// projections follow the switch; fraud detection skips poison either way.

#include <array>

#include <fmt/format.h>

#include "simulator/patterns/pattern.h"

namespace staylab::sim {
namespace {

struct DeadLetterSettings final : PatternConfigOf<DeadLetterSettings> {
  static constexpr std::string_view kPattern = "dead_letter";
  int attempts = 3;  // Tries before an event is dead-lettered, 1..100.

  bool operator==(const DeadLetterSettings&) const = default;
};

constexpr std::array<std::string_view, 1> kKeys = {"attempts"};

constexpr std::array<MeasureSpec, 2> kMeasures = {{
    {"dead_letters", MeasureScope::Run, "",
     "events moved to a dead-letter topic (<topic>.dlq), each once however many consumers moved "
     "it"},
    {"blocked_partitions", MeasureScope::Run, "",
     "partitions a consumer was still held at poison on when the load ended, over the "
     "projections"},
}};

class DeadLetterPattern final : public Pattern {
 public:
  std::string_view name() const override { return DeadLetterSettings::kPattern; }
  std::string_view title() const override { return "Dead-letter topic"; }
  std::string_view summary() const override {
    return "An event a consumer cannot apply is retried, then moved to <topic>.dlq with its "
           "error; without it, the consumer retries for ever and its partition blocks.";
  }
  PatternKind kind() const override { return PatternKind::Platform; }
  LiveSwitch live() const override { return LiveSwitch::No; }
  std::unique_ptr<PatternConfig> defaults() const override {
    auto settings = std::make_unique<DeadLetterSettings>();
    settings->enabled = true;
    return settings;
  }
  std::span<const std::string_view> keys() const override { return kKeys; }
  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    auto& settings = static_cast<DeadLetterSettings&>(config);
    if (const yaml::Node* attempts = fields.find("attempts"))
      settings.attempts = STAYLAB_TRY(reader.readInt(*attempts, "attempts", 1, 100));
    return {};
  }
  std::string write(const PatternConfig& config) const override {
    return fmt::format("attempts: {}", static_cast<const DeadLetterSettings&>(config).attempts);
  }
  void configure(const PatternConfig& config, PlatformBuild& build) const override {
    build.dead_letter = config.enabled;
    build.dead_letter_attempts = static_cast<const DeadLetterSettings&>(config).attempts;
  }
  std::span<const MeasureSpec> measures() const override { return kMeasures; }
};

}  // namespace

std::unique_ptr<Pattern> makeDeadLetterPattern() {
  return std::make_unique<DeadLetterPattern>();
}

}  // namespace staylab::sim
