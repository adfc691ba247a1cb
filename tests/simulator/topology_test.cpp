#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "simulator/scenario/scenario.h"
#include "simulator/topology/topology.h"
#include "tests/support/temp_dir.h"

namespace staylab::sim {
namespace {

using namespace std::chrono_literals;
using Names = std::vector<std::string>;

const std::filesystem::path kTopologiesDir =
    std::filesystem::path(STAYLAB_SOURCE_DIR) / "assets" / "topologies";

Topology parseOk(std::string_view text) {
  auto topology = parseTopologyText(text, "test.yaml");
  EXPECT_TRUE(topology.has_value()) << (topology ? "" : topology.error().describe());
  return topology.value_or(Topology{});
}

Topology loadAsset(std::string_view name) {
  auto topology = parseTopologyFile(kTopologiesDir / fmt::format("{}.yaml", name));
  EXPECT_TRUE(topology.has_value()) << (topology ? "" : topology.error().describe());
  return topology.value_or(Topology{});
}

std::vector<std::string> hopTexts(const Route& route) {
  std::vector<std::string> texts;
  for (const Hop& hop : route.hops) {
    texts.push_back(hop.component + "." + hop.operation);
  }
  return texts;
}

// The smallest useful topology; the malformed cases below vary it.
constexpr std::string_view kTiny = R"(schema: 1
name: tiny
description: Two components.
components:
  - name: gateway
    kind: gateway
    binds: gateway
    service_times:
      - {operation: search, distribution: constant, value: 1ms}
  - name: search-index
    kind: store
    service_times:
      - {operation: query, distribution: exponential, mean: 2ms}
links:
  - {from: gateway, to: search-index}
routes:
  search: [gateway.search, search-index.query]
)";

// Returns kTiny with the first `from` replaced by `to`.
std::string tinyWith(std::string_view from, std::string_view to) {
  std::string text(kTiny);
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The parts only a strangler-fig migration binds (migration.yaml).
bool isMigrationPart(std::string_view name) {
  for (const std::string_view part :
       {"legacy", "legacy-db", "cdc-connector", "cdc-processor", "cdc-retry", "sync-back"}) {
    if (part == name)
      return true;
  }
  return false;
}

TEST(TopologyTest, ReadsTheTinyTopologyIntoTheModel) {
  const Topology topology = parseOk(kTiny);
  EXPECT_EQ(topology.name, "tiny");
  EXPECT_EQ(topology.description, "Two components.");
  ASSERT_EQ(topology.components.size(), 2u);
  const ComponentSpec& gateway = topology.components[0];
  EXPECT_EQ(gateway.kind, ComponentKind::Gateway);
  EXPECT_EQ(gateway.binds, "gateway");
  EXPECT_EQ(gateway.instances, 1);
  EXPECT_EQ(gateway.workers, 1);
  EXPECT_EQ(gateway.queue, 1000);
  EXPECT_FALSE(gateway.position.has_value());
  ASSERT_NE(gateway.serviceTime("search"), nullptr);
  EXPECT_EQ(gateway.serviceTime("search")->distribution, ServiceTimeDistribution::Constant);
  EXPECT_EQ(gateway.serviceTime("search")->value, 1ms);
  EXPECT_EQ(gateway.serviceTime("view"), nullptr);
  EXPECT_EQ(topology.components[1].serviceTime("query")->mean, 2ms);
  ASSERT_EQ(topology.links.size(), 1u);
  EXPECT_EQ(topology.links[0].latency.distribution, ServiceTimeDistribution::Constant);
  EXPECT_EQ(topology.links[0].latency.value, 0ns);
  EXPECT_EQ(topology.links[0].loss, 0);
  ASSERT_NE(topology.findRoute("search"), nullptr);
  EXPECT_EQ(hopTexts(*topology.findRoute("search")),
            (Names{"gateway.search", "search-index.query"}));
  EXPECT_EQ(topology.findRoute("book"), nullptr);
}

TEST(TopologyTest, ReadsThePaymentsPlatformWhoseBookingIsASagaOfThreeCalls) {
  const Topology topology = loadAsset("payments");
  const Topology platform = loadAsset("default");
  EXPECT_EQ(topology.components.size(), platform.components.size() + 1);
  const ComponentSpec* provider = topology.findComponent("payment-provider");
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(provider->binds, "payment-provider");
  EXPECT_EQ(provider->kind, ComponentKind::Station);
  ASSERT_NE(topology.findRoute("book"), nullptr);
  const Route& book = *topology.findRoute("book");
  EXPECT_EQ(hopTexts(book), (Names{"gateway.book", "booking-service.book"}));
  ASSERT_EQ(book.calls.size(), 3u);
  EXPECT_EQ(book.calls[1].component, "payment-provider");
  EXPECT_EQ(book.calls[1].operation, "charge");
  EXPECT_EQ(book.calls[2].component, "booking-db");
  EXPECT_NE(topology.findLink("booking-service", "payment-provider"), nullptr);
}

TEST(TopologyTest, ReadsTheMigrationPlatformWithTheLegacySystemAndTheCdcBesideTheDefault) {
  const Topology topology = loadAsset("migration");
  const Topology platform = loadAsset("default");
  EXPECT_EQ(topology.name, "migration");
  for (const ComponentSpec& component : platform.components)
    EXPECT_EQ(*topology.findComponent(component.name), component) << component.name;
  for (const BindablePart& part : kBindableParts) {
    if (!isMigrationPart(part.name))
      continue;
    const ComponentSpec* component = topology.findComponent(part.name);
    ASSERT_NE(component, nullptr) << part.name;
    EXPECT_EQ(component->binds, part.name);
    EXPECT_EQ(component->kind, part.kind) << part.name;
    EXPECT_FALSE(component->description.empty()) << part.name;
  }
  const ComponentSpec* legacy_db = topology.findComponent("legacy-db");
  EXPECT_EQ(legacy_db->workers, 1);                          // SQLite: one writer.
  EXPECT_EQ(legacy_db->serviceTime("query")->median, 15ms);  // LIKE, vs the index's 3ms.
  EXPECT_EQ(topology.findComponent("cdc-connector")->poll_interval, 200ms);
  EXPECT_EQ(topology.findComponent("cdc-connector")->batch, 200);
  ASSERT_FALSE(topology.routes_with.empty());
  const PatternRoutes& fig = topology.routes_with.back();
  EXPECT_EQ(fig.pattern, "strangler_fig");
  ASSERT_EQ(fig.routes.size(), 5u);
  EXPECT_EQ(fig.routes[2].operation, "legacy_book");
  EXPECT_EQ(hopTexts(fig.routes[2]), (Names{"gateway.book", "legacy.book", "legacy-db.write"}));
}

TEST(TopologyTest, ReadsTheDefaultPlatform) {
  const Topology topology = loadAsset("default");
  EXPECT_EQ(topology.name, "default");
  EXPECT_EQ(topology.components.size(), 14u);
  for (const BindablePart& part : kBindableParts) {
    if (part.name == "payment-provider")
      continue;  // Bookings are unpaid on the default platform (see payments.yaml).
    if (isMigrationPart(part.name))
      continue;  // No migration on the default platform (see migration.yaml).
    const ComponentSpec* component = topology.findComponent(part.name);
    ASSERT_NE(component, nullptr) << part.name;
    EXPECT_EQ(component->binds, part.name);
    EXPECT_EQ(component->kind, part.kind) << part.name;
    EXPECT_FALSE(component->description.empty()) << part.name;
  }
  EXPECT_EQ(topology.findComponent("clients")->kind, ComponentKind::Client);
  EXPECT_TRUE(topology.findComponent("clients")->binds.empty());
  EXPECT_EQ(topology.findComponent("gateway")->instances, 2);
  EXPECT_EQ(topology.findComponent("gateway")->workers, 16);
  const ComponentSpec* booking_db = topology.findComponent("booking-db");
  EXPECT_EQ(booking_db->instances, 1);
  EXPECT_EQ(booking_db->workers, 1);
  EXPECT_EQ(booking_db->serviceTime("write")->median, 2ms);
  EXPECT_EQ(booking_db->serviceTime("write")->p99, 15ms);
  EXPECT_EQ(topology.findComponent("relay")->poll_interval, 100ms);
  EXPECT_EQ(topology.findComponent("fraud-detection")->batch, 500);
  ASSERT_NE(topology.findLink("clients", "gateway"), nullptr);
  EXPECT_EQ(topology.findLink("clients", "gateway")->latency.distribution,
            ServiceTimeDistribution::LogNormal);
  EXPECT_NE(topology.findLink("fraud-detection", "gateway"), nullptr);
  EXPECT_EQ(topology.findLink("gateway", "clients"), nullptr);

  ASSERT_EQ(topology.routes.size(), kUserOperationCount);
  EXPECT_EQ(hopTexts(*topology.findRoute("search")),
            (Names{"gateway.search", "search-service.search", "search-index.query"}));
  EXPECT_EQ(hopTexts(*topology.findRoute("view")),
            (Names{"gateway.view", "listing-service.view", "listing-db.read"}));
  EXPECT_EQ(hopTexts(*topology.findRoute("book")),
            (Names{"gateway.book", "booking-service.book", "booking-db.write"}));
  EXPECT_EQ(hopTexts(*topology.findRoute("cancel")),
            (Names{"gateway.cancel", "booking-service.cancel", "booking-db.write"}));
  EXPECT_EQ(hopTexts(*topology.findRoute("edit")),
            (Names{"gateway.edit", "listing-service.edit", "listing-db.write"}));
}

TEST(TopologyTest, ReadsTheMmcModelAsOneStationOnEveryRoute) {
  const Topology topology = loadAsset("mmc");
  ASSERT_EQ(topology.components.size(), 2u);
  const ComponentSpec* station = topology.findComponent("station");
  ASSERT_NE(station, nullptr);
  EXPECT_EQ(station->kind, ComponentKind::Station);
  EXPECT_TRUE(station->binds.empty());
  EXPECT_EQ(station->instances, 1);
  EXPECT_EQ(station->workers, 10);
  EXPECT_EQ(station->queue, 1'000'000);
  ASSERT_NE(station->serviceTime("serve"), nullptr);
  EXPECT_EQ(station->serviceTime("serve")->distribution, ServiceTimeDistribution::Exponential);
  EXPECT_EQ(station->serviceTime("serve")->mean, 1s);
  EXPECT_EQ(topology.findLink("clients", "station")->latency.value, 0ns);
  for (const std::string_view operation : {"search", "view", "book", "cancel", "edit"}) {
    ASSERT_NE(topology.findRoute(operation), nullptr) << operation;
    EXPECT_EQ(hopTexts(*topology.findRoute(operation)), (Names{"station.serve"}));
  }
}

TEST(TopologyTest, NamesEveryComponentKind) {
  EXPECT_EQ(toString(ComponentKind::Client), "client");
  EXPECT_EQ(toString(ComponentKind::EventLog), "event_log");
  EXPECT_EQ(toString(ComponentKind::Station), "station");
}

TEST(TopologyTest, BlastRadiusOfTheBookingStoreReachesItsCallersButNotTheSearchIndex) {
  const std::vector<std::string> hurt = loadAsset("default").blastRadius("booking-db");
  const auto has = [&](std::string_view name) {
    return std::find(hurt.begin(), hurt.end(), name) != hurt.end();
  };
  EXPECT_TRUE(has("booking-service"));
  EXPECT_TRUE(has("gateway"));
  EXPECT_TRUE(has("clients"));
  EXPECT_TRUE(has("relay")) << "the relay polls the booking store's outbox";
  EXPECT_FALSE(has("booking-db"));
  EXPECT_FALSE(has("search-index"));
  EXPECT_FALSE(has("listing-db"));
  EXPECT_TRUE(std::is_sorted(hurt.begin(), hurt.end()));
}

// Fraud detection calls the gateway, but nothing calls fraud detection: the
// harm stops at the consumers.
TEST(TopologyTest, BlastRadiusOfTheEventLogReachesItsConsumersAndTheRelay) {
  EXPECT_EQ(loadAsset("default").blastRadius("event-log"),
            (Names{"fraud-detection", "history-projection", "relay", "search-projection"}));
}

// Without the outbox the services write to the log themselves: its failure
// then reaches them, and everything that calls them.
TEST(TopologyTest, BlastRadiusFollowsTheLinksOfAPatternOnlyWhileItIsOff) {
  const Topology topology = loadAsset("default");
  const Names with_outbox = topology.blastRadius("event-log");
  const Names without_outbox = topology.blastRadius("event-log", {"outbox"});
  EXPECT_TRUE(std::find(without_outbox.begin(), without_outbox.end(), "booking-service") !=
              without_outbox.end());
  EXPECT_TRUE(std::find(without_outbox.begin(), without_outbox.end(), "gateway") !=
              without_outbox.end());
  EXPECT_TRUE(std::find(with_outbox.begin(), with_outbox.end(), "gateway") == with_outbox.end());
  // Without CQRS a booking store outage reaches search.
  const Names booking = topology.blastRadius("booking-db");
  const Names composed = topology.blastRadius("booking-db", {"cqrs"});
  EXPECT_TRUE(std::find(booking.begin(), booking.end(), "search-service") == booking.end());
  EXPECT_TRUE(std::find(composed.begin(), composed.end(), "search-service") != composed.end());
  const auto conditional = topology.conditionalLinks();
  ASSERT_EQ(conditional.size(), 4u);
  EXPECT_EQ(conditional[0].first, "cqrs");
  EXPECT_EQ(conditional[0].second,
            std::make_pair(std::string("search-service"), std::string("listing-db")));
}

// The gateway queues bookings on the event log only with load leveling on.
TEST(TopologyTest, BlastRadiusFollowsTheLinksOfAPatternOnlyWhileItIsOn) {
  const Topology topology = loadAsset("default");
  const Names synchronous = topology.blastRadius("event-log");
  const Names leveled = topology.blastRadius("event-log", {}, {"load_leveling"});
  EXPECT_TRUE(std::find(synchronous.begin(), synchronous.end(), "gateway") == synchronous.end());
  EXPECT_TRUE(std::find(leveled.begin(), leveled.end(), "gateway") != leveled.end());
  const auto while_on = topology.linksWhileOn();
  ASSERT_EQ(while_on.size(), 1u);
  EXPECT_EQ(while_on[0].first, "load_leveling");
  EXPECT_EQ(while_on[0].second, std::make_pair(std::string("gateway"), std::string("event-log")));
}

TEST(TopologyTest, BlastRadiusOfAnUnknownComponentIsEmpty) {
  EXPECT_TRUE(loadAsset("default").blastRadius("nowhere").empty());
  EXPECT_TRUE(loadAsset("default").blastRadius("clients").empty());
}

TEST(TopologyTest, LayoutKeepsEveryGivenPosition) {
  const Topology topology = loadAsset("default");
  const std::map<std::string, Point> positions = topology.layout();
  ASSERT_EQ(positions.size(), topology.components.size());
  for (const ComponentSpec& component : topology.components) {
    ASSERT_TRUE(component.position.has_value()) << component.name;
    ASSERT_TRUE(positions.contains(component.name)) << component.name;
    EXPECT_EQ(positions.at(component.name),
              (Point{component.position->first, component.position->second}))
        << component.name;
  }
  EXPECT_EQ(positions.at("relay"), (Point{4, 5.5}));
}

TEST(TopologyTest, LayoutPlacesComponentsInLongestPathLayersWithRowsByName) {
  // clients -> gateway -> {b, a}; a -> c; gateway -> c: c sits after a, not after gateway.
  const Topology topology = parseOk(R"(schema: 1
name: layers
description: d
components:
  - {name: clients, kind: client}
  - {name: gateway, kind: gateway}
  - {name: b, kind: service}
  - {name: a, kind: service}
  - {name: c, kind: store, position: [9, -2.5]}
  - {name: d, kind: store}
links:
  - {from: clients, to: gateway}
  - {from: gateway, to: b}
  - {from: gateway, to: a}
  - {from: a, to: c}
  - {from: gateway, to: c}
  - {from: a, to: d}
)");
  const std::map<std::string, Point> positions = topology.layout();
  ASSERT_EQ(positions.size(), 6u);
  EXPECT_EQ(positions.at("clients"), (Point{0, 0}));
  EXPECT_EQ(positions.at("gateway"), (Point{1, 0}));
  EXPECT_EQ(positions.at("a"), (Point{2, 0}));
  EXPECT_EQ(positions.at("b"), (Point{2, 1}));
  EXPECT_EQ(positions.at("c"), (Point{9, -2.5}));  // Given.
  EXPECT_EQ(positions.at("d"), (Point{3, 0}));
}

TEST(TopologyTest, LayoutOfTheDefaultPlatformWithoutHintsRunsFromTheClientsRightwards) {
  Topology topology = loadAsset("default");
  for (ComponentSpec& component : topology.components) {
    component.position.reset();
  }
  const std::map<std::string, Point> positions = topology.layout();
  ASSERT_EQ(positions.size(), topology.components.size());
  EXPECT_EQ(positions.at("clients"), (Point{0, 0}));
  EXPECT_EQ(positions.at("gateway"), (Point{1, 0}));
  // Layer 2 in name order: booking-service, listing-service, search-service.
  EXPECT_EQ(positions.at("booking-service"), (Point{2, 0}));
  EXPECT_EQ(positions.at("search-service"), (Point{2, 2}));
  EXPECT_EQ(positions.at("booking-db").x, 3);
  EXPECT_EQ(positions.at("relay").x, 4);
  EXPECT_EQ(positions.at("event-log").x, 5);
  EXPECT_EQ(positions.at("fraud-detection").x, 6);  // Its link back to the gateway is cut.
  EXPECT_EQ(positions.at("search-index").x, 7);     // After the projection that writes it.
}

TEST(TopologyTest, LayoutToleratesCyclesByCuttingTheEdgeBackTowardsTheEntry) {
  // fraud -> gateway closes the cycle gateway -> service -> log -> fraud -> gateway.
  const Topology topology = parseOk(R"(schema: 1
name: cycle
description: d
components:
  - {name: clients, kind: client}
  - {name: gateway, kind: gateway}
  - {name: service, kind: service}
  - {name: log, kind: event_log}
  - {name: fraud, kind: consumer}
links:
  - {from: clients, to: gateway}
  - {from: gateway, to: service}
  - {from: service, to: log}
  - {from: log, to: fraud}
  - {from: fraud, to: gateway}
)");
  const std::map<std::string, Point> positions = topology.layout();
  ASSERT_EQ(positions.size(), 5u);
  EXPECT_EQ(positions.at("clients"), (Point{0, 0}));
  EXPECT_EQ(positions.at("gateway"), (Point{1, 0}));
  EXPECT_EQ(positions.at("service"), (Point{2, 0}));
  EXPECT_EQ(positions.at("log"), (Point{3, 0}));
  EXPECT_EQ(positions.at("fraud"), (Point{4, 0}));
  EXPECT_EQ(topology.blastRadius("log"), (Names{"clients", "fraud", "gateway", "service"}));
}

TEST(TopologyTest, LayoutPlacesAComponentWithoutLinksInTheFirstLayer) {
  const Topology topology = parseOk(R"(schema: 1
name: pure-cycle
description: d
components:
  - {name: x, kind: station}
  - {name: y, kind: station}
  - {name: alone, kind: station}
links:
  - {from: x, to: y}
  - {from: y, to: x}
)");
  const std::map<std::string, Point> positions = topology.layout();
  EXPECT_EQ(positions.at("alone"), (Point{0, 0}));
  EXPECT_EQ(positions.at("x"), (Point{0, 1}));
  EXPECT_EQ(positions.at("y"), (Point{1, 0}));
}

TEST(TopologyTest, OverridesChangeOnlyWhatTheyName) {
  ComponentOverride change;
  change.component = "booking-service";
  change.instances = 3;
  change.queue = 64;
  ServiceTimeSpec book;
  book.operation = "book";
  book.distribution = ServiceTimeDistribution::LogNormal;
  book.median = 4ms;
  book.p99 = 20ms;
  ServiceTimeSpec refund;
  refund.operation = "refund";
  refund.distribution = ServiceTimeDistribution::Constant;
  refund.value = 7ms;
  change.service_times = {book, refund};

  const Topology original = loadAsset("default");
  const auto changed = applyOverrides(original, {change});
  ASSERT_TRUE(changed.has_value()) << changed.error().describe();
  const ComponentSpec* service = changed->findComponent("booking-service");
  EXPECT_EQ(service->instances, 3);
  EXPECT_EQ(service->workers, original.findComponent("booking-service")->workers);
  EXPECT_EQ(service->queue, 64);
  ASSERT_EQ(service->service_times.size(), 3u);
  EXPECT_EQ(*service->serviceTime("book"), book);
  EXPECT_EQ(*service->serviceTime("cancel"),
            *original.findComponent("booking-service")->serviceTime("cancel"));
  EXPECT_EQ(*service->serviceTime("refund"), refund);
  EXPECT_EQ(*changed->findComponent("gateway"), *original.findComponent("gateway"));
}

TEST(TopologyTest, OverrideOfAnUnknownComponentSuggestsTheClosest) {
  ComponentOverride fine;
  fine.component = "gateway";
  fine.workers = 4;
  ComponentOverride typo;
  typo.component = "boking-service";
  typo.workers = 4;
  const auto changed = applyOverrides(loadAsset("default"), {fine, typo});
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(changed.error().code, "scenario.value");
  EXPECT_EQ(changed.error().field, "topology.overrides[1].component");
  EXPECT_NE(changed.error().message.find("no component 'boking-service'; did you mean "
                                         "'booking-service'?"),
            std::string::npos)
      << changed.error().message;
}

TEST(TopologyTest, LoadsABareNameFromTheTopologiesFolderAndAPathFromTheScenarioFolder) {
  testing::TempDir scenario_dir;
  std::filesystem::create_directories(scenario_dir / "shapes");
  std::ofstream(scenario_dir / "shapes/tiny.yaml") << kTiny;

  TopologySpec by_name;
  by_name.file = "mmc";
  ComponentOverride more_workers;
  more_workers.component = "station";
  more_workers.workers = 20;
  by_name.overrides = {more_workers};
  const auto mmc = loadTopology(by_name, scenario_dir.path(), kTopologiesDir);
  ASSERT_TRUE(mmc.has_value()) << mmc.error().describe();
  EXPECT_EQ(mmc->name, "mmc");
  EXPECT_EQ(mmc->findComponent("station")->workers, 20);

  TopologySpec by_path;
  by_path.file = "shapes/tiny.yaml";
  const auto tiny = loadTopology(by_path, scenario_dir.path(), kTopologiesDir);
  ASSERT_TRUE(tiny.has_value()) << tiny.error().describe();
  EXPECT_EQ(tiny->name, "tiny");

  TopologySpec missing;
  missing.file = "nowhere";
  const auto absent = loadTopology(missing, scenario_dir.path(), kTopologiesDir);
  ASSERT_FALSE(absent.has_value());
  EXPECT_EQ(absent.error().kind, ErrorKind::NotFound);
  EXPECT_EQ(absent.error().code, "topology.io");
  EXPECT_EQ(absent.error().field, (kTopologiesDir / "nowhere.yaml").string());
}

TEST(TopologyTest, AcceptsABareDurationAsAConstantLatencyAndNegativePositions) {
  const Topology topology = parseOk(tinyWith("{from: gateway, to: search-index}",
                                             "{from: gateway, to: search-index, latency: 250us, "
                                             "loss: 0.01}\n"));
  EXPECT_EQ(topology.links[0].latency.value, 250us);
  EXPECT_EQ(topology.links[0].loss, 0.01);
  const Topology placed = parseOk(tinyWith("    binds: gateway\n", "    position: [-1.5, 2]\n"));
  EXPECT_EQ(placed.components[0].position, (std::pair{-1.5, 2.0}));
}

// A malformed topology, the position of its first mistake, its code and part of the reason.
// kTiny with a second store, a route that ends in two calls, and the route
// search takes without CQRS.
constexpr std::string_view kCalls = R"(schema: 1
name: calls
description: A gateway that composes two stores' answers.
components:
  - name: gateway
    kind: gateway
    service_times:
      - {operation: search, distribution: constant, value: 1ms}
  - name: search-index
    kind: store
    service_times:
      - {operation: query, distribution: constant, value: 2ms}
  - name: booking-db
    kind: store
    service_times:
      - {operation: read, distribution: constant, value: 3ms}
links:
  - {from: gateway, to: search-index}
  - {from: gateway, to: booking-db}
routes:
  search: [gateway.search, search-index.query]
routes_without:
  cqrs:
    search: [gateway.search, [search-index.query, booking-db.read]]
)";

std::string callsWith(std::string_view from, std::string_view to) {
  std::string text(kCalls);
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
  return text;
}

TEST(TopologyTest, ARouteMayEndInCallsAndAPatternMayRouteItsOperationsElsewhere) {
  const Topology topology = parseOk(kCalls);
  ASSERT_NE(topology.findRoute("search"), nullptr);
  EXPECT_TRUE(topology.findRoute("search")->calls.empty());
  const Route* composed = topology.findRouteWithout("cqrs", "search");
  ASSERT_NE(composed, nullptr);
  EXPECT_EQ(hopTexts(*composed), (Names{"gateway.search"}));
  ASSERT_EQ(composed->calls.size(), 2u);
  EXPECT_EQ(composed->calls[0].component, "search-index");
  EXPECT_EQ(composed->calls[1].component, "booking-db");
  EXPECT_EQ(composed->calls[1].operation, "read");
  EXPECT_EQ(topology.findRouteWithout("cqrs", "book"), nullptr);
  EXPECT_EQ(topology.findRouteWithout("outbox", "search"), nullptr);
  // The shipped platform gives search without CQRS and the writes without
  // the outbox.
  const Topology platform = loadAsset("default");
  ASSERT_NE(platform.findRouteWithout("cqrs", "search"), nullptr);
  EXPECT_EQ(platform.findRouteWithout("cqrs", "search")->calls.size(), 2u);
  for (const char* write : {"book", "cancel", "edit"}) {
    const Route* dual = platform.findRouteWithout("outbox", write);
    ASSERT_NE(dual, nullptr) << write;
    ASSERT_EQ(dual->calls.size(), 2u) << write;
    EXPECT_EQ(dual->calls[1].component, "event-log") << write;
  }
}

struct Malformed {
  std::string name;
  std::string text;
  int line;
  int column;
  std::string code;
  std::string reason;
};

void PrintTo(const Malformed& malformed, std::ostream* out) {
  *out << malformed.name;
}

class MalformedTopologyTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedTopologyTest, IsRejectedWithItsPositionAndReason) {
  const Malformed& malformed = GetParam();
  const auto topology = parseTopologyText(malformed.text, "bad.yaml");
  ASSERT_FALSE(topology.has_value()) << "accepted:\n" << malformed.text;
  const Error& error = topology.error();
  EXPECT_EQ(error.kind, ErrorKind::InvalidInput);
  EXPECT_EQ(error.field, fmt::format("bad.yaml:{}:{}", malformed.line, malformed.column))
      << error.message;
  EXPECT_EQ(error.code, malformed.code) << error.message;
  EXPECT_NE(error.message.find(malformed.reason), std::string::npos)
      << "reason: " << error.message << "\nexpected to contain: " << malformed.reason;
}

// Each text is kTiny with one mistake.
const std::vector<Malformed> kMalformed = {
    {"UnknownComponentKeySuggestsTheClosest", tinyWith("    kind: gateway", "    kidn: gateway"), 6,
     5, "topology.schema", "unknown key 'kidn' in component; did you mean 'kind'?"},
    {"UnknownTopLevelKeySuggestsTheClosest", tinyWith("links:", "linkz:"), 14, 1, "topology.schema",
     "unknown key 'linkz' in topology; did you mean 'links'?"},
    {"DuplicateComponentName", tinyWith("  - name: search-index", "  - name: gateway"), 10, 11,
     "topology.value", "component 'gateway' is already defined at line 5"},
    {"LinkToAnUnknownComponent", tinyWith("to: search-index}", "to: search-idx}"), 15, 25,
     "topology.value", "'to' names no component: 'search-idx'; did you mean 'search-index'?"},
    {"LinkFromAComponentToItself", tinyWith("to: search-index}", "to: gateway}"), 15, 25,
     "topology.value", "'from' and 'to' are both 'gateway'"},
    {"DuplicateLink",
     tinyWith("routes:", "  - {from: gateway, to: search-index, loss: 0.1}\nroutes:"), 16, 5,
     "topology.value", "the link gateway -> search-index is already given at line 15"},
    {"LossAboveOne", tinyWith("to: search-index}", "to: search-index, loss: 1.5}"), 15, 45,
     "topology.value", "'loss' must be at least 0 and at most 1, got 1.5"},
    {"LatencyTakesNoOperation",
     tinyWith("to: search-index}",
              "to: search-index, latency: {operation: x, distribution: constant, value: 1ms}}"),
     15, 49, "topology.schema", "unknown key 'operation' in latency"},
    {"HopWithAnUnknownOperationPointsAtTheOperation",
     tinyWith("search-index.query]", "search-index.querry]"), 17, 41, "topology.value",
     "component 'search-index' has no service time for operation 'querry' (it has: query); did "
     "you mean 'query'?"},
    {"HopOnAnUnknownComponent", tinyWith("search-index.query]", "search-idx.query]"), 17, 28,
     "topology.value",
     "hop 'search-idx.query' names no component: 'search-idx'; did you mean "
     "'search-index'?"},
    {"HopWithoutAnOperation", tinyWith("search-index.query]", "search-index]"), 17, 28,
     "topology.value", "a hop is component.operation"},
    {"HopWithoutALinkFromThePreviousHop", tinyWith("  - {from: gateway, to: search-index}", "[]"),
     17, 28, "topology.value",
     "no link gateway -> search-index for this hop after 'gateway.search' (line 17)"},
    {"RouteOfAnUnknownOperationSuggestsTheClosest", tinyWith("  search: [", "  serch: ["), 17, 3,
     "topology.schema", "unknown key 'serch' in routes; did you mean 'search'?"},
    {"EmptyRoute", tinyWith("[gateway.search, search-index.query]", "[]"), 17, 11, "topology.value",
     "route 'search' has no hops"},
    {"DistributionFieldOfAnotherDistribution", tinyWith("mean: 2ms}", "median: 2ms}"), 13, 55,
     "topology.schema", "'median' does not apply to a exponential distribution, which takes mean"},
    {"DurationWithoutUnit", tinyWith("value: 1ms}", "value: 1}"), 9, 60, "topology.value",
     "'value':"},
    {"LognormalP99NotAboveMedian",
     tinyWith("distribution: exponential, mean: 2ms}",
              "distribution: lognormal, median: 2ms, p99: 1ms}"),
     13, 71, "topology.value", "'p99' (1ms) must be above 'median' (2ms)"},
    {"OperationTimedTwice",
     tinyWith("      - {operation: query,",
              "      - {operation: query, distribution: constant, value: 1ms}\n"
              "      - {operation: query,"),
     14, 21, "topology.value", "operation 'query' already has a service time"},
    {"InstancesOutOfRange",
     tinyWith("    binds: gateway\n", "    binds: gateway\n    instances: 0\n"), 8, 16,
     "topology.value", "'instances' must be between 1 and 10000, got 0"},
    {"QueueOutOfRange",
     tinyWith("    binds: gateway\n", "    binds: gateway\n    queue: 1000001\n"), 8, 12,
     "topology.value", "'queue' must be between 0 and 1000000, got 1000001"},
    {"WorkersNotANumber",
     tinyWith("    binds: gateway\n", "    binds: gateway\n    workers: many\n"), 8, 14,
     "topology.schema", "'workers' must be a whole number, got 'many'"},
    {"BindsAnUnknownPartSuggestsTheClosest", tinyWith("binds: gateway", "binds: gatway"), 7, 12,
     "topology.value", "got 'gatway'; did you mean 'gateway'?"},
    {"BindsAPartOfAnotherKind",
     tinyWith("    kind: store\n", "    kind: store\n    binds: relay\n"), 12, 12, "topology.value",
     "'relay' is run by a relay component, but 'search-index' is a store"},
    {"BindsAPartTwice",
     tinyWith("links:", "  - {name: gateway-2, kind: gateway, binds: gateway}\nlinks:"), 14, 45,
     "topology.value", "'gateway' is already bound by component 'gateway' at line 7"},
    {"PollIntervalOnAStore",
     tinyWith("    kind: store\n", "    kind: store\n    poll_interval: 1s\n"), 12, 5,
     "topology.schema",
     "'poll_interval' applies to relay and consumer components only; 'search-index' is a store"},
    {"PollIntervalBelowTheFloor",
     tinyWith("    kind: store\n", "    kind: consumer\n    poll_interval: 10us\n"), 12, 20,
     "topology.value", "'poll_interval' is 10us, below the limit of 1ms"},
    {"QueueOverAllInstancesAboveTheLimit",
     tinyWith("    kind: store\n", "    kind: store\n    instances: 10\n    queue: 200000\n"), 13,
     12, "topology.limit",
     "'search-index' holds 10 instances x a queue of 200000 = 2000000 waiting requests; the "
     "limit is 1000000"},
    {"BatchOutOfRangeOnAConsumer",
     tinyWith("    kind: store\n", "    kind: consumer\n    batch: 0\n"), 12, 12, "topology.value",
     "'batch' must be between 1 and 100000, got 0"},
    {"UnknownKindSuggestsTheClosest", tinyWith("kind: store", "kind: stor"), 11, 11,
     "topology.value", "got 'stor'; did you mean 'store'?"},
    {"MissingKind", tinyWith("    kind: store\n", ""), 10, 5, "topology.schema",
     "missing key 'kind' in component"},
    {"PositionIsNotAPair", tinyWith("    kind: store\n", "    kind: store\n    position: [1]\n"),
     12, 15, "topology.schema", "'position' must be a list of two numbers [x, y], not a list of 1"},
    {"ComponentDescriptionOnSeveralLines",
     tinyWith("    kind: store\n", "    kind: store\n    description: \"two\\nlines\"\n"), 12, 18,
     "topology.value", "'description' must be one line"},
    {"NameNotASlug", tinyWith("name: search-index", "name: Search-Index"), 10, 11, "topology.value",
     "'name' must be a name of lowercase letters"},
    {"UnsupportedSchema", tinyWith("schema: 1", "schema: 2"), 1, 9, "topology.value",
     "unsupported schema 2; this version reads schema 1"},
    {"MissingDescription", tinyWith("description: Two components.\n", ""), 1, 1, "topology.schema",
     "missing key 'description' in topology"},
    {"NoComponents", "schema: 1\nname: empty\ndescription: d\ncomponents: []\n", 4, 13,
     "topology.value", "'components' is empty"},
    {"DuplicateKeyIsASyntaxError",
     tinyWith("    kind: store\n", "    kind: store\n    kind: store\n"), 12, 5, "topology.syntax",
     "duplicate key 'kind'"},
    {"NotAMapping", "- just\n- a list\n", 1, 1, "topology.schema",
     "a topology is a mapping of keys"},
    {"CallsBeforeTheEndOfTheRoute",
     callsWith("[gateway.search, [search-index.query, booking-db.read]]",
               "[gateway.search, [search-index.query, booking-db.read], booking-db.read]"),
     24, 30, "topology.value", "a list of calls ends a route"},
    {"CallsWithoutACaller",
     callsWith("[gateway.search, [search-index.query, booking-db.read]]",
               "[[search-index.query, booking-db.read]]"),
     24, 14, "topology.value", "a list of calls ends a route, after the hop that makes them"},
    {"ASingleCallInAList",
     callsWith("[gateway.search, [search-index.query, booking-db.read]]",
               "[gateway.search, [booking-db.read]]"),
     24, 30, "topology.value", "a list of calls has two or more hops"},
    {"ACallWithoutALinkFromItsCaller", callsWith("  - {from: gateway, to: booking-db}\n", ""), 23,
     51, "topology.value", "no link gateway -> booking-db"},
    {"RoutesWithoutAnUnknownPattern", callsWith("  cqrs:\n", "  cqrss:\n"), 23, 3,
     "topology.schema", "unknown key 'cqrss' in routes_without; did you mean 'cqrs'?"},
    {"RoutesWithoutAnUnknownOperation",
     callsWith("    search: [gateway.search, [", "    serch: [gateway.search, ["), 24, 5,
     "topology.schema", "did you mean 'search'?"},
    {"RoutesWithoutNoRoute",
     callsWith("    search: [gateway.search, [search-index.query, booking-db.read]]\n", "    {}\n"),
     24, 5, "topology.value", "'cqrs' gives no route"},
    {"ALegacyRouteUnderAPatternThatDoesNotRoutePerRequest",
     callsWith("routes_without:\n  cqrs:\n    search:",
               "routes_with:\n  cqrs:\n    legacy_search:"),
     24, 5, "topology.schema", "unknown key 'legacy_search' in cqrs"},
    {"ALegacyRouteWhileThePatternIsOff",
     callsWith("routes_without:\n  cqrs:\n    search:",
               "routes_without:\n  strangler_fig:\n    legacy_search:"),
     24, 5, "topology.schema", "unknown key 'legacy_search' in strangler_fig"},
    {"ALegacyRouteOfAnUnknownOperation",
     callsWith("routes_without:\n  cqrs:\n    search:",
               "routes_with:\n  strangler_fig:\n    legacy_serch:"),
     24, 5, "topology.schema", "did you mean 'legacy_search'?"},
};

INSTANTIATE_TEST_SUITE_P(TopologyTest, MalformedTopologyTest, ::testing::ValuesIn(kMalformed),
                         [](const ::testing::TestParamInfo<Malformed>& info) {
                           return info.param.name;
                         });

TEST(TopologyTest, ReportsAMissingFileAsNotFound) {
  const auto topology = parseTopologyFile(kTopologiesDir / "nowhere.yaml");
  ASSERT_FALSE(topology.has_value());
  EXPECT_EQ(topology.error().kind, ErrorKind::NotFound);
  EXPECT_EQ(topology.error().code, "topology.io");
}

TEST(TopologyTest, RefusesAFileOverTheSizeLimit) {
  std::string text(kTiny);
  text += "# " + std::string(kMaxTopologyFileBytes, 'x') + "\n";
  const auto topology = parseTopologyText(text, "big.yaml");
  ASSERT_FALSE(topology.has_value());
  EXPECT_EQ(topology.error().code, "topology.limit");
  EXPECT_EQ(topology.error().field, "big.yaml:1:1");
}

}  // namespace
}  // namespace staylab::sim
