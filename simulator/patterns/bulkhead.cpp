// Bulkhead: at most `max_concurrent` calls in flight to each downstream
// service; a call beyond is refused at once ("bulkhead_full"), so one slow
// dependency cannot take every worker of its caller. Without it, calls to a
// slow service pile up in the caller.

#include <array>
#include <map>

#include <fmt/format.h>

#include "simulator/kernel/resource.h"
#include "simulator/patterns/pattern.h"

namespace staylab::sim {
namespace {

struct BulkheadSettings final : PatternConfigOf<BulkheadSettings> {
  static constexpr std::string_view kPattern = "bulkhead";
  int max_concurrent = 10;  // Calls in flight per dependency, 1..100000.

  bool operator==(const BulkheadSettings&) const = default;
};

class BulkheadLayer final : public RequestLayer {
 public:
  // One compartment per downstream service, made up front: the pattern may
  // be switched on during the run.
  explicit BulkheadLayer(const LayerContext& context)
      : m_settings(context.patterns.get<BulkheadSettings>()) {
    for (const DownstreamService& service : context.downstream) {
      m_compartments.emplace(service.name, std::make_unique<Resource>(
                                               context.simulation, m_settings.max_concurrent, 0));
    }
  }

  bool joins(const PipelineRequest& request) const override {
    return m_settings.enabled && request.downstream != nullptr &&
           m_compartments.contains(request.downstream->name);
  }

  Task<> around(PipelineRequest& request, Next next) override {
    Resource& compartment = *m_compartments.find(request.downstream->name)->second;
    const bool admitted = co_await compartment.acquireFor(0);
    if (!admitted) {
      request.error = RequestError::BulkheadFull;
      co_return;
    }
    Task<> call = next();
    co_await call;
    compartment.release();
  }

 private:
  const BulkheadSettings& m_settings;
  std::map<std::string, std::unique_ptr<Resource>, std::less<>> m_compartments;
};

constexpr std::array<std::string_view, 1> kKeys = {"max_concurrent"};

class BulkheadPattern final : public Pattern {
 public:
  std::string_view name() const override { return BulkheadSettings::kPattern; }
  std::string_view title() const override { return "Bulkhead"; }
  std::string_view summary() const override {
    return "Bounds the calls in flight to each dependency, so one slow service cannot take "
           "every worker of its caller.";
  }
  PatternKind kind() const override { return PatternKind::Resilience; }
  LiveSwitch live() const override { return LiveSwitch::Yes; }
  std::unique_ptr<PatternConfig> defaults() const override {
    return std::make_unique<BulkheadSettings>();
  }
  std::span<const std::string_view> keys() const override { return kKeys; }
  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    auto& bulkhead = static_cast<BulkheadSettings&>(config);
    if (const yaml::Node* max_concurrent = fields.find("max_concurrent")) {
      bulkhead.max_concurrent =
          STAYLAB_TRY(reader.readInt(*max_concurrent, "max_concurrent", 1, 100'000));
    }
    return {};
  }
  std::string write(const PatternConfig& config) const override {
    return fmt::format("max_concurrent: {}",
                       static_cast<const BulkheadSettings&>(config).max_concurrent);
  }
  LayerScope scope() const override { return LayerScope::Call; }
  std::unique_ptr<RequestLayer> makeLayer(const LayerContext& context) const override {
    return std::make_unique<BulkheadLayer>(context);
  }
};

}  // namespace

std::unique_ptr<Pattern> makeBulkheadPattern() {
  return std::make_unique<BulkheadPattern>();
}

}  // namespace staylab::sim
