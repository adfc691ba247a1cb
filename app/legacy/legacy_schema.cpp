#include "app/legacy/legacy_schema.h"

#include "stores/sqlite/sqlite.h"

namespace staylab::legacy {
namespace {

// Constraints as the legacy database has them: keys and the one-letter
// codes. PRICE, AMOUNT and the dates are free text, checked (if at all) by
// the screens, so malformed values can be in the tables as in real data.
constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS PROPERTY (
  PROP_NO    INTEGER PRIMARY KEY,
  TITLE      TEXT NOT NULL DEFAULT '',
  DESCR      TEXT NOT NULL DEFAULT '',
  CITY       TEXT NOT NULL DEFAULT '',
  PRICE      TEXT NOT NULL DEFAULT '',
  CURR       TEXT NOT NULL DEFAULT '',
  MAX_GUESTS INTEGER NOT NULL DEFAULT 1,
  AMENITIES  TEXT NOT NULL DEFAULT '',
  STATUS     TEXT NOT NULL DEFAULT 'A' CHECK (STATUS IN ('A', 'S')),
  HOST_REF   TEXT NOT NULL DEFAULT '',
  EXT_REF    TEXT NOT NULL DEFAULT '',
  LAST_SRC   TEXT NOT NULL DEFAULT 'L' CHECK (LAST_SRC IN ('L', 'S'))
);
CREATE INDEX IF NOT EXISTS PROPERTY_EXT_REF ON PROPERTY (EXT_REF);
CREATE TABLE IF NOT EXISTS RESERVATION (
  RES_NO     INTEGER PRIMARY KEY,
  PROP_NO    INTEGER NOT NULL REFERENCES PROPERTY (PROP_NO),
  GUEST_NAME TEXT NOT NULL DEFAULT '',
  CHECK_IN   TEXT NOT NULL,
  CHECK_OUT  TEXT NOT NULL,
  GUESTS     INTEGER NOT NULL DEFAULT 1,
  AMOUNT     TEXT NOT NULL DEFAULT '',
  STATUS     TEXT NOT NULL DEFAULT 'C' CHECK (STATUS IN ('C', 'X')),
  EXT_REF    TEXT NOT NULL DEFAULT '',
  LAST_SRC   TEXT NOT NULL DEFAULT 'L' CHECK (LAST_SRC IN ('L', 'S'))
);
CREATE INDEX IF NOT EXISTS RESERVATION_PROP ON RESERVATION (PROP_NO, CHECK_IN);
CREATE INDEX IF NOT EXISTS RESERVATION_EXT_REF ON RESERVATION (EXT_REF);
CREATE TABLE IF NOT EXISTS CDC_CHANGE (
  CHANGE_ID  INTEGER PRIMARY KEY AUTOINCREMENT,
  TBL        TEXT NOT NULL CHECK (TBL IN ('PROPERTY', 'RESERVATION')),
  OP         TEXT NOT NULL CHECK (OP IN ('I', 'U')),
  ROW_KEY    INTEGER NOT NULL,
  PROP_NO    INTEGER NOT NULL,
  SRC        TEXT NOT NULL CHECK (SRC IN ('L', 'S')),
  DEPENDS_ON INTEGER NOT NULL,
  IMAGE      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS CDC_CHANGE_BY_PROP ON CDC_CHANGE (TBL, PROP_NO, CHANGE_ID);
)sql";

// One trigger per table and operation; the bodies differ only in OP.
constexpr const char* kPropertyTrigger = R"sql(
CREATE TRIGGER IF NOT EXISTS PROPERTY_CDC_{0} AFTER {1} ON PROPERTY
BEGIN
  INSERT INTO CDC_CHANGE (TBL, OP, ROW_KEY, PROP_NO, SRC, DEPENDS_ON, IMAGE)
  VALUES ('PROPERTY', '{0}', NEW.PROP_NO, NEW.PROP_NO, NEW.LAST_SRC, 0,
          json_object('PROP_NO', NEW.PROP_NO, 'TITLE', NEW.TITLE, 'DESCR', NEW.DESCR,
                      'CITY', NEW.CITY, 'PRICE', NEW.PRICE, 'CURR', NEW.CURR,
                      'MAX_GUESTS', NEW.MAX_GUESTS, 'AMENITIES', NEW.AMENITIES,
                      'STATUS', NEW.STATUS, 'HOST_REF', NEW.HOST_REF, 'EXT_REF', NEW.EXT_REF,
                      'LAST_SRC', NEW.LAST_SRC));
END;
)sql";

constexpr const char* kReservationTrigger = R"sql(
CREATE TRIGGER IF NOT EXISTS RESERVATION_CDC_{0} AFTER {1} ON RESERVATION
BEGIN
  INSERT INTO CDC_CHANGE (TBL, OP, ROW_KEY, PROP_NO, SRC, DEPENDS_ON, IMAGE)
  VALUES ('RESERVATION', '{0}', NEW.RES_NO, NEW.PROP_NO, NEW.LAST_SRC,
          COALESCE((SELECT MAX(CHANGE_ID) FROM CDC_CHANGE
                    WHERE TBL = 'PROPERTY' AND PROP_NO = NEW.PROP_NO AND SRC = 'L'), 0),
          json_object('RES_NO', NEW.RES_NO, 'PROP_NO', NEW.PROP_NO,
                      'GUEST_NAME', NEW.GUEST_NAME, 'CHECK_IN', NEW.CHECK_IN,
                      'CHECK_OUT', NEW.CHECK_OUT, 'GUESTS', NEW.GUESTS, 'AMOUNT', NEW.AMOUNT,
                      'STATUS', NEW.STATUS, 'EXT_REF', NEW.EXT_REF, 'LAST_SRC', NEW.LAST_SRC));
END;
)sql";

}  // namespace

Result<void> createSchema(sqlite::Database& db) {
  return db.transaction([&]() -> Result<void> {
    STAYLAB_TRY(db.exec(kTables));
    for (const char* trigger : {kPropertyTrigger, kReservationTrigger}) {
      STAYLAB_TRY(db.exec(fmt::format(fmt::runtime(trigger), "I", "INSERT")));
      STAYLAB_TRY(db.exec(fmt::format(fmt::runtime(trigger), "U", "UPDATE")));
    }
    return ok();
  });
}

Result<void> requireSchema(sqlite::Database& db) {
  return db.requireTables("legacy database", {"PROPERTY", "RESERVATION", "CDC_CHANGE"});
}

}  // namespace staylab::legacy
