#include <algorithm>
#include <array>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "simulator/patterns/registry.h"
#include "simulator/scenario/suggest.h"
#include "simulator/scenario/units.h"
#include "simulator/scenario/yaml_reader.h"
#include "simulator/scenario/yaml_tree.h"
#include "simulator/topology/topology.h"

namespace staylab::sim {
namespace {

using yaml::Fields;
using yaml::MapEntry;
using yaml::Node;
using yaml::NodeKind;
using yaml::NodePtr;
using yaml::Position;
using yaml::ScalarStyle;

constexpr std::string_view kSyntax = "topology.syntax";
constexpr std::string_view kSchema = "topology.schema";
constexpr std::string_view kValue = "topology.value";
constexpr std::string_view kLimit = "topology.limit";

constexpr std::size_t kMaxComponentDescriptionBytes = 1024;
constexpr double kMaxCoordinate = 1e6;

constexpr std::array<std::string_view, 8> kTopologyKeys = {
    "schema", "name",   "description",    "components",
    "links",  "routes", "routes_without", "routes_with"};
constexpr std::array<std::string_view, 11> kComponentKeys = {
    "name",  "kind",  "binds",         "description",   "instances", "workers",
    "queue", "batch", "service_times", "poll_interval", "position"};
constexpr std::array<std::string_view, 4> kLinkKeys = {"from", "to", "latency", "loss"};
constexpr std::array<std::string_view, kComponentKindCount> kKindNames = {
    "client", "gateway", "service", "store", "event_log", "relay", "consumer", "station"};
constexpr std::array<std::string_view, kUserOperationCount> kRouteKeys = {"search", "view", "book",
                                                                          "cancel", "edit"};

// The route keys under a pattern that routes per request: the operations,
// then each with kLegacyRoutePrefix.
std::span<const std::string_view> legacyRouteKeys() {
  static const std::vector<std::string> prefixed = [] {
    std::vector<std::string> names;
    for (const std::string_view key : kRouteKeys)
      names.push_back(std::string(kLegacyRoutePrefix) + std::string(key));
    return names;
  }();
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> all(kRouteKeys.begin(), kRouteKeys.end());
    all.insert(all.end(), prefixed.begin(), prefixed.end());
    return all;
  }();
  return keys;
}

std::vector<std::string_view> componentNames(const std::vector<ComponentSpec>& components) {
  std::vector<std::string_view> names;
  names.reserve(components.size());
  for (const ComponentSpec& component : components) {
    names.push_back(component.name);
  }
  return names;
}

class TopologyReader : public yaml::Reader {
 public:
  TopologyReader(std::string_view text, std::string_view file_name)
      : Reader(text, file_name, yaml::ErrorCodes{kSchema, kValue, kLimit}, kMaxTopologyListItems) {}

  Result<Topology> read(const Node& root) {
    if (root.kind != NodeKind::Map) {
      return fail(root.position, kSchema,
                  "a topology is a mapping of keys (schema, name, description, components, "
                  "links, routes), not {}",
                  yaml::describeKind(root.kind));
    }
    const Fields fields = STAYLAB_TRY(openMap(root, "topology", kTopologyKeys));
    Topology topology;

    const Node& schema = STAYLAB_TRY(require(fields, "schema", "topology"));
    const auto version = STAYLAB_TRY(readInteger(schema, "schema", 0, 1'000'000));
    if (version != kTopologySchemaVersion) {
      return fail(schema.position, kValue, "unsupported schema {}; this version reads schema {}",
                  version, kTopologySchemaVersion);
    }
    topology.name = STAYLAB_TRY(readName(STAYLAB_TRY(require(fields, "name", "topology")), "name"));
    topology.description = STAYLAB_TRY(readDescription(
        STAYLAB_TRY(require(fields, "description", "topology")), "the topology models"));
    topology.components =
        STAYLAB_TRY(readComponents(STAYLAB_TRY(require(fields, "components", "topology"))));
    if (const Node* links = fields.find("links")) {
      topology.links = STAYLAB_TRY(readLinks(*links, topology.components));
    }
    if (const Node* routes = fields.find("routes")) {
      topology.routes = STAYLAB_TRY(readRoutes(*routes, topology, "routes"));
    }
    if (const Node* without = fields.find("routes_without")) {
      topology.routes_without =
          STAYLAB_TRY(readPatternRoutes(*without, topology, "routes_without", "without"));
    }
    if (const Node* with = fields.find("routes_with")) {
      topology.routes_with = STAYLAB_TRY(readPatternRoutes(*with, topology, "routes_with", "with"));
    }
    return topology;
  }

 private:
  // A component's description is one line: it shows as a tooltip.
  Result<std::string> readLine(const Node& node, std::string_view key) const {
    const std::string_view text = STAYLAB_TRY(scalarText(node, key, "one line of text"));
    if (text.size() > kMaxComponentDescriptionBytes) {
      return fail(node.position, kLimit, "'{}' is longer than {} bytes", key,
                  kMaxComponentDescriptionBytes);
    }
    if (!yaml::isCleanText(text, /*allow_line_breaks=*/false)) {
      return fail(node.position, kValue, "'{}' must be one line without control characters", key);
    }
    return std::string(text);
  }

  Result<std::vector<ComponentSpec>> readComponents(const Node& node) const {
    const auto& items = STAYLAB_TRY(readList(node, "components", "components")).get();
    if (items.empty()) {
      return fail(node.position, kValue, "'components' is empty; give at least one component");
    }
    std::vector<ComponentSpec> components;
    std::vector<Position> name_positions;
    std::vector<Position> binds_positions;
    for (const NodePtr& item : items) {
      ComponentSpec component = STAYLAB_TRY(readComponent(*item));
      const Fields fields(*item);
      const Position name_position = fields.find("name")->position;
      for (std::size_t index = 0; index < components.size(); ++index) {
        if (components[index].name == component.name) {
          return fail(name_position, kValue, "component '{}' is already defined at line {}",
                      component.name, name_positions[index].line + 1);
        }
        if (!component.binds.empty() && components[index].binds == component.binds) {
          return fail(fields.find("binds")->position, kValue,
                      "'{}' is already bound by component '{}' at line {}", component.binds,
                      components[index].name, binds_positions[index].line + 1);
        }
      }
      name_positions.push_back(name_position);
      const Node* binds = fields.find("binds");
      binds_positions.push_back(binds == nullptr ? name_position : binds->position);
      components.push_back(std::move(component));
    }
    return components;
  }

  Result<ComponentSpec> readComponent(const Node& node) const {
    const Fields fields = STAYLAB_TRY(openMap(node, "component", kComponentKeys));
    ComponentSpec component;
    component.name =
        STAYLAB_TRY(readName(STAYLAB_TRY(require(fields, "name", "component")), "name"));
    component.kind = static_cast<ComponentKind>(STAYLAB_TRY(
        readChoice(STAYLAB_TRY(require(fields, "kind", "component")), "kind", kKindNames)));
    if (!polls(component.kind)) {
      for (const std::string_view key : {"poll_interval", "batch"}) {
        if (const MapEntry* entry = fields.entry(key)) {
          return fail(entry->key_position, kSchema,
                      "'{}' applies to relay and consumer components only; '{}' is a {}", key,
                      component.name, toString(component.kind));
        }
      }
    }
    if (const Node* binds = fields.find("binds")) {
      component.binds = STAYLAB_TRY(readBinds(*binds, component));
    }
    if (const Node* description = fields.find("description")) {
      component.description = STAYLAB_TRY(readLine(*description, "description"));
    }
    if (const Node* instances = fields.find("instances")) {
      component.instances = STAYLAB_TRY(readInt(*instances, "instances", 1, 10'000));
    }
    if (const Node* workers = fields.find("workers")) {
      component.workers = STAYLAB_TRY(readInt(*workers, "workers", 1, 10'000));
    }
    if (const Node* queue = fields.find("queue")) {
      component.queue = STAYLAB_TRY(readInt(*queue, "queue", 0, 1'000'000));
    }
    if (const Node* service_times = fields.find("service_times")) {
      component.service_times = STAYLAB_TRY(readServiceTimes(*service_times, "service_times"));
    }
    if (const Node* poll_interval = fields.find("poll_interval")) {
      component.poll_interval =
          STAYLAB_TRY(readDuration(*poll_interval, "poll_interval", DurationFloor::Positive));
      if (component.poll_interval < kMinPollInterval) {
        return fail(poll_interval->position, codes().value,
                    "'poll_interval' is {}, below the limit of {} (every poll is an event)",
                    formatDuration(component.poll_interval), formatDuration(kMinPollInterval));
      }
    }
    if (static_cast<long long>(component.instances) * component.queue > kMaxQueuedPerComponent) {
      const Node* where =
          fields.find("queue") != nullptr ? fields.find("queue") : fields.find("instances");
      return fail(where != nullptr ? where->position : node.position, codes().limit,
                  "'{}' holds {} instances x a queue of {} = {} waiting requests; the limit is {}",
                  component.name, component.instances, component.queue,
                  static_cast<long long>(component.instances) * component.queue,
                  kMaxQueuedPerComponent);
    }
    if (const Node* batch = fields.find("batch")) {
      component.batch = STAYLAB_TRY(readInt(*batch, "batch", 1, 100'000));
    }
    if (const Node* position = fields.find("position")) {
      component.position = STAYLAB_TRY(readPosition(*position));
    }
    return component;
  }

  Result<std::string> readBinds(const Node& node, const ComponentSpec& component) const {
    std::array<std::string_view, kBindableParts.size()> names{};
    std::transform(kBindableParts.begin(), kBindableParts.end(), names.begin(),
                   [](const BindablePart& part) { return part.name; });
    const std::size_t index = STAYLAB_TRY(readChoice(node, "binds", names));
    const BindablePart& part = kBindableParts[index];
    if (part.kind != component.kind) {
      return fail(node.position, kValue, "'{}' is run by a {} component, but '{}' is a {}",
                  part.name, toString(part.kind), component.name, toString(component.kind));
    }
    return std::string(part.name);
  }

  Result<std::pair<double, double>> readPosition(const Node& node) const {
    if (node.kind != NodeKind::Sequence || node.items.size() != 2) {
      return fail(node.position, kSchema, "'position' must be a list of two numbers [x, y], not {}",
                  node.kind == NodeKind::Sequence ? fmt::format("a list of {}", node.items.size())
                                                  : std::string(yaml::describeKind(node.kind)));
    }
    const double x = STAYLAB_TRY(readCoordinate(*node.items[0], "x"));
    const double y = STAYLAB_TRY(readCoordinate(*node.items[1], "y"));
    return std::pair{x, y};
  }

  // Reads a number in [-kMaxCoordinate, kMaxCoordinate]; the shared number
  // reader refuses signs.
  Result<double> readCoordinate(const Node& node, std::string_view key) const {
    const std::string_view text = STAYLAB_TRY(plainText(node, key, "a number"));
    const bool negative = text.starts_with('-');
    auto value = parseDecimal(negative ? text.substr(1) : text);
    if (!value) {
      return fail(node.position, kSchema, "'{}' must be a number, got '{}'", key, abbreviate(text));
    }
    if (*value > kMaxCoordinate) {
      return fail(node.position, kValue, "'{}' must be between -{} and {}, got {}", key,
                  formatDecimal(kMaxCoordinate), formatDecimal(kMaxCoordinate), abbreviate(text));
    }
    return negative ? -*value : *value;
  }

  // Reads a component name that must be one of `components`.
  Result<std::string> readComponentName(const Node& node, std::string_view key,
                                        const std::vector<ComponentSpec>& components) const {
    std::string name = STAYLAB_TRY(readName(node, key));
    const auto found = std::find_if(components.begin(), components.end(),
                                    [&](const ComponentSpec& spec) { return spec.name == name; });
    if (found == components.end()) {
      const std::vector<std::string_view> names = componentNames(components);
      return fail(node.position, kValue, "'{}' names no component: '{}'{}", key, name,
                  didYouMean(name, names));
    }
    return name;
  }

  Result<std::vector<LinkSpec>> readLinks(const Node& node,
                                          const std::vector<ComponentSpec>& components) const {
    const auto& items = STAYLAB_TRY(readList(node, "links", "links")).get();
    std::vector<LinkSpec> links;
    std::vector<Position> positions;
    for (const NodePtr& item : items) {
      const Fields fields = STAYLAB_TRY(openMap(*item, "link", kLinkKeys));
      LinkSpec link;
      const Node& from = STAYLAB_TRY(require(fields, "from", "link"));
      const Node& to = STAYLAB_TRY(require(fields, "to", "link"));
      link.from = STAYLAB_TRY(readComponentName(from, "from", components));
      link.to = STAYLAB_TRY(readComponentName(to, "to", components));
      if (link.from == link.to) {
        return fail(to.position, kValue,
                    "a link joins two components; 'from' and 'to' are both '{}'", link.from);
      }
      for (std::size_t index = 0; index < links.size(); ++index) {
        if (links[index].from == link.from && links[index].to == link.to) {
          return fail(item->position, kValue, "the link {} -> {} is already given at line {}",
                      link.from, link.to, positions[index].line + 1);
        }
      }
      if (const Node* latency = fields.find("latency")) {
        link.latency = STAYLAB_TRY(readLatency(*latency));
      }
      if (const Node* loss = fields.find("loss")) {
        link.loss = STAYLAB_TRY(readNumber(*loss, "loss", 0, Bound::Inclusive, 1));
      }
      positions.push_back(item->position);
      links.push_back(std::move(link));
    }
    return links;
  }

  // A latency mapping, or a bare duration for a constant one.
  Result<ServiceTimeSpec> readLatency(const Node& node) const {
    if (node.kind == NodeKind::Scalar) {
      ServiceTimeSpec spec;
      spec.value = STAYLAB_TRY(readDuration(node, "latency", DurationFloor::Zero));
      return spec;
    }
    return readServiceTime(node, Timing::Latency);
  }

  Result<std::vector<Route>> readRoutes(const Node& node, const Topology& topology,
                                        std::string_view what,
                                        std::span<const std::string_view> keys = kRouteKeys) const {
    STAYLAB_TRY(openMap(node, what, keys));
    std::vector<Route> routes;
    for (const MapEntry& entry : node.entries)
      routes.push_back(STAYLAB_TRY(readRoute(entry, topology)));
    return routes;
  }

  // Reads `routes_without` or `routes_with` (`key`): per registered
  // pattern, the routes it takes while switched off, or on.
  Result<std::vector<PatternRoutes>> readPatternRoutes(const Node& node, const Topology& topology,
                                                       std::string_view key,
                                                       std::string_view preposition) const {
    const std::vector<std::string_view> patterns = patternNames();
    STAYLAB_TRY(openMap(node, key, patterns));
    std::vector<PatternRoutes> without;
    for (const MapEntry& entry : node.entries) {
      PatternRoutes routes;
      routes.pattern = entry.key;
      // A pattern that routes each request to a backend also gives, while
      // on, the routes to the legacy one (kLegacyRoutePrefix).
      const Pattern* pattern = findPattern(entry.key);
      const bool legacy =
          preposition == "with" && pattern != nullptr && pattern->routesPerRequest();
      routes.routes = STAYLAB_TRY(
          readRoutes(*entry.value, topology, entry.key, legacy ? legacyRouteKeys() : kRouteKeys));
      if (routes.routes.empty()) {
        return fail(entry.value->position, kValue,
                    "'{}' gives no route; name the operations whose route differs {} it", entry.key,
                    preposition);
      }
      without.push_back(std::move(routes));
    }
    return without;
  }

  // One route: its chain of hops, then optionally a list of calls the last
  // hop of the chain makes in turn.
  Result<Route> readRoute(const MapEntry& entry, const Topology& topology) const {
    Route route;
    route.operation = entry.key;
    const auto& items = STAYLAB_TRY(readList(*entry.value, entry.key, "hops")).get();
    if (items.empty()) {
      return fail(entry.value->position, kValue,
                  "route '{}' has no hops; list them from the entry, as gateway.{}", entry.key,
                  entry.key);
    }
    const Node* previous = nullptr;
    for (std::size_t index = 0; index < items.size(); ++index) {
      const Node& item = *items[index];
      if (item.kind == NodeKind::Sequence) {
        if (index + 1 != items.size() || route.hops.empty()) {
          return fail(item.position, kValue,
                      "a list of calls ends a route, after the hop that makes them");
        }
        const auto& calls = STAYLAB_TRY(readList(item, entry.key, "calls")).get();
        if (calls.size() < 2) {
          return fail(item.position, kValue,
                      "a list of calls has two or more hops; write a single call as a hop");
        }
        for (const NodePtr& call : calls) {
          Hop hop = STAYLAB_TRY(readHop(*call, topology));
          STAYLAB_TRY(requireLink(topology, route.hops.back(), hop, *call, *previous));
          route.calls.push_back(std::move(hop));
        }
        continue;
      }
      Hop hop = STAYLAB_TRY(readHop(item, topology));
      if (!route.hops.empty() && route.hops.back().component != hop.component)
        STAYLAB_TRY(requireLink(topology, route.hops.back(), hop, item, *previous));
      previous = &item;
      route.hops.push_back(std::move(hop));
    }
    return route;
  }

  Result<void> requireLink(const Topology& topology, const Hop& caller, const Hop& callee,
                           const Node& node, const Node& caller_node) const {
    if (caller.component == callee.component ||
        topology.findLink(caller.component, callee.component) != nullptr)
      return {};
    return fail(node.position, kValue,
                "no link {} -> {} for this hop after '{}.{}' (line {}); add it to 'links'",
                caller.component, callee.component, caller.component, caller.operation,
                caller_node.position.line + 1);
  }

  Result<Hop> readHop(const Node& node, const Topology& topology) const {
    const std::string_view text =
        STAYLAB_TRY(scalarText(node, "hop", "component.operation, e.g. gateway.search"));
    const std::size_t dot = text.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) {
      return fail(node.position, kValue,
                  "a hop is component.operation, e.g. gateway.search; got '{}'", abbreviate(text));
    }
    Hop hop;
    hop.component = std::string(text.substr(0, dot));
    hop.operation = std::string(text.substr(dot + 1));
    const ComponentSpec* component = topology.findComponent(hop.component);
    if (component == nullptr) {
      const std::vector<std::string_view> names = componentNames(topology.components);
      return fail(node.position, kValue, "hop '{}' names no component: '{}'{}", abbreviate(text),
                  abbreviate(hop.component), didYouMean(hop.component, names));
    }
    if (component->serviceTime(hop.operation) == nullptr) {
      std::vector<std::string_view> operations;
      for (const ServiceTimeSpec& spec : component->service_times) {
        operations.push_back(spec.operation);
      }
      const std::string known = operations.empty() ? std::string("none") : joinNames(operations);
      return fail(positionInScalar(node, dot + 1), kValue,
                  "component '{}' has no service time for operation '{}' (it has: {}){}",
                  hop.component, abbreviate(hop.operation), known,
                  didYouMean(hop.operation, operations));
    }
    return hop;
  }
};

}  // namespace

Result<Topology> parseTopologyText(std::string_view text, std::string_view file_name) {
  const auto syntax = [&](Position position, std::string message) {
    return std::unexpected(
        Error{ErrorKind::InvalidInput, std::string(kSyntax),
              fmt::format("{}:{}:{}", file_name, position.line + 1, position.column + 1),
              std::move(message)});
  };
  if (text.size() > kMaxTopologyFileBytes) {
    return std::unexpected(Error{ErrorKind::InvalidInput, std::string(kLimit),
                                 fmt::format("{}:1:1", file_name),
                                 fmt::format("the file is {} bytes; the limit is {} (1 MiB)",
                                             text.size(), kMaxTopologyFileBytes)});
  }
  // A UTF-8 byte order mark is dropped, as editors hide it: positions count from after it.
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  const yaml::TreeLimits limits{32, 200'000};
  auto root = yaml::parseDocument(text, limits);
  if (!root) {
    return syntax(root.error().position, std::move(root.error().reason));
  }
  try {
    return TopologyReader(text, file_name).read(**root);
  } catch (const std::exception& exception) {
    // Only allocation can throw here; report it rather than let it escape.
    return syntax(Position{}, fmt::format("could not read the topology: {}", exception.what()));
  }
}

Result<Topology> parseTopologyFile(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return std::unexpected(
        Error{ErrorKind::NotFound, "topology.io", name, "a directory, not a topology file"});
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return std::unexpected(
        Error{ErrorKind::NotFound, "topology.io", name, "cannot open the topology file"});
  }
  // Read one byte past the limit so that a larger file is reported as such.
  std::string text(kMaxTopologyFileBytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) {
    return std::unexpected(
        Error{ErrorKind::StoreFailure, "topology.io", name, "cannot read the topology file"});
  }
  text.resize(static_cast<std::size_t>(file.gcount()));
  return parseTopologyText(text, name);
}

Result<Topology> loadTopology(const TopologySpec& spec, const std::filesystem::path& scenario_dir,
                              const std::filesystem::path& topologies_dir) {
  const bool is_path =
      spec.file.find('/') != std::string::npos || std::string_view(spec.file).ends_with(".yaml");
  const std::filesystem::path path =
      is_path ? scenario_dir / spec.file : topologies_dir / (spec.file + ".yaml");
  Topology topology = STAYLAB_TRY(parseTopologyFile(path));
  return applyOverrides(std::move(topology), spec.overrides);
}

}  // namespace staylab::sim
