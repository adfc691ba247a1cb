#pragma once

// The simulator's port to the real platform: what the engine asks of the
// system under test at each commit point. The engine owns time (it sets the
// platform's clock before every call) and decides when each call happens;
// the implementation runs the real handler, query or pump step against the
// real stores and answers at once. app/ implements it over the composition
// root (app/sim/simulated_platform.h); the simulator never sees an
// engine, a store adapter or Qt.
//
// Part names are the `binds` names of the topology (topology.h):
//   asynchronous parts  relay, search-projection, history-projection, fraud-detection,
//                       booking-queue (the load leveling worker's queue; no component
//                       polls it: the engine drains it through the booking route)
//   a migration         cdc-connector (a relay), cdc-processor, cdc-retry, sync-back
//                       (consumers): stepped like the others by their part names
//
// Thread safety: the engine calls from its own thread only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/common/error.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/kernel/simulation.h"
#include "simulator/metrics/evaluation.h"
#include "simulator/metrics/request_error.h"
#include "simulator/patterns/platform_build.h"
#include "simulator/scenario/scenario.h"

namespace staylab::sim {

// The answer to one user operation.
struct OperationOutcome {
  bool ok = true;
  // Why it failed (when !ok), as metrics count it: a store fault, a real
  // store failure, a refusal of the domain (a taken night, a missing
  // listing), or Unavailable when there was nothing to act on (no booking
  // to cancel).
  RequestError error = RequestError::Failed;
  std::string booking_id;  // book: the booking the platform acknowledged.
  // Non-zero while the operation has phases left (see phases()): the handle
  // to resume() or abandon() it with.
  std::uint64_t pending = 0;
  // A failure of this phase's call that the platform swallowed and answered
  // anyway (a dual write whose append failed): the call counts it, the
  // request goes on as if it had not happened.
  std::optional<RequestError> swallowed;
  // What the platform measured of this answer for the patterns' measures
  // (pattern.h MeasureSpec, scope Operation), such as {"stale_reads", 1}.
  std::vector<std::pair<std::string_view, std::uint64_t>> measures;
  // The operation is complete at this phase: the calls left on its route
  // are not made (a cache hit spares the store read).
  bool complete = false;
  // Accepted, the outcome to come (asynchronous request-reply): the id the
  // client polls with (SystemUnderTest::poll); empty for an answer that is
  // the outcome.
  std::string status_id;
};

// What a client's poll of an accepted request reads.
struct PolledStatus {
  bool done = false;  // The outcome is known; otherwise it still waits.
  bool ok = true;     // Done: it succeeded; otherwise `error` says why not.
  RequestError error = RequestError::Failed;
  std::string booking_id;  // A booking the outcome confirmed.
};

// Returns how a platform error counts in the metrics: the fault board's
// injected failures as store faults, the domain's refusals as refusals.
RequestError requestErrorOf(const Error& error);

// How far an asynchronous part is behind: `events` not yet consumed out of
// `end` events its topics hold in total (relay: rows in the outboxes, and
// the rows ever written to them).
struct PartLag {
  std::int64_t events = 0;
  std::int64_t end = 0;
  // The same per partition of a consumer, once one of its partitions has
  // been held at poison (then for the rest of the run, so that the partition
  // it blocks shows beside the others); empty otherwise.
  struct Partition {
    std::string name;  // "booking/1"
    std::int64_t events = 0;
    std::int64_t end = 0;
  };
  std::vector<Partition> partitions;
};

class SystemUnderTest {
 public:
  virtual ~SystemUnderTest() = default;

  // Creates the seed data (listings and their history) before time 0, then
  // drains every asynchronous path so the run starts converged.
  [[nodiscard]] virtual Result<void> seed(const SeedData& data) = 0;
  // Listings available to the load, ranked: rank 0 is the most popular.
  virtual int propertyCount() const = 0;
  // Runs the platform as `build` asks from now on (a platform pattern
  // switched during the run). Errors: InvalidInput "patterns" for what this
  // platform cannot be switched to while it runs.
  [[nodiscard]] virtual Result<void> reconfigure(const PlatformBuild& build) = 0;
  // Sets the platform's clock to the start epoch plus `now` of virtual time.
  virtual void setTime(Nanos now) = 0;

  // Returns in how many phases the platform built as `build` runs
  // `operation`: one per real call of its route (an API composition queries
  // two stores; a dual write commits, then appends). 1 for most.
  virtual int phases(UserOperation operation, const PlatformBuild& build) const = 0;
  // Runs one user operation on the listing of popularity rank
  // `property_rank`; `random` draws its details (dates, guests, text). For
  // an operation of several phases this runs the first and answers
  // `pending`.
  virtual OperationOutcome execute(UserOperation operation, int property_rank,
                                   Generator& random) = 0;
  // The strangler fig's façade (PlatformBuild::facade): the backend that
  // serves one request of `operation` on the listing of popularity rank
  // `property_rank`; `random` draws a request's share where a route sends a
  // share of the requests. Asked when each request starts, while a pattern
  // that routes per request is on, outside simulated time. Default: the new
  // services.
  virtual Backend route(UserOperation /*operation*/, int /*property_rank*/, Generator& /*random*/) {
    return Backend::New;
  }
  // Runs one user operation as execute() does, on `backend`: the legacy
  // monolith or the new services. Called for the requests routed while a
  // pattern that routes per request is on. Default: execute(), for a system
  // with no legacy backend.
  virtual OperationOutcome executeOn(Backend /*backend*/, UserOperation operation,
                                     int property_rank, Generator& random) {
    return execute(operation, property_rank, random);
  }
  // Runs the next phase of a pending operation.
  virtual OperationOutcome resume(std::uint64_t pending) = 0;
  // Forgets a pending operation whose next phase will never run (its
  // caller died or failed in between): what its phases did stays done.
  virtual void abandon(std::uint64_t pending) = 0;

  // Reads the status of an accepted request (OperationOutcome::status_id),
  // as the client's poll does. Default: a system that accepts nothing
  // answers every poll as a failed outcome.
  virtual PolledStatus poll(std::string_view /*status_id*/) {
    return PolledStatus{true, false, RequestError::Failed, {}};
  }

  // Runs one step of an asynchronous part; returns the events it moved.
  [[nodiscard]] virtual Result<std::size_t> step(std::string_view part, std::size_t batch) = 0;
  [[nodiscard]] virtual Result<PartLag> lag(std::string_view part) = 0;
  // Competing consumers (PlatformBuild::competing_consumer): the lag of, and
  // one step of, instance `member` of the `members` live instances of
  // `part`, which read the part's partitions dealt round-robin over them
  // (dealt again whenever `members` changes). The defaults serve a part of
  // one instance: member 0 of 1 is the part itself.
  [[nodiscard]] virtual Result<PartLag> memberLag(std::string_view part, int member, int members);
  [[nodiscard]] virtual Result<std::size_t> stepMember(std::string_view part, int member,
                                                       int members, std::size_t batch);
  // A crash: the part's process dies, losing what it held only in memory
  // (nothing is flushed). restart() opens it again from what it stored.
  [[nodiscard]] virtual Result<void> crash(std::string_view part) = 0;
  [[nodiscard]] virtual Result<void> restart(std::string_view part) = 0;
  // Starts a rebuild of the read model of `part` from offset 0 of the log,
  // while the run goes on (FaultKind::Rebuild): the part's lag becomes what
  // the rebuild has left to replay. InvalidInput for a part that cannot be
  // rebuilt so; the default rebuilds none.
  // `mode` when given, else as the platform is built (PlatformBuild).
  [[nodiscard]] virtual Result<void> rebuild(std::string_view part,
                                             std::optional<RebuildMode> mode);
  // Appends `count` events to `topic` that every consumer must reject (a
  // known type with a payload that cannot be applied).
  [[nodiscard]] virtual Result<void> appendPoison(std::string_view topic, int count) = 0;
  // Returns the topics of the event log.
  virtual std::vector<std::string> topics() const = 0;

  // After the run: drains what is left, then checks the platform's
  // invariants. `acknowledged` lists every booking the platform confirmed to
  // a client during the run. convergence_time_ns is left to the engine.
  [[nodiscard]] virtual Result<InvariantResults> checkInvariants(
      const std::vector<std::string>& acknowledged) = 0;
};

}  // namespace staylab::sim
