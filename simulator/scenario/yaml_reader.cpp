#include "simulator/scenario/yaml_reader.h"

#include <algorithm>
#include <charconv>

#include "simulator/scenario/suggest.h"
#include "simulator/scenario/units.h"

namespace staylab::sim::yaml {
namespace {

using std::chrono::nanoseconds;

constexpr std::array<std::string_view, 8> kServiceTimeKeys = {
    "operation", "distribution", "value", "mean", "min", "max", "median", "p99"};
constexpr std::array<std::string_view, 7> kLatencyKeys = {"distribution", "value",  "mean", "min",
                                                          "max",          "median", "p99"};

// The keys each service-time distribution requires, besides operation and distribution.
std::vector<std::string_view> distributionKeys(ServiceTimeDistribution distribution) {
  switch (distribution) {
    case ServiceTimeDistribution::Constant:
      return {"value"};
    case ServiceTimeDistribution::Exponential:
      return {"mean"};
    case ServiceTimeDistribution::Uniform:
      return {"min", "max"};
    case ServiceTimeDistribution::LogNormal:
      return {"median", "p99"};
  }
  return {};
}

}  // namespace

bool contains(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view describeKind(NodeKind kind) {
  switch (kind) {
    case NodeKind::Null:
      return "nothing";
    case NodeKind::Scalar:
      return "a single value";
    case NodeKind::Sequence:
      return "a list";
    case NodeKind::Map:
      return "a mapping";
  }
  return "something else";
}

bool isSlug(std::string_view text) {
  if (text.empty() || text.size() > kMaxNameLength) {
    return false;
  }
  const auto lower_or_digit = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!lower_or_digit(text.front())) {
    return false;
  }
  return std::all_of(text.begin(), text.end(),
                     [&](char c) { return lower_or_digit(c) || c == '-' || c == '_'; });
}

Reader::Reader(std::string_view text, std::string_view file_name, ErrorCodes codes,
               std::size_t max_list_items)
    : m_text(text), m_file_name(file_name), m_codes(codes), m_max_list_items(max_list_items) {
  m_line_starts.push_back(0);
  for (std::size_t offset = 0; offset < text.size(); ++offset) {
    if (text[offset] == '\n') {
      m_line_starts.push_back(offset + 1);
    }
  }
}

std::string Reader::location(Position position) const {
  return fmt::format("{}:{}:{}", m_file_name, position.line + 1, position.column + 1);
}

Result<Fields> Reader::openMap(const Node& node, std::string_view what,
                               std::span<const std::string_view> keys) const {
  if (node.kind != NodeKind::Map) {
    return fail(node.position, m_codes.schema, "{} must be a mapping of keys ({}), not {}", what,
                joinNames(keys), describeKind(node.kind));
  }
  for (const MapEntry& entry : node.entries) {
    if (!contains(keys, entry.key)) {
      return unknownKey(entry, what, keys);
    }
  }
  return Fields(node);
}

std::unexpected<Error> Reader::unknownKey(const MapEntry& entry, std::string_view what,
                                          std::span<const std::string_view> keys) const {
  if (auto match = closestMatch(entry.key, keys)) {
    return fail(entry.key_position, m_codes.schema, "unknown key '{}' in {}; did you mean '{}'?",
                abbreviate(entry.key), what, *match);
  }
  return fail(entry.key_position, m_codes.schema, "unknown key '{}' in {} (keys: {})",
              abbreviate(entry.key), what, joinNames(keys));
}

Result<std::reference_wrapper<const Node>> Reader::require(const Fields& fields,
                                                           std::string_view key,
                                                           std::string_view what) const {
  if (const Node* node = fields.find(key)) {
    return std::cref(*node);
  }
  return fail(fields.node().position, m_codes.schema, "missing key '{}' in {}", key, what);
}

Result<std::string> Reader::readDescription(const Node& node, std::string_view purpose) const {
  const std::string_view text = STAYLAB_TRY(scalarText(node, "description", "a sentence"));
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail(node.position, m_codes.value, "'description' is empty; say what {}", purpose);
  }
  if (text.size() > kMaxDescriptionBytes) {
    return fail(node.position, m_codes.limit, "'description' is longer than {} bytes",
                kMaxDescriptionBytes);
  }
  if (!isCleanText(text, /*allow_line_breaks=*/true)) {
    return fail(node.position, m_codes.value, "'description' holds a control character");
  }
  return std::string(text);
}

Result<std::string_view> Reader::scalarText(const Node& node, std::string_view key,
                                            std::string_view expected) const {
  if (node.kind == NodeKind::Null) {
    return fail(node.position, m_codes.schema, "'{}' has no value; expected {}", key, expected);
  }
  if (node.kind != NodeKind::Scalar) {
    return fail(node.position, m_codes.schema, "'{}' must be {}, not {}", key, expected,
                describeKind(node.kind));
  }
  return std::string_view(node.text);
}

Result<std::string_view> Reader::plainText(const Node& node, std::string_view key,
                                           std::string_view expected) const {
  const std::string_view text = STAYLAB_TRY(scalarText(node, key, expected));
  if (node.style == ScalarStyle::Quoted) {
    return fail(node.position, m_codes.schema, "'{}' must be {}, written without quotes", key,
                expected);
  }
  return text;
}

Result<std::string> Reader::readName(const Node& node, std::string_view key) const {
  const std::string_view text = STAYLAB_TRY(scalarText(node, key, "a name"));
  if (!isSlug(text)) {
    return fail(node.position, m_codes.value,
                "'{}' must be a name of lowercase letters, digits, '-' and '_' (at most {}), "
                "starting with a letter or digit, e.g. booking-db; got '{}'",
                key, kMaxNameLength, abbreviate(text));
  }
  return std::string(text);
}

Result<std::string> Reader::readTopicName(const Node& node, std::string_view key) const {
  const std::string_view text = STAYLAB_TRY(scalarText(node, key, "a topic"));
  bool valid = !text.empty() && text.size() <= kMaxNameLength;
  for (size_t start = 0; valid && start <= text.size();) {
    const size_t dot = std::min(text.find('.', start), text.size());
    valid = isSlug(text.substr(start, dot - start));
    start = dot + 1;
  }
  if (!valid) {
    return fail(node.position, m_codes.value,
                "'{}' must be a topic: names of lowercase letters, digits, '-' and '_' joined by "
                "dots (at most {}), e.g. booking or cdc.property; got '{}'",
                key, kMaxNameLength, abbreviate(text));
  }
  return std::string(text);
}

Result<bool> Reader::readBool(const Node& node, std::string_view key) const {
  const std::string_view text = STAYLAB_TRY(plainText(node, key, "true or false"));
  if (text == "true") {
    return true;
  }
  if (text == "false") {
    return false;
  }
  return fail(node.position, m_codes.schema, "'{}' must be true or false, got '{}'", key,
              abbreviate(text));
}

Result<std::int64_t> Reader::readInteger(const Node& node, std::string_view key, std::int64_t min,
                                         std::int64_t max) const {
  const std::string_view text = STAYLAB_TRY(plainText(node, key, "a whole number"));
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range ||
      (error == std::errc() && end == text.data() + text.size() && (value < min || value > max))) {
    return fail(node.position, m_codes.value, "'{}' must be between {} and {}, got {}", key, min,
                max, abbreviate(text));
  }
  if (error != std::errc() || end != text.data() + text.size() || text.front() == '+') {
    return fail(node.position, m_codes.schema, "'{}' must be a whole number, got '{}'", key,
                abbreviate(text));
  }
  return value;
}

Result<int> Reader::readInt(const Node& node, std::string_view key, int min, int max) const {
  return static_cast<int>(STAYLAB_TRY(readInteger(node, key, min, max)));
}

Result<double> Reader::readRate(const Node& node, std::string_view key, DurationFloor floor) const {
  const std::string_view text = STAYLAB_TRY(scalarText(node, key, "a rate such as 20/s"));
  auto rate = parseRate(text);
  if (!rate) {
    return fail(node.position, m_codes.value, "'{}': {}", key, rate.error().message);
  }
  if (floor == DurationFloor::Positive && *rate == 0) {
    return fail(node.position, m_codes.value, "'{}' must be above 0/s", key);
  }
  if (*rate > kMaxArrivalRate) {
    return fail(node.position, m_codes.value, "'{}' is {}, above the limit of {}", key,
                abbreviate(text), formatRate(kMaxArrivalRate));
  }
  // A rate so low that not one event would come in the longest run, and
  // whose gaps would overflow the engine's nanoseconds.
  if (*rate > 0 && *rate < kMinRate) {
    return fail(node.position, m_codes.value,
                "'{}' is {}, below the limit of {} (an event every {:.1f} days); where the "
                "kind allows it, write 0/s for none",
                key, abbreviate(text), formatRate(kMinRate), 1 / kMinRate / 86'400);
  }
  return *rate;
}

Result<double> Reader::readNumber(const Node& node, std::string_view key, double min, Bound lower,
                                  double max) const {
  const std::string_view text = STAYLAB_TRY(plainText(node, key, "a number"));
  auto value = parseDecimal(text);
  if (!value) {
    return fail(node.position, text.front() == '-' ? m_codes.value : m_codes.schema, "'{}': {}",
                key, value.error().message);
  }
  const bool below = lower == Bound::Exclusive ? *value <= min : *value < min;
  if (below || *value > max) {
    return fail(node.position, m_codes.value, "'{}' must be {} {} and at most {}, got {}", key,
                lower == Bound::Exclusive ? "above" : "at least", formatDecimal(min),
                formatDecimal(max), abbreviate(text));
  }
  return *value;
}

Result<nanoseconds> Reader::readDuration(const Node& node, std::string_view key,
                                         DurationFloor floor) const {
  const std::string_view text = STAYLAB_TRY(scalarText(node, key, "a duration such as 30s"));
  auto duration = parseDuration(text);
  if (!duration) {
    return fail(node.position, m_codes.value, "'{}': {}", key, duration.error().message);
  }
  if (floor == DurationFloor::Positive && duration->count() == 0) {
    return fail(node.position, m_codes.value, "'{}' must be longer than 0", key);
  }
  if (*duration > kMaxDuration) {
    return fail(node.position, m_codes.limit,
                "'{}' is {}; the limit is 30 days (720h) of virtual time", key, abbreviate(text));
  }
  return *duration;
}

Result<std::size_t> Reader::readChoice(const Node& node, std::string_view key,
                                       std::span<const std::string_view> names) const {
  const std::string_view text = STAYLAB_TRY(scalarText(node, key, "one of " + joinNames(names)));
  for (std::size_t index = 0; index < names.size(); ++index) {
    if (names[index] == text) {
      return index;
    }
  }
  return fail(node.position, m_codes.value, "'{}' must be one of {}; got '{}'{}", key,
              joinNames(names), abbreviate(text), didYouMean(text, names));
}

Result<std::reference_wrapper<const std::vector<NodePtr>>> Reader::readList(
    const Node& node, std::string_view key, std::string_view noun) const {
  if (node.kind == NodeKind::Null) {
    return fail(node.position, m_codes.schema,
                "'{}' has no value; write a list, or {}: [] for none", key, key);
  }
  if (node.kind != NodeKind::Sequence) {
    return fail(node.position, m_codes.schema, "'{}' must be a list of {}, not {}", key, noun,
                describeKind(node.kind));
  }
  if (node.items.size() > m_max_list_items) {
    return fail(node.items[m_max_list_items]->position, m_codes.limit, "more than {} {} in '{}'",
                m_max_list_items, noun, key);
  }
  return std::cref(node.items);
}

Result<ServiceTimeSpec> Reader::readServiceTime(const Node& node, Timing timing) const {
  const bool latency = timing == Timing::Latency;
  const std::string_view noun = latency ? "latency" : "service_time";
  const Fields fields = STAYLAB_TRY(openMap(
      node, noun, latency ? std::span<const std::string_view>(kLatencyKeys) : kServiceTimeKeys));
  ServiceTimeSpec spec;
  if (!latency) {
    spec.operation =
        STAYLAB_TRY(readName(STAYLAB_TRY(require(fields, "operation", noun)), "operation"));
  }
  const Node& distribution_node = STAYLAB_TRY(require(fields, "distribution", noun));
  spec.distribution = static_cast<ServiceTimeDistribution>(
      STAYLAB_TRY(readChoice(distribution_node, "distribution", kDistributionNames)));
  const std::vector<std::string_view> keys = distributionKeys(spec.distribution);
  const std::string_view distribution_name = toString(spec.distribution);
  for (const MapEntry& entry : node.entries) {
    if (entry.key != "operation" && entry.key != "distribution" && !contains(keys, entry.key)) {
      return fail(entry.key_position, m_codes.schema,
                  "'{}' does not apply to a {} distribution, which takes {}", abbreviate(entry.key),
                  distribution_name, joinNames(keys));
    }
  }
  const std::string what =
      fmt::format("{} {}", distribution_name, latency ? "latency" : "service time");
  const auto required = [&](std::string_view key) -> Result<nanoseconds> {
    return readDuration(STAYLAB_TRY(require(fields, key, what)), key, DurationFloor::Positive);
  };
  switch (spec.distribution) {
    case ServiceTimeDistribution::Constant:
      spec.value =
          STAYLAB_TRY(readDuration(STAYLAB_TRY(require(fields, "value", what)), "value",
                                   latency ? DurationFloor::Zero : DurationFloor::Positive));
      break;
    case ServiceTimeDistribution::Exponential:
      spec.mean = STAYLAB_TRY(required("mean"));
      break;
    case ServiceTimeDistribution::Uniform:
      spec.min = STAYLAB_TRY(
          readDuration(STAYLAB_TRY(require(fields, "min", what)), "min", DurationFloor::Zero));
      spec.max = STAYLAB_TRY(required("max"));
      if (spec.max < spec.min) {
        return fail(fields.find("max")->position, m_codes.value, "'max' ({}) is below 'min' ({})",
                    formatDuration(spec.max), formatDuration(spec.min));
      }
      break;
    case ServiceTimeDistribution::LogNormal:
      spec.median = STAYLAB_TRY(required("median"));
      spec.p99 = STAYLAB_TRY(required("p99"));
      if (spec.p99 <= spec.median) {
        return fail(fields.find("p99")->position, m_codes.value,
                    "'p99' ({}) must be above 'median' ({})", formatDuration(spec.p99),
                    formatDuration(spec.median));
      }
      break;
  }
  return spec;
}

Result<std::vector<ServiceTimeSpec>> Reader::readServiceTimes(const Node& node,
                                                              std::string_view key) const {
  std::vector<ServiceTimeSpec> specs;
  if (node.kind == NodeKind::Map) {
    specs.push_back(STAYLAB_TRY(readServiceTime(node)));
    return specs;
  }
  const auto& items = STAYLAB_TRY(readList(node, key, "service times")).get();
  for (const NodePtr& item : items) {
    ServiceTimeSpec spec = STAYLAB_TRY(readServiceTime(*item));
    for (const ServiceTimeSpec& earlier : specs) {
      if (earlier.operation == spec.operation) {
        return fail(Fields(*item).find("operation")->position, m_codes.value,
                    "operation '{}' already has a service time", spec.operation);
      }
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

Position Reader::positionInScalar(const Node& node, std::size_t offset) const {
  const auto line = static_cast<std::size_t>(node.position.line);
  if (line >= m_line_starts.size()) {
    return node.position;
  }
  const std::size_t start = m_line_starts[line] + static_cast<std::size_t>(node.position.column);
  std::size_t value_start = start;
  if (node.style == ScalarStyle::Quoted) {
    if (start >= m_text.size() || (m_text[start] != '"' && m_text[start] != '\'')) {
      return node.position;
    }
    value_start = start + 1;
  }
  if (m_text.substr(value_start, node.text.size()) != node.text ||
      node.text.find('\n') != std::string::npos) {
    return node.position;
  }
  Position position = node.position;
  position.column += static_cast<int>(value_start - start + offset);
  return position;
}

}  // namespace staylab::sim::yaml
