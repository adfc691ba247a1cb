// The strangler fig on the simulated platform (PlatformBuild::strangler_fig):
// the legacy monolith beside the new services, the façade's per-request
// routing, the migration's parts stepped by the engine like the relay and
// the consumers, and what the migration measures once the run is quiet.
//
// The legacy database is the component "legacy-db": the fault board acts on
// every call of the monolith and of the CDC connector there, as a decorator
// does on the new stores. The CDC processor, the retry processor and the
// sync-back read the log through the delivery faults, as the new side's
// consumers do.

#include <algorithm>

#include <fmt/format.h>

#include "app/migration/anti_corruption.h"
#include "app/sim/operation_helpers.h"
#include "app/sim/simulated_platform.h"

namespace staylab::app {
namespace {

constexpr std::string_view kLegacyDb = "legacy-db";

// The measures of the strangler_fig pattern (simulator/patterns/strangler_fig.cpp).
constexpr std::string_view kDivergence = "legacy_new_divergence";
constexpr std::string_view kCrossDoubleBookings = "cross_system_double_bookings";
constexpr std::string_view kUnaccounted = "cdc_unaccounted";
constexpr std::string_view kOrderingViolations = "ordering_violations";
constexpr std::string_view kEchoChanges = "echo_changes";
constexpr std::string_view kRetried = "cdc_retried";
constexpr std::string_view kErrors = "cdc_errors";
constexpr std::string_view kApplied = "cdc_applied";
constexpr std::string_view kSyncConflicts = "sync_conflicts";
constexpr std::string_view kWritesHeld = "writes_held_on_legacy";
constexpr std::string_view kDuplicates = "cdc_duplicates";

using operations::below;
using operations::isWrite;

RoutedOperation routedOf(sim::UserOperation operation) {
  return static_cast<RoutedOperation>(static_cast<int>(operation));
}

}  // namespace

Result<void> SimulatedPlatform::openMigration() {
  m_migration = STAYLAB_TRY(
      migration::Migration::open(*m_platform, m_build.migration, StoreCreation::CreateIfMissing));
  return {};
}

Result<void> SimulatedPlatform::seedLegacy() {
  STAYLAB_TRY(m_migration->loadLegacyFromPlatform());
  m_prop_nos.clear();
  for (const Listing& listing : m_properties)
    m_prop_nos.push_back(STAYLAB_TRY(m_migration->legacyProperty(listing.id)));
  return {};
}

bool SimulatedPlatform::migrationPart(std::string_view part) const {
  return m_migration != nullptr &&
         (part == migration::kConnectorPart || part == migration::kProcessorPart ||
          part == migration::kRetryPart || part == migration::kSyncBackPart);
}

Backend SimulatedPlatform::route(sim::UserOperation operation, int property_rank,
                                 sim::Generator& random) {
  const double draw = random.uniform();
  if (!m_build.strangler_fig || m_properties.empty())
    return Backend::New;
  const auto rank = static_cast<std::size_t>(
      std::clamp<int>(property_rank, 0, static_cast<int>(m_properties.size()) - 1));
  const RoutedOperation routed = routedOf(operation);
  const Backend backend = m_build.facade.decide(routed, m_properties[rank].id, draw);
  if (backend == Backend::Legacy || !isWrite(operation) ||
      m_build.facade.route(routed).cohort == Cohort::Share)
    return backend;
  // A property's writes move to the new side only once every change the
  // legacy made to it is migrated: until then the legacy keeps owning it, so
  // that neither system takes a write the other has not seen. A share of
  // requests owns nothing and waits for nothing (the naive way).
  auto caught_up = m_migration->caughtUp(m_prop_nos[rank]);
  if (caught_up && *caught_up)
    return Backend::New;
  ++m_writes_held;
  return Backend::Legacy;
}

sim::OperationOutcome SimulatedPlatform::executeOn(Backend backend, sim::UserOperation operation,
                                                   int property_rank, sim::Generator& random) {
  if (backend == Backend::New || m_migration == nullptr)
    return execute(operation, property_rank, random);
  const auto rank = static_cast<std::size_t>(
      std::clamp<int>(property_rank, 0, static_cast<int>(m_properties.size()) - 1));
  return executeLegacy(operation, rank, random);
}

sim::OperationOutcome SimulatedPlatform::executeLegacy(sim::UserOperation operation,
                                                       std::size_t rank, sim::Generator& random) {
  legacy::LegacyMonolith& monolith = m_migration->legacy();
  const std::int64_t prop_no = m_prop_nos.at(rank);
  const std::int64_t today = m_clock.nowNanos() / kNanosPerDay;
  // The same draws as the new side's operation (simulated_operations.cpp),
  // so that a request asks the same of either backend.
  switch (operation) {
    case sim::UserOperation::Search: {
      legacy::SearchRequest request;
      request.city = m_properties[rank].city;
      const int nights = 1 + below(random, 7);
      auto check_in = Date::fromDays(today + 1 + below(random, 60));
      if (auto allowed = m_faults.beforeCall(kLegacyDb); !allowed)
        return operations::failed(allowed.error());
      if (check_in) {
        request.check_in = migration::legacyDateText(*check_in);
        request.check_out = migration::legacyDateText(check_in->plusDays(nights));
      }
      auto found = monolith.search(request);
      return found ? sim::OperationOutcome{} : operations::failed(found.error());
    }
    case sim::UserOperation::View: {
      if (auto allowed = m_faults.beforeCall(kLegacyDb); !allowed)
        return operations::failed(allowed.error());
      auto row = monolith.view(prop_no);
      return row ? sim::OperationOutcome{} : operations::failed(row.error());
    }
    case sim::UserOperation::Book: {
      const std::string guest = fmt::format("guest-{}", below(random, 5000));
      auto check_in = Date::fromDays(today + 1 + below(random, 60));
      if (!check_in)
        return operations::failed(check_in.error());
      const Date check_out = check_in->plusDays(1 + below(random, 7));
      if (auto allowed = m_faults.beforeCall(kLegacyDb); !allowed)
        return operations::failed(allowed.error());
      auto res_no = monolith.book(prop_no, guest, migration::legacyDateText(*check_in),
                                  migration::legacyDateText(check_out), 1);
      if (!res_no)
        return operations::failed(res_no.error());
      m_legacy_cancellable.push_back(*res_no);
      return {};
    }
    case sim::UserOperation::Cancel: {
      if (m_legacy_cancellable.empty())
        return operations::failed(
            Error{ErrorKind::NotFound, "legacy.none", "", "nothing to cancel"});
      const auto index =
          static_cast<std::size_t>(below(random, static_cast<int>(m_legacy_cancellable.size())));
      if (auto allowed = m_faults.beforeCall(kLegacyDb); !allowed)
        return operations::failed(allowed.error());
      auto cancelled = monolith.cancel(m_legacy_cancellable[index]);
      if (!cancelled)
        return operations::failed(cancelled.error());
      m_legacy_cancellable[index] = m_legacy_cancellable.back();
      m_legacy_cancellable.pop_back();
      return {};
    }
    case sim::UserOperation::Edit: {
      // The legacy screens take a price as typed: now and then with a comma
      // for the decimal point, which the new domain refuses.
      const int price = 40 + below(random, 400);
      const bool typo = random.uniform() * 100.0 < m_build.migration.legacy_typo_percent;
      legacy::PropertyEdit edit;
      edit.price = typo ? fmt::format("{},00", price) : fmt::format("{}.00", price);
      if (auto allowed = m_faults.beforeCall(kLegacyDb); !allowed)
        return operations::failed(allowed.error());
      auto edited = monolith.edit(prop_no, edit);
      return edited ? sim::OperationOutcome{} : operations::failed(edited.error());
    }
  }
  return operations::failed(Error{ErrorKind::InvalidInput, "operation", "", "unknown operation"});
}

Result<void> SimulatedPlatform::measureMigration(sim::InvariantResults& results) {
  const migration::MigrationMeasures measures = STAYLAB_TRY(m_migration->measure());
  auto count = [](std::int64_t value) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(value, 0));
  };
  results.measures[std::string(kDivergence)] =
      count(measures.divergent_listings + measures.divergent_bookings);
  results.measures[std::string(kCrossDoubleBookings)] =
      count(measures.cross_system_double_bookings);
  results.measures[std::string(kUnaccounted)] = count(measures.cdc_unaccounted);
  results.measures[std::string(kOrderingViolations)] = count(measures.ordering_violations);
  results.measures[std::string(kEchoChanges)] = count(measures.echo_changes);
  results.measures[std::string(kRetried)] = count(measures.retried);
  results.measures[std::string(kErrors)] = count(measures.errors);
  results.measures[std::string(kApplied)] = count(measures.changes_applied);
  results.measures[std::string(kSyncConflicts)] = count(measures.sync_conflicts);
  results.measures[std::string(kWritesHeld)] = m_writes_held;
  results.measures[std::string(kDuplicates)] = count(measures.duplicates);
  return {};
}

}  // namespace staylab::app
