#pragma once

#include <string>
#include <vector>

#include "app/platform/gateway.h"
#include "events/consumer.h"
#include "events/relay.h"
#include "fraud/fraud_consumer.h"

namespace staylab::app {

// What one round of the pump did.
struct PumpReport {
  size_t relayed = 0;    // Outbox rows moved to the log.
  size_t consumed = 0;   // Events applied by the projections and fraud detection.
  size_t delivered = 0;  // Fraud actions delivered (events appended, commands sent).
  bool idle() const { return relayed == 0 && consumed == 0 && delivered == 0; }
  PumpReport& operator+=(const PumpReport& other) {
    relayed += other.relayed;
    consumed += other.consumed;
    delivered += other.delivered;
    return *this;
  }
};

// Moves work along the platform's asynchronous paths, one bounded step at a
// time: the relay (outboxes -> log), each consumer (log -> read model), fraud
// detection (log -> suspicions), and the delivery of fraud detection's
// actions (FraudSuspected to the log, MarkPropertyFraud through the gateway).
// The CLI and tests call drain(); the simulator schedules the steps one by one.
// Thread safety: none; drive it from one thread.
class Pump {
 public:
  struct Options {
    size_t batch = 1000;  // Most events a step moves per source or consumer. Default: 1000.
  };

  Pump(OutboxRelay& relay, std::vector<Consumer*> consumers, fraud::FraudConsumer& fraud,
       EventLog& log, Gateway& gateway, Options options)
      : m_relay(relay),
        m_consumers(std::move(consumers)),
        m_fraud(fraud),
        m_log(log),
        m_gateway(gateway),
        m_options(options) {}

  [[nodiscard]] Result<size_t> relayStep() { return m_relay.step(m_options.batch); }
  [[nodiscard]] Result<size_t> consumerStep(Consumer& consumer) {
    return consumer.step(m_options.batch);
  }
  [[nodiscard]] Result<size_t> fraudStep() { return m_fraud.step(m_options.batch); }
  // Delivers every pending fraud action, then acknowledges them.
  [[nodiscard]] Result<size_t> deliverFraudActions();

  // Runs each step once.
  [[nodiscard]] Result<PumpReport> round();
  // Runs rounds until one does nothing: every outbox empty, every consumer
  // caught up, every fraud action delivered.
  [[nodiscard]] Result<PumpReport> drain();

  const std::vector<Consumer*>& consumers() const { return m_consumers; }
  fraud::FraudConsumer& fraud() { return m_fraud; }
  OutboxRelay& relay() { return m_relay; }

 private:
  OutboxRelay& m_relay;
  std::vector<Consumer*> m_consumers;
  fraud::FraudConsumer& m_fraud;
  EventLog& m_log;
  Gateway& m_gateway;
  Options m_options;
};

}  // namespace staylab::app
