// Queueing truth through the whole engine: model-only M/M/c and M/M/1
// scenarios over 10,000,000 customers against Erlang C and the M/M/1
// formula. Slow (tens of seconds); labelled so in CTest.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "tests/simulator/engine_support.h"

namespace staylab::sim {
namespace {

using testing::optionsFor;
using testing::parseOrFail;
using testing::runToEnd;

struct QueueCase {
  std::string name;
  double arrival_rate;     // lambda, per second
  double service_mean_ms;  // 1 / mu
  int servers;             // c
  double expected_wait;    // Wq from the formula, seconds
  double utilisation;      // rho
};

// Erlang C: Wq = C(c, a) / (c mu - lambda), a = lambda / mu.
double erlangCWait(double lambda, double mu, int c) {
  const double a = lambda / mu;
  double term = 1.0;
  double sum = 1.0;
  for (int k = 1; k < c; ++k) {
    term *= a / k;
    sum += term;
  }
  const double last = term * a / c;
  const double rho = a / c;
  const double waiting = last / (1 - rho) / (sum + last / (1 - rho));
  return waiting / (c * mu - lambda);
}

class EngineQueueingTest : public ::testing::TestWithParam<QueueCase> {};

TEST_P(EngineQueueingTest, MeanWaitAndUtilisationMatchTheFormulaOverTenMillionCustomers) {
  const QueueCase& queue = GetParam();
  constexpr double kCustomers = 10'000'000;
  const auto seconds = static_cast<long long>(std::ceil(kCustomers / queue.arrival_rate)) + 1;
  const std::string text = fmt::format(R"(schema: 1
name: {}
description: Queueing validation through the engine.
seed: 11
duration: {}s
topology:
  file: mmc
  overrides:
    - component: station
      workers: {}
      service_time: {{ operation: serve, distribution: exponential, mean: {}ms }}
load:
  - {{ phase: p, for: {}s, arrivals: {{ kind: poisson, rate: {}/s }},
      mix: {{ search: 100, view: 0, book: 0, cancel: 0, edit: 0 }} }}
)",
                                       queue.name, seconds, queue.servers, queue.service_mean_ms,
                                       seconds, queue.arrival_rate);
  const RunReport report = runToEnd(parseOrFail(text), optionsFor(testing::assetsDir()));
  ASSERT_EQ(report.waits.size(), 1u);
  const WaitStatistics& wait = report.waits[0];
  ASSERT_TRUE(wait.interval.has_value());
  EXPECT_NEAR(static_cast<double>(wait.count), kCustomers, kCustomers * 0.01);
  EXPECT_NEAR(wait.interval->mean, queue.expected_wait, queue.expected_wait * 0.03)
      << "95% CI [" << wait.interval->lower() << ", " << wait.interval->upper() << "]";
  EXPECT_TRUE(wait.interval->contains(queue.expected_wait))
      << "formula " << queue.expected_wait << " outside [" << wait.interval->lower() << ", "
      << wait.interval->upper() << "]";
  const ComponentGauges* station = report.metrics.findComponent("station");
  ASSERT_TRUE(station != nullptr && station->workers.has_value());
  std::printf(
      "%s: %llu customers, mean wait %.4f s, 95%% CI [%.4f, %.4f], formula %.4f (%+.2f%%), "
      "utilisation %.4f\n",
      queue.name.c_str(), static_cast<unsigned long long>(wait.count), wait.interval->mean,
      wait.interval->lower(), wait.interval->upper(), queue.expected_wait,
      (wait.interval->mean / queue.expected_wait - 1) * 100, station->workers->utilisation);
  EXPECT_NEAR(station->workers->utilisation, queue.utilisation, queue.utilisation * 0.01);
}

INSTANTIATE_TEST_SUITE_P(
    Formulas, EngineQueueingTest,
    ::testing::Values(QueueCase{"mmc-c10-rho09", 9.0, 1000.0, 10, erlangCWait(9.0, 1.0, 10), 0.9},
                      QueueCase{"mm1-rho05", 5.0, 100.0, 1, 0.5 / (10.0 - 5.0), 0.5},
                      QueueCase{"mm1-rho09", 9.0, 100.0, 1, 0.9 / (10.0 - 9.0), 0.9}),
    [](const ::testing::TestParamInfo<QueueCase>& info) {
      std::string name = info.param.name;
      for (char& c : name) {
        if (c == '-')
          c = '_';
      }
      return name;
    });

TEST(ErlangCTest, GivesTheTextbookValueForNineOverTen) {
  EXPECT_NEAR(erlangCWait(9.0, 1.0, 10), 0.6687, 0.0005);
}

}  // namespace
}  // namespace staylab::sim
