#pragma once

// Welford's running mean and variance: numerically stable in one pass, O(1)
// memory. Two accumulators merge exactly (Chan et al.'s parallel formula).
//
// Thread safety: none.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace staylab::sim {

class RunningStats {
 public:
  void add(double value) noexcept {
    ++m_count;
    const double delta = value - m_mean;
    m_mean += delta / static_cast<double>(m_count);
    m_squares += delta * (value - m_mean);
    m_min = std::min(m_min, value);
    m_max = std::max(m_max, value);
  }

  void merge(const RunningStats& other) noexcept {
    if (other.m_count == 0)
      return;
    if (m_count == 0) {
      *this = other;
      return;
    }
    const auto count = static_cast<double>(m_count);
    const auto other_count = static_cast<double>(other.m_count);
    const double total = count + other_count;
    const double delta = other.m_mean - m_mean;
    m_mean += delta * other_count / total;
    m_squares += other.m_squares + delta * delta * count * other_count / total;
    m_count += other.m_count;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
  }

  std::uint64_t count() const noexcept { return m_count; }
  // 0 when empty.
  double mean() const noexcept { return m_mean; }
  // Sample variance (divides by n - 1); 0 with fewer than two values.
  double variance() const noexcept {
    return m_count < 2 ? 0.0 : m_squares / static_cast<double>(m_count - 1);
  }
  double standardDeviation() const noexcept { return std::sqrt(variance()); }
  // +inf / -inf when empty.
  double min() const noexcept { return m_min; }
  double max() const noexcept { return m_max; }

 private:
  std::uint64_t m_count = 0;
  double m_mean = 0.0;
  double m_squares = 0.0;  // Sum of squared deviations from the mean.
  double m_min = std::numeric_limits<double>::infinity();
  double m_max = -std::numeric_limits<double>::infinity();
};

}  // namespace staylab::sim
