#pragma once

// How the platform is built and how it answers, as the platform patterns
// (pattern.h) ask it. The engine hands it to the system factory when it
// builds the platform, and to the running system when a live platform
// pattern is switched (SystemUnderTest::reconfigure). Each field is one
// pattern's; its default is the platform as designed (DESIGN.md section 2).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/common/strangler_fig.h"

namespace staylab::sim {

// The part of the platform a topology binds to make bookings paid for.
inline constexpr std::string_view kPaymentProviderPart = "payment-provider";

struct PlatformBuild {
  // CQRS: searches read the search read model. Off: search is an API
  // composition over the write models (the listing documents, then the
  // booking store for availability).
  bool cqrs = true;
  // Transactional outbox: a state change and its events commit together,
  // and a relay moves the events to the log. Off: the dual write, a commit
  // and then a second write of the events straight to the log.
  bool outbox = true;
  // Idempotent consumers: each event takes effect once, offsets commit with
  // the effect. Off: naive consumers, which apply what they receive and
  // commit their offsets apart, now and then.
  bool idempotent_consumers = true;
  // Saga: a booking paid for holds its nights, is charged, then confirmed,
  // and a failed charge is compensated (the nights released). Off: the same
  // steps without compensation; the failed booking keeps its nights.
  bool saga = true;

  // Not a pattern: the topology binds a payment provider (the part
  // kPaymentProviderPart), so bookings are paid for. Set by the engine from
  // the topology; false, the platform books as it always did.
  bool payment = false;
  // Dead-letter topic: a projection tries an event it cannot apply
  // `dead_letter_attempts` times, one per step, then moves it to
  // "<topic>.dlq" with its error and goes on. Off: it retries for ever and
  // its partition blocks behind the event.
  bool dead_letter = true;
  int dead_letter_attempts = 3;
  // Competing consumers: the consumer part named here runs as `instances`
  // instances that share its topics' partitions (dealt round-robin over the
  // live instances, dealt again when one dies). Empty: every consumer runs
  // as one instance.
  std::string competing_consumer;
  int competing_instances = 1;
  // Rebuild by replay: a rebuild on the timeline that names no mode builds
  // a second read model beside the live one and switches reads to it once
  // it caught up (blue-green). Off: it empties the live one and replays it
  // in place, so reads meanwhile see a partial read model.
  bool blue_green_rebuild = true;
  // Cache-aside: the listing service keeps listings in memory for views,
  // each for `cache_ttl`; with `cache_invalidate_on_update` a write of the
  // listing drops its entry. Off: every view reads the listing store.
  bool cache_aside = false;
  std::chrono::nanoseconds cache_ttl{std::chrono::seconds(5)};
  bool cache_invalidate_on_update = true;
  // Queue-based load leveling: the gateway queues PlaceBooking on a topic of
  // the event log and answers "accepted"; `leveling_workers` workers drain
  // the queue at the booking store's pace; the client polls for the outcome
  // every `leveling_poll`. Off: the synchronous booking.
  bool load_leveling = false;
  int leveling_workers = 1;
  std::chrono::nanoseconds leveling_poll{std::chrono::milliseconds(500)};
  // Strangler fig: the gateway's façade routes each request by `facade` to
  // the legacy monolith or to the new services, and change data capture
  // carries legacy's changes to the new side as `migration` says (with sync
  // back while legacy takes writes). Off: no legacy system, every request
  // goes to the new services.
  bool strangler_fig = false;
  StranglerFacade facade;
  MigrationSettings migration;

  bool operator==(const PlatformBuild&) const = default;
};

}  // namespace staylab::sim
