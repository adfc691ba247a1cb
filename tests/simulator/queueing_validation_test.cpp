// Validates the kernel against queueing theory: the M/M/c model's mean wait
// in queue against Erlang C, its utilisation against lambda / (c mu), and the
// batch-means interval against the formula.
//
// Customer counts (fixed seeds, Release ~1-2 s per million customers on the
// 2-core dev machine, the whole suite well under 60 s):
//   M/M/10 at rho 0.9: 10,000,000 customers, as specified.
//   M/M/1 at rho 0.5:   2,000,000: relaxation is fast; the 3% bound is ~15 sd.
//   M/M/1 at rho 0.9:   8,000,000: waits are strongly correlated (relaxation
//     time ~ 1 / (mu (1 - sqrt rho)^2) ~ 380 services), so the relative
//     standard error of the mean wait is ~0.6% at this count; 3% is ~5 sd.

#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "simulator/models/mmc.h"

namespace staylab::sim {
namespace {

// Returns Erlang C's probability that an arrival has to wait.
double erlangC(double arrival_rate, double service_rate, int servers) {
  const double offered = arrival_rate / service_rate;  // a = lambda / mu
  const double utilisation = offered / servers;
  double term = 1.0;  // a^k / k!
  double below_c = 0.0;
  for (int k = 0; k < servers; ++k) {
    below_c += term;
    term *= offered / (k + 1);
  }
  const double waiting = term / (1.0 - utilisation);  // a^c / c! / (1 - rho)
  return waiting / (below_c + waiting);
}

// Returns the mean time in queue, Wq = C(c, a) / (c mu - lambda).
double meanWaitSeconds(double arrival_rate, double service_rate, int servers) {
  return erlangC(arrival_rate, service_rate, servers) / (servers * service_rate - arrival_rate);
}

void expectMatchesTheory(const MmcOptions& options) {
  const double expected_wait =
      meanWaitSeconds(options.arrival_rate, options.service_rate, options.servers);
  const double expected_utilisation =
      options.arrival_rate / (options.servers * options.service_rate);
  const auto result = runMmc(options);
  ASSERT_TRUE(result.has_value()) << result.error().describe();
  const ConfidenceInterval& interval = result->wait_ci_seconds;
  const std::string report = fmt::format(
      "M/M/{} lambda={} mu={} customers={} seed={}: mean wait {:.4f} s (Erlang C {:.4f} s, "
      "{:+.2f}%), batch-means 95% CI [{:.4f}, {:.4f}] ({} x {}), utilisation {:.4f} "
      "(theory {:.4f}), mean queue {:.3f}, {} events",
      options.servers, options.arrival_rate, options.service_rate, options.customers, options.seed,
      result->mean_wait_seconds, expected_wait,
      100.0 * (result->mean_wait_seconds / expected_wait - 1.0), interval.lower(), interval.upper(),
      interval.batches, interval.batch_size, result->utilisation, expected_utilisation,
      result->mean_queue_length, result->events);
  std::cout << report << "\n";
  ::testing::Test::RecordProperty("figures", report);

  EXPECT_EQ(result->customers, options.customers);
  EXPECT_NEAR(result->mean_wait_seconds, expected_wait, 0.03 * expected_wait) << report;
  EXPECT_NEAR(result->utilisation, expected_utilisation, 0.01 * expected_utilisation) << report;
  EXPECT_TRUE(interval.contains(expected_wait)) << report;
  // Little's law on the queue: Lq = lambda Wq.
  EXPECT_NEAR(result->mean_queue_length, options.arrival_rate * expected_wait,
              0.05 * options.arrival_rate * expected_wait)
      << report;
}

TEST(QueueingValidationTest, ErlangCFormulaGivesTheTextbookValue) {
  // Sanity check of the test's own formula against the commonly quoted figure.
  EXPECT_NEAR(meanWaitSeconds(9.0, 1.0, 10), 0.669, 0.0005);
  EXPECT_NEAR(meanWaitSeconds(0.5, 1.0, 1), 1.0, 1e-12);  // rho / (mu - lambda)
}

TEST(QueueingValidationTest, MmcWithTenServersAtNinetyPercentMatchesErlangC) {
  MmcOptions options;
  options.arrival_rate = 9.0;
  options.service_rate = 1.0;
  options.servers = 10;
  options.customers = 10'000'000;
  options.seed = 20240601;
  expectMatchesTheory(options);
}

TEST(QueueingValidationTest, Mm1AtHalfLoadMatchesTheFormula) {
  MmcOptions options;
  options.arrival_rate = 0.5;
  options.service_rate = 1.0;
  options.servers = 1;
  options.customers = 2'000'000;
  options.seed = 20240602;
  expectMatchesTheory(options);
}

TEST(QueueingValidationTest, Mm1AtNinetyPercentMatchesTheFormula) {
  MmcOptions options;
  options.arrival_rate = 0.9;
  options.service_rate = 1.0;
  options.servers = 1;
  options.customers = 8'000'000;
  options.seed = 20240603;
  expectMatchesTheory(options);
}

}  // namespace
}  // namespace staylab::sim
