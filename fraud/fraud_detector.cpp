#include "fraud/fraud_detector.h"

#include <algorithm>
#include <map>

#include <fmt/ranges.h>

#include "domain/common/hash.h"
#include "fraud/json_fields.h"

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

std::string subjectKey(FraudRule rule, const Subject& subject) {
  return fmt::format("{}|{}|{}", toString(rule), toString(subject.kind), subject.id);
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

bool SendMarkPropertyFraud::operator==(const SendMarkPropertyFraud& other) const {
  return command.property_id == other.command.property_id &&
         command.reason == other.command.reason && context.command_id == other.context.command_id &&
         context.correlation_id == other.context.correlation_id &&
         context.caller == other.context.caller;
}

nlohmann::json fraudActionToJson(const FraudAction& action) {
  if (const auto* publish = std::get_if<PublishFraudSuspected>(&action)) {
    return nlohmann::json{{"action", "publish_fraud_suspected"},
                          {"event", publish->event.toJson()}};
  }
  const auto& send = std::get<SendMarkPropertyFraud>(action);
  return nlohmann::json{
      {"action", "mark_property_fraud"},
      {"property_id", send.command.property_id},
      {"reason", send.command.reason},
      {"command_id", send.context.command_id},
      {"correlation_id", send.context.correlation_id},
      {"caller", send.context.caller},
  };
}

Result<FraudAction> fraudActionFromJson(const nlohmann::json& json) {
  return json_fields::guarded("action", [&]() -> Result<FraudAction> {
    constexpr std::string_view kPath = "action";
    std::string kind = STAYLAB_TRY(jf::string(json, kPath, "action"));
    if (kind == "publish_fraud_suspected") {
      const nlohmann::json* event = STAYLAB_TRY(jf::object(json, kPath, "event"));
      PublishFraudSuspected publish;
      publish.event = STAYLAB_TRY(EventEnvelope::fromJson(*event));
      return FraudAction(std::move(publish));
    }
    if (kind == "mark_property_fraud") {
      SendMarkPropertyFraud send;
      send.command.property_id = STAYLAB_TRY(jf::string(json, kPath, "property_id"));
      send.command.reason = STAYLAB_TRY(jf::string(json, kPath, "reason"));
      send.context.command_id = STAYLAB_TRY(jf::string(json, kPath, "command_id"));
      send.context.correlation_id = STAYLAB_TRY(jf::string(json, kPath, "correlation_id"));
      send.context.caller = STAYLAB_TRY(jf::string(json, kPath, "caller"));
      return FraudAction(std::move(send));
    }
    return invalidInput("action.action", "'{}' is not a fraud action", kind);
  });
}

// ---- FraudState JSON ----

nlohmann::json FraudState::toJson() const {
  nlohmann::json json;
  nlohmann::json property_json = nlohmann::json::object();
  for (const auto& [id, property] : properties) {
    property_json[id] = {{"host_id", property.host_id}, {"version", property.version}};
  }
  json["properties"] = std::move(property_json);
  nlohmann::json host_json = nlohmann::json::object();
  for (const auto& [host, instruments] : host_instruments) {
    host_json[host] = instruments;
  }
  json["host_instruments"] = std::move(host_json);
  nlohmann::json booking_json = nlohmann::json::array();
  for (const auto& booking : bookings) {
    booking_json.push_back({
        {"booking_id", booking.booking_id},
        {"property_id", booking.property_id},
        {"guest_id", booking.guest_id},
        {"host_id", booking.host_id},
        {"payment_fingerprint", booking.payment_fingerprint},
        {"device", booking.device},
        {"ip", booking.ip},
        {"occurred_at", booking.occurred_at_nanos},
    });
  }
  json["bookings"] = std::move(booking_json);
  nlohmann::json suspicion_json = nlohmann::json::array();
  for (const auto& suspicion : suspicions) {
    suspicion_json.push_back(suspicion.toJson());
  }
  json["suspicions"] = std::move(suspicion_json);
  json["applied_event_ids"] = applied_event_ids;
  return json;
}

Result<FraudState> FraudState::fromJson(const nlohmann::json& json) {
  return json_fields::guarded("state", [&]() -> Result<FraudState> {
    constexpr std::string_view kPath = "state";
    FraudState state;
    const nlohmann::json* properties = STAYLAB_TRY(jf::object(json, kPath, "properties"));
    for (const auto& [id, value] : properties->items()) {
      std::string path = fmt::format("state.properties.{}", id);
      PropertyRecord record;
      record.host_id = STAYLAB_TRY(jf::string(value, path, "host_id"));
      record.version = STAYLAB_TRY(jf::integer(value, path, "version"));
      state.properties.emplace(id, std::move(record));
    }
    const nlohmann::json* hosts = STAYLAB_TRY(jf::object(json, kPath, "host_instruments"));
    for (const auto& [host, value] : hosts->items()) {
      if (!value.is_array()) {
        return invalidInput(fmt::format("state.host_instruments.{}", host), "must be an array");
      }
      auto& instruments = state.host_instruments[host];
      for (const auto& instrument : value) {
        if (!instrument.is_string() || instrument.get_ref<const std::string&>().empty()) {
          return invalidInput(fmt::format("state.host_instruments.{}", host),
                              "must hold non-empty strings");
        }
        instruments.insert(instrument.get<std::string>());
      }
    }
    const nlohmann::json* bookings = STAYLAB_TRY(jf::array(json, kPath, "bookings"));
    for (const auto& value : *bookings) {
      constexpr std::string_view kBooking = "state.bookings[]";
      BookingRecord record;
      record.booking_id = STAYLAB_TRY(jf::string(value, kBooking, "booking_id"));
      record.property_id = STAYLAB_TRY(jf::string(value, kBooking, "property_id"));
      record.guest_id = STAYLAB_TRY(jf::string(value, kBooking, "guest_id"));
      record.host_id = STAYLAB_TRY(jf::string(value, kBooking, "host_id"));
      record.payment_fingerprint =
          STAYLAB_TRY(jf::string(value, kBooking, "payment_fingerprint", jf::Emptiness::Allowed));
      record.device = STAYLAB_TRY(jf::string(value, kBooking, "device", jf::Emptiness::Allowed));
      record.ip = STAYLAB_TRY(jf::string(value, kBooking, "ip", jf::Emptiness::Allowed));
      record.occurred_at_nanos = STAYLAB_TRY(jf::integer(value, kBooking, "occurred_at"));
      state.bookings.push_back(std::move(record));
    }
    const nlohmann::json* suspicions = STAYLAB_TRY(jf::array(json, kPath, "suspicions"));
    for (const auto& value : *suspicions) {
      state.suspicions.push_back(STAYLAB_TRY(Suspicion::fromJson(value)));
    }
    const nlohmann::json* applied = STAYLAB_TRY(jf::array(json, kPath, "applied_event_ids"));
    for (const auto& value : *applied) {
      if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        return invalidInput("state.applied_event_ids", "must hold non-empty strings");
      }
      state.applied_event_ids.push_back(value.get<std::string>());
    }
    return state;
  });
}

// ---- FraudDetector ----

Result<FraudDetector> FraudDetector::create(FraudDetectorOptions options) {
  STAYLAB_TRY(options.rules.validate());
  if (options.remembered_event_ids < 1) {
    return invalidInput("remembered_event_ids", "must be at least 1");
  }
  return FraudDetector(std::move(options));
}

Result<FraudDetector> FraudDetector::restore(FraudDetectorOptions options, FraudState state) {
  FraudDetector detector = STAYLAB_TRY(create(std::move(options)));
  RingChanges ignored;
  // Hosts first, then bookings: the graph's vertex numbering may differ from the
  // original run, its components and every answer derived from them do not.
  for (const auto& [property_id, property] : state.properties) {
    detector.m_graph.addAccount(property.host_id);
  }
  for (const auto& [host, instruments] : state.host_instruments) {
    detector.m_graph.addAccount(host);
    for (const auto& instrument : instruments) {
      detector.linkHostInstrument(host, instrument, ignored);
    }
  }
  detector.m_state.properties = std::move(state.properties);
  detector.m_state.host_instruments = std::move(state.host_instruments);
  for (auto& booking : state.bookings) {
    if (detector.idempotent() && detector.m_booking_index.contains(booking.booking_id)) {
      return invalidInput("state.bookings", "booking '{}' appears twice", booking.booking_id);
    }
    detector.m_state.bookings.push_back(std::move(booking));
    detector.indexBooking(detector.m_state.bookings.size() - 1, ignored);
  }
  for (auto& suspicion : state.suspicions) {
    std::string key = subjectKey(suspicion.rule, suspicion.subject);
    if (!detector.m_suspicion_index.emplace(key, detector.m_state.suspicions.size()).second) {
      return invalidInput("state.suspicions", "suspicion '{}' appears twice", suspicion.id);
    }
    detector.m_state.suspicions.push_back(std::move(suspicion));
  }
  for (auto& event_id : state.applied_event_ids) {
    if (detector.m_applied_ids.contains(event_id)) {
      return invalidInput("state.applied_event_ids", "event id '{}' appears twice", event_id);
    }
    detector.remember(event_id);
  }
  return detector;
}

Result<std::vector<FraudAction>> FraudDetector::apply(const EventEnvelope& event) {
  auto application = STAYLAB_TRY(applyEvent(event));
  return std::move(application.actions);
}

Result<FraudDetector::Application> FraudDetector::applyEvent(const EventEnvelope& event) {
  if (event.aggregate_type == "property" &&
      (event.type == "PropertyCreated" || event.type == "PropertyUpdated")) {
    if (event.event_id.empty()) {
      return invalidInput("event.event_id", "must not be empty");
    }
    if (idempotent() && m_applied_ids.contains(event.event_id)) {
      return Application{};
    }
    return applyProperty(event);
  }
  if (event.aggregate_type == "booking" && event.type == "BookingPlaced") {
    if (event.event_id.empty()) {
      return invalidInput("event.event_id", "must not be empty");
    }
    if (idempotent() && m_applied_ids.contains(event.event_id)) {
      return Application{};
    }
    return applyBooking(event);
  }
  return Application{};  // Not an input of fraud detection.
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
    remember(event.event_id);
    auto known = m_state.properties.find(property_id);
    if (known != m_state.properties.end() && event.aggregate_version <= known->second.version) {
      return application;  // A redelivery of an older or the same version.
    }
  }
  application.effect = EventEffect::Applied;
  m_state.properties[property_id] = PropertyRecord{host, event.aggregate_version};
  m_graph.addAccount(host);
  RingChanges changes;
  bool declared_new = false;
  auto& instruments = m_state.host_instruments[host];
  for (const auto& instrument : declared) {
    if (instruments.insert(instrument).second) {
      declared_new = true;
      linkHostInstrument(host, instrument, changes);
    }
  }
  if (declared_new) {
    auto bookings = m_bookings_by_host.find(host);
    if (bookings != m_bookings_by_host.end()) {
      for (size_t booking_index : bookings->second) {
        checkSelfDealing(booking_index, event, actions);
      }
    }
  }
  checkRings(changes, event, actions);
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
    remember(event.event_id);
    if (m_booking_index.contains(booking.booking_id)) {
      return application;  // The same booking under another event id.
    }
  }
  application.effect = EventEffect::Applied;
  std::string guest = booking.guest_id;
  std::string payment = booking.payment_fingerprint;
  m_state.bookings.push_back(std::move(booking));
  size_t booking_index = m_state.bookings.size() - 1;
  RingChanges changes;
  indexBooking(booking_index, changes);

  checkSelfDealing(booking_index, event, actions);
  if (!payment.empty()) {
    checkSharedPayment(payment, event, actions);
  }
  checkVelocity(guest, booking_index, event, actions);
  checkRings(changes, event, actions);
  checkRingProperty(booking_index, event, actions);
  return application;
}

void FraudDetector::remember(const std::string& event_id) {
  m_applied_ids.insert(event_id);
  m_state.applied_event_ids.push_back(event_id);
  while (m_state.applied_event_ids.size() > m_options.remembered_event_ids) {
    m_applied_ids.erase(m_state.applied_event_ids.front());
    m_state.applied_event_ids.pop_front();
  }
}

void FraudDetector::indexBooking(size_t booking_index, RingChanges& changes) {
  const BookingRecord& booking = m_state.bookings[booking_index];
  m_booking_index.emplace(booking.booking_id, booking_index);
  m_bookings_by_guest[booking.guest_id].push_back(booking_index);
  m_bookings_by_host[booking.host_id].push_back(booking_index);
  m_graph.addAccount(booking.guest_id);
  m_graph.addAccount(booking.host_id);
  for (const auto& instrument : bookingInstruments(booking)) {
    changes.add(m_graph.link(booking.guest_id, instrument,
                             static_cast<size_t>(m_options.rules.ring_accounts)));
  }
  if (!booking.payment_fingerprint.empty()) {
    m_bookings_by_payment[booking.payment_fingerprint].push_back(booking_index);
    m_payment_guests[booking.payment_fingerprint].insert(booking.guest_id);
  }
  auto& times = m_guest_times[booking.guest_id];
  std::pair<int64_t, size_t> entry{booking.occurred_at_nanos, booking_index};
  times.insert(std::upper_bound(times.begin(), times.end(), entry), entry);
}

void FraudDetector::linkHostInstrument(const std::string& host, const std::string& instrument,
                                       RingChanges& changes) {
  changes.add(m_graph.link(host, instrument, static_cast<size_t>(m_options.rules.ring_accounts)));
}

bool FraudDetector::isFlagged(FraudRule rule, const Subject& subject) const {
  return m_suspicion_index.contains(subjectKey(rule, subject));
}

void FraudDetector::checkSelfDealing(size_t booking_index, const EventEnvelope& cause,
                                     std::vector<FraudAction>& actions) {
  const BookingRecord& booking = m_state.bookings[booking_index];
  Subject subject{SubjectKind::Booking, booking.booking_id};
  if (isFlagged(FraudRule::SelfDealing, subject)) {
    return;
  }
  std::vector<std::string> shared;
  bool same_handle = booking.guest_id == booking.host_id;
  auto host = m_state.host_instruments.find(booking.host_id);
  if (host != m_state.host_instruments.end()) {
    for (const auto& instrument : bookingInstruments(booking)) {
      if (host->second.contains(instrument)) {
        shared.push_back(instrument);
      }
    }
  }
  if (!same_handle && shared.empty()) {
    return;
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
  raise(FraudRule::SelfDealing, std::move(subject), std::move(evidence), booking.property_id, cause,
        reason, actions);
}

void FraudDetector::checkSharedPayment(const std::string& payment, const EventEnvelope& cause,
                                       std::vector<FraudAction>& actions) {
  Subject subject{SubjectKind::Instrument, paymentKey(payment)};
  const auto& guests = m_payment_guests[payment];
  if (guests.size() < static_cast<size_t>(m_options.rules.shared_payment_guests) ||
      isFlagged(FraudRule::SharedPayment, subject)) {
    return;
  }
  std::vector<std::string> bookings;
  for (size_t booking_index : m_bookings_by_payment[payment]) {
    bookings.push_back(m_state.bookings[booking_index].booking_id);
  }
  std::sort(bookings.begin(), bookings.end());
  nlohmann::json evidence{{"instrument", subject.id}};
  putList(evidence, "guests", std::vector<std::string>(guests.begin(), guests.end()));
  putList(evidence, "bookings", bookings);
  raise(FraudRule::SharedPayment, std::move(subject), std::move(evidence), "", cause, "", actions);
}

void FraudDetector::checkVelocity(const std::string& guest, size_t booking_index,
                                  const EventEnvelope& cause, std::vector<FraudAction>& actions) {
  Subject subject{SubjectKind::Account, guest};
  if (isFlagged(FraudRule::Velocity, subject)) {
    return;
  }
  const auto& times = m_guest_times[guest];
  const size_t count = static_cast<size_t>(m_options.rules.velocity_bookings);
  if (times.size() < count) {
    return;
  }
  auto inserted = std::find_if(times.begin(), times.end(),
                               [&](const auto& entry) { return entry.second == booking_index; });
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
      bookings.push_back(m_state.bookings[times[index].second].booking_id);
    }
    nlohmann::json evidence{
        {"guest", guest},
        {"bookings", bookings},
        {"first_at", times[start].first},
        {"last_at", times[last].first},
        {"window_nanos", m_options.rules.velocity_window_nanos},
    };
    raise(FraudRule::Velocity, std::move(subject), std::move(evidence), "", cause, "", actions);
    return;
  }
}

void FraudDetector::checkRings(const RingChanges& changes, const EventEnvelope& cause,
                               std::vector<FraudAction>& actions) {
  // One component per event can be shared by many entering accounts: compute once.
  EntityGraph::Component component;
  for (const auto& account : changes.entering) {
    Subject subject{SubjectKind::Account, account};
    if (isFlagged(FraudRule::Ring, subject)) {
      continue;
    }
    if (!std::binary_search(component.accounts.begin(), component.accounts.end(), account)) {
      component = m_graph.component(account);
    }
    nlohmann::json evidence{{"account", account}};
    putList(evidence, "accounts", component.accounts);
    putList(evidence, "instruments", component.instruments);
    raise(FraudRule::Ring, std::move(subject), std::move(evidence), "", cause, "", actions);
  }
  std::set<size_t> candidates;
  for (const auto& account : changes.scan) {
    for (const auto* index : {&m_bookings_by_guest, &m_bookings_by_host}) {
      auto bookings = index->find(account);
      if (bookings != index->end()) {
        candidates.insert(bookings->second.begin(), bookings->second.end());
      }
    }
  }
  for (size_t booking_index : candidates) {
    checkRingProperty(booking_index, cause, actions);
  }
}

void FraudDetector::checkRingProperty(size_t booking_index, const EventEnvelope& cause,
                                      std::vector<FraudAction>& actions) {
  const BookingRecord& booking = m_state.bookings[booking_index];
  if (booking.guest_id == booking.host_id) {
    return;  // SelfDealing's case; a ring needs another member.
  }
  Subject subject{SubjectKind::Property, booking.property_id};
  if (isFlagged(FraudRule::Ring, subject) ||
      !m_graph.connected(booking.guest_id, booking.host_id) ||
      m_graph.componentAccountCount(booking.guest_id) <
          static_cast<size_t>(m_options.rules.ring_accounts)) {
    return;
  }
  EntityGraph::Component component = m_graph.component(booking.guest_id);
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
  raise(FraudRule::Ring, std::move(subject), std::move(evidence), booking.property_id, cause,
        reason, actions);
}

void FraudDetector::raise(FraudRule rule, Subject subject, nlohmann::json evidence,
                          std::string property_id, const EventEnvelope& cause,
                          const std::string& mark_reason, std::vector<FraudAction>& actions) {
  Suspicion suspicion;
  suspicion.id = suspicionId(rule, subject);
  suspicion.rule = rule;
  suspicion.subject = subject;
  suspicion.evidence = std::move(evidence);
  suspicion.detected_at_nanos = cause.occurred_at_nanos;
  suspicion.property_id = std::move(property_id);
  suspicion.caused_by = cause.event_id;

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
  m_suspicion_index.emplace(subjectKey(rule, subject), m_state.suspicions.size());
  m_state.suspicions.push_back(std::move(suspicion));
}

std::string FraudDetector::canonicalDigest() const {
  std::vector<const Suspicion*> sorted;
  sorted.reserve(m_state.suspicions.size());
  for (const auto& suspicion : m_state.suspicions) {
    sorted.push_back(&suspicion);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const Suspicion* a, const Suspicion* b) { return a->id < b->id; });
  std::string text;
  for (const Suspicion* suspicion : sorted) {
    text += fmt::format("{}|{}|{}|{}|{}\n", suspicion->id, toString(suspicion->rule),
                        toString(suspicion->subject.kind), suspicion->subject.id,
                        suspicion->property_id);
  }
  if (!idempotent()) {
    std::map<std::string_view, size_t> held;
    for (const auto& booking : m_state.bookings) {
      ++held[booking.booking_id];
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
