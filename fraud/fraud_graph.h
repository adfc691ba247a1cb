#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"
#include "fraud/entity_graph.h"
#include "fraud/fraud_state_store.h"

namespace staylab::fraud {

// The entity graph of fraud detection, kept in a FraudStateStore as a
// persisted union-find: accounts and instruments are vertices, an edge joins
// an account and an instrument it used, and every vertex names its
// component's root. A merge relabels the side with fewer vertices, so a link
// costs the smaller side and a lookup one read; the component sizes (accounts,
// vertices) are kept at the root. Nothing is loaded whole: each call reads the
// rows it needs.
//
// link() reports what changed for rings by the rules of LinkOutcome, so which
// suspicions a detector raises does not depend on the store it keeps its
// graph in.
//
// Lifetime: `store` must outlive the graph. Thread safety: none.
class FraudGraph {
 public:
  explicit FraudGraph(FraudStateStore& store) : m_store(&store) {}

  // Returns the account's vertex, adding it when missing.
  [[nodiscard]] Result<GraphVertex> account(std::string_view name);
  // Adds the edge `account`–instrument (and the instrument's vertex) unless it
  // exists and merges their components; `account` (from account()) then names
  // its component's root after the merge, so a caller linking one account to
  // several instruments reads its vertex once. A new instrument joins the
  // account's component directly: it brings no account, so it changes no ring.
  [[nodiscard]] Result<LinkOutcome> link(GraphVertex& account, std::string_view instrument,
                                         size_t ring_accounts);
  // Returns the number of accounts in the component of `account`; 0 when unknown.
  [[nodiscard]] Result<size_t> componentAccountCount(std::string_view account);
  // Returns true when both accounts are known and in one component.
  [[nodiscard]] Result<bool> connected(std::string_view first_account,
                                       std::string_view second_account);
  // Returns the accounts and instruments of the component of `account`, each
  // sorted; both empty when the account is unknown.
  [[nodiscard]] Result<EntityGraph::Component> component(std::string_view account);
  // Loads the whole graph into a Boost.Graph EntityGraph and counts its
  // components with boost::connected_components; StoreFailure
  // "fraud.graph_inconsistent" when that count differs from the roots the
  // store keeps. Costs the whole graph: for reports and checks.
  [[nodiscard]] Result<GraphStats> stats();

 private:
  FraudStateStore* m_store;
};

}  // namespace staylab::fraud
