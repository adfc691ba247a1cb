#include "simulator/scenario/expectation.h"

#include <array>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "simulator/patterns/registry.h"
#include "simulator/scenario/suggest.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

// What a metric reads and compares against.
enum class MetricShape {
  Counter,  // A whole number: double_bookings, count(x).
  Latency,  // A duration: p99(x), convergence_time.
  Ratio,    // 0..1: error_rate(x), utilisation(x).
  Rate,     // Per second: throughput(x).
  Lag,      // A duration or a whole number of events: max_lag(x).
};

struct MetricInfo {
  MetricName name;
  std::string_view spelling;
  bool takes_subject;
  bool component_only;
  MetricShape shape;
};

constexpr std::array<MetricInfo, 17> kMetrics = {{
    {MetricName::DoubleBookings, "double_bookings", false, false, MetricShape::Counter},
    {MetricName::LostAcknowledged, "lost_acknowledged", false, false, MetricShape::Counter},
    {MetricName::UndeliveredEvents, "undelivered_events", false, false, MetricShape::Counter},
    {MetricName::ReadModelMismatches, "read_model_mismatches", false, false, MetricShape::Counter},
    {MetricName::ConvergenceTime, "convergence_time", false, false, MetricShape::Latency},
    {MetricName::P50, "p50", true, false, MetricShape::Latency},
    {MetricName::P90, "p90", true, false, MetricShape::Latency},
    {MetricName::P99, "p99", true, false, MetricShape::Latency},
    {MetricName::P999, "p999", true, false, MetricShape::Latency},
    {MetricName::Max, "max", true, false, MetricShape::Latency},
    {MetricName::Mean, "mean", true, false, MetricShape::Latency},
    {MetricName::ErrorRate, "error_rate", true, false, MetricShape::Ratio},
    {MetricName::Count, "count", true, false, MetricShape::Counter},
    {MetricName::Throughput, "throughput", true, false, MetricShape::Rate},
    {MetricName::MaxLag, "max_lag", true, true, MetricShape::Lag},
    {MetricName::Utilisation, "utilisation", true, true, MetricShape::Ratio},
    {MetricName::Measure, "", false, false, MetricShape::Counter},
}};

// The shape of a measure that registered patterns declare, as an
// expectation names it; nothing for a name no pattern measures.
struct MeasureInfo {
  MetricShape shape = MetricShape::Counter;
  bool subject_allowed = false;
  bool subject_required = false;
};

std::optional<MeasureInfo> measureInfo(std::string_view spelling) {
  const auto found = findMeasure(spelling);
  if (!found)
    return std::nullopt;
  MeasureInfo info;
  if (found->ratio) {
    info.shape = MetricShape::Ratio;
    info.subject_allowed = info.subject_required = true;
  } else {
    info.subject_allowed = found->measure->scope == MeasureScope::Operation;
  }
  return info;
}

// Every name an expectation may start with, for suggestions.
std::vector<std::string_view> allSpellings() {
  std::vector<std::string_view> names;
  for (const MetricInfo& info : kMetrics) {
    if (!info.spelling.empty())
      names.push_back(info.spelling);
  }
  for (std::string_view measure : measureNames())
    names.push_back(measure);
  return names;
}

constexpr std::array<std::string_view, 5> kGlobalSpellings = {
    "double_bookings", "lost_acknowledged", "undelivered_events", "read_model_mismatches",
    "convergence_time"};
constexpr std::array<std::string_view, 11> kFunctionSpellings = {
    "p50",        "p90",   "p99",        "p999",    "max",        "mean",
    "error_rate", "count", "throughput", "max_lag", "utilisation"};
// Component and operation names, as in the rest of the scenario.
constexpr std::size_t kMaxNameLength = 64;

// Counts above this are not exact in a double; nobody means them.
constexpr double kMaxWholeNumber = 1e15;

const MetricInfo* findMetric(std::string_view spelling) {
  for (const MetricInfo& info : kMetrics) {
    if (!info.spelling.empty() && info.spelling == spelling) {
      return &info;
    }
  }
  return nullptr;
}

const MetricInfo& infoOf(MetricName name) {
  return kMetrics[static_cast<std::size_t>(name)];
}

bool isIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool isNameChar(char c) {
  return isNameStart(c) || c == '-' || c == '_';
}

bool isSpace(char c) {
  return c == ' ' || c == '\t';
}

class ExpectationParser {
 public:
  explicit ExpectationParser(std::string_view text) : m_text(text) {}

  std::expected<Expectation, ExpectationSyntaxError> parse() {
    Expectation expectation;
    skipSpaces();
    const std::size_t name_start = m_position;
    while (m_position < m_text.size() && isIdentifierChar(m_text[m_position])) {
      ++m_position;
    }
    const std::string_view spelling = m_text.substr(name_start, m_position - name_start);
    if (spelling.empty()) {
      return fail(name_start, "expected a metric, e.g. double_bookings or p99(gateway.book)");
    }
    skipSpaces();
    const bool has_call = peek() == '(';
    const MetricInfo* info = findMetric(spelling);
    MetricInfo measure_info;
    if (info == nullptr) {
      if (const auto measure = measureInfo(spelling)) {
        // A pattern's measure: its subject is optional or required by its scope.
        measure_info = kMetrics[static_cast<std::size_t>(MetricName::Measure)];
        measure_info.shape = measure->shape;
        measure_info.takes_subject = has_call;
        info = &measure_info;
        expectation.metric.measure = std::string(spelling);
        if (measure->subject_required && !has_call) {
          return fail(name_start, "'{}' needs an operation in parentheses, e.g. {}(gateway.search)",
                      spelling, spelling);
        }
        if (!measure->subject_allowed && has_call)
          return fail(m_position, "'{}' is counted for the whole run; it takes no argument",
                      spelling);
      } else if (has_call) {
        std::vector<std::string_view> functions(kFunctionSpellings.begin(),
                                                kFunctionSpellings.end());
        for (std::string_view measure : measureNames()) {
          if (measureInfo(measure)->subject_allowed)
            functions.push_back(measure);
        }
        return fail(name_start, "unknown metric function '{}'{} (functions: {})",
                    abbreviate(spelling), didYouMean(spelling, functions), joinNames(functions));
      } else {
        std::vector<std::string_view> globals(kGlobalSpellings.begin(), kGlobalSpellings.end());
        for (std::string_view measure : measureNames()) {
          if (!measureInfo(measure)->subject_required)
            globals.push_back(measure);
        }
        return fail(name_start,
                    "unknown metric '{}'{} (metrics: {}; or a function such as "
                    "p99(gateway.book))",
                    abbreviate(spelling), didYouMean(spelling, allSpellings()), joinNames(globals));
      }
    }
    expectation.metric.name = info->name;
    if (info->takes_subject && !has_call) {
      return fail(name_start, "'{}' needs a component in parentheses, e.g. {}(gateway{})", spelling,
                  spelling, info->component_only ? "" : ".book");
    }
    if (!info->takes_subject && has_call) {
      return fail(m_position, "'{}' takes no argument", spelling);
    }
    if (has_call) {
      ++m_position;  // '('
      skipSpaces();
      auto component = readName("a component name");
      if (!component) {
        return std::unexpected(std::move(component).error());
      }
      expectation.metric.component = std::string(*component);
      if (peek() == '.') {
        if (info->component_only) {
          return fail(m_position, "'{}' takes a component, not an operation", spelling);
        }
        ++m_position;
        auto operation = readName("an operation name after '.'");
        if (!operation) {
          return std::unexpected(std::move(operation).error());
        }
        expectation.metric.operation = std::string(*operation);
      }
      skipSpaces();
      if (peek() != ')') {
        return fail(m_position, "expected ')' after the {} name",
                    expectation.metric.operation.empty() ? "component" : "operation");
      }
      ++m_position;
    }

    skipSpaces();
    const std::size_t comparison_start = m_position;
    auto comparison = readComparison();
    if (!comparison) {
      return fail(comparison_start, "{}", comparison.error());
    }
    expectation.comparison = *comparison;

    skipSpaces();
    const std::size_t value_start = m_position;
    while (m_position < m_text.size() && !isSpace(m_text[m_position])) {
      ++m_position;
    }
    const std::string_view value_text = m_text.substr(value_start, m_position - value_start);
    skipSpaces();
    if (m_position != m_text.size()) {
      return fail(m_position, "unexpected '{}' after the value",
                  abbreviate(m_text.substr(m_position)));
    }
    auto threshold = readValue(value_text, *info);
    if (!threshold) {
      return fail(value_start, "{}", threshold.error());
    }
    expectation.threshold = *threshold;
    return expectation;
  }

 private:
  template <typename... Args>
  std::unexpected<ExpectationSyntaxError> fail(std::size_t offset,
                                               fmt::format_string<Args...> format,
                                               Args&&... args) const {
    return std::unexpected(
        ExpectationSyntaxError{offset, fmt::format(format, std::forward<Args>(args)...)});
  }

  char peek() const { return m_position < m_text.size() ? m_text[m_position] : '\0'; }

  void skipSpaces() {
    while (m_position < m_text.size() && isSpace(m_text[m_position])) {
      ++m_position;
    }
  }

  std::expected<std::string_view, ExpectationSyntaxError> readName(std::string_view what) {
    const std::size_t start = m_position;
    if (!isNameStart(peek())) {
      return fail(start, "expected {} (lowercase letters, digits, '-' and '_')", what);
    }
    while (m_position < m_text.size() && isNameChar(m_text[m_position])) {
      ++m_position;
    }
    if (m_position - start > kMaxNameLength) {
      return fail(start, "names are at most {} characters long", kMaxNameLength);
    }
    return m_text.substr(start, m_position - start);
  }

  std::expected<Comparison, std::string> readComparison() {
    const char first = peek();
    const char second = m_position + 1 < m_text.size() ? m_text[m_position + 1] : '\0';
    auto take = [this](std::size_t length, Comparison comparison) {
      m_position += length;
      return comparison;
    };
    if (first == '<') {
      return second == '=' ? take(2, Comparison::LessOrEqual) : take(1, Comparison::Less);
    }
    if (first == '>') {
      return second == '=' ? take(2, Comparison::GreaterOrEqual) : take(1, Comparison::Greater);
    }
    if (first == '=' && second == '=') {
      return take(2, Comparison::Equal);
    }
    if (first == '!' && second == '=') {
      return take(2, Comparison::NotEqual);
    }
    if (first == '=') {
      return std::unexpected(std::string("write '==' to compare for equality"));
    }
    if (first == '\0') {
      return std::unexpected(
          std::string("expected a comparison (<, <=, ==, !=, >=, >) and a value"));
    }
    return std::unexpected(std::string("expected a comparison: <, <=, ==, !=, >= or >"));
  }

  static std::expected<Quantity, std::string> readValue(std::string_view text,
                                                        const MetricInfo& info) {
    const std::string shown = abbreviate(text);
    if (text.empty()) {
      return std::unexpected(std::string("expected a value after the comparison"));
    }
    if (text.front() == '-') {
      return std::unexpected(fmt::format("'{}' is negative; metrics are never below 0", shown));
    }
    Quantity quantity;
    bool percentage = false;
    if (text.back() == '%') {
      auto number = parseDecimal(text.substr(0, text.size() - 1));
      if (!number) {
        return std::unexpected(fmt::format("'{}' is not a percentage", shown));
      }
      quantity.kind = QuantityKind::Ratio;
      quantity.number = *number / 100;
      percentage = true;
    } else if (text.find('/') != std::string_view::npos) {
      auto rate = parseRate(text);
      if (!rate) {
        return std::unexpected(rate.error().message);
      }
      quantity.kind = QuantityKind::Rate;
      quantity.number = *rate;
    } else if (auto number = parseDecimal(text)) {
      quantity.kind = QuantityKind::Number;
      quantity.number = *number;
    } else {
      auto duration = parseDuration(text);
      if (!duration) {
        return std::unexpected(
            fmt::format("'{}' is not a value: {}", shown, duration.error().message));
      }
      quantity.kind = QuantityKind::Duration;
      quantity.duration = *duration;
    }

    const std::string_view metric = info.spelling.empty() ? "the measure" : info.spelling;
    auto wholeNumber = [&](std::string_view noun) -> std::expected<Quantity, std::string> {
      if (quantity.kind != QuantityKind::Number) {
        return std::unexpected(fmt::format("{} counts {}; compare it with a whole number, not '{}'",
                                           metric, noun, shown));
      }
      if (quantity.number != std::floor(quantity.number) || quantity.number > kMaxWholeNumber) {
        return std::unexpected(fmt::format("{} counts {}; '{}' is not a whole number up to 1e15",
                                           metric, noun, shown));
      }
      return quantity;
    };

    switch (info.shape) {
      case MetricShape::Counter:
        return wholeNumber(info.name == MetricName::Count ? "requests" : "occurrences");
      case MetricShape::Latency:
        if (quantity.kind != QuantityKind::Duration) {
          return std::unexpected(
              fmt::format("{} is a duration; compare it with a duration such as 300ms, not '{}'",
                          metric, shown));
        }
        return quantity;
      case MetricShape::Ratio:
        if (quantity.kind == QuantityKind::Number) {
          quantity.kind = QuantityKind::Ratio;
        }
        if (quantity.kind != QuantityKind::Ratio) {
          return std::unexpected(
              fmt::format("{} is a ratio; compare it with 0.05 or 5%, not '{}'", metric, shown));
        }
        if (quantity.number > 1) {
          return std::unexpected(fmt::format("{} is a ratio between {}; '{}' is out of range",
                                             metric, percentage ? "0% and 100%" : "0 and 1",
                                             shown));
        }
        return quantity;
      case MetricShape::Rate:
        if (quantity.kind != QuantityKind::Rate) {
          return std::unexpected(fmt::format(
              "{} is a rate; compare it with a rate such as 100/s, not '{}'", metric, shown));
        }
        return quantity;
      case MetricShape::Lag:
        if (quantity.kind == QuantityKind::Duration) {
          return quantity;
        }
        if (quantity.kind != QuantityKind::Number) {
          return std::unexpected(
              fmt::format("max_lag is a lag in time (30s) or in events (100), not '{}'", shown));
        }
        return wholeNumber("events behind");
    }
    return std::unexpected(std::string("unknown metric shape"));
  }

  std::string_view m_text;
  std::size_t m_position = 0;
};

}  // namespace

std::expected<Expectation, ExpectationSyntaxError> parseExpectation(std::string_view text) {
  return ExpectationParser(text).parse();
}

std::string_view toString(MetricName name) {
  return infoOf(name).spelling;
}

std::string_view toString(Comparison comparison) {
  switch (comparison) {
    case Comparison::Less:
      return "<";
    case Comparison::LessOrEqual:
      return "<=";
    case Comparison::Equal:
      return "==";
    case Comparison::NotEqual:
      return "!=";
    case Comparison::GreaterOrEqual:
      return ">=";
    case Comparison::Greater:
      return ">";
  }
  return "?";
}

std::string toString(const Expectation& expectation) {
  const MetricRef& metric = expectation.metric;
  std::string text(metric.name == MetricName::Measure ? std::string_view(metric.measure)
                                                      : toString(metric.name));
  if (infoOf(metric.name).takes_subject ||
      (metric.name == MetricName::Measure && !metric.component.empty())) {
    text += fmt::format("({}{}{})", metric.component, metric.operation.empty() ? "" : ".",
                        metric.operation);
  }
  const Quantity& threshold = expectation.threshold;
  std::string value;
  switch (threshold.kind) {
    case QuantityKind::Number:
    case QuantityKind::Ratio:
      value = formatDecimal(threshold.number);
      break;
    case QuantityKind::Duration:
      value = formatDuration(threshold.duration);
      break;
    case QuantityKind::Rate:
      value = formatRate(threshold.number);
      break;
  }
  return fmt::format("{} {} {}", text, toString(expectation.comparison), value);
}

bool compare(double actual, Comparison comparison, double threshold) {
  switch (comparison) {
    case Comparison::Less:
      return actual < threshold;
    case Comparison::LessOrEqual:
      return actual <= threshold;
    case Comparison::Equal:
      return actual == threshold;
    case Comparison::NotEqual:
      return actual != threshold;
    case Comparison::GreaterOrEqual:
      return actual >= threshold;
    case Comparison::Greater:
      return actual > threshold;
  }
  return false;
}

}  // namespace staylab::sim
