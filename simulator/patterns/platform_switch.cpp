#include "simulator/patterns/platform_switch.h"

namespace staylab::sim {
namespace {

class PlatformSwitchPattern final : public Pattern {
 public:
  explicit PlatformSwitchPattern(const PlatformSwitch& description) : m_description(description) {}

  std::string_view name() const override { return m_description.name; }
  std::string_view title() const override { return m_description.title; }
  std::string_view summary() const override { return m_description.summary; }
  PatternKind kind() const override { return PatternKind::Platform; }
  LiveSwitch live() const override { return m_description.live; }
  std::unique_ptr<PatternConfig> defaults() const override {
    auto settings = std::make_unique<SwitchOnly>();
    settings->enabled = true;
    return settings;
  }
  void configure(const PatternConfig& config, PlatformBuild& build) const override {
    build.*m_description.field = config.enabled;
  }
  std::span<const MeasureSpec> measures() const override { return m_description.measures; }

 private:
  PlatformSwitch m_description;
};

}  // namespace

std::unique_ptr<Pattern> makePlatformSwitch(const PlatformSwitch& description) {
  return std::make_unique<PlatformSwitchPattern>(description);
}

}  // namespace staylab::sim
