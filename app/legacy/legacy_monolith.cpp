#include "app/legacy/legacy_monolith.h"

#include <limits>

#include "app/legacy/legacy_format.h"
#include "app/legacy/legacy_schema.h"
#include "stores/sqlite/sqlite.h"

namespace staylab::legacy {
namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Step;

// The legacy screens wait for another writer's lock rather than fail: many
// monoliths (and the migration) may write the same file at once.
constexpr int kBusyTimeoutMs = 30'000;

constexpr const char* kPropertyColumns =
    "PROP_NO, TITLE, DESCR, CITY, PRICE, CURR, MAX_GUESTS, AMENITIES, STATUS, HOST_REF, EXT_REF";
constexpr const char* kReservationColumns =
    "RES_NO, PROP_NO, GUEST_NAME, CHECK_IN, CHECK_OUT, GUESTS, AMOUNT, STATUS, EXT_REF";

// The monolith's refusals, one per rule, with their codes and fields.
namespace errors {

std::unexpected<Error> propertyNotFound(int64_t prop_no) {
  return std::unexpected(Error{ErrorKind::NotFound, "legacy.not_found", "prop_no",
                               fmt::format("no PROPERTY with PROP_NO {}", prop_no)});
}

std::unexpected<Error> reservationNotFound(int64_t res_no) {
  return std::unexpected(Error{ErrorKind::NotFound, "legacy.not_found", "res_no",
                               fmt::format("no RESERVATION with RES_NO {}", res_no)});
}

std::unexpected<Error> suspended(int64_t prop_no) {
  return std::unexpected(Error{ErrorKind::Refused, "legacy.suspended", "prop_no",
                               fmt::format("PROPERTY {} is suspended", prop_no)});
}

std::unexpected<Error> overlap(int64_t prop_no, int64_t res_no, std::string_view check_in,
                               std::string_view check_out) {
  return std::unexpected(Error{ErrorKind::Refused, "legacy.overlap", "",
                               fmt::format("PROPERTY {} is taken from {} to {} by RESERVATION {}",
                                           prop_no, check_in, check_out, res_no)});
}

}  // namespace errors

char firstLetter(const std::string& text) {
  return text.empty() ? '?' : text.front();
}

// LAST_SRC's letter for `source`.
std::string sourceLetter(Source source) {
  return std::string(1, static_cast<char>(source));
}

PropertyRow readProperty(const Statement& row) {
  PropertyRow property;
  property.prop_no = row.columnInt(0);
  property.title = row.columnText(1);
  property.descr = row.columnText(2);
  property.city = row.columnText(3);
  property.price = row.columnText(4);
  property.curr = row.columnText(5);
  property.max_guests = row.columnInt(6);
  property.amenities = row.columnText(7);
  property.status = firstLetter(row.columnText(8));
  property.host_ref = row.columnText(9);
  property.ext_ref = row.columnText(10);
  return property;
}

ReservationRow readReservation(const Statement& row) {
  ReservationRow reservation;
  reservation.res_no = row.columnInt(0);
  reservation.prop_no = row.columnInt(1);
  reservation.guest_name = row.columnText(2);
  reservation.check_in = row.columnText(3);
  reservation.check_out = row.columnText(4);
  reservation.guests = row.columnInt(5);
  reservation.amount = row.columnText(6);
  reservation.status = firstLetter(row.columnText(7));
  reservation.ext_ref = row.columnText(8);
  return reservation;
}

template <typename Row, typename Read>
Result<std::vector<Row>> readAll(Statement& statement, Read read) {
  std::vector<Row> rows;
  while (STAYLAB_TRY(statement.step()) == Step::Row) {
    rows.push_back(read(statement));
  }
  return rows;
}

Result<std::optional<PropertyRow>> findProperty(Database& db, int64_t prop_no) {
  auto statement = STAYLAB_TRY(
      db.reuse(fmt::format("SELECT {} FROM PROPERTY WHERE PROP_NO = ?", kPropertyColumns)));
  statement->bind(1, prop_no);
  if (STAYLAB_TRY(statement->step()) == Step::Done) {
    return std::optional<PropertyRow>();
  }
  return std::optional<PropertyRow>(readProperty(*statement));
}

Result<PropertyRow> requireProperty(Database& db, int64_t prop_no) {
  auto property = STAYLAB_TRY(findProperty(db, prop_no));
  if (!property) {
    return errors::propertyNotFound(prop_no);
  }
  return std::move(*property);
}

Result<std::optional<ReservationRow>> findReservation(Database& db, int64_t res_no) {
  auto statement = STAYLAB_TRY(
      db.reuse(fmt::format("SELECT {} FROM RESERVATION WHERE RES_NO = ?", kReservationColumns)));
  statement->bind(1, res_no);
  if (STAYLAB_TRY(statement->step()) == Step::Done) {
    return std::optional<ReservationRow>();
  }
  return std::optional<ReservationRow>(readReservation(*statement));
}

// What the legacy screens refuse in a property, whoever writes it.
Result<void> validateProperty(const PropertyRow& row) {
  if (row.prop_no < 0) {
    return invalidInput("prop_no", "PROP_NO {} is negative", row.prop_no);
  }
  if (row.title.empty()) {
    return invalidInput("title", "TITLE is required");
  }
  if (row.price.empty()) {
    return invalidInput("price", "PRICE is required (a decimal such as 120.50)");
  }
  if (row.max_guests < 1) {
    return invalidInput("max_guests", "MAX_GUESTS must be at least 1, not {}", row.max_guests);
  }
  if (row.status != 'A' && row.status != 'S') {
    return invalidInput("status", "STATUS must be 'A' (active) or 'S' (suspended)");
  }
  return ok();
}

// Checks a stay's dates; returns its nights.
Result<int64_t> validateStay(std::string_view check_in, std::string_view check_out) {
  int64_t from = STAYLAB_TRY(parseDate(check_in, "check_in"));
  int64_t to = STAYLAB_TRY(parseDate(check_out, "check_out"));
  if (to <= from) {
    return invalidInput("check_out", "CHECK_OUT {} must be after CHECK_IN {}", check_out, check_in);
  }
  return to - from;
}

// Refused "legacy.overlap" when a confirmed reservation of the property other
// than `own_res_no` holds a night of [check_in, check_out). The fixed-width
// "YYYYMMDD" text orders as the dates do.
Result<void> checkOverlap(Database& db, int64_t prop_no, int64_t own_res_no,
                          std::string_view check_in, std::string_view check_out) {
  auto statement = STAYLAB_TRY(
      db.reuse("SELECT RES_NO, CHECK_IN, CHECK_OUT FROM RESERVATION WHERE PROP_NO = ? AND "
               "STATUS = 'C' AND RES_NO <> ? AND CHECK_IN < ? AND ? < CHECK_OUT "
               "ORDER BY CHECK_IN LIMIT 1"));
  statement->bind(1, prop_no).bind(2, own_res_no).bind(3, check_out).bind(4, check_in);
  if (STAYLAB_TRY(statement->step()) == Step::Row) {
    return errors::overlap(prop_no, statement->columnInt(0), statement->columnText(1),
                           statement->columnText(2));
  }
  return ok();
}

// Inserts the row, or updates it in place when its key exists so that the
// UPDATE trigger (not a DELETE and INSERT) records the change.
Result<int64_t> writeProperty(Database& db, const PropertyRow& row, Source source) {
  bool exists = row.prop_no != 0 && STAYLAB_TRY(findProperty(db, row.prop_no)).has_value();
  std::string sql =
      exists ? "UPDATE PROPERTY SET TITLE = ?2, DESCR = ?3, CITY = ?4, PRICE = ?5, CURR = ?6, "
               "MAX_GUESTS = ?7, AMENITIES = ?8, STATUS = ?9, HOST_REF = ?10, EXT_REF = ?11, "
               "LAST_SRC = ?12 WHERE PROP_NO = ?1"
             : fmt::format(
                   "INSERT INTO PROPERTY ({}, LAST_SRC) VALUES "
                   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                   kPropertyColumns);
  auto statement = STAYLAB_TRY(db.reuse(sql));
  if (row.prop_no == 0) {
    statement->bindNull(1);
  } else {
    statement->bind(1, row.prop_no);
  }
  statement->bind(2, row.title)
      .bind(3, row.descr)
      .bind(4, row.city)
      .bind(5, row.price)
      .bind(6, row.curr)
      .bind(7, row.max_guests)
      .bind(8, row.amenities)
      .bind(9, std::string(1, row.status))
      .bind(10, row.host_ref)
      .bind(11, row.ext_ref)
      .bind(12, sourceLetter(source));
  STAYLAB_TRY(statement->run());
  return row.prop_no != 0 ? row.prop_no : db.lastInsertRowId();
}

Result<int64_t> writeReservation(Database& db, const ReservationRow& row, Source source) {
  bool exists = row.res_no != 0 && STAYLAB_TRY(findReservation(db, row.res_no)).has_value();
  std::string sql = exists ? "UPDATE RESERVATION SET PROP_NO = ?2, GUEST_NAME = ?3, CHECK_IN = ?4, "
                             "CHECK_OUT = ?5, GUESTS = ?6, AMOUNT = ?7, STATUS = ?8, EXT_REF = ?9, "
                             "LAST_SRC = ?10 WHERE RES_NO = ?1"
                           : fmt::format(
                                 "INSERT INTO RESERVATION ({}, LAST_SRC) VALUES "
                                 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                                 kReservationColumns);
  auto statement = STAYLAB_TRY(db.reuse(sql));
  if (row.res_no == 0) {
    statement->bindNull(1);
  } else {
    statement->bind(1, row.res_no);
  }
  statement->bind(2, row.prop_no)
      .bind(3, row.guest_name)
      .bind(4, row.check_in)
      .bind(5, row.check_out)
      .bind(6, row.guests)
      .bind(7, row.amount)
      .bind(8, std::string(1, row.status))
      .bind(9, row.ext_ref)
      .bind(10, sourceLetter(source));
  STAYLAB_TRY(statement->run());
  return row.res_no != 0 ? row.res_no : db.lastInsertRowId();
}

// Runs `body` inside BEGIN IMMEDIATE and returns what it produced.
template <typename T, typename Body>
Result<T> writeTransaction(Database& db, Body body) {
  std::optional<T> produced;
  STAYLAB_TRY(db.transaction([&]() -> Result<void> {
    produced = STAYLAB_TRY(body());
    return ok();
  }));
  return std::move(*produced);
}

}  // namespace

LegacyMonolith::LegacyMonolith(std::unique_ptr<sqlite::Database> db) : m_db(std::move(db)) {}

LegacyMonolith::~LegacyMonolith() = default;

Result<std::unique_ptr<LegacyMonolith>> LegacyMonolith::open(const OpenOptions& options) {
  sqlite::OpenOptions open_options;
  open_options.path = options.path;
  open_options.creation = options.creation;
  open_options.busy_timeout_ms = kBusyTimeoutMs;
  auto db = STAYLAB_TRY(sqlite::Database::open(open_options));
  if (options.creation == StoreCreation::CreateIfMissing) {
    STAYLAB_TRY(createSchema(*db));
  }
  STAYLAB_TRY(requireSchema(*db));
  return std::unique_ptr<LegacyMonolith>(new LegacyMonolith(std::move(db)));
}

Result<std::vector<PropertyRow>> LegacyMonolith::search(const SearchRequest& request) {
  if (request.limit < 1 || request.limit > 100) {
    return invalidInput("limit", "limit must be 1..100, not {}", request.limit);
  }
  if (request.guests < 1) {
    return invalidInput("guests", "guests must be at least 1, not {}", request.guests);
  }
  if (request.check_in.empty() != request.check_out.empty()) {
    return invalidInput(request.check_in.empty() ? "check_in" : "check_out",
                        "give both CHECK_IN and CHECK_OUT, or neither");
  }
  if (!request.check_in.empty()) {
    STAYLAB_TRY(validateStay(request.check_in, request.check_out));
  }
  // The text is matched literally: % and _ typed by the user are escaped.
  std::string pattern = "%";
  for (char c : request.text) {
    if (c == '%' || c == '_' || c == '\\') {
      pattern += '\\';
    }
    pattern += c;
  }
  pattern += '%';
  std::lock_guard lock(m_mutex);
  auto statement = STAYLAB_TRY(m_db->reuse(fmt::format(
      "SELECT {} FROM PROPERTY P WHERE STATUS = 'A' AND MAX_GUESTS >= ?1 "
      "AND (?2 = '' OR TITLE LIKE ?3 ESCAPE '\\' OR DESCR LIKE ?3 ESCAPE '\\') "
      "AND (?4 = '' OR CITY = ?4 COLLATE NOCASE) "
      "AND (?5 = '' OR NOT EXISTS (SELECT 1 FROM RESERVATION R WHERE R.PROP_NO = P.PROP_NO "
      "AND R.STATUS = 'C' AND R.CHECK_IN < ?6 AND ?5 < R.CHECK_OUT)) "
      "ORDER BY PROP_NO LIMIT ?7",
      kPropertyColumns)));
  statement->bind(1, request.guests)
      .bind(2, request.text)
      .bind(3, pattern)
      .bind(4, request.city)
      .bind(5, request.check_in)
      .bind(6, request.check_out)
      .bind(7, static_cast<int64_t>(request.limit));
  return readAll<PropertyRow>(*statement, readProperty);
}

Result<PropertyRow> LegacyMonolith::view(int64_t prop_no) {
  std::lock_guard lock(m_mutex);
  return requireProperty(*m_db, prop_no);
}

Result<int64_t> LegacyMonolith::book(int64_t prop_no, std::string_view guest_name,
                                     std::string_view check_in, std::string_view check_out,
                                     int64_t guests) {
  if (guest_name.empty()) {
    return invalidInput("guest_name", "GUEST_NAME is required");
  }
  if (guests < 1) {
    return invalidInput("guests", "GUESTS must be at least 1, not {}", guests);
  }
  int64_t nights = STAYLAB_TRY(validateStay(check_in, check_out));
  std::lock_guard lock(m_mutex);
  return writeTransaction<int64_t>(*m_db, [&]() -> Result<int64_t> {
    PropertyRow property = STAYLAB_TRY(requireProperty(*m_db, prop_no));
    if (property.status != 'A') {
      return errors::suspended(prop_no);
    }
    if (guests > property.max_guests) {
      return invalidInput("guests", "PROPERTY {} takes at most {} guests, not {}", prop_no,
                          property.max_guests, guests);
    }
    int64_t price = STAYLAB_TRY(parseAmount(property.price, "price"));
    if (price > 0 && nights > kMaxHundredths / price) {
      return invalidInput("price", "PRICE {} times {} nights is too large", property.price, nights);
    }
    STAYLAB_TRY(checkOverlap(*m_db, prop_no, 0, check_in, check_out));
    ReservationRow row;
    row.prop_no = prop_no;
    row.guest_name = std::string(guest_name);
    row.check_in = std::string(check_in);
    row.check_out = std::string(check_out);
    row.guests = guests;
    row.amount = formatAmount(price * nights);
    return writeReservation(*m_db, row, Source::Legacy);
  });
}

Result<void> LegacyMonolith::cancel(int64_t res_no) {
  std::lock_guard lock(m_mutex);
  return m_db->transaction([&]() -> Result<void> {
    auto reservation = STAYLAB_TRY(findReservation(*m_db, res_no));
    if (!reservation) {
      return errors::reservationNotFound(res_no);
    }
    if (reservation->status == 'X') {
      return ok();  // Already cancelled: no write, so no change captured.
    }
    auto statement = STAYLAB_TRY(
        m_db->reuse("UPDATE RESERVATION SET STATUS = 'X', LAST_SRC = 'L' WHERE RES_NO = ?"));
    statement->bind(1, res_no);
    return statement->run();
  });
}

Result<PropertyRow> LegacyMonolith::edit(int64_t prop_no, const PropertyEdit& edit) {
  std::lock_guard lock(m_mutex);
  return writeTransaction<PropertyRow>(*m_db, [&]() -> Result<PropertyRow> {
    PropertyRow row = STAYLAB_TRY(requireProperty(*m_db, prop_no));
    auto apply = [](auto& field, const auto& value) {
      if (value) {
        field = *value;
      }
    };
    apply(row.title, edit.title);
    apply(row.descr, edit.descr);
    apply(row.city, edit.city);
    apply(row.price, edit.price);
    apply(row.curr, edit.curr);
    apply(row.max_guests, edit.max_guests);
    apply(row.amenities, edit.amenities);
    apply(row.status, edit.status);
    STAYLAB_TRY(validateProperty(row));
    // Written even when nothing changed: the UPDATE trigger captures it.
    STAYLAB_TRY(writeProperty(*m_db, row, Source::Legacy));
    return row;
  });
}

Result<int64_t> LegacyMonolith::createProperty(const PropertyRow& row) {
  if (row.prop_no != 0) {
    return invalidInput("prop_no", "PROP_NO is assigned by the monolith; pass 0, not {}",
                        row.prop_no);
  }
  STAYLAB_TRY(validateProperty(row));
  std::lock_guard lock(m_mutex);
  return writeTransaction<int64_t>(*m_db,
                                   [&]() { return writeProperty(*m_db, row, Source::Legacy); });
}

Result<int64_t> LegacyMonolith::putProperty(const PropertyRow& row, Source source) {
  STAYLAB_TRY(validateProperty(row));
  std::lock_guard lock(m_mutex);
  return writeTransaction<int64_t>(*m_db, [&]() { return writeProperty(*m_db, row, source); });
}

Result<int64_t> LegacyMonolith::putReservation(const ReservationRow& row, Source source) {
  if (row.res_no < 0) {
    return invalidInput("res_no", "RES_NO {} is negative", row.res_no);
  }
  if (row.guests < 1) {
    return invalidInput("guests", "GUESTS must be at least 1, not {}", row.guests);
  }
  if (row.status != 'C' && row.status != 'X') {
    return invalidInput("status", "STATUS must be 'C' (confirmed) or 'X' (cancelled)");
  }
  STAYLAB_TRY(validateStay(row.check_in, row.check_out));
  std::lock_guard lock(m_mutex);
  return writeTransaction<int64_t>(*m_db, [&]() -> Result<int64_t> {
    STAYLAB_TRY(requireProperty(*m_db, row.prop_no));
    if (row.status == 'C') {
      STAYLAB_TRY(checkOverlap(*m_db, row.prop_no, row.res_no, row.check_in, row.check_out));
    }
    return writeReservation(*m_db, row, source);
  });
}

Result<std::vector<Change>> LegacyMonolith::changesAfter(int64_t after, size_t limit) {
  constexpr auto kMaxLimit = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  std::lock_guard lock(m_mutex);
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT CHANGE_ID, TBL, OP, ROW_KEY, PROP_NO, SRC, DEPENDS_ON, IMAGE "
                              "FROM CDC_CHANGE WHERE CHANGE_ID > ? ORDER BY CHANGE_ID LIMIT ?"));
  statement->bind(1, after).bind(2, static_cast<int64_t>(std::min(limit, kMaxLimit)));
  return readAll<Change>(*statement, [](const Statement& row) {
    Change change;
    change.change_id = row.columnInt(0);
    change.table = row.columnText(1);
    change.op = firstLetter(row.columnText(2));
    change.row_key = row.columnInt(3);
    change.prop_no = row.columnInt(4);
    change.source = firstLetter(row.columnText(5)) == 'S' ? Source::Sync : Source::Legacy;
    change.depends_on = row.columnInt(6);
    change.image = row.columnText(7);
    return change;
  });
}

Result<int64_t> LegacyMonolith::lastChangeId() {
  std::lock_guard lock(m_mutex);
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT COALESCE(MAX(CHANGE_ID), 0) FROM CDC_CHANGE"));
  STAYLAB_TRY(statement->step());
  return statement->columnInt(0);
}

Result<int64_t> LegacyMonolith::ownChangesOf(int64_t prop_no) {
  std::lock_guard lock(m_mutex);
  auto statement = STAYLAB_TRY(m_db->reuse(
      "SELECT COUNT(*) FROM CDC_CHANGE WHERE TBL IN ('PROPERTY', 'RESERVATION') AND PROP_NO = ? "
      "AND SRC = 'L'"));
  statement->bind(1, prop_no);
  STAYLAB_TRY(statement->step());
  return statement->columnInt(0);
}

Result<std::vector<PropertyRow>> LegacyMonolith::properties() {
  std::lock_guard lock(m_mutex);
  auto statement = STAYLAB_TRY(
      m_db->reuse(fmt::format("SELECT {} FROM PROPERTY ORDER BY PROP_NO", kPropertyColumns)));
  return readAll<PropertyRow>(*statement, readProperty);
}

Result<std::vector<ReservationRow>> LegacyMonolith::reservations() {
  std::lock_guard lock(m_mutex);
  auto statement = STAYLAB_TRY(
      m_db->reuse(fmt::format("SELECT {} FROM RESERVATION ORDER BY RES_NO", kReservationColumns)));
  return readAll<ReservationRow>(*statement, readReservation);
}

Result<ReservationRow> LegacyMonolith::reservation(int64_t res_no) {
  std::lock_guard lock(m_mutex);
  auto reservation = STAYLAB_TRY(findReservation(*m_db, res_no));
  if (!reservation) {
    return errors::reservationNotFound(res_no);
  }
  return std::move(*reservation);
}

// An empty EXT_REF means "not set", so it finds nothing; when several rows
// carry the same reference (the legacy does not forbid it) the lowest key wins.
Result<std::optional<PropertyRow>> LegacyMonolith::propertyByExtRef(std::string_view ext_ref) {
  if (ext_ref.empty()) {
    return std::optional<PropertyRow>();
  }
  std::lock_guard lock(m_mutex);
  auto statement = STAYLAB_TRY(m_db->reuse(fmt::format(
      "SELECT {} FROM PROPERTY WHERE EXT_REF = ? ORDER BY PROP_NO LIMIT 1", kPropertyColumns)));
  statement->bind(1, ext_ref);
  auto rows = STAYLAB_TRY(readAll<PropertyRow>(*statement, readProperty));
  return rows.empty() ? std::optional<PropertyRow>() : std::optional<PropertyRow>(rows.front());
}

Result<std::optional<ReservationRow>> LegacyMonolith::reservationByExtRef(
    std::string_view ext_ref) {
  if (ext_ref.empty()) {
    return std::optional<ReservationRow>();
  }
  std::lock_guard lock(m_mutex);
  auto statement = STAYLAB_TRY(m_db->reuse(
      fmt::format("SELECT {} FROM RESERVATION WHERE EXT_REF = ? ORDER BY RES_NO LIMIT 1",
                  kReservationColumns)));
  statement->bind(1, ext_ref);
  auto rows = STAYLAB_TRY(readAll<ReservationRow>(*statement, readReservation));
  return rows.empty() ? std::optional<ReservationRow>()
                      : std::optional<ReservationRow>(rows.front());
}

Result<void> LegacyMonolith::integrityCheck() {
  std::lock_guard lock(m_mutex);
  return m_db->integrityCheck();
}

}  // namespace staylab::legacy
