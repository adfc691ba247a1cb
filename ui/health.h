#pragma once

// What the topology view shows for each component and link, computed from
// the engine's published metrics: a health (ok, degraded, down) with the
// reason, the latest gauges, the faults acting on it now, and the message
// rate on each link. Plain C++ (no Qt), so the rules are easy to test.
//
// Rules, over the last second of virtual time the snapshots cover:
//   down      a store outage, an instance kill or a consumer crash is active
//             on the component, or more than 50% of its completions failed;
//   degraded  more than 1% of its completions failed, its workers were more
//             than 85% busy in the last interval, its consumer lag exceeds
//             1 s, or another fault (latency, error rate, delivery) acts on it;
//   ok        otherwise.
// "Failed" leaves out the domain's refusals (a night already taken, an
// unknown listing: error kinds conflict, not_found, invalid): they are
// answers, not failures of the path. The series has no error kinds, so the
// split comes from the totals of successive snapshots; when those are more
// than 2 s apart (a run at full speed), the last second's errors are split
// in the proportion of the whole gap, counting fault-caused kinds only if a
// fault acted during that last second.
//
// Thread safety: none; the UI thread owns a HealthModel.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simulator/metrics/metrics.h"
#include "simulator/topology/topology.h"

namespace staylab::ui {

enum class Health { Ok, Degraded, Down };
// Returns "ok", "degraded" or "down".
std::string_view toString(Health health);

// Returns true when a fault of `kind` ("store_outage") takes its target down.
bool takesDown(std::string_view fault_kind);
// Returns a short tag for a fault kind: "OUTAGE", "LATENCY", "CRASH"...
std::string faultTag(std::string_view fault_kind);

struct ComponentHealth {
  Health health = Health::Ok;
  std::string reason;                 // Why it is not ok; empty when ok.
  double failure_rate = 0;            // Failed / completed over the last second, 0..1.
  double throughput = 0;              // Completions per second over the last second.
  std::optional<double> utilisation;  // Last interval, 0..1.
  std::optional<double> queue_depth;  // Last interval's largest queue.
  std::optional<std::int64_t> lag_events;
  std::optional<sim::Nanos> lag_time;
  std::optional<sim::CircuitState> circuit;
  std::vector<sim::FaultWindow> faults;  // Acting on it now.
};

struct LinkState {
  std::string from, to;
  std::optional<double> rate;  // Calls per second over the last interval; none for polls.
  bool polled = false;         // `to` polls `from` (relay, consumer).
  // The pattern whose routes alone use this link while it is off
  // (sim::Topology::conditionalLinks()); empty for a link the routes use.
  std::string conditional;
  std::vector<sim::FaultWindow> faults;
};

class HealthModel {
 public:
  explicit HealthModel(sim::Topology topology);

  // Recomputes everything from `snapshot` at virtual time `now`. `pending`
  // are faults injected from the UI that the snapshot may not show yet.
  void update(const sim::MetricsSnapshot& snapshot, sim::Nanos now,
              const std::vector<sim::FaultWindow>& pending);

  const sim::Topology& topology() const { return m_topology; }
  // Returns the state of a component, or null for an unknown name.
  const ComponentHealth* component(std::string_view name) const;
  const std::vector<LinkState>& links() const { return m_links; }
  // The faults active now, on components, links and topics.
  const std::vector<sim::FaultWindow>& activeFaults() const { return m_active; }

 private:
  struct Counters {
    std::uint64_t count = 0;
    std::uint64_t errors = 0;
    std::uint64_t fault_failures = 0;     // Caused by a fault (outage, partition...).
    std::uint64_t overload_failures = 0;  // Rejected, timed out, circuit open.
  };
  struct Sample {
    sim::Nanos now = 0;
    std::map<std::string, Counters, std::less<>> components;
  };

  sim::Topology m_topology;
  std::map<std::string, ComponentHealth, std::less<>> m_components;
  std::vector<LinkState> m_links;
  // Per link (index into m_links), the operation keys whose calls cross it.
  std::vector<std::vector<std::pair<std::string, std::string>>> m_link_keys;
  std::vector<sim::FaultWindow> m_active;
  std::deque<Sample> m_history;  // Cumulative counters at recent snapshots.
};

}  // namespace staylab::ui
