#include "simulator/scenario/yaml_tree.h"

#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "simulator/scenario/suggest.h"

namespace staylab::sim::yaml {
namespace {

// Thrown by the event handler to stop yaml-cpp at the first problem; caught
// in parseDocument, never outside this file.
struct BuildFailure {
  TreeError error;
};

Position positionOf(const YAML::Mark& mark) {
  if (mark.is_null()) {
    return Position{0, 0};
  }
  return Position{mark.line, mark.column};
}

// Decodes one UTF-8 sequence at `offset`; returns its code point and length,
// or nullopt when the bytes are not valid UTF-8 (overlong, surrogate, too large,
// truncated).
std::optional<std::pair<char32_t, std::size_t>> decodeUtf8(std::string_view text,
                                                           std::size_t offset) {
  const auto byte = [&](std::size_t index) {
    return static_cast<unsigned char>(text[offset + index]);
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    return std::pair{static_cast<char32_t>(lead), std::size_t{1}};
  }
  std::size_t length = 0;
  char32_t code_point = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
    minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
    minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
    minimum = 0x10000;
  } else {
    return std::nullopt;
  }
  if (offset + length > text.size()) {
    return std::nullopt;
  }
  for (std::size_t index = 1; index < length; ++index) {
    if ((byte(index) & 0xC0) != 0x80) {
      return std::nullopt;
    }
    code_point = (code_point << 6) | (byte(index) & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return std::nullopt;
  }
  return std::pair{code_point, length};
}

bool isForbidden(char32_t code_point) {
  return code_point < 0x20 || code_point == 0x7F || (code_point >= 0x80 && code_point <= 0x9F) ||
         code_point == 0xFFFE || code_point == 0xFFFF;
}

// Returns the first offset at which `text` is not clean, with the reason.
std::optional<std::pair<std::size_t, std::string>> findUnclean(std::string_view text,
                                                               bool allow_line_breaks,
                                                               bool require_crlf) {
  std::size_t offset = 0;
  while (offset < text.size()) {
    const auto decoded = decodeUtf8(text, offset);
    if (!decoded) {
      return std::pair{offset, std::string("invalid UTF-8; save the file as UTF-8")};
    }
    const char32_t code_point = decoded->first;
    const bool line_break = code_point == '\n' || code_point == '\r';
    if (code_point == '\r' && require_crlf &&
        (offset + 1 == text.size() || text[offset + 1] != '\n')) {
      return std::pair{offset, std::string("carriage return without a line feed; use \\n or \\r\\n "
                                           "line endings")};
    }
    if (isForbidden(code_point) && code_point != '\t' && !(line_break && allow_line_breaks)) {
      return std::pair{offset, fmt::format("control character U+{:04X} is not allowed",
                                           static_cast<std::uint32_t>(code_point))};
    }
    offset += decoded->second;
  }
  return std::nullopt;
}

Position positionAt(std::string_view text, std::size_t offset) {
  Position position;
  std::size_t line_start = 0;
  for (std::size_t index = 0; index < offset && index < text.size(); ++index) {
    if (text[index] == '\n') {
      ++position.line;
      line_start = index + 1;
    }
  }
  position.column = static_cast<int>(offset - line_start);
  return position;
}

// Builds the tree from yaml-cpp's events. Resource limits (depth, node count)
// stop yaml-cpp at once, which also bounds its own recursion. Other problems
// (a duplicate key, a tag...) are only recorded: yaml-cpp may still find a
// syntax error further on that explains them (an unclosed '{' first shows up
// as a mapping used as a key), and a syntax error is the better report.
class TreeBuilder final : public YAML::EventHandler {
 public:
  explicit TreeBuilder(const TreeLimits& limits) : m_limits(limits) {}

  NodePtr root() const { return m_root; }
  const std::optional<TreeError>& problem() const { return m_problem; }
  Position lastPosition() const { return m_last; }

  void OnDocumentStart(const YAML::Mark& mark) override { m_last = positionOf(mark); }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto node = newNode(NodeKind::Null, mark);
    if (m_problem) {
      return;
    }
    // "key:" with nothing after it: yaml-cpp marks the next token, which may be
    // lines below; the key is where the reader should look.
    if (!m_stack.empty() && m_stack.back().node->kind == NodeKind::Map && m_stack.back().has_key) {
      node->position = m_stack.back().pending.key_position;
    }
    attach(node, mark, /*is_alias=*/false);
    registerAnchor(anchor, node);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    m_last = positionOf(mark);
    if (m_problem) {
      return;
    }
    const auto found = m_anchors.find(anchor);
    if (found == m_anchors.end()) {
      record(mark, "alias refers to a node that contains it");
      return;
    }
    attach(found->second, mark, /*is_alias=*/true);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    auto node = newNode(NodeKind::Scalar, mark);
    if (m_problem) {
      return;
    }
    // yaml-cpp tags untagged plain scalars "?" and quoted or block scalars "!".
    if (tag == "?") {
      node->style = ScalarStyle::Plain;
    } else if (tag == "!") {
      node->style = ScalarStyle::Quoted;
    } else {
      record(mark, fmt::format("YAML tags such as '{}' are not supported", abbreviate(tag)));
      return;
    }
    node->text = value;
    attach(node, mark, /*is_alias=*/false);
    registerAnchor(anchor, node);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    openCollection(NodeKind::Sequence, mark, tag, anchor);
  }
  void OnSequenceEnd() override { closeCollection(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    openCollection(NodeKind::Map, mark, tag, anchor);
  }
  void OnMapEnd() override { closeCollection(); }

 private:
  struct Frame {
    std::shared_ptr<Node> node;
    YAML::anchor_t anchor = YAML::NullAnchor;
    bool has_key = false;
    MapEntry pending;
    std::unordered_map<std::string, Position> keys;
  };

  // Stops yaml-cpp at once.
  [[noreturn]] void stop(const YAML::Mark& mark, std::string reason) const {
    throw BuildFailure{TreeError{positionOf(mark), std::move(reason)}};
  }

  // Keeps the first problem and stops building; yaml-cpp goes on to the end of the document.
  void record(const YAML::Mark& mark, std::string reason) {
    if (!m_problem) {
      m_problem = TreeError{positionOf(mark), std::move(reason)};
    }
  }

  std::shared_ptr<Node> newNode(NodeKind kind, const YAML::Mark& mark) {
    m_last = positionOf(mark);
    if (++m_node_count > m_limits.max_nodes) {
      stop(mark, fmt::format("more than {} YAML nodes", m_limits.max_nodes));
    }
    auto node = std::make_shared<Node>();
    node->kind = kind;
    node->position = positionOf(mark);
    return node;
  }

  void registerAnchor(YAML::anchor_t anchor, NodePtr node) {
    if (anchor != YAML::NullAnchor) {
      m_anchors[anchor] = std::move(node);
    }
  }

  void openCollection(NodeKind kind, const YAML::Mark& mark, const std::string& tag,
                      YAML::anchor_t anchor) {
    if (++m_depth > m_limits.max_depth) {
      stop(mark, fmt::format("nesting deeper than {} levels", m_limits.max_depth));
    }
    auto node = newNode(kind, mark);
    if (m_problem) {
      return;
    }
    if (tag != "?") {
      record(mark, fmt::format("YAML tags such as '{}' are not supported", abbreviate(tag)));
      return;
    }
    attach(node, mark, /*is_alias=*/false);
    if (m_problem) {
      return;
    }
    Frame frame;
    frame.node = std::move(node);
    frame.anchor = anchor;
    m_stack.push_back(std::move(frame));
  }

  void closeCollection() {
    --m_depth;
    if (m_problem) {
      return;
    }
    Frame frame = std::move(m_stack.back());
    m_stack.pop_back();
    registerAnchor(frame.anchor, frame.node);
  }

  // Adds `node` to the collection being built: as an item, a key or a value.
  void attach(const NodePtr& node, const YAML::Mark& mark, bool is_alias) {
    if (m_stack.empty()) {
      m_root = node;
      return;
    }
    Frame& top = m_stack.back();
    if (top.node->kind == NodeKind::Sequence) {
      top.node->items.push_back(node);
      return;
    }
    if (!top.has_key) {
      if (is_alias || node->kind != NodeKind::Scalar) {
        record(mark, node->kind == NodeKind::Null && !is_alias
                         ? "a key is missing before ':'"
                         : "keys must be plain words, not lists, maps or aliases");
        return;
      }
      const Position position = positionOf(mark);
      const auto [found, inserted] = top.keys.emplace(node->text, position);
      if (!inserted) {
        record(mark, fmt::format("duplicate key '{}' (first given at line {}, column {})",
                                 abbreviate(node->text), found->second.line + 1,
                                 found->second.column + 1));
        return;
      }
      top.pending = MapEntry{node->text, position, nullptr};
      top.has_key = true;
      return;
    }
    top.pending.value = node;
    top.node->entries.push_back(std::move(top.pending));
    top.pending = MapEntry{};
    top.has_key = false;
  }

  const TreeLimits& m_limits;
  NodePtr m_root;
  std::vector<Frame> m_stack;
  std::map<YAML::anchor_t, NodePtr> m_anchors;
  std::size_t m_node_count = 0;
  int m_depth = 0;
  Position m_last;
  std::optional<TreeError> m_problem;
};

// Stops at the start of a second document, if there is one.
class SecondDocumentProbe final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    throw BuildFailure{TreeError{positionOf(mark),
                                 "a scenario file holds one YAML document; remove the '---' "
                                 "and what follows, or split the file"}};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

bool isCleanText(std::string_view text, bool allow_line_breaks, std::size_t* offset) {
  const auto unclean = findUnclean(text, allow_line_breaks, /*require_crlf=*/false);
  if (unclean && offset != nullptr) {
    *offset = unclean->first;
  }
  return !unclean.has_value();
}

std::expected<NodePtr, TreeError> parseDocument(std::string_view text, const TreeLimits& limits) {
  if (const auto unclean = findUnclean(text, /*allow_line_breaks=*/true, /*require_crlf=*/true)) {
    return std::unexpected(TreeError{positionAt(text, unclean->first), unclean->second});
  }
  TreeBuilder builder(limits);
  try {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    if (!parser.HandleNextDocument(builder)) {
      return std::unexpected(TreeError{Position{}, "the file is empty"});
    }
    if (builder.problem()) {
      return std::unexpected(*builder.problem());
    }
    if (builder.root() == nullptr) {
      return std::unexpected(TreeError{Position{}, "the file is empty"});
    }
    SecondDocumentProbe probe;
    parser.HandleNextDocument(probe);
    return builder.root();
  } catch (const BuildFailure& failure) {
    return std::unexpected(failure.error);
  } catch (const YAML::Exception& exception) {
    const Position position =
        exception.mark.is_null() ? builder.lastPosition() : positionOf(exception.mark);
    return std::unexpected(TreeError{position, fmt::format("YAML syntax: {}", exception.msg)});
  } catch (const std::exception& exception) {
    return std::unexpected(TreeError{builder.lastPosition(),
                                     fmt::format("could not read YAML: {}", exception.what())});
  }
}

}  // namespace staylab::sim::yaml
