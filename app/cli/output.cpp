#include "app/cli/output.h"

#include <algorithm>

#include "domain/common/money.h"
#include "domain/common/text.h"

namespace staylab::app {

void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t column = 0; column < row.size() && column < widths.size(); ++column) {
      widths[column] = std::max(widths[column], codePointCount(row[column]));
    }
  };
  measure(header);
  for (const auto& row : rows) {
    measure(row);
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t column = 0; column < row.size(); ++column) {
      line += row[column];
      if (column + 1 < row.size()) {
        line.append(widths[column] - codePointCount(row[column]) + 2, ' ');
      }
    }
    out << line << '\n';
  };
  print(header);
  for (const auto& row : rows) {
    print(row);
  }
}

void printProperty(std::ostream& out, const listing::Property& property) {
  std::string amenities;
  for (const auto& amenity : property.amenities) {
    amenities += amenities.empty() ? "" : ", ";
    amenities += amenity;
  }
  out << "id:          " << property.id << '\n'
      << "title:       " << property.title << '\n'
      << "host:        " << property.host_id << '\n'
      << "city:        " << property.city << '\n'
      << "price:       " << formatMoney(property.price_minor, property.currency) << " per night\n"
      << "capacity:    " << property.capacity << '\n'
      << "amenities:   " << (amenities.empty() ? "-" : amenities) << '\n'
      << "status:      " << listing::toString(property.status)
      << (property.suspension_reason.empty() ? "" : " (" + property.suspension_reason + ")") << '\n'
      << "version:     " << property.version << '\n';
  if (!property.description.empty()) {
    out << "description: " << property.description << '\n';
  }
}

void printBooking(std::ostream& out, const booking::Booking& booking) {
  out << "booking " << booking.id << " " << booking::toString(booking.status) << ": "
      << booking.property_id << " for " << booking.guest_id << ", " << booking.check_in.toString()
      << " to " << booking.check_out.toString() << " (" << booking.nights()
      << (booking.nights() == 1 ? " night, " : " nights, ") << booking.guests
      << (booking.guests == 1 ? " guest, " : " guests, ")
      << formatMoney(booking.total_minor, booking.currency) << ")\n";
}

}  // namespace staylab::app
