// libFuzzer target for the topology parser (tests/CMakeLists.txt
// staylab_add_fuzz_target: topology_parser_fuzz, topology_parser_fuzz_replay).
//
// Beyond "does not crash", every input checks:
//   - a rejected topology is bad input naming a position
//     "fuzz.yaml:<line>:<column>" and a reason short enough to read;
//   - an accepted topology can be analysed as the engine and the desktop app
//     do: layout() places every component, blastRadius() of each component
//     names only other known components, in order, and the conditional links
//     name known components.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "simulator/topology/topology.h"
#include "tests/support/fuzz_checks.h"

using staylab::fuzz::violated;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace staylab;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Result<sim::Topology> topology = sim::parseTopologyText(text, "fuzz.yaml");
  if (!topology) {
    fuzz::expectBadInput(topology.error(), "topology.", "fuzz.yaml");
    return 0;
  }
  const auto layout = topology->layout();
  if (layout.size() != topology->components.size()) {
    violated("layout() places every component", topology->name);
  }
  for (const sim::ComponentSpec& component : topology->components) {
    if (!layout.contains(component.name)) {
      violated("layout() places every component", component.name);
    }
    const std::vector<std::string> hurt = topology->blastRadius(component.name);
    if (!std::is_sorted(hurt.begin(), hurt.end()) ||
        std::adjacent_find(hurt.begin(), hurt.end()) != hurt.end()) {
      violated("blastRadius() is sorted and names each component once", component.name);
    }
    for (const std::string& name : hurt) {
      if (name == component.name || topology->findComponent(name) == nullptr) {
        violated("blastRadius() names other known components", component.name + " -> " + name);
      }
    }
  }
  for (const auto& links : {topology->conditionalLinks(), topology->linksWhileOn()}) {
    for (const auto& [pattern, link] : links) {
      if (topology->findComponent(link.first) == nullptr ||
          topology->findComponent(link.second) == nullptr) {
        violated("a conditional link joins known components",
                 pattern + ": " + link.first + " -> " + link.second);
      }
    }
  }
  return 0;
}
