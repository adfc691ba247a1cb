#include "app/migration/anti_corruption.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "domain/common/hash.h"
#include "domain/common/money.h"

namespace staylab::migration {
namespace {

Result<nlohmann::json> imageObject(std::string_view image) {
  auto json = nlohmann::json::parse(image, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object())
    return invalidInput("image", "not a JSON object");
  return json;
}

template <typename T>
Result<T> column(const nlohmann::json& row, const char* name) {
  auto found = row.find(name);
  if (found == row.end() || found->is_null())
    return invalidInput(name, "is missing");
  try {
    return found->get<T>();
  } catch (const nlohmann::json::exception&) {
    return invalidInput(name, "has the wrong type");
  }
}

Result<char> letterColumn(const nlohmann::json& row, const char* name) {
  const std::string text = STAYLAB_TRY(column<std::string>(row, name));
  if (text.size() != 1)
    return invalidInput(name, "must be one letter, not '{}'", text);
  return text[0];
}

// Lower case, trimmed, unique and sorted: the new domain's amenity set.
std::vector<std::string> amenitySet(std::string_view text) {
  std::set<std::string> set;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos)
      end = text.size();
    std::string item(text.substr(start, end - start));
    const auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
    item.erase(item.begin(), std::find_if_not(item.begin(), item.end(), blank));
    item.erase(std::find_if_not(item.rbegin(), item.rend(), blank).base(), item.end());
    std::transform(item.begin(), item.end(), item.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!item.empty())
      set.insert(std::move(item));
    start = end + 1;
  }
  return {set.begin(), set.end()};
}

std::string joined(const std::vector<std::string>& items) {
  return fmt::format("{}", fmt::join(items, ","));
}

// An amount as the legacy writes it: two places, whatever the currency.
Result<std::string> decimal(int64_t minor, std::string_view currency) {
  const Currency parsed = STAYLAB_TRY(Currency::parse(currency));
  std::string text = STAYLAB_TRY(Money::fromMinor(minor, parsed)).toDecimalString();
  const size_t dot = text.find('.');
  const size_t places = dot == std::string::npos ? 0 : text.size() - dot - 1;
  if (dot == std::string::npos)
    text += '.';
  text.append(2 - std::min<size_t>(places, 2), '0');
  return text;
}

}  // namespace

Result<std::string> newPrice(std::string_view legacy_price, std::string_view currency) {
  const Currency parsed = STAYLAB_TRY(Currency::parse(currency, "CURR"));
  // The legacy writes every amount with two places, whatever the currency.
  std::string_view text = legacy_price;
  const size_t dot = text.find('.');
  if (dot != std::string_view::npos) {
    std::string_view places = text.substr(dot + 1);
    while (static_cast<int>(places.size()) > parsed.minorDigits() && places.ends_with('0'))
      places.remove_suffix(1);
    const std::string whole(text.substr(0, dot));
    const std::string normal = places.empty() ? whole : whole + "." + std::string(places);
    return STAYLAB_TRY(Money::parse(normal, parsed, "PRICE")).toDecimalString();
  }
  return STAYLAB_TRY(Money::parse(text, parsed, "PRICE")).toDecimalString();
}

Result<legacy::PropertyRow> propertyImage(std::string_view image) {
  const nlohmann::json row = STAYLAB_TRY(imageObject(image));
  legacy::PropertyRow property;
  property.prop_no = STAYLAB_TRY(column<int64_t>(row, "PROP_NO"));
  property.title = STAYLAB_TRY(column<std::string>(row, "TITLE"));
  property.descr = STAYLAB_TRY(column<std::string>(row, "DESCR"));
  property.city = STAYLAB_TRY(column<std::string>(row, "CITY"));
  property.price = STAYLAB_TRY(column<std::string>(row, "PRICE"));
  property.curr = STAYLAB_TRY(column<std::string>(row, "CURR"));
  property.max_guests = STAYLAB_TRY(column<int64_t>(row, "MAX_GUESTS"));
  property.amenities = STAYLAB_TRY(column<std::string>(row, "AMENITIES"));
  property.status = STAYLAB_TRY(letterColumn(row, "STATUS"));
  property.host_ref = STAYLAB_TRY(column<std::string>(row, "HOST_REF"));
  if (row.contains("EXT_REF") && !row["EXT_REF"].is_null())
    property.ext_ref = STAYLAB_TRY(column<std::string>(row, "EXT_REF"));
  return property;
}

Result<legacy::ReservationRow> reservationImage(std::string_view image) {
  const nlohmann::json row = STAYLAB_TRY(imageObject(image));
  legacy::ReservationRow reservation;
  reservation.res_no = STAYLAB_TRY(column<int64_t>(row, "RES_NO"));
  reservation.prop_no = STAYLAB_TRY(column<int64_t>(row, "PROP_NO"));
  reservation.guest_name = STAYLAB_TRY(column<std::string>(row, "GUEST_NAME"));
  reservation.check_in = STAYLAB_TRY(column<std::string>(row, "CHECK_IN"));
  reservation.check_out = STAYLAB_TRY(column<std::string>(row, "CHECK_OUT"));
  reservation.guests = STAYLAB_TRY(column<int64_t>(row, "GUESTS"));
  reservation.amount = STAYLAB_TRY(column<std::string>(row, "AMOUNT"));
  reservation.status = STAYLAB_TRY(letterColumn(row, "STATUS"));
  if (row.contains("EXT_REF") && !row["EXT_REF"].is_null())
    reservation.ext_ref = STAYLAB_TRY(column<std::string>(row, "EXT_REF"));
  return reservation;
}

std::string importedPropertyId(int64_t prop_no) {
  return fmt::format("prop_{:016x}", fnv1a64(fmt::format("legacy/PROPERTY/{}", prop_no)));
}

std::string reservationKey(int64_t res_no, int tries) {
  return fmt::format("legacy-reservation-{}-try-{}", res_no, tries);
}

Result<Date> legacyDate(std::string_view text, std::string_view column_name) {
  const bool digits = text.size() == 8 && std::all_of(text.begin(), text.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
  if (!digits)
    return invalidInput(std::string(column_name), "must be YYYYMMDD, not '{}'", text);
  const std::string iso =
      fmt::format("{}-{}-{}", text.substr(0, 4), text.substr(4, 2), text.substr(6, 2));
  return Date::parse(iso, column_name);
}

std::string legacyDateText(const Date& date) {
  std::string iso = date.toString();
  std::erase(iso, '-');
  return iso;
}

// Fills the listing fields a legacy row holds: every one, so that applying
// the same row twice changes nothing (CreateProperty's are plain, UpdateProperty's optional).
template <typename Command>
Result<Command> withListingFields(const legacy::PropertyRow& row, Command command) {
  command.title = row.title;
  command.description = row.descr;
  command.city = row.city;
  command.price = STAYLAB_TRY(newPrice(row.price, row.curr));
  command.currency = row.curr;
  command.capacity = row.max_guests;
  command.amenities = amenitySet(row.amenities);
  return command;
}

Result<listing::CreateProperty> createCommand(const legacy::PropertyRow& row) {
  listing::CreateProperty command;
  command.id = importedPropertyId(row.prop_no);
  command.host = row.host_ref;
  return withListingFields(row, std::move(command));
}

Result<listing::UpdateProperty> updateCommand(const legacy::PropertyRow& row,
                                              std::string_view property_id) {
  listing::UpdateProperty command;
  command.property_id = std::string(property_id);
  return withListingFields(row, std::move(command));
}

Result<booking::PlaceBooking> placeCommand(const legacy::ReservationRow& row,
                                           std::string_view property_id, int tries) {
  booking::PlaceBooking command;
  command.property_id = std::string(property_id);
  command.guest = row.guest_name;
  command.from = STAYLAB_TRY(legacyDate(row.check_in, "CHECK_IN")).toString();
  command.to = STAYLAB_TRY(legacyDate(row.check_out, "CHECK_OUT")).toString();
  command.guests = row.guests;
  command.idempotency_key = reservationKey(row.res_no, tries);
  return command;
}

Result<legacy::PropertyRow> propertyRow(const listing::Property& property, int64_t prop_no) {
  legacy::PropertyRow row;
  row.prop_no = prop_no;
  row.title = property.title;
  row.descr = property.description;
  row.city = property.city;
  row.price = STAYLAB_TRY(decimal(property.price_minor, property.currency));
  row.curr = property.currency;
  row.max_guests = property.capacity;
  row.amenities = joined(property.amenities);
  row.status = property.status == listing::PropertyStatus::Active ? 'A' : 'S';
  row.host_ref = property.host_id;
  row.ext_ref = property.id;
  return row;
}

Result<legacy::ReservationRow> reservationRow(const booking::Booking& booking, int64_t prop_no,
                                              int64_t res_no) {
  legacy::ReservationRow row;
  row.res_no = res_no;
  row.prop_no = prop_no;
  row.guest_name = booking.guest_id;
  row.check_in = legacyDateText(booking.check_in);
  row.check_out = legacyDateText(booking.check_out);
  row.guests = booking.guests;
  row.amount = booking.currency.empty()
                   ? std::string("0")
                   : STAYLAB_TRY(decimal(booking.total_minor, booking.currency));
  row.status = booking.holdsNights() ? 'C' : 'X';
  row.ext_ref = booking.id;
  return row;
}

bool sameListing(const legacy::PropertyRow& row, const listing::Property& property) {
  auto price = newPrice(row.price, row.curr);
  auto current = property.nightlyPrice();
  return price && current && *price == current->toDecimalString() &&
         row.curr == property.currency && row.title == property.title &&
         row.descr == property.description && row.city == property.city &&
         row.max_guests == property.capacity && amenitySet(row.amenities) == property.amenities &&
         (row.status == 'A') == (property.status == listing::PropertyStatus::Active);
}

bool sameBooking(const legacy::ReservationRow& row, const booking::Booking& booking) {
  auto check_in = legacyDate(row.check_in, "CHECK_IN");
  auto check_out = legacyDate(row.check_out, "CHECK_OUT");
  return check_in && check_out && *check_in == booking.check_in &&
         *check_out == booking.check_out && row.guests == booking.guests &&
         row.guest_name == booking.guest_id && (row.status == 'C') == booking.holdsNights();
}

}  // namespace staylab::migration
