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

// The entity graph of fraud detection held whole in memory, for counting: an
// undirected Boost.Graph adjacency_list whose vertices are accounts (one per
// handle) and instruments (keys such as "payment:<fingerprint>",
// "device:<id>", "ip:<addr>", in a namespace of their own), with edges only
// between an account and an instrument it used. FraudGraph keeps the live
// graph in the store; it loads it here to count components independently of
// its own union-find (boost::connected_components).
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
  // Adds the edge account–instrument (and either vertex) unless it exists.
  void link(std::string_view account, std::string_view instrument);

  // The accounts and instruments of one component, each sorted.
  struct Component {
    std::vector<std::string> accounts;
    std::vector<std::string> instruments;
  };

  // Returns counts; components are computed with boost::connected_components
  // (O(V + E)).
  GraphStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace staylab::fraud
