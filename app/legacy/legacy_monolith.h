#pragma once

// The legacy monolith a strangler-fig migration replaces (issue: strangler
// fig with change data capture). One module over one SQLite database with
// the schema it grew up with, deliberately unlike the new domain:
//
//   PROPERTY     PROP_NO INTEGER key, TITLE, DESCR, CITY, PRICE (decimal text in
//                major units, "120.50"), CURR, MAX_GUESTS, AMENITIES (one text,
//                comma-separated), STATUS ('A' active, 'S' suspended), HOST_REF,
//                EXT_REF (a free reference other systems may set), LAST_SRC
//                ('L' written by this monolith, 'S' by the migration's sync-back)
//   RESERVATION  RES_NO INTEGER key, PROP_NO, GUEST_NAME, CHECK_IN and CHECK_OUT
//                (text "YYYYMMDD", check-out exclusive), GUESTS, AMOUNT (decimal
//                text), STATUS ('C' confirmed, 'X' cancelled), EXT_REF, LAST_SRC
//   CDC_CHANGE   the change table: triggers on PROPERTY and RESERVATION write one
//                row per inserted or updated row, in the writing transaction, so
//                changes are captured exactly in commit order; an UPDATE that
//                changes no value (edit() with nothing set, putProperty of an
//                equal row) is captured too, as real row triggers do
//
// It knows nothing of the new domain (no Property, no Booking, no events):
// translating is the anti-corruption layer's job (app/migration). It keeps
// its own guarantee its own way: a reservation is refused when it overlaps a
// confirmed one of the same property, checked inside BEGIN IMMEDIATE, so no
// night is held twice within the legacy database (and only there).
//
// Errors: InvalidInput naming the field for what the legacy screens would
// refuse (the legacy validates less than the new domain: a PRICE is any
// non-empty text, so that malformed rows reach the change table as they do in
// real legacy data); NotFound for an unknown PROP_NO or RES_NO; Refused
// "legacy.overlap" for nights already taken; StoreFailure when SQLite fails.
// A failed call writes nothing.
//
// Thread safety: safe to call from any thread; one connection under a mutex.
// Several LegacyMonolith objects may open the same file (each its own
// connection); their writes are serialised by SQLite's write lock.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"
#include "domain/common/store_creation.h"

namespace staylab::sqlite {
class Database;
}

namespace staylab::legacy {

// Who wrote a row (LAST_SRC): the monolith's own screens, or the migration's
// sync-back, whose changes the change data capture skips (loop prevention).
enum class Source : char { Legacy = 'L', Sync = 'S' };

struct PropertyRow {
  int64_t prop_no = 0;
  std::string title;
  std::string descr;
  std::string city;
  std::string price;  // Decimal text in major units: "120.50".
  std::string curr;   // "EUR"
  int64_t max_guests = 1;
  std::string amenities;  // Comma-separated, as typed: "wifi,pool".
  char status = 'A';      // 'A' active, 'S' suspended.
  std::string host_ref;
  std::string ext_ref;  // Empty unless another system set it.
  bool operator==(const PropertyRow&) const = default;
};

struct ReservationRow {
  int64_t res_no = 0;
  int64_t prop_no = 0;
  std::string guest_name;
  std::string check_in;   // "YYYYMMDD"
  std::string check_out;  // "YYYYMMDD", exclusive.
  int64_t guests = 1;
  std::string amount;   // Decimal text in major units.
  char status = 'C';    // 'C' confirmed, 'X' cancelled.
  std::string ext_ref;  // Empty unless another system set it.
  bool operator==(const ReservationRow&) const = default;
};

// One row of CDC_CHANGE: a committed insert or update of one row.
struct Change {
  int64_t change_id = 0;  // Increasing in commit order, never reused.
  std::string table;      // "PROPERTY" or "RESERVATION"
  char op = 'I';          // 'I' insert, 'U' update.
  int64_t row_key = 0;    // PROP_NO or RES_NO.
  int64_t prop_no = 0;    // The property the row belongs to (the common logical key).
  Source source = Source::Legacy;
  // The latest PROPERTY change of prop_no the monolith itself made before
  // this one (0 when none): what a reservation's change depends on. The
  // sync-back's changes are never depended on: the capture skips them.
  int64_t depends_on = 0;
  std::string image;  // The row after the change, as a JSON object of its columns.
  bool operator==(const Change&) const = default;
};

// Changes to a property; unset fields keep their value.
struct PropertyEdit {
  std::optional<std::string> title;
  std::optional<std::string> descr;
  std::optional<std::string> city;
  std::optional<std::string> price;
  std::optional<std::string> curr;
  std::optional<int64_t> max_guests;
  std::optional<std::string> amenities;
  std::optional<char> status;
};

struct SearchRequest {
  std::string text;       // Matched with LIKE '%text%' over TITLE and DESCR; empty for any.
  std::string city;       // Equal, case-insensitive; empty for any.
  std::string check_in;   // "YYYYMMDD"; with check_out, only properties free then.
  std::string check_out;  // "YYYYMMDD"
  int64_t guests = 1;     // MAX_GUESTS at least this.
  int limit = 20;         // 1..100
};

struct OpenOptions {
  std::filesystem::path path;  // The database file (legacy.db).
  // OpenExisting (the default) refuses a missing or empty file;
  // CreateIfMissing creates the schema in a new file.
  StoreCreation creation = StoreCreation::OpenExisting;
};

class LegacyMonolith {
 public:
  [[nodiscard]] static Result<std::unique_ptr<LegacyMonolith>> open(const OpenOptions& options);
  ~LegacyMonolith();

  // The monolith's user operations (its screens), written as Source::Legacy.
  [[nodiscard]] Result<std::vector<PropertyRow>> search(const SearchRequest& request);
  [[nodiscard]] Result<PropertyRow> view(int64_t prop_no);
  // Returns the new RES_NO; Refused "legacy.overlap" when a confirmed
  // reservation of the property overlaps [check_in, check_out). AMOUNT is
  // PRICE times the nights, computed by the monolith. Also Refused
  // "legacy.suspended" for a suspended property, and InvalidInput "price" when
  // the property's PRICE is not a decimal with at most two places.
  [[nodiscard]] Result<int64_t> book(int64_t prop_no, std::string_view guest_name,
                                     std::string_view check_in, std::string_view check_out,
                                     int64_t guests);
  // Sets STATUS 'X'; cancelling a cancelled reservation changes nothing.
  [[nodiscard]] Result<void> cancel(int64_t res_no);
  [[nodiscard]] Result<PropertyRow> edit(int64_t prop_no, const PropertyEdit& edit);
  // Creates a property (host onboarding); returns its PROP_NO.
  [[nodiscard]] Result<int64_t> createProperty(const PropertyRow& row);

  // For the migration (the sync-back and the initial load): writes rows as
  // `source` says. putProperty inserts or replaces the row with row.prop_no
  // (0: a new PROP_NO, returned). putReservation likewise with row.res_no;
  // it applies the same overlap check as book() for a confirmed row.
  [[nodiscard]] Result<int64_t> putProperty(const PropertyRow& row, Source source);
  [[nodiscard]] Result<int64_t> putReservation(const ReservationRow& row, Source source);

  // Reads for the change data capture and for comparisons.
  // Returns up to `limit` changes with change_id > `after`, in order.
  [[nodiscard]] Result<std::vector<Change>> changesAfter(int64_t after, size_t limit);
  [[nodiscard]] Result<int64_t> lastChangeId();
  // How many changes the monolith itself made (SRC 'L') to the property
  // `prop_no` and its reservations.
  [[nodiscard]] Result<int64_t> ownChangesOf(int64_t prop_no);
  [[nodiscard]] Result<std::vector<PropertyRow>> properties();
  [[nodiscard]] Result<std::vector<ReservationRow>> reservations();
  [[nodiscard]] Result<ReservationRow> reservation(int64_t res_no);
  // The row whose EXT_REF is `ext_ref`, or nothing.
  [[nodiscard]] Result<std::optional<PropertyRow>> propertyByExtRef(std::string_view ext_ref);
  [[nodiscard]] Result<std::optional<ReservationRow>> reservationByExtRef(std::string_view ext_ref);

  // SQLite's integrity_check.
  [[nodiscard]] Result<void> integrityCheck();

 private:
  explicit LegacyMonolith(std::unique_ptr<sqlite::Database> db);
  std::mutex m_mutex;
  std::unique_ptr<sqlite::Database> m_db;  // GUARDED_BY(m_mutex)
};

}  // namespace staylab::legacy
