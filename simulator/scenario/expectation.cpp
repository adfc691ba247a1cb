#include "simulator/scenario/expectation.h"

#include <cmath>

#include <fmt/format.h>

#include "simulator/scenario/expectation_metrics.h"
#include "simulator/scenario/suggest.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

// Component and operation names, as in the rest of the scenario.
constexpr std::size_t kMaxNameLength = 64;

// Counts above this are not exact in a double; nobody means them.
constexpr double kMaxWholeNumber = 1e15;

// A scale beyond this compares things of different orders; nobody means it.
constexpr double kMaxScale = 1e6;

bool isIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool isLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
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

std::string_view kindNoun(QuantityKind kind) {
  switch (kind) {
    case QuantityKind::Number:
      return "a count";
    case QuantityKind::Duration:
      return "a duration";
    case QuantityKind::Ratio:
      return "a ratio";
    case QuantityKind::Rate:
      return "a rate";
  }
  return "a value";
}

// The subject of a latency that reads the time to an outcome.
constexpr std::string_view kTimeToOutcome = "time_to_outcome";

std::string metricText(const MetricRef& metric) {
  std::string text(metric.name == MetricName::Measure ? std::string_view(metric.measure)
                                                      : toString(metric.name));
  if (infoOf(metric.name).takes_subject ||
      (metric.name == MetricName::Measure && !metric.component.empty())) {
    const std::string subject = fmt::format("{}{}{}", metric.component,
                                            metric.operation.empty() ? "" : ".", metric.operation);
    text += metric.time_to_outcome ? fmt::format("({}({}))", kTimeToOutcome, subject)
                                   : fmt::format("({})", subject);
  }
  return text;
}

// One side of an expectation as read: the metric of a run, scaled, and what
// the parser needs to check it against the other side.
struct Side {
  MetricOperand operand;
  MetricInfo info{};
  std::size_t start = 0;  // Its first byte: the scale, the run or the metric.
  bool scaled = false;    // The text gives a scale.
};

class ExpectationParser {
 public:
  ExpectationParser(std::string_view text, ExpectationRuns runs) : m_text(text), m_runs(runs) {}

  std::expected<Expectation, ExpectationSyntaxError> parse() {
    skipSpaces();
    auto left = readSide();
    if (!left)
      return std::unexpected(std::move(left).error());
    Expectation expectation;
    expectation.metric = left->operand.metric;
    expectation.run = left->operand.run;
    expectation.scale = left->operand.scale;

    skipSpaces();
    const std::size_t comparison_start = m_position;
    auto comparison = readComparison();
    if (!comparison) {
      return fail(comparison_start, "{}", comparison.error());
    }
    expectation.comparison = *comparison;

    skipSpaces();
    if (startsSide()) {
      auto right = readSide();
      if (!right)
        return std::unexpected(std::move(right).error());
      skipSpaces();
      if (m_position != m_text.size()) {
        return fail(m_position, "unexpected '{}' after the metric",
                    abbreviate(m_text.substr(m_position)));
      }
      const QuantityKind left_kind = comparedKind(left->operand.metric);
      const QuantityKind right_kind = comparedKind(right->operand.metric);
      if (left_kind != right_kind) {
        return fail(right->start, "{} is {} but {} is {}; compare metrics of the same kind",
                    toString(left->operand), kindNoun(left_kind), toString(right->operand),
                    kindNoun(right_kind));
      }
      expectation.against = right->operand;
      return expectation;
    }

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
    if (left->scaled) {
      return fail(left->start,
                  "a scale compares two metrics; compare {} with a value as it is, and scale "
                  "the value instead",
                  metricText(left->operand.metric));
    }
    auto threshold = readValue(value_text, left->info);
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

  // Returns where the token at the current position is followed by '*' (a
  // scale), past the spaces between; nothing when it is not.
  std::optional<std::size_t> scaleStar() const {
    std::size_t end = m_position;
    while (end < m_text.size() && !isSpace(m_text[end]) && m_text[end] != '*')
      ++end;
    while (end < m_text.size() && isSpace(m_text[end]))
      ++end;
    if (end < m_text.size() && m_text[end] == '*')
      return end;
    return std::nullopt;
  }

  // Returns true when what follows the comparison is a metric (a name, a
  // run, or a scale before '*') rather than a value (which starts with a
  // digit).
  bool startsSide() const { return isLetter(peek()) || scaleStar().has_value(); }

  std::expected<Side, ExpectationSyntaxError> readSide() {
    Side side;
    side.start = m_position;
    if (const auto star = scaleStar()) {
      std::string_view scale = m_text.substr(m_position, *star - m_position);
      while (!scale.empty() && isSpace(scale.back()))
        scale.remove_suffix(1);
      if (scale.empty())
        return fail(m_position, "expected a scale before '*', such as 3 * p99(gateway.book)");
      if (scale.front() == '-') {
        return fail(m_position, "the scale '{}' is negative; scale by a positive number",
                    abbreviate(scale));
      }
      const auto number = parseDecimal(scale);
      if (!number) {
        return fail(m_position, "the scale '{}' is not a number; write one such as 3 or 0.5",
                    abbreviate(scale));
      }
      if (*number == 0)
        return fail(m_position, "the scale is 0; scale by a positive number");
      if (*number > kMaxScale) {
        return fail(m_position, "the scale {} is above the limit of {}", abbreviate(scale),
                    formatDecimal(kMaxScale));
      }
      side.operand.scale = *number;
      side.scaled = true;
      m_position = *star + 1;
      skipSpaces();
    }

    const std::size_t word_start = m_position;
    while (m_position < m_text.size() && isIdentifierChar(m_text[m_position])) {
      ++m_position;
    }
    if (peek() == '.') {
      const std::string_view word = m_text.substr(word_start, m_position - word_start);
      if (word == "A") {
        side.operand.run = RunId::A;
      } else if (word == "B") {
        if (m_runs == ExpectationRuns::AOnly) {
          return fail(word_start,
                      "'B.' names run B, but the scenario has no compare: block to define it");
        }
        side.operand.run = RunId::B;
      } else {
        return fail(word_start,
                    "unknown run '{}'{}; the runs are A (the scenario as written) "
                    "and B (its compare:)",
                    abbreviate(word),
                    word == "a" || word == "b"
                        ? fmt::format(" (write '{}.')", word == "a" ? "A" : "B")
                        : std::string());
      }
      ++m_position;  // '.'
    } else {
      m_position = word_start;
    }
    auto info = readMetric(side.operand.metric);
    if (!info)
      return std::unexpected(std::move(info).error());
    side.info = *info;
    return side;
  }

  // Reads `function(subject)` or a global into `metric`; returns what it is.
  std::expected<MetricInfo, ExpectationSyntaxError> readMetric(MetricRef& metric) {
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
        measure_info = infoOf(MetricName::Measure);
        measure_info.shape = measure->shape;
        measure_info.takes_subject = has_call;
        info = &measure_info;
        metric.measure = std::string(spelling);
        if (measure->subject_required && !has_call) {
          return fail(name_start, "'{}' needs an operation in parentheses, e.g. {}(gateway.search)",
                      spelling, spelling);
        }
        if (!measure->subject_allowed && has_call)
          return fail(m_position, "'{}' is counted for the whole run; it takes no argument",
                      spelling);
      } else if (has_call) {
        const std::vector<std::string_view> functions = functionSpellings();
        return fail(name_start, "unknown metric function '{}'{} (functions: {})",
                    abbreviate(spelling), didYouMean(spelling, functions), joinNames(functions));
      } else {
        const std::vector<std::string_view> globals = globalSpellings();
        return fail(name_start,
                    "unknown metric '{}'{} (metrics: {}; or a function such as "
                    "p99(gateway.book))",
                    abbreviate(spelling), didYouMean(spelling, allSpellings()), joinNames(globals));
      }
    }
    metric.name = info->name;
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
      const std::size_t after = m_position + kTimeToOutcome.size();
      const bool outcome = info->shape == MetricShape::Latency &&
                           m_text.substr(m_position).starts_with(kTimeToOutcome) &&
                           (after >= m_text.size() || !isNameChar(m_text[after]));
      if (outcome) {
        const std::size_t outcome_start = m_position;
        m_position += kTimeToOutcome.size();
        skipSpaces();
        if (peek() != '(')
          return fail(outcome_start,
                      "'{}' needs an operation in parentheses, e.g. {}(gateway.book)",
                      kTimeToOutcome, kTimeToOutcome);
        ++m_position;
        skipSpaces();
        metric.time_to_outcome = true;
      }
      auto component = readName("a component name");
      if (!component) {
        return std::unexpected(std::move(component).error());
      }
      metric.component = std::string(*component);
      if (peek() == '.') {
        if (info->component_only) {
          return fail(m_position, "'{}' takes a component, not an operation", spelling);
        }
        ++m_position;
        auto operation = readName("an operation name after '.'");
        if (!operation) {
          return std::unexpected(std::move(operation).error());
        }
        metric.operation = std::string(*operation);
      }
      skipSpaces();
      if (metric.time_to_outcome) {
        if (metric.operation.empty())
          return fail(m_position, "'{}' takes an operation, such as gateway.book", kTimeToOutcome);
        if (peek() != ')')
          return fail(m_position, "expected ')' after the operation name");
        ++m_position;
        skipSpaces();
      }
      if (peek() != ')') {
        return fail(m_position, "expected ')' after the {} name",
                    metric.operation.empty() ? "component" : "operation");
      }
      ++m_position;
    }
    return *info;
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
  ExpectationRuns m_runs;
  std::size_t m_position = 0;
};

}  // namespace

std::string_view toString(RunId run) {
  return run == RunId::A ? "A" : "B";
}

bool Expectation::reads(RunId wanted) const {
  return runOrA() == wanted || (against && against->runOrA() == wanted);
}

std::vector<const MetricRef*> Expectation::metricsOf(RunId wanted) const {
  std::vector<const MetricRef*> metrics;
  if (runOrA() == wanted)
    metrics.push_back(&metric);
  if (against && against->runOrA() == wanted)
    metrics.push_back(&against->metric);
  return metrics;
}

std::expected<Expectation, ExpectationSyntaxError> parseExpectation(std::string_view text,
                                                                    ExpectationRuns runs) {
  return ExpectationParser(text, runs).parse();
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

std::string toString(const MetricOperand& operand) {
  std::string text;
  if (operand.scale != 1)
    text += formatDecimal(operand.scale) + " * ";
  if (operand.run)
    text += fmt::format("{}.", toString(*operand.run));
  return text + metricText(operand.metric);
}

std::string toString(const Expectation& expectation) {
  const std::string text =
      toString(MetricOperand{expectation.run, expectation.scale, expectation.metric});
  if (expectation.against) {
    return fmt::format("{} {} {}", text, toString(expectation.comparison),
                       toString(*expectation.against));
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
