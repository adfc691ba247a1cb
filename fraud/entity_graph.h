#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace staylab::fraud {

struct GraphStats {
  size_t vertices = 0;
  size_t edges = 0;
  size_t accounts = 0;
  size_t instruments = 0;
  size_t components = 0;  // Connected components, isolated vertices included.
  bool operator==(const GraphStats&) const = default;
};

// What one new account–instrument edge changed, as far as rings are concerned.
struct LinkOutcome {
  // Accounts whose component has just reached the ring size (they were in a
  // component below it before the link). Sorted.
  std::vector<std::string> entering_ring;
  // When the merged component has at least the ring size: the accounts of every
  // side that was below the ring size and of the side with fewer accounts. Any
  // pair of accounts that has just become "in one ring" has a member here, so a
  // caller checking pairs (guest, host) need only look at these. Sorted.
  std::vector<std::string> scan_accounts;
};

// The entity graph of fraud detection: an undirected Boost.Graph adjacency_list
// whose vertices are accounts (one per handle: a handle that is both guest and
// host is one vertex, which makes self-dealing by handle visible) and
// instruments (keys such as "payment:<fingerprint>", "device:<id>", "ip:<addr>",
// in a namespace of their own), with edges only between an account and an
// instrument it used. Edges are never removed: having used an instrument once is
// evidence for good. Connected components are kept incrementally in a Boost
// disjoint_sets (union by rank, path compression), with the accounts of each
// component, so ring checks cost the size of the smaller side of a merge.
//
// Boost stays inside entity_graph.cpp (the library links it PRIVATE).
// Thread safety: none; the owner serialises access. Not copyable, movable.
class EntityGraph {
 public:
  EntityGraph();
  ~EntityGraph();
  EntityGraph(EntityGraph&&) noexcept;
  EntityGraph& operator=(EntityGraph&&) noexcept;
  EntityGraph(const EntityGraph&) = delete;
  EntityGraph& operator=(const EntityGraph&) = delete;

  // Adds the account's vertex unless it exists.
  void addAccount(std::string_view account);
  // Adds the edge account–instrument (and either vertex) unless it exists and
  // merges their components. `ring_accounts` is the ring size the outcome is
  // computed for.
  LinkOutcome link(std::string_view account, std::string_view instrument, size_t ring_accounts);

  // Returns the number of accounts in the component of `account`; 0 when unknown.
  size_t componentAccountCount(std::string_view account);
  // Returns true when both accounts are known and in one component.
  bool connected(std::string_view first_account, std::string_view second_account);
  // Returns the accounts and instruments of the component of `account`, each
  // sorted; both empty when the account is unknown.
  struct Component {
    std::vector<std::string> accounts;
    std::vector<std::string> instruments;
  };
  Component component(std::string_view account);

  // Returns counts; components are computed afresh with boost::connected_components
  // (O(V + E)), which also cross-checks the incremental sets in debug builds.
  GraphStats stats() const;
  void clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace staylab::fraud
