// Migration::measure(): what the migration's case studies assert, read from
// the stores and the log as they are now (migration.h MigrationMeasures).

#include <map>
#include <set>

#include <fmt/format.h>

#include "app/migration/anti_corruption.h"
#include "app/migration/cdc_connector.h"
#include "app/migration/cdc_layout.h"
#include "app/migration/cdc_processor.h"
#include "app/migration/migration.h"
#include "app/migration/migration_store.h"
#include "app/migration/sync_back.h"
#include "app/platform/platform.h"

namespace staylab::migration {
namespace {

// The change ids of the legacy changes in `records`.
std::set<int64_t> changeIds(const std::vector<LogRecord>& records) {
  std::set<int64_t> ids;
  for (const LogRecord& record : records) {
    if (auto change = changeRecordOf(record.event))
      ids.insert(change->change.change_id);
  }
  return ids;
}

Result<std::vector<LogRecord>> wholeTopic(EventLog& log, const std::string& topic) {
  std::vector<LogRecord> records;
  const int partitions = log.topics().at(topic);
  for (int partition = 0; partition < partitions; ++partition) {
    int64_t offset = 0;
    while (true) {
      auto read = STAYLAB_TRY(log.read(topic, partition, offset, 4096));
      if (read.empty())
        break;
      offset = read.back().position.offset + 1;
      std::move(read.begin(), read.end(), std::back_inserter(records));
    }
  }
  return records;
}

}  // namespace

Result<MigrationMeasures> Migration::measure() {
  MigrationMeasures measures;
  MigrationStore& store = *m_store;
  const auto counters = STAYLAB_TRY(store.counters());
  auto counter = [&](std::string_view name) {
    auto found = counters.find(name);
    return found == counters.end() ? int64_t{0} : found->second;
  };
  measures.ordering_violations = counter(kOrderingViolations);
  measures.duplicates = counter(kDuplicates);
  measures.echo_changes = counter(kEchoChanges);
  measures.retried = counter(kRetried);
  measures.synced_back = counter(kSyncedBack);
  measures.sync_conflicts = counter(kSyncConflicts);

  // Conservation over the changes the CDC must carry.
  const auto outcomes = STAYLAB_TRY(store.outcomes());
  const std::set<int64_t> in_error =
      changeIds(STAYLAB_TRY(wholeTopic(m_platform.eventLog(), std::string(kErrorTopic))));
  // Waiting: unread by the CDC processor or the retry processor (measured
  // with both up, as after a drain), or not yet published.
  std::set<int64_t> waiting;
  CdcConnector probe(*m_legacy, m_platform.eventLog(), m_platform.clock(), m_options,
                     STAYLAB_TRY(captureStart()));
  const int64_t published = STAYLAB_TRY(m_connector ? m_connector->position() : probe.position());
  for (MigrationConsumer* consumer : {static_cast<MigrationConsumer*>(m_processor.get()),
                                      static_cast<MigrationConsumer*>(m_retry.get())}) {
    if (consumer != nullptr)
      waiting.merge(changeIds(STAYLAB_TRY(consumer->unread())));
  }
  measures.pending_retry =
      m_retry ? static_cast<int64_t>(changeIds(STAYLAB_TRY(m_retry->unread())).size()) : 0;
  int64_t after = 0;
  while (true) {
    auto changes = STAYLAB_TRY(m_legacy->changesAfter(after, 4096));
    if (changes.empty())
      break;
    after = changes.back().change_id;
    for (const legacy::Change& change : changes) {
      if (change.source != legacy::Source::Legacy)
        continue;
      ++measures.changes_captured;
      auto decided = outcomes.find(change.change_id);
      if (decided != outcomes.end() && decided->second == Outcome::Applied) {
        ++measures.changes_applied;
      } else if (decided != outcomes.end() && in_error.contains(change.change_id)) {
        ++measures.errors;
      } else if (!waiting.contains(change.change_id) && change.change_id <= published) {
        ++measures.cdc_unaccounted;  // Published, yet neither decided nor waiting.
      }
    }
  }

  // The two systems compared through the mapping.
  std::map<std::string, listing::Property> properties;
  for (listing::Property& property : STAYLAB_TRY(m_platform.listing().list(std::nullopt)))
    properties.emplace(property.id, std::move(property));
  std::map<int64_t, std::string> property_of;  // PROP_NO -> new id.
  std::set<std::string> seen;
  for (const legacy::PropertyRow& row : STAYLAB_TRY(m_legacy->properties())) {
    std::string id = row.ext_ref;
    if (id.empty())
      id = STAYLAB_TRY(store.newId('P', row.prop_no)).value_or(std::string());
    auto found = properties.find(id);
    if (found == properties.end()) {
      ++measures.divergent_listings;
      continue;
    }
    property_of.emplace(row.prop_no, id);
    seen.insert(id);
    if (!sameListing(row, found->second))
      ++measures.divergent_listings;
  }
  measures.divergent_listings += static_cast<int64_t>(properties.size() - seen.size());

  std::map<std::string, booking::Booking> bookings;
  for (booking::Booking& booking : STAYLAB_TRY(m_platform.bookingStore().list(BookingFilter{})))
    bookings.emplace(booking.id, std::move(booking));
  std::map<std::pair<std::string, int32_t>, std::set<std::string>> holders;  // (property, night)
  std::set<std::string> matched;
  for (const legacy::ReservationRow& row : STAYLAB_TRY(m_legacy->reservations())) {
    std::string id = row.ext_ref;
    if (id.empty())
      id = STAYLAB_TRY(store.newId('R', row.res_no)).value_or(std::string());
    auto found = bookings.find(id);
    if (found != bookings.end())
      matched.insert(id);
    if (row.status == 'C' || found != bookings.end()) {
      if (found == bookings.end() || !sameBooking(row, found->second))
        ++measures.divergent_bookings;
    }
    auto property = property_of.find(row.prop_no);
    auto check_in = legacyDate(row.check_in, "CHECK_IN");
    auto check_out = legacyDate(row.check_out, "CHECK_OUT");
    if (row.status != 'C' || property == property_of.end() || !check_in || !check_out)
      continue;
    const std::string holder = id.empty() ? fmt::format("legacy/{}", row.res_no) : id;
    for (int32_t night = check_in->daysSinceEpoch(); night < check_out->daysSinceEpoch(); ++night)
      holders[{property->second, night}].insert(holder);
  }
  for (const auto& [id, booking] : bookings) {
    if (!booking.holdsNights())
      continue;
    if (!matched.contains(id))
      ++measures.divergent_bookings;
    for (int32_t night = booking.check_in.daysSinceEpoch();
         night < booking.check_out.daysSinceEpoch(); ++night)
      holders[{booking.property_id, night}].insert(id);
  }
  for (const auto& [night, who] : holders) {
    if (who.size() > 1)
      ++measures.cross_system_double_bookings;
  }
  return measures;
}

}  // namespace staylab::migration
