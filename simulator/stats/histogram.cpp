#include "simulator/stats/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace staylab::sim {

namespace {

constexpr int kSubBucketBits = 7;
constexpr std::int64_t kSubBuckets = std::int64_t{1} << kSubBucketBits;  // Per power of two.
constexpr std::int64_t kExactLimit = kSubBuckets * 2;                    // 256 exact values.

}  // namespace

std::size_t Histogram::bucketIndex(std::int64_t value) noexcept {
  if (value < kExactLimit)
    return static_cast<std::size_t>(value < 0 ? 0 : value);
  const auto bits = static_cast<std::uint64_t>(value);
  const int exponent = std::bit_width(bits) - 1;  // >= 8
  const int shift = exponent - kSubBucketBits;
  const auto mantissa = static_cast<std::int64_t>(bits >> shift);  // [128, 256)
  return static_cast<std::size_t>(kExactLimit + (exponent - kSubBucketBits - 1) * kSubBuckets +
                                  (mantissa - kSubBuckets));
}

std::int64_t Histogram::bucketLowerBound(std::size_t index) noexcept {
  const auto signed_index = static_cast<std::int64_t>(index);
  if (signed_index < kExactLimit)
    return signed_index;
  const std::int64_t offset = signed_index - kExactLimit;
  const std::int64_t shift = offset / kSubBuckets + 1;
  const std::int64_t mantissa = kSubBuckets + offset % kSubBuckets;
  return mantissa << shift;
}

std::int64_t Histogram::bucketWidth(std::size_t index) noexcept {
  const auto signed_index = static_cast<std::int64_t>(index);
  if (signed_index < kExactLimit)
    return 1;
  return std::int64_t{1} << ((signed_index - kExactLimit) / kSubBuckets + 1);
}

void Histogram::record(std::int64_t value, std::uint64_t count) {
  if (count == 0)
    return;
  if (value < 0)
    value = 0;
  const std::size_t index = bucketIndex(value);
  if (index >= m_buckets.size())
    m_buckets.resize(index + 1, 0);
  m_buckets[index] += count;
  if (m_count == 0) {
    m_min = value;
    m_max = value;
  } else {
    m_min = std::min(m_min, value);
    m_max = std::max(m_max, value);
  }
  m_count += count;
  m_sum += static_cast<double>(value) * static_cast<double>(count);
}

void Histogram::merge(const Histogram& other) {
  if (other.m_count == 0)
    return;
  if (other.m_buckets.size() > m_buckets.size())
    m_buckets.resize(other.m_buckets.size(), 0);
  for (std::size_t index = 0; index < other.m_buckets.size(); ++index) {
    m_buckets[index] += other.m_buckets[index];
  }
  if (m_count == 0) {
    m_min = other.m_min;
    m_max = other.m_max;
  } else {
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
  }
  m_count += other.m_count;
  m_sum += other.m_sum;
}

void Histogram::reset() {
  m_buckets.clear();
  m_count = 0;
  m_min = 0;
  m_max = 0;
  m_sum = 0.0;
}

double Histogram::mean() const noexcept {
  return m_count == 0 ? 0.0 : m_sum / static_cast<double>(m_count);
}

std::int64_t Histogram::percentile(double percent) const {
  if (m_count == 0)
    return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  const auto wanted =
      static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(m_count)));
  const std::uint64_t rank = std::clamp<std::uint64_t>(wanted, 1, m_count);
  // The wanted bucket is the first whose running count from the bottom
  // reaches `rank`; equally, the first from the top whose running count
  // from the top reaches count - rank + 1. Only the buckets between min and
  // max can hold anything, and a high percentile is found in a few buckets
  // from the top (thousands of buckets lie below a latency of seconds).
  const auto middleOf = [&](std::size_t index) {
    return std::clamp(bucketLowerBound(index) + (bucketWidth(index) - 1) / 2, m_min, m_max);
  };
  const std::size_t lowest = bucketIndex(m_min);
  const std::size_t highest = bucketIndex(m_max);
  std::uint64_t seen = 0;
  if (rank <= m_count / 2) {
    for (std::size_t index = lowest; index <= highest; ++index) {
      seen += m_buckets[index];
      if (seen >= rank)
        return middleOf(index);
    }
  } else {
    const std::uint64_t from_top = m_count - rank + 1;
    for (std::size_t index = highest + 1; index-- > lowest;) {
      seen += m_buckets[index];
      if (seen >= from_top)
        return middleOf(index);
    }
  }
  return m_max;
}

}  // namespace staylab::sim
