#include "simulator/scenario/units.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include "simulator/scenario/suggest.h"

namespace staylab::sim {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t nanoseconds;
};

// Largest first: the order a compound duration must follow.
constexpr std::array<Unit, 6> kUnits = {{
    {"h", 3'600'000'000'000},
    {"m", 60'000'000'000},
    {"s", 1'000'000'000},
    {"ms", 1'000'000},
    {"us", 1'000},
    {"ns", 1},
}};

// Spellings testers reach for, and the unit they mean.
struct UnitAlias {
  std::string_view spelling;
  std::string_view unit;
};
constexpr std::array<UnitAlias, 22> kUnitAliases = {{
    {"hour", "h"},         {"hours", "h"},         {"hr", "h"},
    {"hrs", "h"},          {"minute", "m"},        {"minutes", "m"},
    {"min", "m"},          {"mins", "m"},          {"second", "s"},
    {"seconds", "s"},      {"sec", "s"},           {"secs", "s"},
    {"millisecond", "ms"}, {"milliseconds", "ms"}, {"msec", "ms"},
    {"microsecond", "us"}, {"microseconds", "us"}, {"µs", "us"},
    {"nanosecond", "ns"},  {"nanoseconds", "ns"},  {"d", "h"},
    {"days", "h"},
}};

constexpr std::string_view kUnitList = "ns, us, ms, s, m or h";

std::optional<std::size_t> unitIndex(std::string_view name) {
  for (std::size_t index = 0; index < kUnits.size(); ++index) {
    if (kUnits[index].name == name) {
      return index;
    }
  }
  return std::nullopt;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool isUnitChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80;
}

// Explains an unknown unit, suggesting the right spelling when it is a known alias.
std::string unknownUnit(std::string_view number_text, std::string_view unit_text) {
  const std::string number = abbreviate(number_text);
  const std::string unit = abbreviate(unit_text);
  for (const UnitAlias& alias : kUnitAliases) {
    if (alias.spelling == unit_text) {
      if (unit_text == "d" || unit_text == "days") {
        return fmt::format("unknown unit '{}'; days are written in hours, e.g. 24h", unit);
      }
      return fmt::format("unknown unit '{}'; write {}{}", unit, number, alias.unit);
    }
  }
  return fmt::format("unknown unit '{}'; use {}", unit, kUnitList);
}

}  // namespace

Result<std::chrono::nanoseconds> parseDuration(std::string_view text) {
  const std::string shown = abbreviate(text);
  if (text.empty()) {
    return invalidInput("", "empty duration; write e.g. 300ms or 5m");
  }
  if (text.front() == '-') {
    return invalidInput("", "'{}' is negative; a duration cannot be", shown);
  }
  if (const std::size_t space = text.find_first_of(" \t"); space != std::string_view::npos) {
    // "5 minutes": say how to write it when the pieces are recognisable.
    std::string_view number = text.substr(0, space);
    std::string_view unit = text.substr(text.find_first_not_of(" \t", space));
    if (!number.empty() && number.find_first_not_of("0123456789.") == std::string_view::npos) {
      if (unitIndex(unit)) {
        return invalidInput("", "'{}' has a space; write {}{}", shown, abbreviate(number), unit);
      }
      for (const UnitAlias& alias : kUnitAliases) {
        if (alias.spelling == unit && unit != "d" && unit != "days") {
          return invalidInput("", "'{}' is not a duration; write {}{}", shown, abbreviate(number),
                              alias.unit);
        }
      }
    }
    return invalidInput("",
                        "'{}' is not a duration; write a number and a unit ({}) without "
                        "spaces, e.g. 300ms",
                        shown, kUnitList);
  }

  using Wide = unsigned __int128;
  constexpr Wide kMax = static_cast<Wide>(std::numeric_limits<std::int64_t>::max());
  Wide total = 0;
  std::optional<std::size_t> previous_unit;
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t number_start = position;
    Wide whole = 0;
    bool whole_too_large = false;
    while (position < text.size() && isDigit(text[position])) {
      whole = whole * 10 + static_cast<unsigned>(text[position] - '0');
      whole_too_large = whole_too_large || whole > kMax;
      if (whole > kMax) {
        whole = kMax + 1;
      }
      ++position;
    }
    std::string_view fraction;
    if (position < text.size() && text[position] == '.') {
      const std::size_t fraction_start = ++position;
      while (position < text.size() && isDigit(text[position])) {
        ++position;
      }
      fraction = text.substr(fraction_start, position - fraction_start);
    }
    const std::string_view number = text.substr(number_start, position - number_start);
    if (number.empty() || number == ".") {
      return invalidInput("", "'{}' is not a duration; write a number and a unit ({}), e.g. 300ms",
                          shown, kUnitList);
    }
    const std::size_t unit_start = position;
    while (position < text.size() && isUnitChar(text[position])) {
      ++position;
    }
    const std::string_view unit_text = text.substr(unit_start, position - unit_start);
    if (unit_text.empty()) {
      if (position == text.size() && number_start == 0) {
        return invalidInput("", "'{}' has no unit; write e.g. {}s (units: {})", shown, shown,
                            kUnitList);
      }
      return invalidInput("", "'{}' is not a duration; every number needs a unit ({})", shown,
                          kUnitList);
    }
    const std::optional<std::size_t> unit = unitIndex(unit_text);
    if (!unit) {
      return invalidInput("", "{}", unknownUnit(number, unit_text));
    }
    if (previous_unit && *unit <= *previous_unit) {
      return invalidInput("",
                          "'{}': write the parts from the largest unit to the smallest, each "
                          "once, e.g. 1m30s",
                          shown);
    }
    previous_unit = unit;

    const Wide unit_ns = static_cast<Wide>(kUnits[*unit].nanoseconds);
    // Trailing zeros of the fraction change nothing; the rest must land on a nanosecond.
    while (!fraction.empty() && fraction.back() == '0') {
      fraction.remove_suffix(1);
    }
    if (fraction.size() > 18) {
      return invalidInput("", "'{}' is finer than a nanosecond", shown);
    }
    Wide fraction_value = 0;
    Wide scale = 1;
    for (char digit : fraction) {
      fraction_value = fraction_value * 10 + static_cast<unsigned>(digit - '0');
      scale *= 10;
    }
    if ((fraction_value * unit_ns) % scale != 0) {
      return invalidInput("", "'{}' is finer than a nanosecond", shown);
    }
    if (whole_too_large || whole > kMax / unit_ns) {
      return invalidInput("", "'{}' is too long", shown);
    }
    total += whole * unit_ns + fraction_value * unit_ns / scale;
    if (total > kMax) {
      return invalidInput("", "'{}' is too long", shown);
    }
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

Result<double> parseDecimal(std::string_view text) {
  const std::string shown = abbreviate(text);
  if (text.empty()) {
    return invalidInput("", "empty number");
  }
  if (text.front() == '-') {
    return invalidInput("", "'{}' is negative", shown);
  }
  if (text.front() == '+') {
    return invalidInput("", "'{}': write numbers without a sign", shown);
  }
  if (!isDigit(text.front()) && text.front() != '.') {
    return invalidInput("", "'{}' is not a number", shown);
  }
  double value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (error == std::errc::result_out_of_range) {
    return invalidInput("", "'{}' is out of range", shown);
  }
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return invalidInput("", "'{}' is not a number", shown);
  }
  return value;
}

Result<double> parseRate(std::string_view text) {
  const std::string shown = abbreviate(text);
  if (text.empty()) {
    return invalidInput("", "empty rate; write e.g. 20/s");
  }
  if (text.front() == '-') {
    return invalidInput("", "'{}' is negative; a rate cannot be", shown);
  }
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return invalidInput("", "'{}' is not a rate; write events per unit of time, e.g. 20/s", shown);
  }
  const std::string_view number_text = text.substr(0, slash);
  const std::string_view unit_text = text.substr(slash + 1);
  auto number = parseDecimal(number_text);
  if (!number) {
    return invalidInput("", "'{}' is not a rate; write events per unit of time, e.g. 20/s", shown);
  }
  const std::optional<std::size_t> unit = unitIndex(unit_text);
  if (!unit) {
    if (unit_text.empty()) {
      return invalidInput("", "'{}' has no unit after '/'; write e.g. {}s", shown,
                          abbreviate(number_text));
    }
    return invalidInput("", "{}", unknownUnit(fmt::format("{}/", number_text), unit_text));
  }
  // Per second is kept exact so that formatRate's output reads back unchanged.
  double per_second = *number;
  switch (kUnits[*unit].nanoseconds) {
    case 3'600'000'000'000:
      per_second = *number / 3600;
      break;
    case 60'000'000'000:
      per_second = *number / 60;
      break;
    case 1'000'000'000:
      break;
    case 1'000'000:
      per_second = *number * 1e3;
      break;
    case 1'000:
      per_second = *number * 1e6;
      break;
    default:
      per_second = *number * 1e9;
      break;
  }
  if (!std::isfinite(per_second)) {
    return invalidInput("", "'{}' is out of range", shown);
  }
  return per_second;
}

std::string formatDuration(std::chrono::nanoseconds duration) {
  const std::int64_t count = duration.count();
  if (count == 0) {
    return "0s";
  }
  for (const Unit& unit : kUnits) {
    if (count % unit.nanoseconds == 0) {
      return fmt::format("{}{}", count / unit.nanoseconds, unit.name);
    }
  }
  return fmt::format("{}ns", count);
}

std::string formatDecimal(double value) {
  if (value == 0) {
    return "0";  // Never "-0".
  }
  return fmt::format("{}", value);
}

std::string formatRate(double per_second) {
  return fmt::format("{}/s", formatDecimal(per_second));
}

}  // namespace staylab::sim
