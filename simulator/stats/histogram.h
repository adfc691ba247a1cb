#pragma once

// A log-linear histogram of non-negative integer values (latencies in ns), in
// the manner of HdrHistogram: values below 256 are kept exactly; above, each
// power of two is split into 128 equal buckets, so a bucket is at most 1/128
// of its lower bound wide and a reported value (the bucket's midpoint) is
// within 1/256 (0.4%) of any value recorded in it. Covers the whole int64
// range (hours of ns are ~2^42); memory grows with the largest value seen, at
// most ~58 KiB.
//
// Thread safety: none; merge per-thread histograms instead.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace staylab::sim {

class Histogram {
 public:
  // Records `value` `count` times. Negative values are recorded as 0.
  void record(std::int64_t value, std::uint64_t count = 1);
  // Adds every value recorded in `other`.
  void merge(const Histogram& other);
  // Forgets everything.
  void reset();

  std::uint64_t count() const noexcept { return m_count; }
  // Exact smallest and largest values; 0 when empty.
  std::int64_t min() const noexcept { return m_count == 0 ? 0 : m_min; }
  std::int64_t max() const noexcept { return m_count == 0 ? 0 : m_max; }
  // Exact mean of the recorded values; 0 when empty.
  double mean() const noexcept;
  // Returns the value at percentile `percent` (0..100): the value of rank
  // ceil(percent/100 * count) (at least 1) in sorted order, to within the
  // bucket's resolution, clamped to [min, max]. 0 when empty.
  std::int64_t percentile(double percent) const;

  // Returns the bucket holding `value` and the bounds of a bucket, for tests
  // and exporters. Bucket `index` holds [lowerBound, lowerBound + width).
  static std::size_t bucketIndex(std::int64_t value) noexcept;
  static std::int64_t bucketLowerBound(std::size_t index) noexcept;
  static std::int64_t bucketWidth(std::size_t index) noexcept;

 private:
  std::vector<std::uint64_t> m_buckets;
  std::uint64_t m_count = 0;
  std::int64_t m_min = 0;
  std::int64_t m_max = 0;
  double m_sum = 0.0;
};

}  // namespace staylab::sim
