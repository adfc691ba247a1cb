#include "simulator/kernel/distributions.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace staylab::sim {

namespace {

// Rounds a non-negative duration to whole nanoseconds, saturating instead of
// overflowing for the far tail of a heavy distribution.
Nanos toNanos(double value) {
  constexpr double kLimit = 9.0e18;
  if (!(value > 0.0))
    return 0;
  if (value >= kLimit)
    return static_cast<Nanos>(kLimit);
  return static_cast<Nanos>(value + 0.5);
}

}  // namespace

double inverseStandardNormal(double probability) {
  // Peter Acklam's algorithm: rational approximations in a central region and
  // in the two tails.
  static constexpr double kA[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                  -2.759285104469687e+02, 1.383577518672690e+02,
                                  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double kB[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                  -1.556989798598866e+02, 6.680131188771972e+01,
                                  -1.328068155288572e+01};
  static constexpr double kC[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                  -2.400758277161838e+00, -2.549732539343734e+00,
                                  4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double kD[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                  2.445134137142996e+00, 3.754408661907416e+00};
  static constexpr double kLowTail = 0.02425;

  if (probability <= 0.0)
    return -std::numeric_limits<double>::infinity();
  if (probability >= 1.0)
    return std::numeric_limits<double>::infinity();
  const auto tail = [](double tail_probability) {
    const double q = std::sqrt(-2.0 * std::log(tail_probability));
    return (((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
           ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1.0);
  };
  if (probability < kLowTail)
    return tail(probability);
  if (probability > 1.0 - kLowTail)
    return -tail(1.0 - probability);
  const double q = probability - 0.5;
  const double r = q * q;
  return (((((kA[0] * r + kA[1]) * r + kA[2]) * r + kA[3]) * r + kA[4]) * r + kA[5]) * q /
         (((((kB[0] * r + kB[1]) * r + kB[2]) * r + kB[3]) * r + kB[4]) * r + 1.0);
}

double exponential(Generator& generator, double mean) {
  return -std::log(generator.uniformOpen()) * mean;
}

Result<ConstantTime> ConstantTime::of(Nanos value) {
  if (value < 0)
    return invalidInput("value", "a constant duration must be >= 0, got {} ns", value);
  return ConstantTime(value);
}

Result<ExponentialTime> ExponentialTime::withMean(Nanos mean) {
  if (mean <= 0)
    return invalidInput("mean", "an exponential mean must be > 0, got {} ns", mean);
  return ExponentialTime(static_cast<double>(mean));
}

Result<ExponentialTime> ExponentialTime::withRate(double rate_per_second) {
  if (!std::isfinite(rate_per_second) || rate_per_second <= 0.0) {
    return invalidInput("rate", "an exponential rate must be > 0 per second, got {}",
                        rate_per_second);
  }
  return ExponentialTime(static_cast<double>(kSecond) / rate_per_second);
}

Nanos ExponentialTime::sample(Generator& generator) const {
  return toNanos(exponential(generator, m_mean));
}

Result<LogNormalTime> LogNormalTime::fromMedianAndP99(Nanos median, Nanos p99) {
  if (median <= 0)
    return invalidInput("median", "a lognormal median must be > 0, got {}", median);
  if (p99 < median) {
    return invalidInput("p99", "p99 ({} ns) must be >= the median ({} ns)", p99, median);
  }
  const double mu = std::log(static_cast<double>(median));
  const double sigma =
      std::log(static_cast<double>(p99) / static_cast<double>(median)) / kNormalQuantile99;
  return LogNormalTime(mu, sigma);
}

Nanos LogNormalTime::sample(Generator& generator) const {
  return toNanos(std::exp(m_mu + m_sigma * standardNormal(generator)));
}

double LogNormalTime::meanNanos() const noexcept {
  return std::exp(m_mu + 0.5 * m_sigma * m_sigma);
}

Result<EmpiricalTime> EmpiricalTime::fromSamples(std::vector<Nanos> samples) {
  if (samples.empty())
    return invalidInput("samples", "an empirical distribution needs samples");
  std::sort(samples.begin(), samples.end());
  if (samples.front() < 0) {
    return invalidInput("samples", "durations must be >= 0, got {} ns", samples.front());
  }
  return EmpiricalTime(std::move(samples));
}

Nanos EmpiricalTime::sample(Generator& generator) const {
  const double position = generator.uniform() * static_cast<double>(m_sorted.size() - 1);
  const auto lower = static_cast<std::size_t>(position);
  if (lower + 1 >= m_sorted.size())
    return m_sorted[lower];
  const double fraction = position - static_cast<double>(lower);
  const auto low_value = static_cast<double>(m_sorted[lower]);
  const auto high_value = static_cast<double>(m_sorted[lower + 1]);
  return toNanos(low_value + fraction * (high_value - low_value));
}

double EmpiricalTime::meanNanos() const noexcept {
  // The interpolated CDF's mean: each gap contributes its midpoint.
  if (m_sorted.size() == 1)
    return static_cast<double>(m_sorted.front());
  double sum = 0.0;
  for (std::size_t index = 0; index + 1 < m_sorted.size(); ++index) {
    sum += 0.5 * (static_cast<double>(m_sorted[index]) + static_cast<double>(m_sorted[index + 1]));
  }
  return sum / static_cast<double>(m_sorted.size() - 1);
}

}  // namespace staylab::sim
