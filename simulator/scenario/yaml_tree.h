#pragma once

#include <cstddef>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// A YAML document as a small tree that remembers where each node was written
// and how (plain or quoted), built from yaml-cpp's parser events. Internal to
// the scenario and topology parsers: it exists because yaml-cpp's YAML::Node silently keeps
// duplicate keys, forgets quoting, and shares aliased nodes without limit.
namespace staylab::sim::yaml {

// 0-based, as yaml-cpp's Mark; columns count bytes.
struct Position {
  int line = 0;
  int column = 0;
};

enum class NodeKind { Null, Scalar, Sequence, Map };

enum class ScalarStyle {
  Plain,   // 42, true, 5m
  Quoted,  // "42", '42', and block scalars (| and >): always strings.
};

struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct MapEntry {
  std::string key;
  Position key_position;
  NodePtr value;
};

struct Node {
  NodeKind kind = NodeKind::Null;
  Position position;
  ScalarStyle style = ScalarStyle::Plain;
  std::string text;               // Scalar only.
  std::vector<NodePtr> items;     // Sequence only.
  std::vector<MapEntry> entries;  // Map only, in file order, keys unique.
};

struct TreeLimits {
  int max_depth = 32;  // Nested sequences and maps.
  std::size_t max_nodes = 200'000;
};

struct TreeError {
  Position position;
  std::string reason;
};

// Checks that `text` is UTF-8 without control characters (tab, line feed and
// carriage return before a line feed excepted), then parses exactly one YAML
// document. Refuses duplicate keys, keys that are not scalars, explicit tags,
// aliases of a node from inside itself, nesting deeper than max_depth and
// more than max_nodes nodes. A YAML syntax error anywhere in the document is
// reported in preference to the other problems, which it often causes.
// Never throws: yaml-cpp's exceptions are turned into TreeError.
[[nodiscard]] std::expected<NodePtr, TreeError> parseDocument(std::string_view text,
                                                              const TreeLimits& limits);

// Returns false when `text` is not valid UTF-8 or holds a control character
// other than tab, and line feed and carriage return when `allow_line_breaks`;
// then sets `*offset`, if given, to where.
[[nodiscard]] bool isCleanText(std::string_view text, bool allow_line_breaks,
                               std::size_t* offset = nullptr);

}  // namespace staylab::sim::yaml
