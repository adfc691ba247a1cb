// Routes that end in calls made one after another, and instances that die
// under the requests they serve, on model-only topologies.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "simulator/engine/engine.h"
#include "tests/simulator/engine_support.h"

namespace staylab::sim {
namespace {

using testing::errorsOfKind;
using testing::optionsFor;
using testing::parseOrFail;
using testing::runToEnd;
using testing::ScenarioDir;

// A front that asks one store, then another, and answers.
constexpr std::string_view kComposed = R"(schema: 1
name: composed
description: A front composing two stores' answers.
components:
  - {name: clients, kind: client}
  - name: front
    kind: gateway
    instances: 1
    workers: 1
    service_times: [{operation: get, distribution: constant, value: 1ms}]
  - name: store-a
    kind: store
    service_times: [{operation: read, distribution: constant, value: 5ms}]
  - name: store-b
    kind: store
    service_times: [{operation: read, distribution: constant, value: 7ms}]
links:
  - {from: clients, to: front, latency: 1ms}
  - {from: front, to: store-a, latency: 1ms}
  - {from: front, to: store-b, latency: 1ms}
routes:
  search: [front.get, [store-a.read, store-b.read]]
)";

// Two instances of a slow service.
constexpr std::string_view kSlow = R"(schema: 1
name: slow
description: A slow service of two instances.
components:
  - {name: clients, kind: client}
  - name: front
    kind: gateway
    instances: 2
    workers: 4
    service_times: [{operation: get, distribution: constant, value: 1s}]
links:
  - {from: clients, to: front, latency: 0s}
routes:
  search: [front.get]
)";

std::string scenarioOver(std::string_view topology, std::string_view extra,
                         std::string_view load = "constant, rate: 10/s") {
  return fmt::format(R"(schema: 1
name: routes-test
description: Routes and instances.
seed: 5
duration: 12s
topology: {{ file: ./{}.yaml }}
load:
  - phase: steady
    for: 10s
    arrivals: {{ kind: {} }}
    mix: {{ search: 100, view: 0, book: 0, cancel: 0, edit: 0 }}
{})",
                     topology, load, extra);
}

class EngineRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir.write("composed.yaml", kComposed);
    m_dir.write("slow.yaml", kSlow);
  }
  RunReport run(const std::string& text) {
    return runToEnd(parseOrFail(text), optionsFor(m_dir.path()));
  }

  ScenarioDir m_dir;
};

TEST_F(EngineRoutesTest, ARouteEndingInCallsMakesThemInTurnWhileItsCallerWaits) {
  const RunReport report = run(scenarioOver("composed", ""));
  const OperationTotals* front = report.metrics.findOperation("front", "get");
  const OperationTotals* first = report.metrics.findOperation("store-a", "read");
  const OperationTotals* second = report.metrics.findOperation("store-b", "read");
  ASSERT_TRUE(front && first && second);
  EXPECT_EQ(front->count, 99u);
  EXPECT_EQ(first->count, 99u);
  EXPECT_EQ(second->count, 99u);
  // 1 ms to the front, 1 ms there, then 1 + 5 ms and 1 + 7 ms, one after the other.
  EXPECT_EQ(front->latency.max, 16 * kMillisecond);
  EXPECT_EQ(front->latency.min, 16 * kMillisecond);
  // Each call answers on its own, from its arrival.
  EXPECT_EQ(first->latency.max, 5 * kMillisecond);
  EXPECT_EQ(second->latency.max, 7 * kMillisecond);
}

TEST_F(EngineRoutesTest, AFailedCallStopsTheRequestBeforeTheNextCall) {
  const RunReport report = run(scenarioOver("composed", R"(faults:
  - { at: 2s, for: 3s, kind: store_outage, target: store-a }
)"));
  const OperationTotals* first = report.metrics.findOperation("store-a", "read");
  const OperationTotals* second = report.metrics.findOperation("store-b", "read");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(errorsOfKind(report.metrics, "store-a", "read", RequestError::StoreOutage), 30u);
  EXPECT_EQ(errorsOfKind(report.metrics, "front", "get", RequestError::StoreOutage), 30u);
  // The requests store-a failed never reached store-b.
  EXPECT_EQ(second->count, first->count - 30);
  EXPECT_EQ(second->errors, 0u);
}

TEST_F(EngineRoutesTest, KillingAnInstanceFailsTheRequestsItWasServingAndOnlyThose) {
  // Four requests a second, a second each: about four in service, taken in
  // turn by the two instances.
  const RunReport report = run(scenarioOver("slow", R"(faults:
  - { at: 5500ms, kind: instance_kill, target: front, instances: 1, restart_after: 2s }
)",
                                            "constant, rate: 4/s"));
  const OperationTotals* front = report.metrics.findOperation("front", "get");
  ASSERT_NE(front, nullptr);
  const std::uint64_t killed =
      errorsOfKind(report.metrics, "front", "get", RequestError::InstanceKilled);
  EXPECT_EQ(killed, 2u) << "the two requests instance 1 held at 5.5 s";
  EXPECT_EQ(front->errors, killed);
  // Without the kill nothing fails.
  const RunReport healthy = run(scenarioOver("slow", "", "constant, rate: 4/s"));
  EXPECT_EQ(healthy.metrics.findOperation("front", "get")->errors, 0u);
}

}  // namespace
}  // namespace staylab::sim
