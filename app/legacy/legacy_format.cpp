#include "app/legacy/legacy_format.h"

#include "domain/common/date.h"

namespace staylab::legacy {
namespace {

bool allDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

int64_t toNumber(std::string_view digits) {
  int64_t value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

Result<int64_t> parseDate(std::string_view text, std::string_view field) {
  if (text.size() != 8 || !allDigits(text)) {
    return invalidInput(std::string(field), "'{}' is not a date; expected YYYYMMDD", text);
  }
  // The calendar arithmetic is Date's; only the text format is the legacy's.
  auto date = Date::fromCivil(static_cast<int>(toNumber(text.substr(0, 4))),
                              static_cast<unsigned>(toNumber(text.substr(4, 2))),
                              static_cast<unsigned>(toNumber(text.substr(6, 2))));
  if (!date) {
    return invalidInput(std::string(field),
                        "'{}' is not a day of the calendar (19700101..99991231)", text);
  }
  return static_cast<int64_t>(date->daysSinceEpoch());
}

Result<int64_t> parseAmount(std::string_view text, std::string_view field) {
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || !allDigits(whole) || !allDigits(fraction) ||
      (dot != std::string_view::npos && fraction.empty())) {
    return invalidInput(std::string(field),
                        "'{}' is not a plain non-negative decimal such as 120.50", text);
  }
  if (fraction.size() > 2) {
    return invalidInput(std::string(field), "'{}' has more than 2 decimal places", text);
  }
  auto first = whole.find_first_not_of('0');
  std::string_view significant = first == std::string_view::npos ? "" : whole.substr(first);
  int64_t hundredths = 0;
  if (significant.size() <= 15) {
    hundredths = toNumber(significant) * 100 + toNumber(fraction) * (fraction.size() == 1 ? 10 : 1);
  }
  if (significant.size() > 15 || hundredths > kMaxHundredths) {
    return invalidInput(std::string(field), "'{}' is too large (at most {})", text,
                        formatAmount(kMaxHundredths));
  }
  return hundredths;
}

std::string formatAmount(int64_t hundredths) {
  return fmt::format("{}.{:02}", hundredths / 100, hundredths % 100);
}

}  // namespace staylab::legacy
