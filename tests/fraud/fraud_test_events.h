#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "domain/common/event_envelope.h"
#include "fraud/fraud_detector.h"

namespace staylab::fraud::testing {

inline constexpr int64_t kHour = kNanosPerHour;
inline constexpr int64_t kT0 = int64_t{1'700'000'000} * 1'000'000'000;

// Optional signals; an empty string is an absent signal.
struct Signals {
  std::string payment;
  std::string device;
  std::string ip;
};

inline Signals noSignals() {
  return Signals{"", "", ""};
}
inline Signals payment(std::string fingerprint) {
  return Signals{std::move(fingerprint), "", ""};
}
inline Signals device(std::string id) {
  return Signals{"", std::move(id), ""};
}
inline Signals ip(std::string address) {
  return Signals{"", "", std::move(address)};
}

// Builds listing and booking events shaped as the domain services make them,
// with event ids "evt_t<n>" in creation order.
class EventFactory {
 public:
  EventEnvelope propertyCreated(const std::string& property_id, const std::string& host,
                                const Signals& signals = noSignals(), int64_t at = kT0) {
    return propertyEvent("PropertyCreated", property_id, host, signals, 1, at);
  }
  EventEnvelope propertyUpdated(const std::string& property_id, const std::string& host,
                                const Signals& signals, int64_t version, int64_t at) {
    return propertyEvent("PropertyUpdated", property_id, host, signals, version, at);
  }
  EventEnvelope bookingPlaced(const std::string& booking_id, const std::string& property_id,
                              const std::string& guest, const std::string& host,
                              const Signals& signals = noSignals(), int64_t at = kT0) {
    EventEnvelope event = base("BookingPlaced", "booking", booking_id, 1, at);
    event.payload = nlohmann::json{
        {"booking_id", booking_id},
        {"property_id", property_id},
        {"guest_id", guest},
        {"check_in", "2025-06-01"},
        {"check_out", "2025-06-03"},
        {"nights", 2},
        {"guests", 1},
        {"total_minor", 20000},
        {"currency", "EUR"},
        {"payment_fingerprint", signals.payment},
        {"device", signals.device},
        {"ip", signals.ip},
        {"host_id", host},
    };
    return event;
  }
  EventEnvelope bookingCancelled(const std::string& booking_id, const std::string& property_id,
                                 const std::string& guest, int64_t at) {
    EventEnvelope event = base("BookingCancelled", "booking", booking_id, 2, at);
    event.payload = nlohmann::json{
        {"booking_id", booking_id}, {"property_id", property_id}, {"guest_id", guest}};
    return event;
  }
  EventEnvelope propertySuspended(const std::string& property_id, int64_t version, int64_t at) {
    EventEnvelope event = base("PropertySuspended", "property", property_id, version, at);
    event.payload = nlohmann::json{{"property_id", property_id}, {"reason", "test"}};
    return event;
  }

 private:
  EventEnvelope base(const std::string& type, const std::string& topic,
                     const std::string& aggregate_id, int64_t version, int64_t at) {
    EventEnvelope event;
    event.event_id = fmt::format("evt_t{}", ++m_count);
    event.type = type;
    event.schema_version = 1;
    event.aggregate_type = topic;
    event.aggregate_id = aggregate_id;
    event.aggregate_version = version;
    event.occurred_at_nanos = at;
    event.correlation_id = fmt::format("corr_t{}", m_count);
    event.causation_id = fmt::format("cmd_t{}", m_count);
    return event;
  }
  EventEnvelope propertyEvent(const std::string& type, const std::string& property_id,
                              const std::string& host, const Signals& signals, int64_t version,
                              int64_t at) {
    EventEnvelope event = base(type, "property", property_id, version, at);
    event.payload = nlohmann::json{
        {"property_id", property_id},
        {"host_id", host},
        {"title", "Flat"},
        {"city", "Lyon"},
        {"status", "active"},
        {"host_signals",
         {{"payout_fingerprint", signals.payment}, {"device", signals.device}, {"ip", signals.ip}}},
    };
    return event;
  }

  int m_count = 0;
};

inline FraudDetector makeDetector(FraudRules rules = {}) {
  FraudDetectorOptions options;
  options.rules = rules;
  auto detector = FraudDetector::create(options);
  EXPECT_TRUE(detector.has_value());
  return std::move(*detector);
}

// Applies every event, failing the test on an error; returns all actions.
inline std::vector<FraudAction> applyAll(FraudDetector& detector,
                                         const std::vector<EventEnvelope>& events) {
  std::vector<FraudAction> all;
  for (const auto& event : events) {
    auto actions = detector.apply(event);
    EXPECT_TRUE(actions.has_value()) << event.event_id << ": " << actions.error().describe();
    if (actions) {
      all.insert(all.end(), actions->begin(), actions->end());
    }
  }
  return all;
}

inline std::vector<SendMarkPropertyFraud> marks(const std::vector<FraudAction>& actions) {
  std::vector<SendMarkPropertyFraud> result;
  for (const auto& action : actions) {
    if (const auto* send = std::get_if<SendMarkPropertyFraud>(&action)) {
      result.push_back(*send);
    }
  }
  return result;
}

inline std::vector<EventEnvelope> published(const std::vector<FraudAction>& actions) {
  std::vector<EventEnvelope> result;
  for (const auto& action : actions) {
    if (const auto* publish = std::get_if<PublishFraudSuspected>(&action)) {
      result.push_back(publish->event);
    }
  }
  return result;
}

// Returns the suspicions of one rule.
// The detector's suspicions, state and graph counts; a failed read fails the test.
inline std::vector<Suspicion> suspicionsIn(const FraudDetector& detector) {
  auto suspicions = detector.suspicions();
  EXPECT_TRUE(suspicions.has_value()) << suspicions.error().describe();
  return suspicions.value_or(std::vector<Suspicion>{});
}

inline FraudState stateOf(const FraudDetector& detector) {
  auto state = detector.exportState();
  EXPECT_TRUE(state.has_value()) << state.error().describe();
  return state.value_or(FraudState{});
}

inline GraphStats statsOf(const FraudDetector& detector) {
  auto stats = detector.graphStats();
  EXPECT_TRUE(stats.has_value()) << stats.error().describe();
  return stats.value_or(GraphStats{});
}

inline std::vector<Suspicion> suspicionsOf(const FraudDetector& detector, FraudRule rule) {
  std::vector<Suspicion> result;
  for (const auto& suspicion : suspicionsIn(detector)) {
    if (suspicion.rule == rule) {
      result.push_back(suspicion);
    }
  }
  return result;
}

}  // namespace staylab::fraud::testing
