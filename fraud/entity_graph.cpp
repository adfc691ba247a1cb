#include "fraud/entity_graph.h"

#include <algorithm>
#include <cassert>
#include <set>
#include <unordered_map>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/pending/disjoint_sets.hpp>

namespace staylab::fraud {
namespace {

enum class VertexKind { Account, Instrument };

struct VertexData {
  VertexKind kind = VertexKind::Account;
  std::string name;
};

// setS out-edges make a repeated (account, instrument) edge a no-op.
using Graph = boost::adjacency_list<boost::setS, boost::vecS, boost::undirectedS, VertexData>;
using Vertex = Graph::vertex_descriptor;

}  // namespace

struct EntityGraph::Impl {
  Graph graph;
  std::unordered_map<std::string, Vertex> accounts;
  std::unordered_map<std::string, Vertex> instruments;
  // Disjoint-set storage indexed by vertex; account lists are valid at roots only.
  std::vector<Vertex> parent;
  std::vector<size_t> rank;
  std::vector<std::vector<Vertex>> members;

  boost::disjoint_sets<size_t*, Vertex*> sets() {
    return boost::disjoint_sets<size_t*, Vertex*>(rank.data(), parent.data());
  }

  Vertex find(Vertex vertex) { return sets().find_set(vertex); }

  Vertex vertexFor(VertexKind kind, std::string_view name) {
    auto& index = kind == VertexKind::Account ? accounts : instruments;
    std::string key(name);
    auto it = index.find(key);
    if (it != index.end()) {
      return it->second;
    }
    Vertex vertex = boost::add_vertex(VertexData{kind, key}, graph);
    index.emplace(std::move(key), vertex);
    parent.push_back(vertex);
    rank.push_back(0);
    members.emplace_back();
    if (kind == VertexKind::Account) {
      members.back().push_back(vertex);
    }
    return vertex;
  }

  const Vertex* findAccount(std::string_view account) const {
    auto it = accounts.find(std::string(account));
    return it == accounts.end() ? nullptr : &it->second;
  }

  std::vector<std::string> sortedNames(const std::vector<Vertex>& vertices) const {
    std::vector<std::string> names;
    names.reserve(vertices.size());
    for (Vertex vertex : vertices) {
      names.push_back(graph[vertex].name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }
};

EntityGraph::EntityGraph() : m_impl(std::make_unique<Impl>()) {}
EntityGraph::~EntityGraph() = default;
EntityGraph::EntityGraph(EntityGraph&&) noexcept = default;
EntityGraph& EntityGraph::operator=(EntityGraph&&) noexcept = default;

void EntityGraph::addAccount(std::string_view account) {
  m_impl->vertexFor(VertexKind::Account, account);
}

LinkOutcome EntityGraph::link(std::string_view account, std::string_view instrument,
                              size_t ring_accounts) {
  Impl& impl = *m_impl;
  Vertex account_vertex = impl.vertexFor(VertexKind::Account, account);
  Vertex instrument_vertex = impl.vertexFor(VertexKind::Instrument, instrument);
  boost::add_edge(account_vertex, instrument_vertex, impl.graph);

  LinkOutcome outcome;
  Vertex first_root = impl.find(account_vertex);
  Vertex second_root = impl.find(instrument_vertex);
  if (first_root == second_root) {
    return outcome;
  }
  // Collect what the outcome needs before the merge: only sides below the ring
  // size and the smaller side are copied, so a merge costs the smaller side.
  const size_t first_size = impl.members[first_root].size();
  const size_t second_size = impl.members[second_root].size();
  const bool ring_sized = first_size + second_size >= ring_accounts;
  std::vector<Vertex> entering;
  std::vector<Vertex> scan;
  if (ring_sized) {
    const Vertex smaller_root = first_size <= second_size ? first_root : second_root;
    for (Vertex side : {first_root, second_root}) {
      const auto& side_members = impl.members[side];
      if (side_members.size() < ring_accounts) {
        entering.insert(entering.end(), side_members.begin(), side_members.end());
      }
      if (side_members.size() < ring_accounts || side == smaller_root) {
        scan.insert(scan.end(), side_members.begin(), side_members.end());
      }
    }
  }

  impl.sets().link(first_root, second_root);
  Vertex root = impl.find(first_root);
  Vertex absorbed = root == first_root ? second_root : first_root;
  // Small-to-large: the root keeps the longer list.
  if (impl.members[root].size() < impl.members[absorbed].size()) {
    std::swap(impl.members[root], impl.members[absorbed]);
  }
  auto& merged = impl.members[root];
  merged.insert(merged.end(), impl.members[absorbed].begin(), impl.members[absorbed].end());
  impl.members[absorbed].clear();
  impl.members[absorbed].shrink_to_fit();

  if (!ring_sized) {
    return outcome;
  }
  std::sort(scan.begin(), scan.end());
  scan.erase(std::unique(scan.begin(), scan.end()), scan.end());
  outcome.entering_ring = impl.sortedNames(entering);
  outcome.scan_accounts = impl.sortedNames(scan);
  return outcome;
}

size_t EntityGraph::componentAccountCount(std::string_view account) {
  const Vertex* vertex = m_impl->findAccount(account);
  return vertex ? m_impl->members[m_impl->find(*vertex)].size() : 0;
}

bool EntityGraph::connected(std::string_view first_account, std::string_view second_account) {
  const Vertex* first = m_impl->findAccount(first_account);
  const Vertex* second = m_impl->findAccount(second_account);
  return first && second && m_impl->find(*first) == m_impl->find(*second);
}

EntityGraph::Component EntityGraph::component(std::string_view account) {
  Component result;
  const Vertex* vertex = m_impl->findAccount(account);
  if (!vertex) {
    return result;
  }
  const auto& accounts = m_impl->members[m_impl->find(*vertex)];
  result.accounts = m_impl->sortedNames(accounts);
  // Every instrument of a component is adjacent to one of its accounts.
  std::set<std::string> instruments;
  for (Vertex member : accounts) {
    for (auto [it, end] = boost::adjacent_vertices(member, m_impl->graph); it != end; ++it) {
      instruments.insert(m_impl->graph[*it].name);
    }
  }
  result.instruments.assign(instruments.begin(), instruments.end());
  return result;
}

GraphStats EntityGraph::stats() const {
  const Graph& graph = m_impl->graph;
  GraphStats stats;
  stats.vertices = boost::num_vertices(graph);
  stats.edges = boost::num_edges(graph);
  stats.accounts = m_impl->accounts.size();
  stats.instruments = m_impl->instruments.size();
  if (stats.vertices > 0) {
    std::vector<size_t> component(stats.vertices);
    stats.components = static_cast<size_t>(boost::connected_components(
        graph, boost::make_iterator_property_map(component.begin(),
                                                 boost::get(boost::vertex_index, graph))));
  }
#ifndef NDEBUG
  size_t roots = 0;
  for (Vertex vertex = 0; vertex < m_impl->parent.size(); ++vertex) {
    Vertex up = vertex;
    while (m_impl->parent[up] != up) {
      up = m_impl->parent[up];
    }
    roots += up == vertex ? 1 : 0;
  }
  assert(roots == stats.components);
#endif
  return stats;
}

void EntityGraph::clear() {
  m_impl = std::make_unique<Impl>();
}

}  // namespace staylab::fraud
