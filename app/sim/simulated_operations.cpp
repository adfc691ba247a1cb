// The user operations of the simulated platform (simulator/engine/system.h):
// search, view, book, cancel and edit, each as one real call or, as the
// platform patterns ask, in two phases.

#include <algorithm>

#include <fmt/format.h>

#include "app/sim/operation_helpers.h"
#include "app/sim/simulated_platform.h"

namespace staylab::app {
namespace {

// The measure a stale search answer counts (the CQRS pattern's).
constexpr std::string_view kStaleReads = "stale_reads";
// The measure a search answered from an index rebuilt in place counts.
constexpr std::string_view kPartialAnswers = "partial_answers";
// The measures of a view through the cache (the cache-aside pattern's).
constexpr std::string_view kCacheHits = "cache_hits";
constexpr std::string_view kStaleViews = "stale_views";

using operations::below;
using operations::failed;
using operations::isWrite;

}  // namespace

int SimulatedPlatform::phases(sim::UserOperation operation, const sim::PlatformBuild& build) const {
  if (operation == sim::UserOperation::Book && build.payment)
    return 3;  // The saga: hold, charge, then confirm or compensate.
  if (operation == sim::UserOperation::View && build.cache_aside)
    return 2;  // The cache, then (on a miss) the listing store.
  if (operation == sim::UserOperation::Book && build.load_leveling)
    return 1;  // The command onto the queue.
  if (operation == sim::UserOperation::Search && !build.cqrs)
    return 2;  // The listings that match, then which of them are free.
  if (isWrite(operation) && !build.outbox)
    return 2;  // The commit, then the append to the log.
  return 1;
}

Result<void> SimulatedPlatform::reconfigure(const sim::PlatformBuild& build) {
  sim::PlatformBuild fixed = build;
  fixed.cqrs = m_build.cqrs;
  fixed.facade = m_build.facade;  // The façade's routes move while it runs.
  if (build.strangler_fig != m_build.strangler_fig)
    return invalidInput("patterns.strangler_fig",
                        "the legacy system and its migration exist from the start of a run or not "
                        "at all: move the façade's routes instead");
  if (!(fixed == m_build))
    return invalidInput("patterns",
                        "the outbox, the idempotent consumers, the listing cache and the booking "
                        "queue are built in: they cannot be switched while the platform runs");
  m_build = build;
  m_platform->setQueryModel(build.cqrs ? QueryModel::ReadModel : QueryModel::Composition);
  return {};
}

sim::OperationOutcome SimulatedPlatform::execute(sim::UserOperation operation, int property_rank,
                                                 sim::Generator& random) {
  const Listing& listing = m_properties[static_cast<std::size_t>(
      std::clamp<int>(property_rank, 0, static_cast<int>(m_properties.size()) - 1))];
  Gateway& gateway = m_platform->gateway();
  const std::int64_t today = m_clock.nowNanos() / kNanosPerDay;
  switch (operation) {
    case sim::UserOperation::Search:
      return search(random, listing);
    case sim::UserOperation::View:
      return view(listing);
    case sim::UserOperation::Book: {
      const Caller guest{fmt::format("guest-{}", below(random, 5000)), Role::Guest};
      auto check_in = Date::fromDays(today + 1 + below(random, 60));
      if (!check_in)
        return failed(check_in.error());
      booking::PlaceBooking command;
      command.property_id = listing.id;
      command.guest = guest.name;
      command.from = check_in->toString();
      command.to = check_in->plusDays(1 + below(random, 7)).toString();
      command.guests = 1;
      if (m_build.payment)
        return bookWithPayment(command);
      if (m_build.load_leveling) {
        // Queued: the answer is "accepted", the outcome comes later.
        auto accepted = gateway.submitBooking(guest, command);
        if (!accepted)
          return failed(accepted.error());
        sim::OperationOutcome outcome;
        outcome.status_id = std::move(*accepted);
        return outcome;
      }
      return write([&]() -> Result<std::string> {
        auto answer = gateway.placeBooking(guest, command);
        if (!answer)
          return std::unexpected(std::move(answer).error());
        if (answer->booking.status != booking::BookingStatus::Confirmed)
          return std::string();
        m_cancellable.push_back(answer->booking.id);
        return answer->booking.id;
      });
    }
    case sim::UserOperation::Cancel: {
      if (m_cancellable.empty())
        return failed(sim::RequestError::Unavailable);
      const auto index =
          static_cast<std::size_t>(below(random, static_cast<int>(m_cancellable.size())));
      booking::CancelBooking command;
      command.booking_id = m_cancellable[index];
      return write([&]() -> Result<std::string> {
        STAYLAB_TRY(gateway.cancelBooking(Caller{"simulator", Role::Admin}, command));
        m_cancellable[index] = m_cancellable.back();
        m_cancellable.pop_back();
        return std::string();
      });
    }
    case sim::UserOperation::Edit: {
      listing::UpdateProperty command;
      command.property_id = listing.id;
      command.price = fmt::format("{}", 40 + below(random, 400));
      return write([&]() -> Result<std::string> {
        STAYLAB_TRY(gateway.updateProperty(Caller{"simulator", Role::Admin}, command));
        return std::string();
      });
    }
  }
  return failed(sim::RequestError::Invalid);
}

sim::OperationOutcome SimulatedPlatform::search(sim::Generator& random, const Listing& listing) {
  const std::int64_t today = m_clock.nowNanos() / kNanosPerDay;
  SearchQuery query;
  query.city = listing.city;
  const int nights = 1 + below(random, 7);
  auto check_in = Date::fromDays(today + 1 + below(random, 60));
  if (check_in) {
    auto stay = Stay::create(*check_in, check_in->plusDays(nights));
    if (stay)
      query.stay = *stay;
  }
  query.limit = 20;
  if (m_build.cqrs) {
    auto page = m_platform->searchIndex().search(query);
    if (!page)
      return failed(page.error());
    sim::OperationOutcome outcome = answered(*page, query);
    if (partialIndex())
      outcome.measures.emplace_back(kPartialAnswers, 1);
    return outcome;
  }
  // API composition: first the listings that match, from the listing store.
  auto candidates = m_platform->composedSearch().candidates(query);
  if (!candidates)
    return failed(candidates.error());
  Pending composed;
  composed.query = std::move(query);
  composed.candidates = std::move(*candidates);
  return pending(std::move(composed));
}

template <typename Write>
sim::OperationOutcome SimulatedPlatform::write(Write&& run) {
  if (!m_build.outbox)
    m_publisher->defer();
  auto booking_id = run();
  std::vector<EventEnvelope> events =
      m_build.outbox ? std::vector<EventEnvelope>() : m_publisher->takeDeferred();
  if (!booking_id) {
    // A refusal may have committed (a rejected booking): its events go out
    // before the answer, as the naive code publishes before it answers.
    if (!events.empty())
      (void)m_publisher->publishNow(events);
    return failed(booking_id.error());
  }
  sim::OperationOutcome outcome;
  if (!events.empty()) {
    Pending dual_write;
    dual_write.events = std::move(events);
    outcome = pending(std::move(dual_write));
  }
  outcome.booking_id = std::move(*booking_id);
  return outcome;
}

sim::OperationOutcome SimulatedPlatform::pending(Pending operation) {
  sim::OperationOutcome outcome;
  outcome.pending = ++m_last_pending;
  m_pending.emplace(outcome.pending, std::move(operation));
  return outcome;
}

sim::OperationOutcome SimulatedPlatform::resume(std::uint64_t handle) {
  auto found = m_pending.find(handle);
  if (found == m_pending.end())
    return failed(sim::RequestError::Failed);
  Pending operation = std::move(found->second);
  m_pending.erase(found);
  if (operation.held)
    return resumeSaga(std::move(operation));
  if (!operation.view.empty()) {
    // The cache missed: the listing store is read, and the cache filled.
    auto property = m_platform->gateway().getProperty(operation.view);
    if (!property)
      return failed(property.error());
    return viewed(*property);
  }
  if (!operation.events.empty()) {
    // The dual write's second write. When the log refuses it, the events
    // are lost and the naive code answers as if they were not.
    sim::OperationOutcome outcome;
    auto published = m_publisher->publishNow(operation.events);
    if (!published)
      outcome.swallowed = sim::requestErrorOf(published.error());
    return outcome;
  }
  // API composition: then which of the candidates are free, from the
  // booking store.
  auto page =
      m_platform->composedSearch().available(std::move(operation.candidates), operation.query);
  if (!page)
    return failed(page.error());
  return answered(*page, operation.query);
}

sim::OperationOutcome SimulatedPlatform::bookWithPayment(const booking::PlaceBooking& command) {
  booking::BookingSaga& saga = *m_platform->bookingSaga();
  CommandContext context = m_platform->newCommand(command.guest);
  auto held = saga.begin(command, context);
  if (!held)
    return failed(held.error());
  Pending operation;
  operation.held = std::move(*held);
  operation.context = std::move(context);
  return pending(std::move(operation));
}

sim::OperationOutcome SimulatedPlatform::resumeSaga(Pending operation) {
  booking::BookingSaga& saga = *m_platform->bookingSaga();
  const booking::HeldBooking& held = *operation.held;
  if (!operation.charged) {
    // The charge, at the payment provider.
    auto charged = saga.charge(held.booking);
    sim::OperationOutcome outcome;
    if (!charged) {
      if (saga.compensation() == booking::Compensation::None)
        return failed(charged.error());  // The request fails; its hold stays.
      // The orchestrator saw the failure and goes on to compensate.
      outcome.swallowed = sim::requestErrorOf(charged.error());
    }
    operation.charged = std::move(charged);
    const std::uint64_t handle = pending(std::move(operation)).pending;
    outcome.pending = handle;
    return outcome;
  }
  // The confirmation, or the compensation, at the booking store.
  auto answer = saga.complete(held, *operation.charged, *operation.context);
  if (!answer)
    return failed(answer.error());
  m_cancellable.push_back(answer->booking.id);
  sim::OperationOutcome outcome;
  outcome.booking_id = answer->booking.id;
  return outcome;
}

sim::OperationOutcome SimulatedPlatform::view(const Listing& listing) {
  if (!m_build.cache_aside) {
    auto property = m_platform->gateway().getProperty(listing.id);
    if (!property)
      return failed(property.error());
    return {};
  }
  if (auto hit = m_platform->listing().cached(listing.id)) {
    sim::OperationOutcome outcome = viewed(*hit);
    outcome.complete = true;  // The listing store is not read.
    outcome.measures.emplace_back(kCacheHits, 1);
    return outcome;
  }
  Pending miss;
  miss.view = listing.id;
  return pending(std::move(miss));
}

sim::OperationOutcome SimulatedPlatform::viewed(const listing::Property& property) {
  sim::OperationOutcome outcome;
  // Stale: the store, the truth, holds a newer revision than the view
  // showed. Read beneath the fault decorator, costing no virtual time.
  auto stored = m_raw_listings->get(listing::kCollection, property.id);
  if (stored && stored->revision > property.version)
    outcome.measures.emplace_back(kStaleViews, 1);
  return outcome;
}

sim::PolledStatus SimulatedPlatform::poll(std::string_view status_id) {
  auto status = m_platform->gateway().bookingStatus(status_id);
  if (!status)
    return sim::PolledStatus{true, false, sim::requestErrorOf(status.error()), {}};
  if (status->state == BookingRequestStatus::State::Waiting)
    return sim::PolledStatus{false, true, sim::RequestError::Failed, {}};
  const Result<booking::PlaceBookingAnswer>& answer = *status->answer;
  if (!answer)
    return sim::PolledStatus{true, false, sim::requestErrorOf(answer.error()), {}};
  if (answer->booking.status != booking::BookingStatus::Confirmed)
    return sim::PolledStatus{true, true, sim::RequestError::Failed, {}};
  if (!answer->replayed)
    m_cancellable.push_back(answer->booking.id);
  return sim::PolledStatus{true, true, sim::RequestError::Failed, answer->booking.id};
}

void SimulatedPlatform::abandon(std::uint64_t handle) {
  auto found = m_pending.find(handle);
  if (found == m_pending.end())
    return;
  m_publisher->drop(found->second.events);
  m_pending.erase(found);
}

sim::OperationOutcome SimulatedPlatform::answered(const SearchPage& page,
                                                  const SearchQuery& query) {
  sim::OperationOutcome outcome;
  if (!query.stay || page.hits.empty())
    return outcome;
  // Stale: the answer offers a listing for nights the booking store, the
  // truth, already holds. Read beneath the fault decorator: the simulator's
  // own measurement, which costs no virtual time and meets no fault.
  std::vector<std::string> offered;
  for (const SearchHit& hit : page.hits)
    offered.push_back(hit.id);
  auto booked = m_raw_bookings->bookedAmong(offered, *query.stay);
  if (booked && !booked->empty())
    outcome.measures.emplace_back(kStaleReads, 1);
  return outcome;
}

}  // namespace staylab::app
