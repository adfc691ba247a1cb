#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "domain/ports/wide_column_store.h"

namespace staylab::app {
class Platform;
}

// What the platform work child (platform_work_child.cpp) says it did, and the
// verification of a data directory against it after the child was killed:
// shared by the kill loop and the crash-point tests.
namespace staylab::testing::work {

// The child's properties: one host, one city, titles carrying a revision.
inline constexpr const char* kHost = "host-kill";
inline constexpr const char* kCity = "Killtown";
inline constexpr const char* kTitlePrefix = "Kill flat rev ";

// Returns the revision in a title "Kill flat rev N"; 0 for another title.
inline uint64_t revisionOf(const std::string& title) {
  const std::string prefix = kTitlePrefix;
  if (title.rfind(prefix, 0) != 0) {
    return 0;
  }
  return std::strtoull(title.c_str() + prefix.size(), nullptr, 10);
}

struct Booked {
  std::string property_id;
  std::string guest_id;
  std::string from;
  std::string to;
};

// Everything the child acknowledged, over all its lives.
struct Acknowledged {
  std::map<std::string, Booked> bookings;
  // "PROPERTY GUEST FROM TO" -> bookings asked for (BOOKING), acknowledged or not.
  std::map<std::string, int> attempts;
  std::set<std::string> cancelling;  // Cancellations begun (CANCELLING), acknowledged or not.
  std::set<std::string> cancelled;   // Cancellations acknowledged.
  std::map<std::string, uint64_t> revisions;  // Property -> last acknowledged edit.
  size_t edits = 0;

  // Adds what a child said in `lines` (BOOKING, BOOKED, CANCELLING, CANCELLED, EDITED); returns
  // how many new bookings it acknowledged. A malformed line, a booking
  // acknowledged twice, a cancellation of an unknown booking and an ERROR
  // line fail the calling test.
  size_t absorb(const std::vector<std::string>& lines);
};

// Returns booking id -> the versions of its cells in `row` of `family` of
// the history store (a failed scan fails the calling test).
std::map<std::string, std::vector<Cell>> historyCells(app::Platform& platform,
                                                      const std::string& row,
                                                      const std::string& family);

// Returns the phase the child named last ("book", "relay", ...), or "none".
std::string lastPhase(const std::vector<std::string>& lines);

// What verifyDataDir() looked at, for the test's figures.
struct Verified {
  size_t bookings = 0;       // Acknowledged bookings found as acknowledged.
  size_t cancellations = 0;  // Acknowledged cancellations found honoured.
};

// Verifies `data_dir` after a crash, recording failures in the calling test
// with `context` in each message:
//   - PRAGMA integrity_check answers "ok" on every SQLite file (before the
//     platform opens it);
//   - the platform opens (recovering), drains, and every verdict of `check`
//     (app::checkInvariants: engines' integrity, no night twice, outboxes
//     empty, every event logged, every read model equal to a rebuild) passes;
//   - every acknowledged booking is in the booking store exactly once (no
//     more copies of its property, guest and stay than were asked for, none
//     fewer than were acknowledged), with
//     its property, guest and stay, Cancelled when its cancellation was
//     acknowledged, Confirmed when none was begun (either when one was begun
//     and the kill came before its acknowledgement); its nights are held for it
//     unless cancelled; the history holds one version per change of it
//     (confirmed, then cancelled) by property and by guest;
//   - each property's booked nights in search equal those in the booking store;
//   - each property's title has at least its last acknowledged revision.
Verified verifyDataDir(const std::filesystem::path& data_dir, const Acknowledged& acknowledged,
                       const std::string& context);

}  // namespace staylab::testing::work
