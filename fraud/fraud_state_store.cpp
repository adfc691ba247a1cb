#include "fraud/fraud_state_store.h"

namespace staylab::fraud {

std::string offsetKey(std::string_view topic, int partition) {
  return fmt::format("{}/{}", topic, partition);
}

std::string suspicionKey(FraudRule rule, const Subject& subject) {
  return fmt::format("{}|{}|{}", toString(rule), toString(subject.kind), subject.id);
}

}  // namespace staylab::fraud
