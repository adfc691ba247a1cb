#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/ports/event_log.h"
#include "domain/ports/wide_column_store.h"
#include "events/consumer.h"

namespace staylab {

// The booking history read model, fed by the "booking" topic: every state
// change of every booking, per property and per guest.
//
// For each BookingPlaced, BookingRejected and BookingCancelled it writes one
// cell version in two rows:
//   family "by_property", row property_id, qualifier booking_id
//   family "by_guest",    row guest_id,    qualifier booking_id
// with timestamp = aggregate_version (1 placed or rejected, 2 cancelled) and
// value = the JSON object {type, status ("confirmed", "rejected",
// "cancelled"), booking_id, guest_id, property_id, check_in, check_out,
// nights, total_minor, currency, occurred_at (nanoseconds), event_id}, plus
// reason for a rejection. total_minor and currency are null when the event
// does not carry them (BookingRejected, BookingCancelled). The value is a
// function of the event alone, so a repeated event rewrites identical cells.
//
// Bookkeeping in family "meta", written in the same WideColumnBatch as the
// cells of the events before it (timestamp 0):
//   row "offsets", qualifier "<topic>/<partition>": next offset to read, decimal
//   row "poison",  qualifier "<topic>/<partition>/<offset>": PoisonRecord::toJson()
// Other event types are skipped; events that cannot be applied (bad payload,
// unsupported schema version, refused by the store) are skipped and recorded
// as poison.
//
// The store must have been opened with the families of kFamilies.
// Thread safety: see Consumer.
class HistoryProjection final : public Consumer {
 public:
  static constexpr const char* kByProperty = "by_property";
  static constexpr const char* kByGuest = "by_guest";
  static constexpr const char* kMeta = "meta";
  // Returns the column families the store needs.
  static std::vector<std::string> families() { return {kByProperty, kByGuest, kMeta}; }

  struct Options {
    // Most events read from one partition at a time. A step applies all it
    // reads, from every partition, in one batch. Default: 256.
    size_t max_batch = 256;
  };

  // Keeps references to `store` and `log`, which must outlive the projection.
  HistoryProjection(WideColumnStore& store, EventLog& log);
  HistoryProjection(WideColumnStore& store, EventLog& log, Options options);

  std::string name() const override { return "history"; }
  [[nodiscard]] Result<size_t> step(size_t max_events) override;
  [[nodiscard]] Result<int64_t> lag() override;
  // Deletes every row of its three families (the offsets first, so a crash
  // halfway only makes the replay start earlier), then replays from offset 0.
  [[nodiscard]] Result<void> rebuild() override;
  // Returns "history:<cells>:<16 hex digits>", a 64-bit FNV-1a hash of
  // canonicalContent().
  [[nodiscard]] Result<std::string> canonicalDigest() override;
  // Returns every cell version of "by_property" then "by_guest", one line
  // each (family, row, qualifier, timestamp, value), in store order.
  [[nodiscard]] Result<std::string> canonicalContent();

  // Returns the poison events recorded in the store, in qualifier order.
  [[nodiscard]] Result<std::vector<PoisonRecord>> poisonRecords();
  // Returns how many poison events this instance has skipped since it was
  // made (rebuild() counts again).
  size_t poisonCount() const { return m_poison_count; }

 private:
  Result<int64_t> loadOffset(const std::string& topic, int partition);
  // Applies runs of records (see PartitionCursor) in one batch; when the store
  // refuses it as invalid, applies them one by one so only the offending
  // event is poison.
  Result<void> applyRuns(const std::vector<std::vector<LogRecord>>& runs);
  // Applies one record and its offset in a batch of its own; a record whose
  // cells the store refuses becomes poison.
  Result<void> applyAlone(const LogRecord& record);
  // Adds the cells of `record` to `batch`; InvalidInput when it cannot be applied.
  Result<void> addCells(const LogRecord& record, WideColumnBatch& batch) const;
  static void addPoison(const LogRecord& record, std::string reason, WideColumnBatch& batch);
  static void addOffset(const LogPosition& last, WideColumnBatch& batch);

  WideColumnStore& m_store;
  Options m_options;
  PartitionCursor m_cursor;
  size_t m_poison_count = 0;
};

}  // namespace staylab
