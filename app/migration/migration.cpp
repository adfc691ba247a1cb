#include "app/migration/migration.h"

#include <fmt/format.h>

#include "app/migration/anti_corruption.h"
#include "app/migration/cdc_connector.h"
#include "app/migration/cdc_layout.h"
#include "app/migration/cdc_processor.h"
#include "app/migration/change_applier.h"
#include "app/migration/migration_store.h"
#include "app/migration/sync_back.h"
#include "app/platform/platform.h"

namespace staylab::migration {
namespace {

// Records each consumer reads at most per partition read.
constexpr size_t kReadBatch = 64;
// Steps a drain takes at most before it calls the migration unsettled.
constexpr size_t kMaxDrainSteps = 100'000;

Error down(std::string_view part) {
  return Error{ErrorKind::StoreFailure, "migration.down", "",
               fmt::format("the {} is down (crashed, not restarted)", part)};
}

}  // namespace

std::map<std::string, int> Migration::topics(CdcStrategy strategy) {
  std::map<std::string, int> topics = sourceTopics(strategy);
  topics.emplace(std::string(kRetryTopic), 1);
  topics.emplace(std::string(kErrorTopic), 1);
  return topics;
}

Migration::Migration(app::Platform& platform, const MigrationSettings& options)
    : m_platform(platform), m_options(options) {}

Migration::~Migration() = default;

Result<std::unique_ptr<Migration>> Migration::open(app::Platform& platform,
                                                   const MigrationSettings& options,
                                                   StoreCreation creation) {
  if (options.attempts < 1 || options.attempts > 20)
    return invalidInput("attempts", "must be 1..20, not {}", options.attempts);
  if (options.backoff_nanos < 0)
    return invalidInput("backoff", "must not be negative");
  for (const auto& [topic, partitions] : topics(options.strategy)) {
    if (!platform.eventLog().topics().contains(topic))
      return invalidInput("topics",
                          "the event log has no topic '{}': open the platform with "
                          "Migration::topics()",
                          topic);
  }
  std::unique_ptr<Migration> migration(new Migration(platform, options));
  migration->m_legacy =
      STAYLAB_TRY(legacy::LegacyMonolith::open({platform.dataDir() / "legacy.db", creation}));
  migration->m_store =
      STAYLAB_TRY(MigrationStore::open(platform.dataDir() / "migration.db", creation));
  migration->m_applier = std::make_unique<ChangeApplier>(platform, *migration->m_store);
  for (std::string_view part : {kConnectorPart, kProcessorPart, kRetryPart, kSyncBackPart})
    STAYLAB_TRY(migration->restart(part));
  return migration;
}

Result<void> Migration::loadLegacyFromPlatform() {
  Bookkeeping mappings;
  std::map<std::string, int64_t> prop_nos;
  for (const listing::Property& property : STAYLAB_TRY(m_platform.listing().list(std::nullopt))) {
    legacy::PropertyRow row = STAYLAB_TRY(propertyRow(property, 0));
    const int64_t prop_no = STAYLAB_TRY(m_legacy->putProperty(row, legacy::Source::Sync));
    prop_nos.emplace(property.id, prop_no);
    mappings.mappings.push_back(IdMapping{'P', prop_no, property.id});
  }
  for (const booking::Booking& booking :
       STAYLAB_TRY(m_platform.bookingStore().list(BookingFilter{}))) {
    auto prop_no = prop_nos.find(booking.property_id);
    if (!booking.holdsNights() || prop_no == prop_nos.end())
      continue;
    legacy::ReservationRow row = STAYLAB_TRY(reservationRow(booking, prop_no->second, 0));
    const int64_t res_no = STAYLAB_TRY(m_legacy->putReservation(row, legacy::Source::Sync));
    mappings.mappings.push_back(IdMapping{'R', res_no, booking.id});
  }
  // The capture starts after the load's own changes, and the sync-back
  // after the events of what the load copied.
  mappings.counts[std::string(kCaptureStart)] = STAYLAB_TRY(m_legacy->lastChangeId());
  for (const char* topic : {"booking", "property"}) {
    const int partitions = m_platform.eventLog().topics().at(topic);
    for (int partition = 0; partition < partitions; ++partition) {
      mappings.offsets.push_back({std::string(kSyncBackPart), topic, partition,
                                  STAYLAB_TRY(m_platform.eventLog().endOffset(topic, partition))});
    }
  }
  STAYLAB_TRY(m_store->commit(mappings));
  m_connector.reset();  // Made again to start where the capture now starts.
  return restart(kConnectorPart);
}

Result<int64_t> Migration::legacyProperty(std::string_view property_id) {
  if (auto prop_no = STAYLAB_TRY(m_store->legacyKey('P', property_id)))
    return *prop_no;
  if (auto row = STAYLAB_TRY(m_legacy->propertyByExtRef(property_id)))
    return row->prop_no;
  return std::unexpected(Error{ErrorKind::NotFound, "migration.unmapped", "property",
                               fmt::format("no legacy property maps to '{}'", property_id)});
}

Result<std::string> Migration::newBooking(int64_t res_no) {
  if (auto id = STAYLAB_TRY(m_store->newId('R', res_no)))
    return *id;
  return std::unexpected(Error{ErrorKind::NotFound, "migration.unmapped", "reservation",
                               fmt::format("reservation {} is not migrated yet", res_no)});
}

Result<int64_t> Migration::captureStart() {
  const auto counters = STAYLAB_TRY(m_store->counters());
  auto found = counters.find(kCaptureStart);
  return found == counters.end() ? int64_t{0} : found->second;
}

Result<bool> Migration::caughtUp(int64_t prop_no) {
  return STAYLAB_TRY(m_store->decidedOf(prop_no)) >= STAYLAB_TRY(m_legacy->ownChangesOf(prop_no));
}

Result<size_t> Migration::step(std::string_view part, size_t batch) {
  if (part == kConnectorPart)
    return m_connector ? m_connector->step(batch) : std::unexpected(down(part));
  MigrationConsumer* consumer = nullptr;
  if (part == kProcessorPart) {
    consumer = m_processor.get();
  } else if (part == kRetryPart) {
    consumer = m_retry.get();
  } else if (part == kSyncBackPart) {
    consumer = m_sync_back.get();
  }
  if (consumer == nullptr) {
    if (part == kProcessorPart || part == kRetryPart || part == kSyncBackPart)
      return std::unexpected(down(part));
    return std::unexpected(Error{ErrorKind::NotFound, "migration.part", "part",
                                 fmt::format("no migration part '{}'", part)});
  }
  return consumer->step(batch);
}

Result<MigrationLag> Migration::lag(std::string_view part) {
  const ProcessorContext context{*m_applier, m_platform.eventLog(), m_platform.clock(), m_options};
  // A part that is down keeps no position in memory: one made for the
  // question reads the same stored position it will restart from.
  if (part == kConnectorPart) {
    if (m_connector)
      return m_connector->lag();
    return CdcConnector(*m_legacy, m_platform.eventLog(), m_platform.clock(), m_options,
                        STAYLAB_TRY(captureStart()))
        .lag();
  }
  if (part == kProcessorPart) {
    if (m_processor)
      return m_processor->lag();
    return CdcProcessor(m_platform.consumerLog(), *m_store, context, kReadBatch).lag();
  }
  if (part == kRetryPart) {
    if (m_retry)
      return m_retry->lag();
    return RetryProcessor(m_platform.consumerLog(), *m_store, context, kReadBatch).lag();
  }
  if (part == kSyncBackPart) {
    if (m_sync_back)
      return m_sync_back->lag();
    return SyncBack(m_platform, *m_legacy, *m_store, m_options, kReadBatch).lag();
  }
  return std::unexpected(Error{ErrorKind::NotFound, "migration.part", "part",
                               fmt::format("no migration part '{}'", part)});
}

Result<CdcProcessor*> Migration::member(std::string_view part, int member, int members) {
  if (part != kProcessorPart || member < 0 || member >= members)
    return invalidInput("part", "no instance {} of {} of '{}'", member, members, part);
  if (!m_processor)
    return std::unexpected(down(part));
  if (m_members.size() <= static_cast<size_t>(member))
    m_members.resize(static_cast<size_t>(member) + 1);
  auto& instance = m_members[static_cast<size_t>(member)];
  if (!instance) {
    const ProcessorContext context{*m_applier, m_platform.eventLog(), m_platform.clock(),
                                   m_options};
    instance =
        std::make_unique<CdcProcessor>(m_platform.consumerLog(), *m_store, context, kReadBatch);
  }
  instance->assign(member, members);
  return instance.get();
}

Result<size_t> Migration::stepMember(std::string_view part, int member, int members, size_t batch) {
  return STAYLAB_TRY(this->member(part, member, members))->step(batch);
}

Result<MigrationLag> Migration::memberLag(std::string_view part, int member, int members) {
  return STAYLAB_TRY(this->member(part, member, members))->lag();
}

Result<void> Migration::crash(std::string_view part) {
  if (part == kConnectorPart) {
    m_connector.reset();
  } else if (part == kProcessorPart) {
    m_processor.reset();
    m_members.clear();  // Every instance dies with what it held in memory.
  } else if (part == kRetryPart) {
    m_retry.reset();
  } else if (part == kSyncBackPart) {
    m_sync_back.reset();
  } else {
    return std::unexpected(Error{ErrorKind::NotFound, "migration.part", "part",
                                 fmt::format("no migration part '{}'", part)});
  }
  return {};
}

Result<void> Migration::restart(std::string_view part) {
  const ProcessorContext context{*m_applier, m_platform.eventLog(), m_platform.clock(), m_options};
  if (part == kConnectorPart) {
    if (!m_connector) {
      m_connector =
          std::make_unique<CdcConnector>(*m_legacy, m_platform.eventLog(), m_platform.clock(),
                                         m_options, STAYLAB_TRY(captureStart()));
    }
  } else if (part == kProcessorPart) {
    if (!m_processor) {
      m_processor =
          std::make_unique<CdcProcessor>(m_platform.consumerLog(), *m_store, context, kReadBatch);
    }
  } else if (part == kRetryPart) {
    if (!m_retry) {
      m_retry =
          std::make_unique<RetryProcessor>(m_platform.consumerLog(), *m_store, context, kReadBatch);
    }
  } else if (part == kSyncBackPart) {
    if (!m_sync_back) {
      m_sync_back =
          std::make_unique<SyncBack>(m_platform, *m_legacy, *m_store, m_options, kReadBatch);
    }
  } else {
    return std::unexpected(Error{ErrorKind::NotFound, "migration.part", "part",
                                 fmt::format("no migration part '{}'", part)});
  }
  return {};
}

Result<size_t> Migration::drain(const std::function<void(int64_t)>& advance) {
  for (std::string_view part : {kConnectorPart, kProcessorPart, kRetryPart, kSyncBackPart})
    STAYLAB_TRY(restart(part));
  size_t steps = 0;
  while (steps < kMaxDrainSteps) {
    size_t moved = 0;
    for (std::string_view part : {kConnectorPart, kProcessorPart, kRetryPart, kSyncBackPart}) {
      moved += STAYLAB_TRY(step(part, 4096));
      ++steps;
    }
    // The platform's own pipeline carries what the CDC processor did to the
    // log, where the sync-back reads it.
    const app::PumpReport pumped = STAYLAB_TRY(m_platform.pump().drain());
    moved += pumped.relayed + pumped.consumed + pumped.delivered;
    if (moved > 0)
      continue;
    if (STAYLAB_TRY(lag(kRetryPart)).behind == 0)
      return steps;
    advance(m_options.backoff_nanos);  // Only retries wait: let their time come.
  }
  return storeFailure("migration.drain", "the migration did not settle in {} steps",
                      kMaxDrainSteps);
}

}  // namespace staylab::migration
