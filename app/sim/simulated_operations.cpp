// The user operations of the simulated platform (simulator/engine/system.h):
// search, view, book, cancel and edit, each as one real call or, as the
// platform patterns ask, in two phases.

#include <algorithm>

#include <fmt/format.h>

#include "app/sim/simulated_platform.h"

namespace staylab::app {
namespace {

// The measure a stale search answer counts (the CQRS pattern's).
constexpr std::string_view kStaleReads = "stale_reads";
// The measure a search answered from an index rebuilt in place counts.
constexpr std::string_view kPartialAnswers = "partial_answers";

sim::OperationOutcome failed(const Error& error) {
  sim::OperationOutcome outcome;
  outcome.ok = false;
  outcome.error = sim::requestErrorOf(error);
  return outcome;
}

sim::OperationOutcome failed(sim::RequestError error) {
  sim::OperationOutcome outcome;
  outcome.ok = false;
  outcome.error = error;
  return outcome;
}

// Returns the number of draws below `bound` ( > 0).
int below(sim::Generator& random, int bound) {
  return static_cast<int>(random.uniform() * bound) % std::max(bound, 1);
}

bool isWrite(sim::UserOperation operation) {
  return operation == sim::UserOperation::Book || operation == sim::UserOperation::Cancel ||
         operation == sim::UserOperation::Edit;
}

}  // namespace

int SimulatedPlatform::phases(sim::UserOperation operation, const sim::PlatformBuild& build) const {
  if (operation == sim::UserOperation::Book && build.payment)
    return 3;  // The saga: hold, charge, then confirm or compensate.
  if (operation == sim::UserOperation::Search && !build.cqrs)
    return 2;  // The listings that match, then which of them are free.
  if (isWrite(operation) && !build.outbox)
    return 2;  // The commit, then the append to the log.
  return 1;
}

Result<void> SimulatedPlatform::reconfigure(const sim::PlatformBuild& build) {
  if (build.outbox != m_build.outbox || build.idempotent_consumers != m_build.idempotent_consumers)
    return invalidInput("patterns",
                        "the outbox and the idempotent consumers are built in: they cannot be "
                        "switched while the platform runs");
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
    case sim::UserOperation::View: {
      auto property = gateway.getProperty(listing.id);
      if (!property)
        return failed(property.error());
      return {};
    }
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
  return pending(Pending{std::move(query), std::move(*candidates), {}, {}, {}, {}});
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
  if (!events.empty())
    outcome = pending(Pending{{}, {}, std::move(events), {}, {}, {}});
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
