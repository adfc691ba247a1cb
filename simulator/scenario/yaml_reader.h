#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "domain/common/error.h"
#include "simulator/scenario/scenario.h"
#include "simulator/scenario/scenario_limits.h"
#include "simulator/scenario/yaml_tree.h"

// Checked values out of a yaml_tree.h document, every error placed at its
// "file:line:column" (1-based, Error::field) with the reason in
// Error::message. Internal to the simulator's strict readers (scenario_parser
// and topology_parser), which share the rules for keys, names, numbers,
// durations, choices, lists and service times; each gives its own error codes.
// Nothing here throws except std::bad_alloc.
namespace staylab::sim::yaml {

// The codes a reader reports its errors with, such as "scenario.schema".
struct ErrorCodes {
  std::string_view schema;  // Unknown or missing key, wrong type.
  std::string_view value;   // Bad unit, out of range, inconsistent values.
  std::string_view limit;   // A size or length limit.
};

inline constexpr std::size_t kMaxNameLength = 64;
// The longest `description` of a file, in bytes.
inline constexpr std::size_t kMaxDescriptionBytes = 16 * 1024;
// The longest duration a reader accepts: 30 days of virtual time.
inline constexpr std::chrono::nanoseconds kMaxDuration = kMaxScenarioDuration;

// The distribution names, in ServiceTimeDistribution order.
inline constexpr std::array<std::string_view, 4> kDistributionNames = {"constant", "exponential",
                                                                       "uniform", "lognormal"};

bool contains(std::span<const std::string_view> names, std::string_view name);

// Returns "a list", "a mapping"... for messages.
std::string_view describeKind(NodeKind kind);

// Returns true for a name of lowercase letters, digits, '-' and '_', starting
// with a letter or digit, at most kMaxNameLength bytes.
bool isSlug(std::string_view text);

// The entries of one YAML mapping, after its keys were checked.
class Fields {
 public:
  explicit Fields(const Node& node) : m_node(&node) {}

  const Node* find(std::string_view key) const {
    const MapEntry* found = entry(key);
    return found == nullptr ? nullptr : found->value.get();
  }
  const MapEntry* entry(std::string_view key) const {
    for (const MapEntry& candidate : m_node->entries) {
      if (candidate.key == key) {
        return &candidate;
      }
    }
    return nullptr;
  }
  const Node& node() const { return *m_node; }

 private:
  const Node* m_node;
};

// The base of a strict reader over one file's text. `text` and `file_name`
// must outlive it.
class Reader {
 public:
  enum class DurationFloor { Zero, Positive };
  enum class Bound { Inclusive, Exclusive };

  Reader(std::string_view text, std::string_view file_name, ErrorCodes codes,
         std::size_t max_list_items);

  template <typename... Args>
  std::unexpected<Error> fail(Position position, std::string_view code,
                              fmt::format_string<Args...> format, Args&&... args) const {
    return std::unexpected(Error{ErrorKind::InvalidInput, std::string(code), location(position),
                                 fmt::format(format, std::forward<Args>(args)...)});
  }

  // Returns "file:line:column", 1-based.
  std::string location(Position position) const;

  // Checks that `node` is a mapping whose keys are all in `keys`; an unknown
  // key is reported with the closest known one.
  Result<Fields> openMap(const Node& node, std::string_view what,
                         std::span<const std::string_view> keys) const;
  std::unexpected<Error> unknownKey(const MapEntry& entry, std::string_view what,
                                    std::span<const std::string_view> keys) const;
  Result<std::reference_wrapper<const Node>> require(const Fields& fields, std::string_view key,
                                                     std::string_view what) const;

  // Returns the text of a scalar, or an error naming what was expected.
  Result<std::string_view> scalarText(const Node& node, std::string_view key,
                                      std::string_view expected) const;
  // As scalarText, for numbers and booleans, which must not be quoted.
  Result<std::string_view> plainText(const Node& node, std::string_view key,
                                     std::string_view expected) const;

  Result<std::string> readName(const Node& node, std::string_view key) const;
  // Reads a topic name: names (readName) joined by dots, "cdc.property".
  Result<std::string> readTopicName(const Node& node, std::string_view key) const;
  // Reads a file's `description`: not blank, at most kMaxDescriptionBytes, no
  // control character but line breaks. `purpose` completes "say what the
  // file ..." in the message for a blank one ("the scenario teaches").
  Result<std::string> readDescription(const Node& node, std::string_view purpose) const;
  Result<bool> readBool(const Node& node, std::string_view key) const;
  Result<std::int64_t> readInteger(const Node& node, std::string_view key, std::int64_t min,
                                   std::int64_t max) const;
  Result<int> readInt(const Node& node, std::string_view key, int min, int max) const;
  // Reads a decimal number in [min, max], or (min, max] when `lower` is Exclusive.
  Result<double> readNumber(const Node& node, std::string_view key, double min, Bound lower,
                            double max) const;
  // Reads a rate such as "20/s" (units.h) of at most kMaxArrivalRate; a rate
  // above 0 must be at least kMinRate, and 0 passes only with DurationFloor::Zero.
  Result<double> readRate(const Node& node, std::string_view key, DurationFloor floor) const;
  // Reads a duration (units.h) of at most kMaxDuration.
  Result<std::chrono::nanoseconds> readDuration(const Node& node, std::string_view key,
                                                DurationFloor floor) const;
  // Returns the index in `names` of the scalar's text.
  Result<std::size_t> readChoice(const Node& node, std::string_view key,
                                 std::span<const std::string_view> names) const;
  // Checks that `node` is a list of at most max_list_items items.
  Result<std::reference_wrapper<const std::vector<NodePtr>>> readList(const Node& node,
                                                                      std::string_view key,
                                                                      std::string_view noun) const;
  // What a service-time mapping describes.
  enum class Timing {
    Operation,  // {operation, distribution, ...}: every duration above 0.
    Latency,    // {distribution, ...} without operation; a constant may be 0s.
  };

  // Reads {operation, distribution, and the distribution's fields}.
  Result<ServiceTimeSpec> readServiceTime(const Node& node,
                                          Timing timing = Timing::Operation) const;
  // Reads one service-time mapping, or a list of them naming each operation once.
  Result<std::vector<ServiceTimeSpec>> readServiceTimes(const Node& node,
                                                        std::string_view key) const;

  // Returns where byte `offset` of a scalar's value is in the file, when the
  // value is written as is on one line; the scalar's start otherwise.
  Position positionInScalar(const Node& node, std::size_t offset) const;

  const ErrorCodes& codes() const { return m_codes; }

 private:
  std::string_view m_text;
  std::string_view m_file_name;
  ErrorCodes m_codes;
  std::size_t m_max_list_items;
  std::vector<std::size_t> m_line_starts;
};

}  // namespace staylab::sim::yaml
