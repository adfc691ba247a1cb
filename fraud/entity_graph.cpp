#include "fraud/entity_graph.h"

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>

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

  Vertex vertexFor(VertexKind kind, std::string_view name) {
    auto& index = kind == VertexKind::Account ? accounts : instruments;
    std::string key(name);
    auto it = index.find(key);
    if (it != index.end()) {
      return it->second;
    }
    Vertex vertex = boost::add_vertex(VertexData{kind, key}, graph);
    index.emplace(std::move(key), vertex);
    return vertex;
  }
};

EntityGraph::EntityGraph() : m_impl(std::make_unique<Impl>()) {}
EntityGraph::~EntityGraph() = default;
EntityGraph::EntityGraph(EntityGraph&&) noexcept = default;
EntityGraph& EntityGraph::operator=(EntityGraph&&) noexcept = default;

void EntityGraph::addAccount(std::string_view account) {
  m_impl->vertexFor(VertexKind::Account, account);
}

void EntityGraph::link(std::string_view account, std::string_view instrument) {
  Vertex account_vertex = m_impl->vertexFor(VertexKind::Account, account);
  Vertex instrument_vertex = m_impl->vertexFor(VertexKind::Instrument, instrument);
  boost::add_edge(account_vertex, instrument_vertex, m_impl->graph);
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
  return stats;
}

}  // namespace staylab::fraud
