#include "app/migration/sync_back.h"

#include "app/migration/anti_corruption.h"
#include "app/platform/platform.h"

namespace staylab::migration {

SyncBack::SyncBack(app::Platform& platform, legacy::LegacyMonolith& legacy, MigrationStore& store,
                   const MigrationSettings& settings, size_t batch)
    // The platform's consumers' log: the delivery faults act on the sync-back too.
    : MigrationConsumer(std::string(kSyncBackPart), platform.consumerLog(), {"booking", "property"},
                        store, batch),
      m_platform(platform),
      m_legacy(legacy),
      m_settings(settings) {}

Result<bool> SyncBack::handle(const LogRecord& record, Bookkeeping& bookkeeping) {
  const EventEnvelope& event = record.event;
  if (event.correlation_id.starts_with("cdc/")) {
    if (m_settings.loop_prevention)
      return true;
    ++bookkeeping.counts[std::string(kEchoChanges)];
  }
  if (event.aggregate_type == "property") {
    if (event.type == "PropertyCreated" || event.type == "PropertyUpdated" ||
        event.type == "PropertySuspended") {
      STAYLAB_TRY(syncProperty(event.aggregate_id, bookkeeping));
    }
    return true;
  }
  if (event.type == "BookingPlaced" || event.type == "BookingCancelled")
    STAYLAB_TRY(syncBooking(event.aggregate_id, bookkeeping));
  return true;
}

Result<int64_t> SyncBack::legacyKey(char kind, const std::string& id) {
  if (auto mapped = STAYLAB_TRY(store().legacyKey(kind, id)))
    return *mapped;
  if (kind == 'P') {
    auto row = STAYLAB_TRY(m_legacy.propertyByExtRef(id));
    return row ? row->prop_no : 0;
  }
  auto row = STAYLAB_TRY(m_legacy.reservationByExtRef(id));
  return row ? row->res_no : 0;
}

Result<void> SyncBack::syncProperty(const std::string& property_id, Bookkeeping& bookkeeping) {
  auto property = m_platform.listing().get(property_id);
  if (!property) {
    if (property.error().kind == ErrorKind::NotFound)
      return {};  // Nothing to write: a poison event names no listing.
    return std::unexpected(property.error());
  }
  const int64_t prop_no = STAYLAB_TRY(legacyKey('P', property_id));
  legacy::PropertyRow row = STAYLAB_TRY(propertyRow(*property, prop_no));
  if (prop_no != 0) {
    auto current = STAYLAB_TRY(m_legacy.view(prop_no));
    row.ext_ref = current.ext_ref;
    if (current == row && m_settings.loop_prevention)
      return {};  // Already as the new side holds it.
  }
  const int64_t written = STAYLAB_TRY(m_legacy.putProperty(row, legacy::Source::Sync));
  bookkeeping.mappings.push_back(IdMapping{'P', written, property_id});
  ++bookkeeping.counts[std::string(kSyncedBack)];
  return {};
}

Result<void> SyncBack::syncBooking(const std::string& booking_id, Bookkeeping& bookkeeping) {
  auto booking = m_platform.bookings().get(booking_id);
  if (!booking) {
    if (booking.error().kind == ErrorKind::NotFound)
      return {};
    return std::unexpected(booking.error());
  }
  const int64_t prop_no = STAYLAB_TRY(legacyKey('P', booking->property_id));
  if (prop_no == 0)
    return {};  // A listing the legacy never had: nothing to hold there.
  const int64_t res_no = STAYLAB_TRY(legacyKey('R', booking_id));
  if (res_no == 0 && !booking->holdsNights())
    return {};  // Never written there, and no longer holding nights.
  legacy::ReservationRow row = STAYLAB_TRY(reservationRow(*booking, prop_no, res_no));
  if (res_no != 0) {
    auto current = STAYLAB_TRY(m_legacy.reservation(res_no));
    row.ext_ref = current.ext_ref;
    row.amount = current.amount;
    if (current == row && m_settings.loop_prevention)
      return {};
  }
  auto written = m_legacy.putReservation(row, legacy::Source::Sync);
  if (!written) {
    if (written.error().kind != ErrorKind::Refused)
      return std::unexpected(written.error());
    ++bookkeeping.counts[std::string(kSyncConflicts)];
    return {};
  }
  bookkeeping.mappings.push_back(IdMapping{'R', *written, booking_id});
  ++bookkeeping.counts[std::string(kSyncedBack)];
  return {};
}

}  // namespace staylab::migration
