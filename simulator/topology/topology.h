#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/common/error.h"
#include "simulator/scenario/scenario.h"

// The simulated platform's shape: its components (each a pool of instances of
// workers behind a bounded queue, with a service time per operation), the
// links between them and the route each user operation takes. A topology is
// a file in assets/topologies/ that scenarios name (scenario.h TopologySpec);
// parseTopologyText reads it as strictly as scenarios are read:
//
//   schema: 1                        # required, 1
//   name: default                    # required, lowercase letters, digits, '-', '_'
//   description: The booking platform ...     # required
//   components:                      # required, at least one
//     - name: gateway                # required, unique
//       kind: gateway                # required: client gateway service store
//                                    #   event_log relay consumer station
//       binds: gateway               # optional: the platform part it runs (kBindableParts),
//                                    #   each at most once and of the matching kind
//       description: Routes requests.  # optional, one line
//       instances: 2                 # optional, 1..10000, default 1
//       workers: 16                  # optional, per instance, 1..10000, default 1
//       queue: 200                   # optional, per instance, 0..1000000, default 1000
//       service_times:               # optional; a list, or one mapping
//         - {operation: search, distribution: lognormal, median: 0.3ms, p99: 2ms}
//       poll_interval: 100ms         # relay and consumer only, >= 1ms, default 100ms
//       batch: 500                   # relay and consumer only, 1..100000, default 500
//       position: [1, 2]             # optional layout hint (x, y), each -1e6..1e6
//   links:                           # optional
//     - {from: clients, to: gateway, latency: {distribution: lognormal, median: 5ms, p99: 40ms},
//        loss: 0}
//   routes:                          # optional; keys search, view, book, cancel, edit
//     search: [gateway.search, search-service.search, search-index.query]
//   routes_without:                  # optional: routes while a pattern is off
//     cqrs:                          #   a registered pattern
//       search: [gateway.search, search-service.search, [listing-db.query, booking-db.read]]
//   routes_with:                     # optional: routes while a pattern is on
//     cache_aside:                   #   a registered pattern
//       view: [gateway.view, listing-service.view, [listing-service.cache, listing-db.read]]
//
// Service times are written as in scenarios (scenario.h ServiceTimeSpec):
// constant {value}, exponential {mean}, uniform {min, max}, lognormal
// {median, p99}, durations as in units.h. A link's latency is the same
// mapping without `operation` (a constant may be 0s), or a bare duration for
// a constant; default 0s. Links go from caller to callee, or from the
// component that is read to the relay or consumer that polls it
// (booking-db -> relay, event-log -> search-projection). Every hop of a route
// names an existing component and an operation with a service time on it;
// consecutive hops on different components need a link between them.
namespace staylab::sim {

enum class ComponentKind { Client, Gateway, Service, Store, EventLog, Relay, Consumer, Station };
inline constexpr std::size_t kComponentKindCount = 8;

// Returns "client", "gateway", "service", "store", "event_log", "relay", "consumer", "station".
std::string_view toString(ComponentKind kind);

// The real platform parts a component may run (ComponentSpec::binds), each
// with the kind of component that runs it.
struct BindablePart {
  std::string_view name;
  ComponentKind kind;
};
inline constexpr std::array<BindablePart, 20> kBindableParts = {{
    {"gateway", ComponentKind::Gateway},
    {"listing-service", ComponentKind::Service},
    {"booking-service", ComponentKind::Service},
    {"search-service", ComponentKind::Service},
    {"listing-db", ComponentKind::Store},
    {"booking-db", ComponentKind::Store},
    {"search-index", ComponentKind::Store},
    {"history-db", ComponentKind::Store},
    {"event-log", ComponentKind::EventLog},
    {"relay", ComponentKind::Relay},
    {"search-projection", ComponentKind::Consumer},
    {"history-projection", ComponentKind::Consumer},
    {"fraud-detection", ComponentKind::Consumer},
    // The payment provider the Payment context calls; binding it makes
    // bookings paid for (a saga: hold, charge, confirm).
    {"payment-provider", ComponentKind::Station},
    // A strangler-fig migration (app/migration): the legacy monolith and its
    // database, the CDC connector polling legacy's change table, the CDC
    // processor (the anti-corruption layer), its retry processor, and the
    // sync-back from the new contexts' events to legacy.
    {"legacy", ComponentKind::Service},
    {"legacy-db", ComponentKind::Store},
    {"cdc-connector", ComponentKind::Relay},
    {"cdc-processor", ComponentKind::Consumer},
    {"cdc-retry", ComponentKind::Consumer},
    {"sync-back", ComponentKind::Consumer},
}};

// Returns true for relays and consumers, the components that poll.
bool polls(ComponentKind kind);

struct ComponentSpec {
  std::string name;  // [a-z0-9][a-z0-9_-]*, <= 64 chars, unique
  ComponentKind kind = ComponentKind::Station;
  std::string description;  // One line for people (UI tooltips); may be empty.
  // The real platform part this component runs (kBindableParts), or empty for
  // a model-only component.
  std::string binds;
  int instances = 1;                           // 1..10000
  int workers = 1;                             // Per instance, 1..10000.
  int queue = 1000;                            // Bounded queue per instance, 0..1000000.
  std::vector<ServiceTimeSpec> service_times;  // `operation` names the op; each op once.
  // Relay and consumer components only: how often they poll and the most events per step.
  std::chrono::nanoseconds poll_interval{std::chrono::milliseconds(100)};
  int batch = 500;                                    // 1..100000
  std::optional<std::pair<double, double>> position;  // Layout hint (x, y), optional.

  // Returns the service time of `operation`, or null if none.
  const ServiceTimeSpec* serviceTime(std::string_view operation) const;

  bool operator==(const ComponentSpec&) const = default;
};

struct LinkSpec {
  std::string from, to;     // Component names, different.
  ServiceTimeSpec latency;  // One-way; operation empty; default constant 0.
  double loss = 0;          // Probability a message is dropped, 0..1.

  bool operator==(const LinkSpec&) const = default;
};

// A user operation's path: hops "component.operation" from the entry
// (gateway) to the deepest component. Routes exist for the operations in
// scenario.h UserOperation: search, view, book, cancel, edit (a topology may
// omit some; a scenario mixing an operation with no route is an error the
// engine reports).
struct Hop {
  std::string component;
  std::string operation;

  bool operator==(const Hop&) const = default;
};

// A route is a chain of hops, each called by the one before and holding its
// caller's worker while it serves. Its end may instead be a sequence of
// calls that the last hop of the chain makes one after another (an API
// composition: a query, then another; a dual write: a commit, then an
// append), written as a list in the file:
//   search: [gateway.search, search-service.search, [listing-db.query, booking-db.read]]
struct Route {
  std::string operation;   // "search", "view", "book", "cancel" or "edit".
  std::vector<Hop> hops;   // The chain, from the entry; at least one.
  std::vector<Hop> calls;  // Made in turn by hops.back(); empty, or two or more.

  bool operator==(const Route&) const = default;
};

// Under routes_with, a pattern that routes each request to a backend (the
// strangler fig) gives the route of a request it sends to the legacy system
// as `legacy_<operation>`: `legacy_book: [gateway.book, legacy.book,
// legacy-db.write]`. Its plain keys, as every pattern's, are the routes while
// it is on of the requests sent to the new services.
inline constexpr std::string_view kLegacyRoutePrefix = "legacy_";

// The routes a pattern takes while it is switched off (routes_without), or
// on (routes_with), where they differ from `routes` (for instance search
// without CQRS, by API composition; a view with cache-aside, cache first).
struct PatternRoutes {
  std::string pattern;        // A registered pattern (simulator/patterns/registry.h).
  std::vector<Route> routes;  // In file order.

  bool operator==(const PatternRoutes&) const = default;
};

struct Point {
  double x = 0, y = 0;

  bool operator==(const Point&) const = default;
};

inline constexpr int kTopologySchemaVersion = 1;

// A topology as read. Plain values: safe to copy and to read from several
// threads; the analyses below build their graph on each call.
class Topology {
 public:
  std::string name;
  std::string description;
  std::vector<ComponentSpec> components;      // In file order.
  std::vector<LinkSpec> links;                // In file order.
  std::vector<Route> routes;                  // In file order.
  std::vector<PatternRoutes> routes_without;  // In file order.
  std::vector<PatternRoutes> routes_with;     // In file order.

  // Return null when there is none.
  const ComponentSpec* findComponent(std::string_view name) const;
  ComponentSpec* findComponent(std::string_view name);
  const LinkSpec* findLink(std::string_view from, std::string_view to) const;
  const Route* findRoute(std::string_view operation) const;
  // Returns the route of `operation` while `pattern` is off, or null when
  // the topology gives none.
  const Route* findRouteWithout(std::string_view pattern, std::string_view operation) const;

  // Returns the links a pattern's routes use while it is off and no route
  // of `routes` uses (search -> the write stores without CQRS): by pattern,
  // each "from" -> "to" once, in file order of the patterns.
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> conditionalLinks() const;
  // Returns the links a pattern's routes_with use while it is on and no
  // route of `routes` uses (the gateway -> the event log with load
  // leveling), as conditionalLinks() does.
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> linksWhileOn() const;

  // Returns the components that depend on `failed`, directly or transitively
  // (who can be hurt when it fails), sorted by name, not including `failed`
  // itself; empty for an unknown name. A link makes its `from` depend on its
  // `to` (a caller on its callee), except a link from a store or event log to
  // a relay or consumer, which that relay or consumer polls: it depends on
  // the store or log. A conditional link (conditionalLinks()) counts only
  // while its pattern is in `patterns_off`, a link of linksWhileOn() only
  // while its pattern is in `patterns_on`. Computed with Boost.Graph (a
  // breadth-first search).
  std::vector<std::string> blastRadius(std::string_view failed,
                                       const std::vector<std::string>& patterns_off = {},
                                       const std::vector<std::string>& patterns_on = {}) const;

  // Returns a position for every component: the given `position` where set,
  // otherwise a layered layout computed from the links: longest-path layers
  // via a Boost.Graph topological sort on the DAG of links; cycles are
  // tolerated by ignoring the back edges a depth-first search finds, starting
  // from the components nothing links to, in name order. A component's x is
  // its layer (0, 1, 2, ...), its y its row within the layer, rows in name
  // order (0, 1, 2, ...): abstract units, spacing 1.0 on both axes.
  std::map<std::string, Point> layout() const;

  bool operator==(const Topology&) const = default;
};

// Limits that keep a hostile or broken file from costing more than a look.
inline constexpr std::size_t kMaxTopologyFileBytes = 1024 * 1024;  // 1 MiB
inline constexpr std::size_t kMaxTopologyListItems = 1000;         // Components, links, hops...

// Strict reader, same rules and error style as the scenario parser
// (scenario_parser.h): Error::field is "file:line:column" (1-based), the
// reason in Error::message; parsing stops at the first error. Error kinds
// and codes:
//   InvalidInput  topology.syntax  not YAML, or YAML this reader refuses
//                 topology.schema  unknown or missing key, wrong type
//                 topology.value   bad unit, out of range, unknown component,
//                                  inconsistent values
//                 topology.limit   one of the limits above
//   NotFound      topology.io      parseTopologyFile: the file cannot be opened
//   StoreFailure  topology.io      parseTopologyFile: the file cannot be read
// `file_name` is used in error positions only.
[[nodiscard]] Result<Topology> parseTopologyText(std::string_view text, std::string_view file_name);
[[nodiscard]] Result<Topology> parseTopologyFile(const std::filesystem::path& path);

// Applies a scenario's overrides (scenario.h ComponentOverride): instances,
// workers and queue where set; each service time replaces the operation of
// the same name or is added. An unknown component fails with InvalidInput,
// code "scenario.value", field "topology.overrides[i].component" and a
// "did you mean" suggestion when one is close.
[[nodiscard]] Result<Topology> applyOverrides(Topology topology,
                                              const std::vector<ComponentOverride>& overrides);

// Resolves TopologySpec::file: a bare name to <topologies_dir>/<name>.yaml; a
// value containing '/' or ending in ".yaml" relative to `scenario_dir`. Then
// parses the file and applies the overrides.
[[nodiscard]] Result<Topology> loadTopology(const TopologySpec& spec,
                                            const std::filesystem::path& scenario_dir,
                                            const std::filesystem::path& topologies_dir);

}  // namespace staylab::sim
