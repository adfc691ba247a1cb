#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "simulator/kernel/distributions.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/stats/batch_means.h"
#include "simulator/stats/histogram.h"
#include "simulator/stats/running_stats.h"
#include "tests/support/result_assertions.h"

namespace staylab::sim {
namespace {

using staylab::testing::invalidInputOn;

// Returns `count` samples of `model` from a fixed stream.
std::vector<Nanos> sampleMany(const ServiceTimeModel& model, int count, std::uint64_t seed = 3) {
  Generator generator = RandomStreams(seed).stream("samples");
  std::vector<Nanos> samples;
  samples.reserve(static_cast<std::size_t>(count));
  for (int index = 0; index < count; ++index)
    samples.push_back(model.sample(generator));
  return samples;
}

double meanOf(const std::vector<Nanos>& samples) {
  double sum = 0.0;
  for (const Nanos sample : samples)
    sum += static_cast<double>(sample);
  return sum / static_cast<double>(samples.size());
}

// Returns the value of rank ceil(p/100 * n) (at least 1) in sorted order: the
// definition Histogram::percentile approximates.
std::int64_t exactPercentile(std::vector<std::int64_t> sorted_values, double percent) {
  std::sort(sorted_values.begin(), sorted_values.end());
  const auto count = static_cast<double>(sorted_values.size());
  auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * count));
  rank = std::clamp<std::size_t>(rank, 1, sorted_values.size());
  return sorted_values[rank - 1];
}

// --- Distributions ----------------------------------------------------------

TEST(DistributionsTest, ConstantAlwaysReturnsItsValue) {
  const ServiceTimeModel model = *ConstantTime::of(42);
  for (const Nanos sample : sampleMany(model, 100))
    EXPECT_EQ(sample, 42);
  EXPECT_DOUBLE_EQ(model.meanNanos(), 42.0);
}

TEST(DistributionsTest, ExponentialHasTheRequestedMean) {
  const ServiceTimeModel by_mean = *ExponentialTime::withMean(2 * kMillisecond);
  EXPECT_NEAR(meanOf(sampleMany(by_mean, 400'000)), 2.0e6, 2.0e6 * 0.01);
  const ServiceTimeModel by_rate = *ExponentialTime::withRate(250.0);  // Mean 4 ms.
  EXPECT_DOUBLE_EQ(by_rate.meanNanos(), 4.0e6);
  const std::vector<Nanos> samples = sampleMany(by_rate, 400'000);
  EXPECT_NEAR(meanOf(samples), 4.0e6, 4.0e6 * 0.01);
  // Median of an exponential is mean * ln 2.
  EXPECT_NEAR(static_cast<double>(exactPercentile(samples, 50)), 4.0e6 * std::log(2.0),
              4.0e6 * 0.01);
}

TEST(DistributionsTest, LogNormalMatchesTheGivenMedianAndP99) {
  const auto model = LogNormalTime::fromMedianAndP99(20 * kMillisecond, 200 * kMillisecond);
  ASSERT_TRUE(model.has_value());
  EXPECT_NEAR(model->sigma(), std::log(10.0) / 2.326347874, 1e-12);
  const std::vector<Nanos> samples = sampleMany(*model, 400'000);
  EXPECT_NEAR(static_cast<double>(exactPercentile(samples, 50)), 20.0e6, 20.0e6 * 0.01);
  EXPECT_NEAR(static_cast<double>(exactPercentile(samples, 99)), 200.0e6, 200.0e6 * 0.03);
  EXPECT_NEAR(meanOf(samples), model->meanNanos(), model->meanNanos() * 0.02);
}

TEST(DistributionsTest, EmpiricalInterpolatesTheInverseCdf) {
  const ServiceTimeModel uniform = *EmpiricalTime::fromSamples({1000, 0});
  const std::vector<Nanos> samples = sampleMany(uniform, 200'000);
  EXPECT_NEAR(meanOf(samples), 500.0, 5.0);
  EXPECT_NEAR(static_cast<double>(exactPercentile(samples, 90)), 900.0, 5.0);
  EXPECT_TRUE(std::all_of(samples.begin(), samples.end(),
                          [](Nanos sample) { return sample >= 0 && sample <= 1000; }));

  const ServiceTimeModel steps = *EmpiricalTime::fromSamples({10, 20, 40});
  EXPECT_DOUBLE_EQ(steps.meanNanos(), 22.5);  // (15 + 30) / 2
  EXPECT_NEAR(meanOf(sampleMany(steps, 200'000)), 22.5, 0.2);

  const ServiceTimeModel single = *EmpiricalTime::fromSamples({7});
  for (const Nanos sample : sampleMany(single, 10))
    EXPECT_EQ(sample, 7);
}

TEST(DistributionsTest, RejectsBadParameters) {
  EXPECT_TRUE(invalidInputOn(ConstantTime::of(-1), "value"));
  EXPECT_TRUE(invalidInputOn(ExponentialTime::withMean(0), "mean"));
  EXPECT_TRUE(invalidInputOn(ExponentialTime::withRate(-2.0), "rate"));
  EXPECT_TRUE(invalidInputOn(ExponentialTime::withRate(std::nan("")), "rate"));
  EXPECT_TRUE(invalidInputOn(LogNormalTime::fromMedianAndP99(0, 10), "median"));
  EXPECT_TRUE(invalidInputOn(LogNormalTime::fromMedianAndP99(10, 5), "p99"));
  EXPECT_TRUE(invalidInputOn(EmpiricalTime::fromSamples({}), "samples"));
  EXPECT_TRUE(invalidInputOn(EmpiricalTime::fromSamples({5, -1}), "samples"));
}

TEST(DistributionsTest, InverseNormalMatchesKnownQuantiles) {
  EXPECT_NEAR(inverseStandardNormal(0.5), 0.0, 1e-9);
  EXPECT_NEAR(inverseStandardNormal(0.99), 2.326347874, 1e-8);
  EXPECT_NEAR(inverseStandardNormal(0.01), -2.326347874, 1e-8);
  EXPECT_NEAR(inverseStandardNormal(0.975), 1.959963985, 1e-8);
  EXPECT_NEAR(inverseStandardNormal(1e-6), -4.753424309, 1e-7);
}

TEST(DistributionsTest, EveryModelDrawsOneUniformPerSample) {
  Generator reference = RandomStreams(9).stream("x");
  Generator lognormal = RandomStreams(9).stream("x");
  Generator exponential_stream = RandomStreams(9).stream("x");
  const ServiceTimeModel lognormal_model = *LogNormalTime::fromMedianAndP99(10, 100);
  const ServiceTimeModel exponential_model = *ExponentialTime::withMean(10);
  for (int index = 0; index < 5; ++index) {
    (void)lognormal_model.sample(lognormal);
    (void)exponential_model.sample(exponential_stream);
    (void)reference();
  }
  const std::uint64_t next = reference();
  EXPECT_EQ(lognormal(), next);
  EXPECT_EQ(exponential_stream(), next);
}

// --- Histogram --------------------------------------------------------------

TEST(HistogramTest, KeepsSmallValuesExactly) {
  Histogram histogram;
  for (std::int64_t value = 0; value < 256; ++value)
    histogram.record(value);
  EXPECT_EQ(histogram.count(), 256U);
  EXPECT_EQ(histogram.min(), 0);
  EXPECT_EQ(histogram.max(), 255);
  EXPECT_DOUBLE_EQ(histogram.mean(), 127.5);
  EXPECT_EQ(histogram.percentile(50), 127);
  EXPECT_EQ(histogram.percentile(100), 255);
  EXPECT_EQ(histogram.percentile(0), 0);
}

TEST(HistogramTest, BucketsCoverEveryValueWithinOnePercent) {
  // Bucket boundaries are contiguous and narrow, up to the top of int64.
  for (std::size_t index = 0; index + 1 < Histogram::bucketIndex(INT64_MAX); ++index) {
    const std::int64_t lower = Histogram::bucketLowerBound(index);
    const std::int64_t width = Histogram::bucketWidth(index);
    ASSERT_EQ(lower + width, Histogram::bucketLowerBound(index + 1)) << index;
    ASSERT_EQ(Histogram::bucketIndex(lower), index);
    ASSERT_EQ(Histogram::bucketIndex(lower + width - 1), index);
    if (index >= 256) {  // Below 256 every value has its own bucket.
      ASSERT_LE(static_cast<double>(width) / static_cast<double>(lower), 1.0 / 128);
    }
  }
}

TEST(HistogramTest, PercentilesAreWithinOnePercentOfExactOnes) {
  // Values spread over nine decades (1 ns .. ~20 minutes), as latencies are.
  Generator generator = RandomStreams(11).stream("values");
  std::vector<std::int64_t> values;
  Histogram histogram;
  for (int index = 0; index < 200'000; ++index) {
    const auto value = static_cast<std::int64_t>(std::exp(generator.uniform() * 27.8));
    values.push_back(value);
    histogram.record(value);
  }
  for (const double percent : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
    const auto exact = static_cast<double>(exactPercentile(values, percent));
    const auto approximate = static_cast<double>(histogram.percentile(percent));
    EXPECT_LE(std::abs(approximate - exact), 0.01 * exact) << "p" << percent;
  }
  EXPECT_EQ(histogram.min(), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(histogram.max(), *std::max_element(values.begin(), values.end()));
  double sum = 0.0;
  for (const std::int64_t value : values)
    sum += static_cast<double>(value);
  EXPECT_NEAR(histogram.mean(), sum / static_cast<double>(values.size()), 1e-9 * sum);
}

TEST(HistogramTest, HandlesHoursOfNanoseconds) {
  Histogram histogram;
  const std::int64_t three_hours = 3LL * 3600 * 1'000'000'000;
  histogram.record(three_hours);
  histogram.record(1);
  EXPECT_EQ(histogram.max(), three_hours);
  EXPECT_LE(std::abs(static_cast<double>(histogram.percentile(99)) - 3.0 * 3600e9),
            0.01 * 3.0 * 3600e9);
  histogram.record(-5);  // Recorded as 0.
  EXPECT_EQ(histogram.min(), 0);
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  Generator generator = RandomStreams(12).stream("merge");
  Histogram left;
  Histogram right;
  Histogram both;
  for (int index = 0; index < 10'000; ++index) {
    const auto value = static_cast<std::int64_t>(exponential(generator, 1e6));
    (index % 3 == 0 ? left : right).record(value);
    both.record(value);
  }
  right.record(5'000'000'000, 3);
  both.record(5'000'000'000, 3);
  left.merge(right);
  EXPECT_EQ(left.count(), both.count());
  EXPECT_EQ(left.min(), both.min());
  EXPECT_EQ(left.max(), both.max());
  EXPECT_NEAR(left.mean(), both.mean(), 1e-6 * both.mean());
  for (const double percent : {50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(left.percentile(percent), both.percentile(percent));
  }
  Histogram empty;
  empty.merge(Histogram{});
  EXPECT_EQ(empty.count(), 0U);
  EXPECT_EQ(empty.percentile(99), 0);
}

// --- Running statistics and batch means -------------------------------------

TEST(RunningStatsTest, MatchesTwoPassMeanAndVarianceAndMerges) {
  Generator generator = RandomStreams(13).stream("welford");
  std::vector<double> values;
  RunningStats all;
  RunningStats first_half;
  RunningStats second_half;
  for (int index = 0; index < 10'000; ++index) {
    const double value = 1e9 + standardNormal(generator) * 3.0;  // Large offset: a stability check.
    values.push_back(value);
    all.add(value);
    (index < 5'000 ? first_half : second_half).add(value);
  }
  double mean = 0.0;
  for (const double value : values)
    mean += value;
  mean /= static_cast<double>(values.size());
  double squares = 0.0;
  for (const double value : values)
    squares += (value - mean) * (value - mean);
  const double variance = squares / static_cast<double>(values.size() - 1);
  EXPECT_NEAR(all.mean(), mean, 1e-6);
  EXPECT_NEAR(all.variance(), variance, 1e-6 * variance);
  first_half.merge(second_half);
  EXPECT_EQ(first_half.count(), all.count());
  EXPECT_NEAR(first_half.mean(), mean, 1e-6);
  EXPECT_NEAR(first_half.variance(), variance, 1e-6 * variance);
  EXPECT_EQ(first_half.min(), *std::min_element(values.begin(), values.end()));
}

TEST(BatchMeansTest, StudentQuantilesMatchTheTable) {
  EXPECT_NEAR(studentT975(1), 12.706, 1e-3);
  EXPECT_NEAR(studentT975(29), 2.045, 1e-3);
  EXPECT_NEAR(studentT975(60), 2.000, 1e-3);
  EXPECT_NEAR(studentT975(1'000'000), 1.960, 1e-3);
  EXPECT_GT(studentT975(45), studentT975(50));
}

TEST(BatchMeansTest, IntervalCoversAKnownMeanAtAboutTheStatedRate) {
  // An AR(1) series (correlated, like successive waiting times) with mean 5:
  // x' = 5 + 0.9 (x - 5) + noise. Over 200 replications the 95% interval
  // should cover 5 roughly 95% of the time (binomial sd ~3 of 200).
  Generator generator = RandomStreams(14).stream("ar1");
  int covered = 0;
  constexpr int kReplications = 200;
  for (int replication = 0; replication < kReplications; ++replication) {
    std::vector<double> series;
    double value = 5.0;
    for (int index = 0; index < 12'000; ++index) {
      value = 5.0 + 0.9 * (value - 5.0) + standardNormal(generator);
      series.push_back(value);
    }
    const auto interval = BatchMeans::fromSamples(series);
    ASSERT_TRUE(interval.has_value());
    EXPECT_EQ(interval->batches, 30U);
    EXPECT_EQ(interval->batch_size, 360U);  // (12,000 - 10% warm-up) / 30
    if (interval->contains(5.0))
      ++covered;
  }
  EXPECT_GE(covered, kReplications * 90 / 100);
  EXPECT_LE(covered, kReplications * 99 / 100);
}

TEST(BatchMeansTest, StreamsWithAFixedBatchSize) {
  auto batches = BatchMeans::withBatchSize(2, 3);
  ASSERT_TRUE(batches.has_value());
  for (const double value : {100.0, 100.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0})
    batches->add(value);
  EXPECT_EQ(batches->batchMeans(), (std::vector<double>{2.0, 5.0}));
  const auto interval = batches->interval();
  ASSERT_TRUE(interval.has_value());
  EXPECT_DOUBLE_EQ(interval->mean, 3.5);
  // Standard deviation of {2, 5} is 3/sqrt(2); half-width t(1) * sd / sqrt(2).
  EXPECT_NEAR(interval->half_width, 12.7062 * 1.5, 1e-9);
}

TEST(BatchMeansTest, RejectsTooFewObservations) {
  EXPECT_TRUE(invalidInputOn(BatchMeans::forExpectedCount(10), "expected"));
  EXPECT_TRUE(invalidInputOn(BatchMeans::withBatchSize(0, 0), "batch_size"));
  EXPECT_TRUE(invalidInputOn(BatchMeans::forExpectedCount(100, BatchMeansOptions{1.5, 30}),
                             "warmup_fraction"));
  auto batches = *BatchMeans::withBatchSize(0, 10);
  batches.add(1.0);
  EXPECT_TRUE(invalidInputOn(batches.interval(), "batches"));
}

}  // namespace
}  // namespace staylab::sim
