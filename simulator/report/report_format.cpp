#include "simulator/report/report_format.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace staylab::sim::report {
namespace {

// Writes `value` with sorted keys (nlohmann's default object is a std::map),
// two-space indentation and floats with exactly 6 decimals.
void dumpJson(const nlohmann::json& value, std::string& out, int indent) {
  const std::string inner(static_cast<std::size_t>(indent + 2), ' ');
  const std::string outer(static_cast<std::size_t>(indent), ' ');
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      if (value.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first)
          out += ",\n";
        first = false;
        out += inner + nlohmann::json(key).dump() + ": ";
        dumpJson(item, out, indent + 2);
      }
      out += "\n" + outer + "}";
      return;
    }
    case nlohmann::json::value_t::array: {
      if (value.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      bool first = true;
      for (const auto& item : value) {
        if (!first)
          out += ",\n";
        first = false;
        out += inner;
        dumpJson(item, out, indent + 2);
      }
      out += "\n" + outer + "]";
      return;
    }
    case nlohmann::json::value_t::number_float: {
      const double number = value.get<double>();
      out += std::isfinite(number) ? fixed(number, 6) : "null";
      return;
    }
    default:
      out += value.dump();
      return;
  }
}

}  // namespace

std::string exactDecimal(std::int64_t value, std::int64_t scale) {
  const bool negative = value < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(value + 1)) + 1 : static_cast<std::uint64_t>(value);
  const auto unsigned_scale = static_cast<std::uint64_t>(scale);
  std::string text = fmt::format("{}{}", negative ? "-" : "", magnitude / unsigned_scale);
  std::uint64_t fraction = magnitude % unsigned_scale;
  if (fraction == 0)
    return text;
  int digits = 0;
  for (std::uint64_t rest = unsigned_scale; rest > 1; rest /= 10)
    ++digits;
  std::string decimals = fmt::format("{:0{}}", fraction, digits);
  while (!decimals.empty() && decimals.back() == '0')
    decimals.pop_back();
  return text + "." + decimals;
}

std::string seconds(Nanos duration) {
  return exactDecimal(duration, kSecond);
}

std::string milliseconds(Nanos duration) {
  return exactDecimal(duration, kMillisecond);
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value))
    return "";
  const std::string text = fmt::format("{:.{}f}", value, decimals);
  // "-0.000" and "0.000" are the same number; write it one way.
  if (text.find_first_not_of("-0.") == std::string::npos)
    return fmt::format("{:.{}f}", 0.0, decimals);
  return text;
}

std::string jsonText(const nlohmann::json& value) {
  std::string text;
  dumpJson(value, text, 0);
  text += "\n";
  return text;
}

std::string humanFaultKind(std::string_view kind) {
  std::string text(kind);
  std::replace(text.begin(), text.end(), '_', ' ');
  return text;
}

}  // namespace staylab::sim::report
