#pragma once

// The M/M/c queue written with the kernel: Poisson arrivals, exponential
// service, one Resource of c servers with an unbounded FIFO queue. The
// queueing validation tests compare it with Erlang C; the kernel benchmark
// times it against SimPy.
//
// Each customer is its own process (arrive, acquire, hold, release), the
// shape a simulated request takes elsewhere in Staylab.

#include <cstddef>
#include <cstdint>

#include "domain/common/error.h"
#include "simulator/kernel/simulation.h"
#include "simulator/stats/batch_means.h"

namespace staylab::sim {

struct MmcOptions {
  double arrival_rate = 9.0;            // Customers per second (lambda). Default: 9.
  double service_rate = 1.0;            // Services per second per server (mu). Default: 1.
  int servers = 10;                     // c. Default: 10.
  std::uint64_t customers = 1'000'000;  // Arrivals to simulate. Default: 1,000,000.
  std::uint64_t seed = 1;
  BatchMeansOptions batch_means;  // Warm-up fraction and number of batches for the CI.
};

struct MmcResult {
  std::uint64_t customers = 0;           // Customers served.
  std::uint64_t measured_customers = 0;  // Customers after the warm-up.
  double mean_wait_seconds = 0.0;        // Mean time in queue after the warm-up.
  ConfidenceInterval wait_ci_seconds;    // Batch-means 95% interval for the mean wait.
  // Time averages from the first measured arrival to the last arrival.
  double utilisation = 0.0;
  double mean_queue_length = 0.0;
  std::uint64_t events = 0;  // Kernel events dispatched.
  Nanos end_time = 0;        // Virtual time when the last customer left.
};

// Runs the model to completion (every customer served).
// Error: InvalidInput for non-positive rates, servers < 1, an unstable
// system (lambda >= c * mu) or too few customers for the batches.
[[nodiscard]] Result<MmcResult> runMmc(const MmcOptions& options);

}  // namespace staylab::sim
