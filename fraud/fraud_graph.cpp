#include "fraud/fraud_graph.h"

#include <algorithm>

namespace staylab::fraud {

Result<GraphVertex> FraudGraph::account(std::string_view name) {
  auto found = STAYLAB_TRY(m_store->vertex(VertexKind::Account, name));
  if (found) {
    return *found;
  }
  return m_store->addVertex(VertexKind::Account, name);
}

Result<LinkOutcome> FraudGraph::link(GraphVertex& account, std::string_view instrument,
                                     size_t ring_accounts) {
  auto found = STAYLAB_TRY(m_store->vertex(VertexKind::Instrument, instrument));
  if (!found) {
    // A component of one instrument and no account would merge into the
    // account's: below no ring size on its side, never the side with more
    // accounts, so the outcome is empty (see LinkOutcome).
    const GraphVertex added =
        STAYLAB_TRY(m_store->addVertexTo(VertexKind::Instrument, instrument, account.root));
    STAYLAB_TRY(m_store->addEdge(account.id, added.id));
    return LinkOutcome{};
  }
  const GraphVertex instrument_vertex = *found;
  STAYLAB_TRY(m_store->addEdge(account.id, instrument_vertex.id));

  LinkOutcome outcome;
  const int64_t first_root = account.root;
  const int64_t second_root = instrument_vertex.root;
  if (first_root == second_root) {
    return outcome;
  }
  const ComponentSize first = STAYLAB_TRY(m_store->componentSize(first_root));
  const ComponentSize second = STAYLAB_TRY(m_store->componentSize(second_root));
  const auto first_size = static_cast<size_t>(first.accounts);
  const auto second_size = static_cast<size_t>(second.accounts);
  const bool ring_sized = first_size + second_size >= ring_accounts;
  if (ring_sized) {
    // Only sides below the ring size and the side with fewer accounts are
    // read, so a merge costs the smaller side.
    const int64_t smaller_root = first_size <= second_size ? first_root : second_root;
    std::vector<std::string> entering;
    std::vector<std::string> scan;
    for (auto [root, size] : {std::pair{first_root, first_size}, {second_root, second_size}}) {
      if (size >= ring_accounts && root != smaller_root) {
        continue;
      }
      auto members = STAYLAB_TRY(m_store->componentMembers(root, VertexKind::Account));
      if (size < ring_accounts) {
        entering.insert(entering.end(), members.begin(), members.end());
      }
      scan.insert(scan.end(), members.begin(), members.end());
    }
    for (auto* names : {&entering, &scan}) {
      std::sort(names->begin(), names->end());
      names->erase(std::unique(names->begin(), names->end()), names->end());
    }
    outcome.entering_ring = std::move(entering);
    outcome.scan_accounts = std::move(scan);
  }
  // The side with more vertices keeps its root; ties keep the account's.
  const bool keep_first = first.vertices >= second.vertices;
  const int64_t kept = keep_first ? first_root : second_root;
  STAYLAB_TRY(m_store->mergeComponents(keep_first ? second_root : first_root, kept));
  account.root = kept;
  return outcome;
}

Result<size_t> FraudGraph::componentAccountCount(std::string_view account) {
  auto vertex = STAYLAB_TRY(m_store->vertex(VertexKind::Account, account));
  if (!vertex) {
    return size_t{0};
  }
  return static_cast<size_t>(STAYLAB_TRY(m_store->componentSize(vertex->root)).accounts);
}

Result<bool> FraudGraph::connected(std::string_view first_account,
                                   std::string_view second_account) {
  auto first = STAYLAB_TRY(m_store->vertex(VertexKind::Account, first_account));
  auto second = STAYLAB_TRY(m_store->vertex(VertexKind::Account, second_account));
  return first && second && first->root == second->root;
}

Result<EntityGraph::Component> FraudGraph::component(std::string_view account) {
  EntityGraph::Component result;
  auto vertex = STAYLAB_TRY(m_store->vertex(VertexKind::Account, account));
  if (!vertex) {
    return result;
  }
  result.accounts = STAYLAB_TRY(m_store->componentMembers(vertex->root, VertexKind::Account));
  result.instruments = STAYLAB_TRY(m_store->componentMembers(vertex->root, VertexKind::Instrument));
  return result;
}

Result<GraphStats> FraudGraph::stats() {
  GraphContents contents = STAYLAB_TRY(m_store->graph());
  EntityGraph graph;
  for (const auto& account : contents.accounts) {
    graph.addAccount(account);
  }
  for (const auto& [account, instrument] : contents.edges) {
    graph.link(account, instrument);
  }
  GraphStats stats = graph.stats();
  // Instruments without an edge cannot exist (a vertex is added by its link).
  if (stats.instruments != contents.instruments.size() ||
      static_cast<int64_t>(stats.components) != contents.components) {
    return storeFailure("fraud.graph_inconsistent",
                        "the stored entity graph has {} components and {} instruments; Boost "
                        "finds {} and {}",
                        contents.components, contents.instruments.size(), stats.components,
                        stats.instruments);
  }
  return stats;
}

}  // namespace staylab::fraud
