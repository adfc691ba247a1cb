// Cache-aside: the listing service keeps the listings it shows in an
// in-memory cache. A view asks the cache first and, on a miss, reads the
// listing store and caches what it read for `ttl`. With
// `invalidate_on_update` a write of the listing drops its entry; without it
// the entry outlives the write until its TTL runs out, and views show the
// old listing meanwhile. Off: every view reads the listing store. Its gain
// is fewer store reads (and their queueing), its price stale views or, with
// invalidation, more misses.

#include <array>

#include <fmt/format.h>

#include "simulator/patterns/pattern.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

struct CacheAsideSettings final : PatternConfigOf<CacheAsideSettings> {
  static constexpr std::string_view kPattern = "cache_aside";
  std::chrono::nanoseconds ttl{std::chrono::seconds(5)};
  bool invalidate_on_update = true;

  bool operator==(const CacheAsideSettings&) const = default;
};

constexpr std::array<MeasureSpec, 2> kMeasures = {{
    {"cache_hits", MeasureScope::Operation, "cache_hit_ratio",
     "views answered from the listing service's cache, without reading the listing store"},
    {"stale_views", MeasureScope::Operation, "stale_view_ratio",
     "views that showed a listing older than the listing store's revision at that instant"},
}};

constexpr std::array<std::string_view, 2> kKeys = {"ttl", "invalidate_on_update"};

class CacheAsidePattern final : public Pattern {
 public:
  std::string_view name() const override { return CacheAsideSettings::kPattern; }
  std::string_view title() const override { return "Cache-aside"; }
  std::string_view summary() const override {
    return "Views read listings from an in-memory cache, filled on a miss and kept for a TTL "
           "(dropped on update, or not); without it every view reads the listing store.";
  }
  PatternKind kind() const override { return PatternKind::Platform; }
  LiveSwitch live() const override { return LiveSwitch::No; }
  std::unique_ptr<PatternConfig> defaults() const override {
    return std::make_unique<CacheAsideSettings>();
  }
  std::span<const std::string_view> keys() const override { return kKeys; }
  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    auto& cache = static_cast<CacheAsideSettings&>(config);
    if (const yaml::Node* ttl = fields.find("ttl"))
      cache.ttl =
          STAYLAB_TRY(reader.readDuration(*ttl, "ttl", yaml::Reader::DurationFloor::Positive));
    if (const yaml::Node* invalidate = fields.find("invalidate_on_update"))
      cache.invalidate_on_update =
          STAYLAB_TRY(reader.readBool(*invalidate, "invalidate_on_update"));
    return {};
  }
  std::string write(const PatternConfig& config) const override {
    const auto& cache = static_cast<const CacheAsideSettings&>(config);
    return fmt::format("ttl: {}, invalidate_on_update: {}", formatDuration(cache.ttl),
                       cache.invalidate_on_update ? "true" : "false");
  }
  void configure(const PatternConfig& config, PlatformBuild& build) const override {
    const auto& cache = static_cast<const CacheAsideSettings&>(config);
    build.cache_aside = cache.enabled;
    build.cache_ttl = cache.ttl;
    build.cache_invalidate_on_update = cache.invalidate_on_update;
  }
  std::span<const MeasureSpec> measures() const override { return kMeasures; }
};

}  // namespace

std::unique_ptr<Pattern> makeCacheAsidePattern() {
  return std::make_unique<CacheAsidePattern>();
}

}  // namespace staylab::sim
