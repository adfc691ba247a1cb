#pragma once

// The method of batch means: a confidence interval for the steady-state mean
// of a correlated output series (waiting times of successive customers).
// After discarding a warm-up prefix, the series is cut into contiguous
// batches; batch averages are close to independent and normal when batches
// are long, so a Student t interval over them is valid.
//
// Thread safety: none.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "domain/common/error.h"
#include "simulator/stats/running_stats.h"

namespace staylab::sim {

// Returns the 0.975 quantile of Student's t with `degrees_of_freedom` (>= 1):
// a table up to 30, then interpolation in 1/df towards 1.96.
double studentT975(std::size_t degrees_of_freedom);

struct ConfidenceInterval {
  double mean = 0.0;
  double half_width = 0.0;
  std::size_t batches = 0;
  std::uint64_t batch_size = 0;

  double lower() const noexcept { return mean - half_width; }
  double upper() const noexcept { return mean + half_width; }
  bool contains(double value) const noexcept { return value >= lower() && value <= upper(); }
};

struct BatchMeansOptions {
  double warmup_fraction = 0.1;  // Default: the first 10% of observations are dropped.
  std::size_t batches = 30;      // Default: 30 batches (29 degrees of freedom).
};

// Streams observations into batches of a fixed size, so a run of millions of
// customers needs no stored samples.
class BatchMeans {
 public:
  // Drops the first `warmup` observations, then averages batches of
  // `batch_size`. Error: batch_size == 0.
  [[nodiscard]] static Result<BatchMeans> withBatchSize(std::uint64_t warmup,
                                                        std::uint64_t batch_size);
  // Sizes warm-up and batches for `expected` observations in total.
  // Error: fraction outside [0, 1), fewer than 2 batches, or too few
  // observations for one per batch.
  [[nodiscard]] static Result<BatchMeans> forExpectedCount(std::uint64_t expected,
                                                           BatchMeansOptions options = {});
  // Returns the interval over a stored series, cut as forExpectedCount does.
  [[nodiscard]] static Result<ConfidenceInterval> fromSamples(std::span<const double> samples,
                                                              BatchMeansOptions options = {});

  void add(double value) noexcept {
    if (m_seen++ < m_warmup)
      return;
    m_current_sum += value;
    if (++m_current_count == m_batch_size) {
      m_batch_means.push_back(m_current_sum / static_cast<double>(m_batch_size));
      m_current_sum = 0.0;
      m_current_count = 0;
    }
  }

  // Returns the 95% interval over the complete batches (a trailing partial
  // batch is ignored). Error: fewer than two complete batches.
  [[nodiscard]] Result<ConfidenceInterval> interval() const;

  std::uint64_t observations() const noexcept { return m_seen; }
  const std::vector<double>& batchMeans() const noexcept { return m_batch_means; }

 private:
  BatchMeans(std::uint64_t warmup, std::uint64_t batch_size)
      : m_warmup(warmup), m_batch_size(batch_size) {}

  std::uint64_t m_warmup;
  std::uint64_t m_batch_size;
  std::uint64_t m_seen = 0;
  std::uint64_t m_current_count = 0;
  double m_current_sum = 0.0;
  std::vector<double> m_batch_means;
};

}  // namespace staylab::sim
