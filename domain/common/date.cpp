#include "domain/common/date.h"

#include <chrono>

namespace staylab {
namespace {

constexpr int kMinYear = 1970;
constexpr int kMaxYear = 9999;

bool allDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !text.empty();
}

int toInt(std::string_view digits) {
  int value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

Result<Date> Date::fromCivil(int year, unsigned month, unsigned day) {
  std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                                  std::chrono::day{day}};
  if (!ymd.ok()) {
    return invalidInput("date", "{:04}-{:02}-{:02} is not a day of the calendar", year, month, day);
  }
  if (year < kMinYear || year > kMaxYear) {
    return invalidInput("date", "year {} is outside {}..{}", year, kMinYear, kMaxYear);
  }
  auto days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  return Date(static_cast<int32_t>(days));
}

Result<Date> Date::fromDays(int64_t days_since_epoch) {
  constexpr int64_t kMaxDays = 2932896;  // 9999-12-31
  if (days_since_epoch < 0 || days_since_epoch > kMaxDays) {
    return invalidInput("date", "day number {} is outside 1970-01-01..9999-12-31",
                        days_since_epoch);
  }
  return Date(static_cast<int32_t>(days_since_epoch));
}

Result<Date> Date::parse(std::string_view text, std::string_view field) {
  auto fail = [&](std::string_view why) {
    return invalidInput(std::string(field), "'{}' {}; expected YYYY-MM-DD", text, why);
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return fail("is not a date");
  }
  auto year = text.substr(0, 4);
  auto month = text.substr(5, 2);
  auto day = text.substr(8, 2);
  if (!allDigits(year) || !allDigits(month) || !allDigits(day)) {
    return fail("is not a date");
  }
  auto date = fromCivil(toInt(year), static_cast<unsigned>(toInt(month)),
                        static_cast<unsigned>(toInt(day)));
  if (!date) {
    return fail("is not a day of the calendar (1970-01-01..9999-12-31)");
  }
  return date;
}

std::string Date::toString() const {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{m_days}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

Result<Stay> Stay::create(Date check_in, Date check_out) {
  if (check_out <= check_in) {
    return invalidInput("to", "check-out {} must be after check-in {}", check_out.toString(),
                        check_in.toString());
  }
  int nights = check_out.daysSinceEpoch() - check_in.daysSinceEpoch();
  if (nights > kMaxNights) {
    return invalidInput("to", "a stay is 1 to {} nights; {} to {} is {} nights", kMaxNights,
                        check_in.toString(), check_out.toString(), nights);
  }
  return Stay(check_in, check_out);
}

Result<Stay> Stay::parse(std::string_view from, std::string_view to) {
  Date check_in = STAYLAB_TRY(Date::parse(from, "from"));
  Date check_out = STAYLAB_TRY(Date::parse(to, "to"));
  return create(check_in, check_out);
}

std::vector<Date> Stay::nightDates() const {
  std::vector<Date> result;
  result.reserve(static_cast<size_t>(nights()));
  for (Date night = m_check_in; night < m_check_out; night = night.plusDays(1)) {
    result.push_back(night);
  }
  return result;
}

}  // namespace staylab
