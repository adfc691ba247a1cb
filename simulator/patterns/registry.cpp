#include "simulator/patterns/registry.h"

#include <array>
#include <memory>

namespace staylab::sim {

// Each line declares a pattern's factory (defined in the pattern's own file)
// and registers it. The order is the wrapping order: a resilience layer
// wraps the ones below it; the platform patterns have no order of their own.
#define STAYLAB_PATTERNS(X)        \
  X(makeCqrsPattern)               \
  X(makeOutboxPattern)             \
  X(makeIdempotentConsumerPattern) \
  X(makeSagaPattern)               \
  X(makeDeadLetterPattern)         \
  X(makeCompetingConsumersPattern) \
  X(makeRebuildByReplayPattern)    \
  X(makeCacheAsidePattern)         \
  X(makeLoadLevelingPattern)       \
  X(makeRateLimitPattern)          \
  X(makeTimeoutPattern)            \
  X(makeRetryPattern)              \
  X(makeCircuitBreakerPattern)     \
  X(makeBulkheadPattern)           \
  X(makeStranglerFigPattern)

#define STAYLAB_DECLARE_PATTERN(factory) std::unique_ptr<Pattern> factory();
STAYLAB_PATTERNS(STAYLAB_DECLARE_PATTERN)
#undef STAYLAB_DECLARE_PATTERN

namespace {

struct Registry {
  std::vector<std::unique_ptr<Pattern>> owned;
  std::vector<const Pattern*> order;

  Registry() {
#define STAYLAB_REGISTER_PATTERN(factory) owned.push_back(factory());
    STAYLAB_PATTERNS(STAYLAB_REGISTER_PATTERN)
#undef STAYLAB_REGISTER_PATTERN
    for (const auto& pattern : owned)
      order.push_back(pattern.get());
  }
};

const Registry& registry() {
  static const Registry instance;
  return instance;
}

}  // namespace

std::span<const Pattern* const> patternRegistry() {
  return registry().order;
}

const Pattern* findPattern(std::string_view name) {
  const auto index = patternIndex(name);
  return index ? patternRegistry()[*index] : nullptr;
}

std::optional<std::size_t> patternIndex(std::string_view name) {
  const auto patterns = patternRegistry();
  for (std::size_t index = 0; index < patterns.size(); ++index) {
    if (patterns[index]->name() == name)
      return index;
  }
  return std::nullopt;
}

std::vector<std::string_view> patternNames() {
  std::vector<std::string_view> names;
  for (const Pattern* pattern : patternRegistry())
    names.push_back(pattern->name());
  return names;
}

std::vector<std::string_view> livePatternNames() {
  std::vector<std::string_view> names;
  for (const Pattern* pattern : patternRegistry()) {
    if (pattern->live() == LiveSwitch::Yes)
      names.push_back(pattern->name());
  }
  return names;
}

PlatformBuild platformBuildOf(const PatternSettings& settings) {
  PlatformBuild build;
  const auto patterns = patternRegistry();
  for (std::size_t index = 0; index < patterns.size(); ++index) {
    if (patterns[index]->kind() == PatternKind::Platform)
      patterns[index]->configure(settings.at(index), build);
  }
  return build;
}

std::optional<MeasureRef> findMeasure(std::string_view name) {
  for (const Pattern* pattern : patternRegistry()) {
    for (const MeasureSpec& measure : pattern->measures()) {
      if (measure.name == name)
        return MeasureRef{pattern, &measure, false};
      if (!measure.ratio.empty() && measure.ratio == name)
        return MeasureRef{pattern, &measure, true};
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> measureNames() {
  std::vector<std::string_view> names;
  for (const Pattern* pattern : patternRegistry()) {
    for (const MeasureSpec& measure : pattern->measures()) {
      names.push_back(measure.name);
      if (!measure.ratio.empty())
        names.push_back(measure.ratio);
    }
  }
  return names;
}

}  // namespace staylab::sim
