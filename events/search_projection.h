#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/ports/event_log.h"
#include "domain/ports/text_index.h"
#include "events/cursor_consumer.h"

namespace staylab {

// The search read model: one SearchDocument per property, fed by the
// "property" and "booking" topics.
//
// Effects, each applied at most once whatever the log repeats:
// - PropertyCreated / PropertyUpdated replace the document's listing fields
//   with the event's snapshot (its booked nights are kept); listed is
//   (status == "active") and source_version the event's aggregate_version.
//   Applied only when aggregate_version > the document's source_version.
// - PropertySuspended unlists the document (same version rule), so the
//   property leaves every search.
// - BookingPlaced holds its nights [check_in, check_out) on the property,
//   BookingCancelled releases them; BookingRejected changes nothing. Applied
//   only when aggregate_version > the booking's applied version.
// - A booking event for a property not seen yet creates an unlisted
//   placeholder (id and booked nights, source_version 0) that
//   PropertyCreated completes.
// - Other event types are skipped. An event that cannot be applied (bad
//   payload, unsupported schema version, refused by the store) is poison:
//   recorded as poison and skipped, at once or after tries and a copy to its
//   dead-letter topic, or held for ever (DeliveryOptions::poison).
//
// Bookkeeping, all in the text index's metadata and written in the same
// apply() as the documents it concerns:
//   "offset/<topic>/<partition>"  next offset to read, decimal
//   "booking/<booking_id>"        the booking's applied aggregate_version, decimal
//   "holds/<property_id>"         JSON {booking_id: [check_in, check_out]} of the
//                                 bookings holding the property's nights; a
//                                 document's booked_nights is their union, so
//                                 bookings applied in any order across
//                                 partitions give the same nights
//   "poison/<topic>/<partition>/<offset>"  PoisonRecord::toJson()
//
// With ConsumerDelivery::Naive, what a projection that trusts its delivery
// does: no version is checked and no booking remembered.
// - PropertyCreated / PropertyUpdated / PropertySuspended apply whatever
//   their version: a late or repeated older snapshot overwrites a newer one
//   (and lists a suspended property again).
// - BookingPlaced adds its nights to the document's booked_nights (kept
//   sorted, a night once per booking holding it), BookingCancelled removes
//   one of each of its nights: a repeated BookingPlaced holds its nights
//   twice, and they stay booked after the cancellation.
// - "booking/" and "holds/" are neither read nor written; the offsets are
//   NaiveOffsets, written apart from the effects.
// Without a repeated or reordered delivery it builds what the idempotent
// projection builds.
//
// Thread safety: see Consumer.
class SearchProjection final : public CursorConsumer {
 public:
  struct Options {
    // Most events read from one partition at a time. A step applies all it
    // reads, from every partition, in one commit. Default: 256.
    size_t max_batch = 256;
    // How delivered events are applied (see above). Default: idempotently.
    DeliveryOptions delivery = {};
  };

  // Keeps references to `index` and `log`, which must outlive the projection.
  SearchProjection(TextIndex& index, EventLog& log);
  SearchProjection(TextIndex& index, EventLog& log, Options options);

  std::string name() const override { return "search"; }
  // Clears the whole text index (documents and metadata) in one commit, then
  // replays from offset 0 (a naive projection then commits its offsets).
  [[nodiscard]] Result<void> rebuild() override;
  // Returns "search:<documents>:<16 hex digits>", a 64-bit FNV-1a hash of
  // canonicalContent().
  [[nodiscard]] Result<std::string> canonicalDigest() override;
  // Returns every document, listed or not, one JSON line each in id order with
  // every field of SearchDocument: what canonicalDigest() hashes.
  [[nodiscard]] Result<std::string> canonicalContent();

  // Returns the poison events recorded in the index, in key order.
  [[nodiscard]] Result<std::vector<PoisonRecord>> poisonRecords();
  // Returns how many poison events this instance has skipped since it was
  // made (rebuild() counts again).
  size_t poisonCount() const { return m_poison_count; }

 private:
  class Batch;

  Result<int64_t> storedOffset(const std::string& topic, int partition) override;
  // Applies runs of records (see PartitionCursor) in one commit; when the
  // store refuses the commit as invalid, applies them one by one so only the
  // offending event is poison.
  Result<size_t> applyRuns(const std::vector<std::vector<LogRecord>>& runs) override;
  Result<void> writeOffsets(const NaiveOffsets::Offsets& offsets) override;
  // Counts the poison of a batch that committed and hands on its effects.
  void committed(const Batch& batch, const std::vector<LogPosition>& lasts);

  TextIndex& m_index;
  Options m_options;
  size_t m_poison_count = 0;
};

}  // namespace staylab
