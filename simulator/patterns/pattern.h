#pragma once

// A pattern is a plug-in (DESIGN.md section 4): one file under
// simulator/patterns/ that defines its Pattern, and one line in registry.cpp.
// The entry says how the pattern reads, checks and writes its settings,
// whether it can be switched during a run, what it wraps around a request
// (a resilience pattern: a RequestLayer) or what it asks of the platform (a
// platform pattern: PlatformBuild), and what it measures. The scenario
// parser and writer, the engine, the CLI and the app read the registry;
// nothing else lists patterns.
//
// Thread safety: a Pattern is immutable and shared. A RequestLayer belongs
// to one run, on the engine's thread.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/kernel/simulation.h"
#include "simulator/kernel/task.h"
#include "simulator/metrics/metrics.h"
#include "simulator/metrics/request_error.h"
#include "simulator/patterns/pattern_config.h"
#include "simulator/patterns/pattern_settings.h"
#include "simulator/patterns/platform_build.h"
#include "simulator/scenario/yaml_reader.h"

namespace staylab::sim {

enum class PatternKind {
  Resilience,  // Wraps the requests the engine runs.
  Platform,    // Asks the platform to be built, or to run, a certain way.
};

enum class LiveSwitch {
  No,   // Set for the whole run by the scenario.
  Yes,  // May also be switched during the run (switches:, the app's menu).
};

// Where a resilience pattern wraps a request.
enum class LayerScope {
  Request,  // Around the whole request, before its entry hop.
  Call,     // Around each call the entry makes downstream (one per attempt).
};

// A quantity a pattern's case study measures. The engine keeps it per
// operation (counts the platform reports with an operation's answer) or the
// platform counts it for the run (with the invariants, after the run).
enum class MeasureScope {
  Operation,  // Counted per component.operation: `name(c.op)` and the run total `name`.
  Run,        // One count for the run: `name`.
};

struct MeasureSpec {
  std::string_view name;  // As expectations write it: "stale_reads".
  MeasureScope scope = MeasureScope::Run;
  // For an Operation measure: the name of its share of the operation's
  // completions ("stale_read_ratio"), or empty for none.
  std::string_view ratio;
  std::string_view description;  // One line for people: what it counts.
};

// The service an entry component calls, for a route of more than one hop.
struct DownstreamService {
  std::string name;
  ComponentId id;
};

// One request as the resilience layers see it.
struct PipelineRequest {
  Nanos intended = 0;                 // Its scheduled arrival: latency counts from here.
  Nanos deadline = kNever;            // The time its caller gives up; kNever without a timeout.
  std::optional<RequestError> error;  // Set by the part that failed; empty while it goes well.
  // The service the entry calls; null on a route of one hop.
  const DownstreamService* downstream = nullptr;
};

// The rest of a request below a layer. Each call runs it again from there
// (a retry calls it once per attempt); await each task before the next.
class Next {
 public:
  using Run = Task<> (*)(void* pipeline, PipelineRequest& request, std::size_t stage);

  Next(Run run, void* pipeline, PipelineRequest& request, std::size_t stage)
      : m_run(run), m_pipeline(pipeline), m_request(&request), m_stage(stage) {}

  Task<> operator()() const { return m_run(m_pipeline, *m_request, m_stage); }

 private:
  Run m_run;
  void* m_pipeline;
  PipelineRequest* m_request;
  std::size_t m_stage;
};

// What a run lends its resilience layers.
struct LayerContext {
  Simulation& simulation;
  MetricsRegistry& metrics;
  const RandomStreams& streams;
  const PatternSettings& patterns;  // As switched now: read them at each decision.
  // Every service an entry calls on the run's routes.
  const std::vector<DownstreamService>& downstream;
};

// A resilience pattern's part in one run: made when the run is built, it
// keeps the pattern's state across requests (a breaker's window, a token
// bucket, a bulkhead's slots).
class RequestLayer {
 public:
  virtual ~RequestLayer() = default;
  // Returns whether `request` goes through this layer; asked once, when the
  // request starts. A layer that acts from the next attempt on when switched
  // on during a request joins every request and reads its switch as it goes.
  virtual bool joins(const PipelineRequest& request) const = 0;
  // Wraps the rest of the request. Leaves request.error set when it refuses
  // the request itself.
  virtual Task<> around(PipelineRequest& request, Next next) = 0;
  // The pattern was switched on or off during the run (engine thread).
  virtual void switched(bool /*on*/) {}
};

class Pattern {
 public:
  virtual ~Pattern() = default;

  // The key in a scenario's `patterns:` and `switches:`: "circuit_breaker".
  virtual std::string_view name() const = 0;
  // For menus and reports: "Circuit breaker".
  virtual std::string_view title() const = 0;
  // One sentence: what it does, and what the run does without it.
  virtual std::string_view summary() const = 0;
  virtual PatternKind kind() const = 0;
  virtual LiveSwitch live() const = 0;

  // Its settings at their defaults; `enabled` says whether it is on when a
  // scenario does not mention it.
  virtual std::unique_ptr<PatternConfig> defaults() const = 0;
  // The keys of its settings mapping besides `enabled`.
  virtual std::span<const std::string_view> keys() const { return {}; }
  // Reads the settings of its mapping, whose keys the parser has checked
  // against keys(), into `config` (of its own type); every error placed by
  // `reader` at the value's position.
  [[nodiscard]] virtual Result<void> read(const yaml::Reader& /*reader*/,
                                          const yaml::Fields& /*fields*/,
                                          PatternConfig& /*config*/) const {
    return {};
  }
  // Writes the settings besides `enabled` as "key: value" pairs for a flow
  // mapping ("attempts: 3, backoff: 50ms"), which read() takes back; empty
  // for a pattern without settings.
  virtual std::string write(const PatternConfig& /*config*/) const { return {}; }

  // A resilience pattern: where it wraps, and its layer for a run.
  virtual LayerScope scope() const { return LayerScope::Request; }
  virtual std::unique_ptr<RequestLayer> makeLayer(const LayerContext& /*context*/) const {
    return nullptr;
  }

  // A platform pattern: records what `config` asks of the platform.
  virtual void configure(const PatternConfig& /*config*/, PlatformBuild& /*build*/) const {}
  // A platform pattern that decides per request which backend serves it (a
  // strangler fig's façade): while it is on, the engine asks the system
  // where each request goes (SystemUnderTest::route) when it starts, and a
  // request sent to the legacy backend takes the topology's route
  // `routes_with.<pattern>.legacy_<operation>`. At most one pattern does.
  virtual bool routesPerRequest() const { return false; }

  // What its case studies measure.
  virtual std::span<const MeasureSpec> measures() const { return {}; }

 protected:
  Pattern() = default;
};

}  // namespace staylab::sim
