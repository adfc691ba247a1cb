#include "fraud/fraud_detector.h"

#include <algorithm>
#include <map>

#include <fmt/ranges.h>

#include "domain/common/hash.h"
#include "fraud/json_fields.h"
#include "fraud/memory_fraud_state_store.h"

namespace staylab::fraud {
namespace {

namespace jf = json_fields;

constexpr size_t kMaxReasonCodePoints = 500;  // The listing context's limit.

std::string paymentKey(std::string_view fingerprint) {
  return fmt::format("payment:{}", fingerprint);
}

// Returns the instrument keys of a booking's signals, in a fixed order.
std::vector<std::string> bookingInstruments(const BookingRecord& booking) {
  std::vector<std::string> keys;
  if (!booking.payment_fingerprint.empty()) {
    keys.push_back(paymentKey(booking.payment_fingerprint));
  }
  if (!booking.device.empty()) {
    keys.push_back(fmt::format("device:{}", booking.device));
  }
  if (!booking.ip.empty()) {
    keys.push_back(fmt::format("ip:{}", booking.ip));
  }
  return keys;
}

// Puts `values` (sorted) capped at kMaxEvidenceItems under `name`, and their
// count under "<name>_total".
void putList(nlohmann::json& evidence, std::string_view name,
             const std::vector<std::string>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (size_t index = 0; index < values.size() && index < kMaxEvidenceItems; ++index) {
    list.push_back(values[index]);
  }
  evidence[std::string(name)] = std::move(list);
  evidence[fmt::format("{}_total", name)] = values.size();
}

// Cuts `text` to at most `limit` code points without splitting one.
std::string truncateCodePoints(std::string text, size_t limit) {
  size_t code_points = 0;
  for (size_t index = 0; index < text.size(); ++index) {
    bool starts_code_point = (static_cast<unsigned char>(text[index]) & 0xC0) != 0x80;
    if (starts_code_point && ++code_points > limit) {
      text.resize(index);
      break;
    }
  }
  return text;
}

Result<std::string> payloadString(const nlohmann::json& payload, std::string_view name) {
  return jf::string(payload, "payload", name);
}

Result<std::string> payloadSignal(const nlohmann::json& payload, std::string_view path,
                                  std::string_view name) {
  return jf::optionalString(payload, path, name);
}

}  // namespace

struct FraudDetector::RingChanges {
  std::set<std::string> entering;  // Accounts that just reached a ring-sized component.
  std::set<std::string> scan;      // Accounts whose bookings may have just joined a ring.

  void add(LinkOutcome outcome) {
    entering.insert(outcome.entering_ring.begin(), outcome.entering_ring.end());
    scan.insert(outcome.scan_accounts.begin(), outcome.scan_accounts.end());
  }
};

// ---- FraudDetector ----

Result<FraudDetector> FraudDetector::create(FraudDetectorOptions options) {
  auto store = std::make_unique<MemoryFraudStateStore>();
  FraudStateStore& borrowed = *store;
  STAYLAB_TRY(options.rules.validate());
  if (options.remembered_event_ids < 1) {
    return invalidInput("remembered_event_ids", "must be at least 1");
  }
  return FraudDetector(std::move(options), std::move(store), borrowed);
}

Result<FraudDetector> FraudDetector::open(FraudDetectorOptions options, FraudStateStore& store) {
  STAYLAB_TRY(options.rules.validate());
  if (options.remembered_event_ids < 1) {
    return invalidInput("remembered_event_ids", "must be at least 1");
  }
  return FraudDetector(std::move(options), nullptr, store);
}

Result<std::vector<FraudAction>> FraudDetector::apply(const EventEnvelope& event) {
  auto application = STAYLAB_TRY(applyEvent(event));
  return std::move(application.actions);
}

Result<FraudDetector::Application> FraudDetector::applyEvent(const EventEnvelope& event) {
  const bool property_event = event.aggregate_type == "property" &&
                              (event.type == "PropertyCreated" || event.type == "PropertyUpdated");
  const bool booking_event = event.aggregate_type == "booking" && event.type == "BookingPlaced";
  if (!property_event && !booking_event) {
    return Application{};  // Not an input of fraud detection.
  }
  if (event.event_id.empty()) {
    return invalidInput("event.event_id", "must not be empty");
  }
  if (idempotent() && STAYLAB_TRY(m_store->eventApplied(event.event_id))) {
    return Application{};
  }
  // An event's writes land together: in the caller's transaction when one is
  // open, in one of their own otherwise, so a failure leaves nothing half done.
  const bool own_transaction = !m_store->inTransaction();
  if (own_transaction) {
    STAYLAB_TRY(m_store->begin());
  }
  auto application = property_event ? applyProperty(event) : applyBooking(event);
  if (own_transaction) {
    if (!application) {
      m_store->rollback();
    } else {
      STAYLAB_TRY(m_store->commit());
    }
  }
  return application;
}

Result<FraudDetector::Application> FraudDetector::applyProperty(const EventEnvelope& event) {
  // Validate everything before changing anything.
  const nlohmann::json& payload = event.payload;
  std::string property_id = STAYLAB_TRY(payloadString(payload, "property_id"));
  std::string host = STAYLAB_TRY(payloadString(payload, "host_id"));
  std::vector<std::string> declared;
  auto signals = payload.is_object() ? payload.find("host_signals") : payload.end();
  if (payload.is_object() && signals != payload.end() && !signals->is_null()) {
    if (!signals->is_object()) {
      return invalidInput("payload.host_signals", "must be a JSON object");
    }
    constexpr std::string_view kSignals = "payload.host_signals";
    std::string payout = STAYLAB_TRY(payloadSignal(*signals, kSignals, "payout_fingerprint"));
    std::string device = STAYLAB_TRY(payloadSignal(*signals, kSignals, "device"));
    std::string ip = STAYLAB_TRY(payloadSignal(*signals, kSignals, "ip"));
    if (!payout.empty()) {
      declared.push_back(paymentKey(payout));
    }
    if (!device.empty()) {
      declared.push_back(fmt::format("device:{}", device));
    }
    if (!ip.empty()) {
      declared.push_back(fmt::format("ip:{}", ip));
    }
  }

  Application application;
  std::vector<FraudAction>& actions = application.actions;
  if (idempotent()) {
    STAYLAB_TRY(m_store->rememberEvent(event.event_id, m_options.remembered_event_ids));
    auto known = STAYLAB_TRY(m_store->property(property_id));
    if (known && event.aggregate_version <= known->version) {
      return application;  // A redelivery of an older or the same version.
    }
  }
  application.effect = EventEffect::Applied;
  STAYLAB_TRY(m_store->putProperty(property_id, PropertyRecord{host, event.aggregate_version}));
  FraudGraph entities = graph();
  GraphVertex host_vertex = STAYLAB_TRY(entities.account(host));
  RingChanges changes;
  bool declared_new = false;
  for (const auto& instrument : declared) {
    if (STAYLAB_TRY(m_store->addHostInstrument(host, instrument))) {
      declared_new = true;
      changes.add(STAYLAB_TRY(entities.link(host_vertex, instrument, ringSize())));
    }
  }
  if (declared_new) {
    for (const auto& stored : STAYLAB_TRY(m_store->bookings(BookingKey::Host, host))) {
      STAYLAB_TRY(checkSelfDealing(stored.record, event, actions));
    }
  }
  STAYLAB_TRY(checkRings(changes, event, actions));
  return application;
}

Result<FraudDetector::Application> FraudDetector::applyBooking(const EventEnvelope& event) {
  const nlohmann::json& payload = event.payload;
  BookingRecord booking;
  booking.booking_id = STAYLAB_TRY(payloadString(payload, "booking_id"));
  booking.property_id = STAYLAB_TRY(payloadString(payload, "property_id"));
  booking.guest_id = STAYLAB_TRY(payloadString(payload, "guest_id"));
  booking.host_id = STAYLAB_TRY(payloadString(payload, "host_id"));
  booking.payment_fingerprint =
      STAYLAB_TRY(payloadSignal(payload, "payload", "payment_fingerprint"));
  booking.device = STAYLAB_TRY(payloadSignal(payload, "payload", "device"));
  booking.ip = STAYLAB_TRY(payloadSignal(payload, "payload", "ip"));
  booking.occurred_at_nanos = event.occurred_at_nanos;

  Application application;
  std::vector<FraudAction>& actions = application.actions;
  if (idempotent()) {
    STAYLAB_TRY(m_store->rememberEvent(event.event_id, m_options.remembered_event_ids));
    if (!STAYLAB_TRY(m_store->bookings(BookingKey::BookingId, booking.booking_id)).empty()) {
      return application;  // The same booking under another event id.
    }
  }
  application.effect = EventEffect::Applied;
  const int64_t seq = STAYLAB_TRY(m_store->addBooking(booking));
  RingChanges changes;
  STAYLAB_TRY(indexBooking(booking, changes));

  STAYLAB_TRY(checkSelfDealing(booking, event, actions));
  if (!booking.payment_fingerprint.empty()) {
    STAYLAB_TRY(checkSharedPayment(booking.payment_fingerprint, event, actions));
  }
  STAYLAB_TRY(checkVelocity(booking.guest_id, seq, event, actions));
  STAYLAB_TRY(checkRings(changes, event, actions));
  STAYLAB_TRY(checkRingProperty(booking, event, actions));
  return application;
}

Result<void> FraudDetector::indexBooking(const BookingRecord& booking, RingChanges& changes) {
  FraudGraph entities = graph();
  GraphVertex guest = STAYLAB_TRY(entities.account(booking.guest_id));
  STAYLAB_TRY(entities.account(booking.host_id));
  for (const auto& instrument : bookingInstruments(booking)) {
    changes.add(STAYLAB_TRY(entities.link(guest, instrument, ringSize())));
  }
  return {};
}

Result<void> FraudDetector::checkSelfDealing(const BookingRecord& booking,
                                             const EventEnvelope& cause,
                                             std::vector<FraudAction>& actions) {
  Subject subject{SubjectKind::Booking, booking.booking_id};
  if (STAYLAB_TRY(m_store->hasSuspicion(FraudRule::SelfDealing, subject))) {
    return {};
  }
  std::vector<std::string> shared;
  bool same_handle = booking.guest_id == booking.host_id;
  const auto host_instruments = STAYLAB_TRY(m_store->hostInstruments(booking.host_id));
  for (const auto& instrument : bookingInstruments(booking)) {
    if (host_instruments.contains(instrument)) {
      shared.push_back(instrument);
    }
  }
  if (!same_handle && shared.empty()) {
    return {};
  }
  nlohmann::json evidence{
      {"booking_id", booking.booking_id}, {"property_id", booking.property_id},
      {"guest", booking.guest_id},        {"host", booking.host_id},
      {"same_handle", same_handle},       {"shared_instruments", shared},
  };
  std::string how = same_handle ? std::string("is the host")
                                : fmt::format("shares {} with host '{}'", fmt::join(shared, ", "),
                                              booking.host_id);
  std::string reason = fmt::format("fraud rule self_dealing ({}): guest '{}' of booking {} {}",
                                   suspicionId(FraudRule::SelfDealing, subject), booking.guest_id,
                                   booking.booking_id, how);
  return raise(FraudRule::SelfDealing, std::move(subject), std::move(evidence), booking.property_id,
               cause, reason, actions);
}

Result<void> FraudDetector::checkSharedPayment(const std::string& payment,
                                               const EventEnvelope& cause,
                                               std::vector<FraudAction>& actions) {
  Subject subject{SubjectKind::Instrument, paymentKey(payment)};
  if (STAYLAB_TRY(m_store->hasSuspicion(FraudRule::SharedPayment, subject))) {
    return {};
  }
  std::set<std::string> guests;
  std::vector<std::string> bookings;
  for (const auto& stored : STAYLAB_TRY(m_store->bookings(BookingKey::Payment, payment))) {
    guests.insert(stored.record.guest_id);
    bookings.push_back(stored.record.booking_id);
  }
  if (guests.size() < static_cast<size_t>(m_options.rules.shared_payment_guests)) {
    return {};
  }
  std::sort(bookings.begin(), bookings.end());
  nlohmann::json evidence{{"instrument", subject.id}};
  putList(evidence, "guests", std::vector<std::string>(guests.begin(), guests.end()));
  putList(evidence, "bookings", bookings);
  return raise(FraudRule::SharedPayment, std::move(subject), std::move(evidence), "", cause, "",
               actions);
}

Result<void> FraudDetector::checkVelocity(const std::string& guest, int64_t seq,
                                          const EventEnvelope& cause,
                                          std::vector<FraudAction>& actions) {
  Subject subject{SubjectKind::Account, guest};
  if (STAYLAB_TRY(m_store->hasSuspicion(FraudRule::Velocity, subject))) {
    return {};
  }
  const size_t count = static_cast<size_t>(m_options.rules.velocity_bookings);
  auto stored = STAYLAB_TRY(m_store->bookings(BookingKey::Guest, guest));
  if (stored.size() < count) {
    return {};
  }
  // The guest's bookings by (occurred_at, applied order).
  std::vector<std::pair<int64_t, size_t>> times;
  times.reserve(stored.size());
  for (size_t index = 0; index < stored.size(); ++index) {
    times.emplace_back(stored[index].record.occurred_at_nanos, index);
  }
  std::sort(times.begin(), times.end());
  auto inserted = std::find_if(times.begin(), times.end(),
                               [&](const auto& entry) { return stored[entry.second].seq == seq; });
  const size_t position = static_cast<size_t>(inserted - times.begin());
  // Every run of `count` consecutive times that contains the new one.
  size_t first = position + 1 >= count ? position + 1 - count : 0;
  for (size_t start = first; start <= position && start + count <= times.size(); ++start) {
    const size_t last = start + count - 1;
    if (times[last].first - times[start].first > m_options.rules.velocity_window_nanos) {
      continue;
    }
    std::vector<std::string> bookings;
    for (size_t index = start; index <= last; ++index) {
      bookings.push_back(stored[times[index].second].record.booking_id);
    }
    nlohmann::json evidence{
        {"guest", guest},
        {"bookings", bookings},
        {"first_at", times[start].first},
        {"last_at", times[last].first},
        {"window_nanos", m_options.rules.velocity_window_nanos},
    };
    return raise(FraudRule::Velocity, std::move(subject), std::move(evidence), "", cause, "",
                 actions);
  }
  return {};
}

Result<void> FraudDetector::checkRings(const RingChanges& changes, const EventEnvelope& cause,
                                       std::vector<FraudAction>& actions) {
  FraudGraph entities = graph();
  // One component per event can be shared by many entering accounts: compute once.
  EntityGraph::Component component;
  for (const auto& account : changes.entering) {
    Subject subject{SubjectKind::Account, account};
    if (STAYLAB_TRY(m_store->hasSuspicion(FraudRule::Ring, subject))) {
      continue;
    }
    if (!std::binary_search(component.accounts.begin(), component.accounts.end(), account)) {
      component = STAYLAB_TRY(entities.component(account));
    }
    nlohmann::json evidence{{"account", account}};
    putList(evidence, "accounts", component.accounts);
    putList(evidence, "instruments", component.instruments);
    STAYLAB_TRY(
        raise(FraudRule::Ring, std::move(subject), std::move(evidence), "", cause, "", actions));
  }
  // The scanned accounts' bookings, each once, in applied order.
  std::map<int64_t, BookingRecord> candidates;
  for (const auto& account : changes.scan) {
    for (BookingKey key : {BookingKey::Guest, BookingKey::Host}) {
      for (auto& stored : STAYLAB_TRY(m_store->bookings(key, account))) {
        candidates.emplace(stored.seq, std::move(stored.record));
      }
    }
  }
  for (const auto& [seq, booking] : candidates) {
    STAYLAB_TRY(checkRingProperty(booking, cause, actions));
  }
  return {};
}

Result<void> FraudDetector::checkRingProperty(const BookingRecord& booking,
                                              const EventEnvelope& cause,
                                              std::vector<FraudAction>& actions) {
  if (booking.guest_id == booking.host_id) {
    return {};  // SelfDealing's case; a ring needs another member.
  }
  Subject subject{SubjectKind::Property, booking.property_id};
  FraudGraph entities = graph();
  // Most guests and hosts are apart: that is checked first.
  if (!STAYLAB_TRY(entities.connected(booking.guest_id, booking.host_id)) ||
      STAYLAB_TRY(entities.componentAccountCount(booking.guest_id)) < ringSize() ||
      STAYLAB_TRY(m_store->hasSuspicion(FraudRule::Ring, subject))) {
    return {};
  }
  EntityGraph::Component component = STAYLAB_TRY(entities.component(booking.guest_id));
  nlohmann::json evidence{
      {"property_id", booking.property_id},
      {"host", booking.host_id},
      {"guest", booking.guest_id},
      {"booking_id", booking.booking_id},
  };
  putList(evidence, "accounts", component.accounts);
  putList(evidence, "instruments", component.instruments);
  std::string reason = fmt::format(
      "fraud rule ring ({}): host '{}' and guest '{}' of booking {} are in one ring of {} "
      "accounts linked by shared instruments",
      suspicionId(FraudRule::Ring, subject), booking.host_id, booking.guest_id, booking.booking_id,
      component.accounts.size());
  return raise(FraudRule::Ring, std::move(subject), std::move(evidence), booking.property_id, cause,
               reason, actions);
}

Result<void> FraudDetector::raise(FraudRule rule, Subject subject, nlohmann::json evidence,
                                  std::string property_id, const EventEnvelope& cause,
                                  const std::string& mark_reason,
                                  std::vector<FraudAction>& actions) {
  Suspicion suspicion;
  suspicion.id = suspicionId(rule, subject);
  suspicion.rule = rule;
  suspicion.subject = subject;
  suspicion.evidence = std::move(evidence);
  suspicion.detected_at_nanos = cause.occurred_at_nanos;
  suspicion.property_id = std::move(property_id);
  suspicion.caused_by = cause.event_id;
  STAYLAB_TRY(m_store->addSuspicion(suspicion));

  // The log requires a correlation id; an event without one starts its own chain.
  std::string correlation = cause.correlation_id.empty() ? cause.event_id : cause.correlation_id;
  PublishFraudSuspected publish;
  publish.event.event_id = fraudEventId(rule, subject);
  publish.event.type = std::string(kFraudSuspectedType);
  publish.event.schema_version = 1;
  publish.event.aggregate_type = std::string(kFraudTopic);
  publish.event.aggregate_id = suspicion.id;
  publish.event.aggregate_version = 1;
  publish.event.occurred_at_nanos = cause.occurred_at_nanos;
  publish.event.correlation_id = correlation;
  publish.event.causation_id = cause.event_id;
  publish.event.caller = std::string(kFraudCaller);
  publish.event.payload = suspicion.toJson();
  actions.emplace_back(std::move(publish));
  if (!mark_reason.empty() && !suspicion.property_id.empty()) {
    SendMarkPropertyFraud send;
    send.command.property_id = suspicion.property_id;
    send.command.reason = truncateCodePoints(mark_reason, kMaxReasonCodePoints);
    send.context.command_id = fraudCommandId(rule, subject);
    send.context.correlation_id = correlation;
    send.context.caller = std::string(kFraudCaller);
    actions.emplace_back(std::move(send));
  }
  return {};
}

Result<std::vector<Suspicion>> FraudDetector::suspicions() const {
  return m_store->suspicions();
}

Result<GraphStats> FraudDetector::graphStats() const {
  return graph().stats();
}

Result<FraudState> FraudDetector::exportState() const {
  FraudState state;
  state.properties = STAYLAB_TRY(m_store->properties());
  state.host_instruments = STAYLAB_TRY(m_store->allHostInstruments());
  for (auto& stored : STAYLAB_TRY(m_store->allBookings())) {
    state.bookings.push_back(std::move(stored.record));
  }
  state.suspicions = STAYLAB_TRY(m_store->suspicions());
  state.applied_event_ids = STAYLAB_TRY(m_store->rememberedEvents());
  return state;
}

Result<std::string> FraudDetector::canonicalDigest() const {
  std::vector<Suspicion> sorted = STAYLAB_TRY(m_store->suspicions());
  std::sort(sorted.begin(), sorted.end(),
            [](const Suspicion& a, const Suspicion& b) { return a.id < b.id; });
  std::string text;
  for (const Suspicion& suspicion : sorted) {
    text +=
        fmt::format("{}|{}|{}|{}|{}\n", suspicion.id, toString(suspicion.rule),
                    toString(suspicion.subject.kind), suspicion.subject.id, suspicion.property_id);
  }
  if (!idempotent()) {
    std::map<std::string, size_t> held;
    for (const auto& stored : STAYLAB_TRY(m_store->allBookings())) {
      ++held[stored.record.booking_id];
    }
    for (const auto& [booking_id, times] : held) {
      if (times > 1) {
        text += fmt::format("booking|{}|{}\n", booking_id, times);
      }
    }
  }
  return fmt::format("fraud-v1:{}:{:016x}", sorted.size(), fnv1a64(text));
}

}  // namespace staylab::fraud
