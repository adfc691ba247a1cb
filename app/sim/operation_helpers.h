#pragma once

// Small helpers the simulated platform's operations share, on the new
// services (simulated_operations.cpp) and on the legacy monolith
// (simulated_migration.cpp). Internal to app/sim.

#include <algorithm>

#include "simulator/engine/system.h"

namespace staylab::app::operations {

// A failed answer, counted as the metrics count `error`.
inline sim::OperationOutcome failed(const Error& error) {
  sim::OperationOutcome outcome;
  outcome.ok = false;
  outcome.error = sim::requestErrorOf(error);
  return outcome;
}

inline sim::OperationOutcome failed(sim::RequestError error) {
  sim::OperationOutcome outcome;
  outcome.ok = false;
  outcome.error = error;
  return outcome;
}

// Returns a draw below `bound` ( > 0).
inline int below(sim::Generator& random, int bound) {
  return static_cast<int>(random.uniform() * bound) % std::max(bound, 1);
}

inline bool isWrite(sim::UserOperation operation) {
  return operation == sim::UserOperation::Book || operation == sim::UserOperation::Cancel ||
         operation == sim::UserOperation::Edit;
}

}  // namespace staylab::app::operations
