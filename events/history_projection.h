#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "domain/ports/event_log.h"
#include "domain/ports/wide_column_store.h"
#include "events/cursor_consumer.h"

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
// With ConsumerDelivery::Naive, what a projection that trusts its delivery
// does: it appends a new version to both cells for every event it receives,
// at the cell's newest timestamp + 1 (1 for a new cell), rather than at the
// event's aggregate_version. A repeated event adds a version, and a
// reordered one puts the older state on top. Offsets are NaiveOffsets,
// written apart from the cells. Without a repeated or reordered delivery it
// writes what the idempotent projection writes (placed or rejected at 1,
// cancelled at 2).
//
// Observation (see Consumer): an idempotent projection reports an event
// unless this instance already applied the same log position; after a crash
// it cannot tell, but then only re-reads positions past its stored offsets,
// which it applied only when the delivery was reordered.
//
// The store must have been opened with the families of kFamilies.
// Thread safety: see Consumer.
class HistoryProjection final : public CursorConsumer {
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
    // How delivered events are applied (see above). Default: idempotently.
    DeliveryOptions delivery = {};
  };

  // Keeps references to `store` and `log`, which must outlive the projection.
  HistoryProjection(WideColumnStore& store, EventLog& log);
  HistoryProjection(WideColumnStore& store, EventLog& log, Options options);

  std::string name() const override { return "history"; }
  // Deletes every row of its three families (the offsets first, so a crash
  // halfway only makes the replay start earlier), then replays from offset 0
  // (a naive projection then commits its offsets).
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
  // What a batch has read or staged: the newest version of each (row,
  // family, qualifier), for a naive projection; the (booking id, version)
  // pairs it writes, for an idempotent one.
  struct StagedVersions {
    std::map<std::tuple<std::string, std::string, std::string>, int64_t> newest;
    std::set<std::pair<std::string, int64_t>> written;
  };

  Result<int64_t> storedOffset(const std::string& topic, int partition) override;
  // Applies runs of records (see PartitionCursor) in one batch; when the store
  // refuses it as invalid, applies them one by one so only the offending
  // event is poison.
  Result<size_t> applyRuns(const std::vector<std::vector<LogRecord>>& runs) override;
  Result<void> writeOffsets(const NaiveOffsets::Offsets& offsets) override;
  // Applies one record and its offset in a batch of its own; a record whose
  // cells the store refuses becomes poison. Returns false when it holds the
  // record back (poisonVerdict()).
  Result<bool> applyAlone(const LogRecord& record);
  // Adds the cells of `record` to `batch`; Skipped, for an idempotent
  // projection, when the history holds its version of the booking already (a
  // re-published or re-delivered event). InvalidInput when it cannot be
  // applied, StoreFailure when the store cannot read a cell.
  Result<EventEffect> addCells(const LogRecord& record, WideColumnBatch& batch,
                               StagedVersions& staged) const;
  // Returns the version after the newest of a cell, counting `staged` (naive).
  Result<int64_t> nextVersion(const std::string& row, const char* family,
                              const std::string& qualifier, StagedVersions& staged) const;
  // Returns whether the history holds, or `staged` writes, `version` of the
  // booking; records it in `staged` otherwise (idempotent).
  Result<bool> holdsVersion(const std::string& property_id, const std::string& booking_id,
                            int64_t version, StagedVersions& staged) const;
  // Adds the offset after `last`, unless the projection is naive.
  void addOffset(const LogPosition& last, WideColumnBatch& batch) const;
  static void addPoison(const LogRecord& record, std::string reason, WideColumnBatch& batch);
  static void putOffset(const std::string& topic, int partition, int64_t next,
                        WideColumnBatch& batch);
  // Follows a committed batch: hands on `applied` but for the positions this
  // instance applied before (while observed), and `lasts`.
  void committedCells(const std::vector<const LogRecord*>& applied,
                      const std::vector<LogPosition>& lasts);

  WideColumnStore& m_store;
  Options m_options;
  size_t m_poison_count = 0;
  // Offsets at or past the stored one that this instance applied, per
  // (topic, partition), kept while observed to recognise redeliveries.
  std::map<std::pair<std::string, int>, std::set<int64_t>> m_applied_offsets;
};

}  // namespace staylab
