#include "tests/app/platform_work.h"

#include <gtest/gtest.h>

#include <sstream>

#include "app/platform/checks.h"
#include "app/platform/platform.h"
#include "events/history_projection.h"
#include "stores/sqlite/sqlite.h"

namespace staylab::testing::work {

size_t Acknowledged::absorb(const std::vector<std::string>& lines) {
  size_t booked = 0;
  for (const auto& line : lines) {
    EXPECT_NE(line.rfind("ERROR", 0), 0u) << line;
    std::istringstream fields(line);
    std::string word;
    fields >> word;
    if (word == "BOOKING") {
      std::string property_id, guest_id, from, to;
      fields >> property_id >> guest_id >> from >> to;
      EXPECT_TRUE(fields) << "malformed: " << line;
      ++attempts[property_id + " " + guest_id + " " + from + " " + to];
    } else if (word == "BOOKED") {
      std::string id;
      Booked booking;
      fields >> id >> booking.property_id >> booking.guest_id >> booking.from >> booking.to;
      EXPECT_TRUE(fields) << "malformed: " << line;
      EXPECT_TRUE(bookings.emplace(id, booking).second) << "acknowledged twice: " << line;
      ++booked;
    } else if (word == "CANCELLING" || word == "CANCELLED") {
      std::string id;
      fields >> id;
      EXPECT_TRUE(bookings.contains(id)) << "cancels a booking never acknowledged: " << line;
      (word == "CANCELLING" ? cancelling : cancelled).insert(id);
    } else if (word == "EDITED") {
      std::string property_id;
      uint64_t revision = 0;
      fields >> property_id >> revision;
      EXPECT_TRUE(fields) << "malformed: " << line;
      EXPECT_GT(revision, revisions[property_id]) << "an edit went back: " << line;
      revisions[property_id] = revision;
      ++edits;
    }
  }
  return booked;
}

std::string lastPhase(const std::vector<std::string>& lines) {
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    if (line->rfind("PHASE ", 0) == 0) {
      return line->substr(6);
    }
  }
  return "none";
}

namespace {

// Expects SQLite's own integrity_check of `file` to answer "ok".
void expectSqliteIntact(const std::filesystem::path& file, const std::string& context) {
  sqlite::OpenOptions options;
  options.path = file;
  auto db = sqlite::Database::open(options);
  ASSERT_TRUE(db) << context << ": " << db.error().describe();
  auto statement = (*db)->prepare("PRAGMA integrity_check");
  ASSERT_TRUE(statement) << context << ": " << statement.error().describe();
  std::string answer;
  while (true) {
    auto step = statement->step();
    ASSERT_TRUE(step) << context << ": " << step.error().describe();
    if (*step == sqlite::Step::Done) {
      break;
    }
    answer += answer.empty() ? "" : "; ";
    answer += statement->columnText(0);
  }
  EXPECT_EQ(answer, "ok") << context << ": integrity_check of " << file.filename();
}

// Expects `cells` (newest first) to hold version 1 confirmed and, for a
// cancelled booking, version 2 cancelled: one version per change, none twice.
void expectHistory(const std::vector<Cell>& cells, bool cancelled, const std::string& where) {
  const std::vector<std::string> statuses = cancelled
                                                ? std::vector<std::string>{"cancelled", "confirmed"}
                                                : std::vector<std::string>{"confirmed"};
  ASSERT_EQ(cells.size(), statuses.size()) << where;
  for (size_t index = 0; index < cells.size(); ++index) {
    EXPECT_EQ(cells[index].timestamp, static_cast<int64_t>(cells.size() - index)) << where;
    EXPECT_NE(cells[index].value.find("\"status\":\"" + statuses[index] + "\""), std::string::npos)
        << where << ": " << cells[index].value;
  }
}

}  // namespace

std::map<std::string, std::vector<Cell>> historyCells(app::Platform& platform,
                                                      const std::string& row,
                                                      const std::string& family) {
  std::map<std::string, std::vector<Cell>> cells;
  auto scanned = platform.historyStore().scanRow(row, family);
  EXPECT_TRUE(scanned) << scanned.error().describe();
  if (scanned) {
    for (auto& cell : *scanned) {
      cells[cell.qualifier].push_back(std::move(cell));
    }
  }
  return cells;
}

Verified verifyDataDir(const std::filesystem::path& data_dir, const Acknowledged& acknowledged,
                       const std::string& context) {
  Verified verified;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
    if (entry.path().extension() == ".db") {
      expectSqliteIntact(entry.path(), context);
    }
  }

  app::PlatformOptions options;
  options.data_dir = data_dir;
  options.mode = app::OpenMode::Existing;
  // The child works at Full; the drain that verifies needs no fsync per commit.
  options.durability = app::Durability::Normal;
  auto platform = app::Platform::open(options);
  EXPECT_TRUE(platform) << context << ": " << platform.error().describe();
  if (!platform) {
    return verified;
  }
  auto checks = app::checkInvariants(**platform);  // Drains first.
  EXPECT_TRUE(checks) << context << ": " << checks.error().describe();
  if (!checks) {
    return verified;
  }
  for (const auto& check : *checks) {
    EXPECT_TRUE(check.passed) << context << ": check " << check.name << ": " << check.detail;
  }

  auto stored = (*platform)->bookingStore().list(BookingFilter{});
  EXPECT_TRUE(stored) << context << ": " << stored.error().describe();
  auto nights = (*platform)->bookingStore().bookedNights();
  EXPECT_TRUE(nights) << context << ": " << nights.error().describe();
  if (!stored || !nights) {
    return verified;
  }
  std::map<std::string, const booking::Booking*> by_id;
  std::map<std::string, int> copies;  // "property guest from to" -> bookings in the store.
  for (const auto& booking : *stored) {
    by_id[booking.id] = &booking;
    ++copies[booking.property_id + " " + booking.guest_id + " " + booking.check_in.toString() +
             " " + booking.check_out.toString()];
  }
  std::map<std::string, std::map<Date, std::string>> held;  // Property -> night -> booking.
  for (const auto& night : *nights) {
    held[night.property_id][night.night] = night.booking_id;
  }

  std::map<std::string, int> acknowledged_copies;
  std::map<std::string, std::map<std::string, std::vector<Cell>>> by_property;
  for (const auto& [id, ack] : acknowledged.bookings) {
    ++acknowledged_copies[ack.property_id + " " + ack.guest_id + " " + ack.from + " " + ack.to];
  }
  for (const auto& [id, ack] : acknowledged.bookings) {
    const std::string where = context + ", booking " + id;
    auto found = by_id.find(id);
    if (found == by_id.end()) {
      ADD_FAILURE() << where << ": acknowledged, lost from the booking store";
      continue;
    }
    const booking::Booking& booking = *found->second;
    EXPECT_EQ(booking.property_id, ack.property_id) << where;
    EXPECT_EQ(booking.guest_id, ack.guest_id) << where;
    EXPECT_EQ(booking.check_in.toString(), ack.from) << where;
    EXPECT_EQ(booking.check_out.toString(), ack.to) << where;
    const std::string key = ack.property_id + " " + ack.guest_id + " " + ack.from + " " + ack.to;
    // A guest may book the same stay again once it was cancelled; no request
    // may leave two bookings, and none acknowledged may be missing.
    EXPECT_GE(copies[key], acknowledged_copies[key]) << where << ": a copy was lost";
    EXPECT_LE(copies[key], acknowledged.attempts.at(key))
        << where << ": more bookings of " << key << " than were asked for";

    const bool cancelled = booking.status == booking::BookingStatus::Cancelled;
    if (acknowledged.cancelled.contains(id)) {
      EXPECT_TRUE(cancelled) << where << ": its acknowledged cancellation was lost";
      verified.cancellations += cancelled ? 1 : 0;
    } else if (!acknowledged.cancelling.contains(id)) {
      EXPECT_EQ(booking.status, booking::BookingStatus::Confirmed) << where;
    } else {
      EXPECT_TRUE(cancelled || booking.status == booking::BookingStatus::Confirmed) << where;
    }
    for (Date night : booking.nightDates()) {
      auto holder = held[ack.property_id].find(night);
      if (cancelled) {
        EXPECT_TRUE(holder == held[ack.property_id].end() || holder->second != id)
            << where << ": cancelled, still holds " << night.toString();
      } else {
        EXPECT_TRUE(holder != held[ack.property_id].end() && holder->second == id)
            << where << ": does not hold " << night.toString();
      }
    }

    if (!by_property.contains(ack.property_id)) {
      by_property[ack.property_id] =
          historyCells(**platform, ack.property_id, HistoryProjection::kByProperty);
    }
    expectHistory(by_property[ack.property_id][id], cancelled, where + " in history by property");
    auto by_guest = historyCells(**platform, ack.guest_id, HistoryProjection::kByGuest);
    expectHistory(by_guest[id], cancelled, where + " in history by guest");
    verified.bookings += 1;
  }

  // Search offers a property on exactly the nights the booking store leaves free.
  auto properties = (*platform)->gateway().listProperties(std::string_view(kCity));
  EXPECT_TRUE(properties) << context << ": " << properties.error().describe();
  if (!properties) {
    return verified;
  }
  for (const auto& property : *properties) {
    const std::string where = context + ", property " + property.id;
    auto document = (*platform)->searchIndex().get(property.id);
    EXPECT_TRUE(document && document->has_value()) << where << ": no search document";
    if (!document || !document->has_value()) {
      continue;
    }
    std::set<Date> in_search((*document)->booked_nights.begin(), (*document)->booked_nights.end());
    std::set<Date> in_store;
    for (const auto& [night, booking_id] : held[property.id]) {
      in_store.insert(night);
    }
    EXPECT_EQ(in_search, in_store) << where << ": search and bookings disagree on booked nights";
    if (auto revision = acknowledged.revisions.find(property.id);
        revision != acknowledged.revisions.end()) {
      EXPECT_GE(revisionOf(property.title), revision->second)
          << where << ": an acknowledged edit was lost (title " << property.title << ")";
    }
  }
  return verified;
}

}  // namespace staylab::testing::work
