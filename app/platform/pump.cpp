#include "app/platform/pump.h"

namespace staylab::app {

Result<size_t> Pump::deliverFraudActions() {
  const auto pending = m_fraud.pendingActions();
  if (pending.empty()) {
    return 0;
  }
  const Caller fraud_service{std::string(fraud::kFraudCaller), Role::FraudService};
  std::vector<EventEnvelope> events;
  for (const auto& action : pending) {
    if (const auto* publish = std::get_if<fraud::PublishFraudSuspected>(&action)) {
      events.push_back(publish->event);
    }
  }
  if (!events.empty()) {
    STAYLAB_TRY(m_log.append(events));
  }
  for (const auto& action : pending) {
    if (const auto* send = std::get_if<fraud::SendMarkPropertyFraud>(&action)) {
      auto marked = m_gateway.markPropertyFraud(fraud_service, send->command, send->context);
      // A listing that no longer exists has nothing left to suspend.
      if (!marked && marked.error().kind != ErrorKind::NotFound) {
        return std::unexpected(marked.error());
      }
    }
  }
  STAYLAB_TRY(m_fraud.acknowledge(pending.size()));
  return pending.size();
}

Result<PumpReport> Pump::round() {
  PumpReport report;
  report.relayed = STAYLAB_TRY(relayStep());
  for (Consumer* consumer : m_consumers) {
    report.consumed += STAYLAB_TRY(consumerStep(*consumer));
  }
  report.consumed += STAYLAB_TRY(fraudStep());
  report.delivered = STAYLAB_TRY(deliverFraudActions());
  return report;
}

Result<PumpReport> Pump::drain() {
  PumpReport total;
  while (true) {
    PumpReport report = STAYLAB_TRY(round());
    if (report.idle()) {
      return total;
    }
    total += report;
  }
}

}  // namespace staylab::app
