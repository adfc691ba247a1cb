#pragma once

// The strangler fig's façade: the gateway's routing table during a migration
// from the legacy monolith (app/legacy) to the new services. Every user
// operation has a route, to the legacy system or to the new one; a write
// route may instead send a cohort to the new system:
//
//   Cohort::Properties  each property is owned by exactly one side: those
//                       whose id falls in the first `percent` of 100 buckets
//                       (FNV-1a of the id) go new, the rest legacy. Every write
//                       of one property meets the same guarantee: the correct way.
//   Cohort::Share       `percent` of the requests go new, whatever the
//                       property: two systems take bookings for the same
//                       nights, each checking only its own: the naive way.
//
// A rollback is a route switched back. Pure logic: no store, no clock; the
// caller draws the request's share. With it, what the migration's change data
// capture is asked to do (MigrationSettings); app/migration runs both.
//
// Thread safety: immutable once built; copy it to change it.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/common/error.h"

namespace staylab {

enum class Backend { Legacy, New };
std::string_view toString(Backend backend);

// The operations the façade routes, as the gateway's entry points.
enum class RoutedOperation { Search, View, Book, Cancel, Edit };
inline constexpr int kRoutedOperationCount = 5;
std::string_view toString(RoutedOperation operation);
std::optional<RoutedOperation> routedOperationFromString(std::string_view name);

enum class Cohort {
  All,         // Every request of the operation goes to the route's backend.
  Properties,  // By property: `percent` of the properties go new.
  Share,       // By request: `percent` of the requests go new.
};
std::string_view toString(Cohort cohort);

struct Route {
  Backend backend = Backend::Legacy;  // With Cohort::All.
  Cohort cohort = Cohort::All;
  int percent = 0;  // 0..100, with Properties or Share: the part that goes new.
  bool operator==(const Route&) const = default;
};

// How the legacy system's changes are partitioned on their way to the CDC
// processor.
enum class CdcStrategy {
  PerTable,  // n tables to n topics, each partitioned by its own table's key.
  ByKey,     // n tables to one topic, partitioned by the common key (the property).
  Firehose,  // n tables to one topic of one partition: total order, no parallelism.
};
std::string_view toString(CdcStrategy strategy);
std::optional<CdcStrategy> cdcStrategyFromString(std::string_view name);

struct MigrationSettings {
  CdcStrategy strategy = CdcStrategy::ByKey;  // Default: ByKey.
  // The sync-back marks its legacy writes and the capture skips them; the
  // sync-back skips the events the CDC processor caused. Default: true.
  bool loop_prevention = true;
  // Tries of a change that cannot be applied before it goes to the error
  // topic: the processor's first, then the retry processor's. 1..20. Default: 4.
  int attempts = 4;
  // Wait before the first retry; each later one waits twice as long.
  // Default: 1 s.
  int64_t backoff_nanos = 1'000'000'000;
  // The share of the legacy screens' price edits typed with a comma for the
  // decimal point (data the new domain refuses), in percent 0..100: an input
  // of the simulated load, as a real legacy's dirty data is. Default: 0.
  int legacy_typo_percent = 0;
  bool operator==(const MigrationSettings&) const = default;
};

class StranglerFacade {
 public:
  // Every operation routed to legacy: the migration not yet begun.
  StranglerFacade() = default;

  void setRoute(RoutedOperation operation, const Route& route);
  const Route& route(RoutedOperation operation) const;

  // Where one request goes: `property_id` for a cohort of properties, `draw`
  // (uniform in [0, 1)) for a share of requests.
  Backend decide(RoutedOperation operation, std::string_view property_id, double draw) const;
  // Returns whether `property_id` is in the migrated cohort of `percent`.
  static bool inCohort(std::string_view property_id, int percent);
  // Returns whether every route goes to the new system (legacy retired).
  bool complete() const;
  // One line per operation for people: "book: 30% of properties to new".
  std::string describe() const;

  bool operator==(const StranglerFacade&) const = default;

 private:
  std::array<Route, kRoutedOperationCount> m_routes{};
};

}  // namespace staylab
