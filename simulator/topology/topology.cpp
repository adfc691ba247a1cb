#include "simulator/topology/topology.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <numeric>
#include <vector>

#include <fmt/format.h>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/topological_sort.hpp>

#include "simulator/scenario/scenario_limits.h"
#include "simulator/scenario/suggest.h"

namespace staylab::sim {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

// Returns the indexes of `components` in name order: vertex v of the graphs
// below is component order[v], so that every traversal meets ties by name.
std::vector<std::size_t> nameOrder(const std::vector<ComponentSpec>& components) {
  std::vector<std::size_t> order(components.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t left, std::size_t right) {
    return components[left].name < components[right].name;
  });
  return order;
}

// Maps component names to vertices (positions in nameOrder).
class VertexIndex {
 public:
  VertexIndex(const std::vector<ComponentSpec>& components, const std::vector<std::size_t>& order)
      : m_components(&components), m_order(&order) {}

  std::optional<Vertex> find(std::string_view name) const {
    const auto found = std::lower_bound(
        m_order->begin(), m_order->end(), name,
        [&](std::size_t index, std::string_view key) { return (*m_components)[index].name < key; });
    if (found == m_order->end() || (*m_components)[*found].name != name) {
      return std::nullopt;
    }
    return static_cast<Vertex>(found - m_order->begin());
  }

 private:
  const std::vector<ComponentSpec>* m_components;
  const std::vector<std::size_t>* m_order;
};

bool isPolled(ComponentKind kind) {
  return kind == ComponentKind::Store || kind == ComponentKind::EventLog;
}

// Records the vertices a breadth-first search reaches.
class ReachVisitor : public boost::default_bfs_visitor {
 public:
  explicit ReachVisitor(std::vector<Vertex>* reached) : m_reached(reached) {}
  void discover_vertex(Vertex vertex, const Graph&) const { m_reached->push_back(vertex); }

 private:
  std::vector<Vertex>* m_reached;
};

// Records the edges a depth-first search finds closing a cycle.
class BackEdgeVisitor : public boost::default_dfs_visitor {
 public:
  explicit BackEdgeVisitor(std::vector<std::pair<Vertex, Vertex>>* back_edges)
      : m_back_edges(back_edges) {}
  void back_edge(Edge edge, const Graph& graph) const {
    m_back_edges->emplace_back(boost::source(edge, graph), boost::target(edge, graph));
  }

 private:
  std::vector<std::pair<Vertex, Vertex>>* m_back_edges;
};

// Returns the links as (from, to) vertex pairs in name order of (from, to),
// skipping any that name an unknown component.
std::vector<std::pair<Vertex, Vertex>> linkPairs(const Topology& topology,
                                                 const VertexIndex& index) {
  std::vector<std::pair<Vertex, Vertex>> pairs;
  for (const LinkSpec& link : topology.links) {
    const auto from = index.find(link.from);
    const auto to = index.find(link.to);
    if (from && to) {
      pairs.emplace_back(*from, *to);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  return pairs;
}

}  // namespace

std::string_view toString(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::Client:
      return "client";
    case ComponentKind::Gateway:
      return "gateway";
    case ComponentKind::Service:
      return "service";
    case ComponentKind::Store:
      return "store";
    case ComponentKind::EventLog:
      return "event_log";
    case ComponentKind::Relay:
      return "relay";
    case ComponentKind::Consumer:
      return "consumer";
    case ComponentKind::Station:
      return "station";
  }
  return "unknown";
}

bool polls(ComponentKind kind) {
  return kind == ComponentKind::Relay || kind == ComponentKind::Consumer;
}

const ServiceTimeSpec* ComponentSpec::serviceTime(std::string_view operation) const {
  for (const ServiceTimeSpec& spec : service_times) {
    if (spec.operation == operation) {
      return &spec;
    }
  }
  return nullptr;
}

const ComponentSpec* Topology::findComponent(std::string_view component_name) const {
  for (const ComponentSpec& component : components) {
    if (component.name == component_name) {
      return &component;
    }
  }
  return nullptr;
}

ComponentSpec* Topology::findComponent(std::string_view component_name) {
  return const_cast<ComponentSpec*>(std::as_const(*this).findComponent(component_name));
}

const LinkSpec* Topology::findLink(std::string_view from, std::string_view to) const {
  for (const LinkSpec& link : links) {
    if (link.from == from && link.to == to) {
      return &link;
    }
  }
  return nullptr;
}

const Route* Topology::findRoute(std::string_view operation) const {
  for (const Route& route : routes) {
    if (route.operation == operation) {
      return &route;
    }
  }
  return nullptr;
}

const Route* Topology::findRouteWithout(std::string_view pattern,
                                        std::string_view operation) const {
  for (const PatternRoutes& without : routes_without) {
    if (without.pattern != pattern)
      continue;
    for (const Route& route : without.routes) {
      if (route.operation == operation)
        return &route;
    }
  }
  return nullptr;
}

namespace {

using LinkPair = std::pair<std::string, std::string>;

void collectLinks(const Route& route, std::vector<LinkPair>& into) {
  for (std::size_t index = 1; index < route.hops.size(); ++index)
    into.emplace_back(route.hops[index - 1].component, route.hops[index].component);
  for (const Hop& call : route.calls)
    into.emplace_back(route.hops.back().component, call.component);
}

// The links only `differing`'s routes use, none of `routes`: by pattern.
std::vector<std::pair<std::string, LinkPair>> patternOnlyLinks(
    const std::vector<Route>& routes, const std::vector<PatternRoutes>& differing) {
  std::vector<LinkPair> always;
  for (const Route& route : routes)
    collectLinks(route, always);
  std::vector<std::pair<std::string, LinkPair>> conditional;
  for (const PatternRoutes& pattern : differing) {
    std::vector<LinkPair> used;
    for (const Route& route : pattern.routes)
      collectLinks(route, used);
    for (LinkPair& link : used) {
      const bool known = std::find(always.begin(), always.end(), link) != always.end() ||
                         std::find(conditional.begin(), conditional.end(),
                                   std::make_pair(pattern.pattern, link)) != conditional.end();
      if (!known && link.first != link.second)
        conditional.emplace_back(pattern.pattern, std::move(link));
    }
  }
  return conditional;
}

}  // namespace

std::vector<std::pair<std::string, std::pair<std::string, std::string>>>
Topology::conditionalLinks() const {
  return patternOnlyLinks(routes, routes_without);
}

std::vector<std::pair<std::string, std::pair<std::string, std::string>>> Topology::linksWhileOn()
    const {
  return patternOnlyLinks(routes, routes_with);
}

std::vector<std::string> Topology::blastRadius(std::string_view failed,
                                               const std::vector<std::string>& patterns_off,
                                               const std::vector<std::string>& patterns_on) const {
  const std::vector<std::size_t> order = nameOrder(components);
  const VertexIndex index(components, order);
  const auto start = index.find(failed);
  if (!start) {
    return {};
  }
  // Edges point the way harm travels: from a dependency to what depends on it.
  Graph harm(components.size());
  // The links only a pattern that is on leaves unused carry no harm.
  std::vector<std::pair<Vertex, Vertex>> unused;
  for (const auto& [pattern, link] : conditionalLinks()) {
    if (std::find(patterns_off.begin(), patterns_off.end(), pattern) != patterns_off.end())
      continue;
    const auto from = index.find(link.first);
    const auto to = index.find(link.second);
    if (from && to)
      unused.emplace_back(*from, *to);
  }
  for (const auto& [pattern, link] : linksWhileOn()) {
    if (std::find(patterns_on.begin(), patterns_on.end(), pattern) != patterns_on.end())
      continue;
    const auto from = index.find(link.first);
    const auto to = index.find(link.second);
    if (from && to)
      unused.emplace_back(*from, *to);
  }
  for (const auto& [from, to] : linkPairs(*this, index)) {
    if (std::find(unused.begin(), unused.end(), std::make_pair(from, to)) != unused.end())
      continue;
    const bool pulled = isPolled(components[order[from]].kind) && polls(components[order[to]].kind);
    if (pulled) {
      boost::add_edge(from, to, harm);
    } else {
      boost::add_edge(to, from, harm);
    }
  }
  std::vector<Vertex> reached;
  boost::breadth_first_search(harm, *start, boost::visitor(ReachVisitor(&reached)));
  std::vector<std::string> names;
  for (const Vertex vertex : reached) {
    if (vertex != *start) {
      names.push_back(components[order[vertex]].name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::map<std::string, Point> Topology::layout() const {
  const std::vector<std::size_t> order = nameOrder(components);
  const VertexIndex index(components, order);
  const std::size_t count = components.size();
  // Out-edges are added in name order of their targets, so the search below
  // meets them that way.
  const std::vector<std::pair<Vertex, Vertex>> pairs = linkPairs(*this, index);
  Graph links(count);
  for (const auto& [from, to] : pairs) {
    boost::add_edge(from, to, links);
  }

  // Find the back edges, searching first from the components nothing links
  // to, so that a cycle is cut where it returns towards the entry.
  std::vector<std::pair<Vertex, Vertex>> back_edges;
  std::vector<boost::default_color_type> colors(count, boost::white_color);
  const auto color_map =
      boost::make_iterator_property_map(colors.begin(), boost::get(boost::vertex_index, links));
  const BackEdgeVisitor visitor(&back_edges);
  std::vector<Vertex> roots;
  for (Vertex vertex = 0; vertex < count; ++vertex) {
    if (boost::in_degree(vertex, links) == 0) {
      roots.push_back(vertex);
    }
  }
  for (Vertex vertex = 0; vertex < count; ++vertex) {
    roots.push_back(vertex);
  }
  for (const Vertex root : roots) {
    if (colors[root] == boost::white_color) {
      boost::depth_first_visit(links, root, visitor, color_map);
    }
  }
  std::sort(back_edges.begin(), back_edges.end());

  Graph dag(count);
  for (const auto& edge : pairs) {
    if (!std::binary_search(back_edges.begin(), back_edges.end(), edge)) {
      boost::add_edge(edge.first, edge.second, dag);
    }
  }
  std::vector<Vertex> reverse_topological;
  boost::topological_sort(dag, std::back_inserter(reverse_topological));

  // Longest-path layers: a component sits one layer right of its deepest caller.
  std::vector<int> layers(count, 0);
  for (auto vertex = reverse_topological.rbegin(); vertex != reverse_topological.rend(); ++vertex) {
    for (const Edge edge : boost::make_iterator_range(boost::out_edges(*vertex, dag))) {
      const Vertex next = boost::target(edge, dag);
      layers[next] = std::max(layers[next], layers[*vertex] + 1);
    }
  }

  std::map<std::string, Point> positions;
  std::map<int, int> rows;  // Next free row of each layer; vertices come in name order.
  for (Vertex vertex = 0; vertex < count; ++vertex) {
    const ComponentSpec& component = components[order[vertex]];
    if (component.position) {
      positions[component.name] = Point{component.position->first, component.position->second};
      continue;
    }
    const int row = rows[layers[vertex]]++;
    positions[component.name] =
        Point{static_cast<double>(layers[vertex]), static_cast<double>(row)};
  }
  return positions;
}

Result<Topology> applyOverrides(Topology topology,
                                const std::vector<ComponentOverride>& overrides) {
  for (std::size_t override_index = 0; override_index < overrides.size(); ++override_index) {
    const ComponentOverride& change = overrides[override_index];
    ComponentSpec* component = topology.findComponent(change.component);
    if (component == nullptr) {
      std::vector<std::string_view> names;
      names.reserve(topology.components.size());
      for (const ComponentSpec& candidate : topology.components) {
        names.push_back(candidate.name);
      }
      return std::unexpected(
          Error{ErrorKind::InvalidInput, "scenario.value",
                fmt::format("topology.overrides[{}].component", override_index),
                fmt::format("topology '{}' has no component '{}'{}", topology.name,
                            abbreviate(change.component), didYouMean(change.component, names))});
    }
    if (change.instances) {
      component->instances = *change.instances;
    }
    if (change.workers) {
      component->workers = *change.workers;
    }
    if (change.queue) {
      component->queue = *change.queue;
    }
    const long long queued = static_cast<long long>(component->instances) * component->queue;
    if ((change.instances || change.queue) && queued > kMaxQueuedPerComponent) {
      return std::unexpected(Error{
          ErrorKind::InvalidInput, "scenario.limit",
          fmt::format("topology.overrides[{}].{}", override_index,
                      change.queue ? "queue" : "instances"),
          fmt::format("'{}' would hold {} instances x a queue of {} = {} waiting requests; the "
                      "limit is {}",
                      component->name, component->instances, component->queue, queued,
                      kMaxQueuedPerComponent)});
    }
    for (const ServiceTimeSpec& spec : change.service_times) {
      auto existing = std::find_if(
          component->service_times.begin(), component->service_times.end(),
          [&](const ServiceTimeSpec& candidate) { return candidate.operation == spec.operation; });
      if (existing != component->service_times.end()) {
        *existing = spec;
      } else {
        component->service_times.push_back(spec);
      }
    }
  }
  return topology;
}

}  // namespace staylab::sim
