#include "simulator/stats/batch_means.h"

#include <array>
#include <cmath>

namespace staylab::sim {

double studentT975(std::size_t degrees_of_freedom) {
  static constexpr std::array<double, 30> kTable = {
      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
      2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
      2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  // Beyond the table, t is close to linear in 1/df between these anchors.
  struct Anchor {
    double degrees;
    double quantile;
  };
  static constexpr std::array<Anchor, 4> kAnchors = {Anchor{30.0, 2.0423}, Anchor{60.0, 2.0003},
                                                     Anchor{120.0, 1.9799}, Anchor{1e300, 1.9600}};
  if (degrees_of_freedom == 0)
    return std::nan("");
  if (degrees_of_freedom <= kTable.size())
    return kTable[degrees_of_freedom - 1];
  const double inverse = 1.0 / static_cast<double>(degrees_of_freedom);
  for (std::size_t index = 1; index < kAnchors.size(); ++index) {
    const Anchor& low = kAnchors[index - 1];
    const Anchor& high = kAnchors[index];
    if (static_cast<double>(degrees_of_freedom) <= high.degrees) {
      const double low_inverse = 1.0 / low.degrees;
      const double high_inverse = 1.0 / high.degrees;
      const double fraction = (low_inverse - inverse) / (low_inverse - high_inverse);
      return low.quantile + fraction * (high.quantile - low.quantile);
    }
  }
  return 1.96;
}

Result<BatchMeans> BatchMeans::withBatchSize(std::uint64_t warmup, std::uint64_t batch_size) {
  if (batch_size == 0)
    return invalidInput("batch_size", "a batch needs at least one observation");
  return BatchMeans(warmup, batch_size);
}

Result<BatchMeans> BatchMeans::forExpectedCount(std::uint64_t expected, BatchMeansOptions options) {
  if (!(options.warmup_fraction >= 0.0 && options.warmup_fraction < 1.0)) {
    return invalidInput("warmup_fraction", "must be in [0, 1), got {}", options.warmup_fraction);
  }
  if (options.batches < 2) {
    return invalidInput("batches", "need at least 2 batches, got {}", options.batches);
  }
  const auto warmup =
      static_cast<std::uint64_t>(options.warmup_fraction * static_cast<double>(expected));
  const std::uint64_t batch_size = (expected - warmup) / options.batches;
  if (batch_size == 0) {
    return invalidInput("expected", "{} observations are too few for {} batches", expected,
                        options.batches);
  }
  return BatchMeans(warmup, batch_size);
}

Result<ConfidenceInterval> BatchMeans::fromSamples(std::span<const double> samples,
                                                   BatchMeansOptions options) {
  BatchMeans batches = STAYLAB_TRY(forExpectedCount(samples.size(), options));
  for (const double sample : samples)
    batches.add(sample);
  return batches.interval();
}

Result<ConfidenceInterval> BatchMeans::interval() const {
  if (m_batch_means.size() < 2) {
    return invalidInput("batches", "need at least 2 complete batches, have {}",
                        m_batch_means.size());
  }
  RunningStats stats;
  for (const double batch_mean : m_batch_means)
    stats.add(batch_mean);
  const std::size_t batches = m_batch_means.size();
  ConfidenceInterval interval;
  interval.mean = stats.mean();
  interval.half_width = studentT975(batches - 1) * stats.standardDeviation() /
                        std::sqrt(static_cast<double>(batches));
  interval.batches = batches;
  interval.batch_size = m_batch_size;
  return interval;
}

}  // namespace staylab::sim
