#pragma once

// Service-time and inter-arrival distributions in integer nanoseconds.
//
// Every sampling distribution here draws exactly one uniform per sample
// (normals come from an inverse CDF, not Box-Muller), so swapping one model
// for another keeps a stream's later draws aligned. ConstantTime draws none.
// Samples are rounded to the nearest nanosecond and are never negative.
//
// Construction is fallible (bad parameters from a scenario file) and goes
// through factories returning Result; errors are ErrorKind::InvalidInput.

#include <cstdint>
#include <utility>
#include <variant>
#include <vector>

#include "domain/common/error.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/kernel/simulation.h"

namespace staylab::sim {

// The 0.99 quantile of the standard normal distribution.
inline constexpr double kNormalQuantile99 = 2.326347874;

// Returns the p-quantile of the standard normal distribution, p in (0, 1)
// (Acklam's rational approximation, relative error below 1.2e-9).
double inverseStandardNormal(double probability);

// Returns a standard normal draw (one uniform, via inverseStandardNormal).
inline double standardNormal(Generator& generator) {
  return inverseStandardNormal(generator.uniformOpen());
}

// Returns an exponential draw with the given mean (any unit).
double exponential(Generator& generator, double mean);

class ConstantTime {
 public:
  // Error: value < 0.
  [[nodiscard]] static Result<ConstantTime> of(Nanos value);
  Nanos sample(Generator& /*generator*/) const noexcept { return m_value; }
  double meanNanos() const noexcept { return static_cast<double>(m_value); }

 private:
  explicit ConstantTime(Nanos value) : m_value(value) {}
  Nanos m_value;
};

class ExponentialTime {
 public:
  // Error: mean <= 0.
  [[nodiscard]] static Result<ExponentialTime> withMean(Nanos mean);
  // `rate` events per second. Error: rate <= 0 or not finite.
  [[nodiscard]] static Result<ExponentialTime> withRate(double rate_per_second);
  Nanos sample(Generator& generator) const;
  double meanNanos() const noexcept { return m_mean; }

 private:
  explicit ExponentialTime(double mean) : m_mean(mean) {}
  double m_mean;
};

// Lognormal given its median and 99th percentile, the two figures people
// quote: mu = ln(median), sigma = ln(p99 / median) / 2.326347874.
class LogNormalTime {
 public:
  // Error: median <= 0 or p99 < median.
  [[nodiscard]] static Result<LogNormalTime> fromMedianAndP99(Nanos median, Nanos p99);
  Nanos sample(Generator& generator) const;
  double mu() const noexcept { return m_mu; }
  double sigma() const noexcept { return m_sigma; }
  double meanNanos() const noexcept;

 private:
  LogNormalTime(double mu, double sigma) : m_mu(mu), m_sigma(sigma) {}
  double m_mu;
  double m_sigma;
};

// Resamples measured durations: the inverse of the empirical CDF, linearly
// interpolated between consecutive order statistics (u in [0,1) maps to
// position u * (n - 1) in the sorted samples).
class EmpiricalTime {
 public:
  // Error: no samples, or a negative sample.
  [[nodiscard]] static Result<EmpiricalTime> fromSamples(std::vector<Nanos> samples);
  Nanos sample(Generator& generator) const;
  double meanNanos() const noexcept;
  const std::vector<Nanos>& sortedSamples() const noexcept { return m_sorted; }

 private:
  explicit EmpiricalTime(std::vector<Nanos> sorted) : m_sorted(std::move(sorted)) {}
  std::vector<Nanos> m_sorted;
};

// One of the models above, as a value.
class ServiceTimeModel {
 public:
  using Variant = std::variant<ConstantTime, ExponentialTime, LogNormalTime, EmpiricalTime>;

  ServiceTimeModel(ConstantTime model) : m_model(std::move(model)) {}     // NOLINT
  ServiceTimeModel(ExponentialTime model) : m_model(std::move(model)) {}  // NOLINT
  ServiceTimeModel(LogNormalTime model) : m_model(std::move(model)) {}    // NOLINT
  ServiceTimeModel(EmpiricalTime model) : m_model(std::move(model)) {}    // NOLINT

  // Returns one duration drawn from `generator`.
  Nanos sample(Generator& generator) const {
    return std::visit([&generator](const auto& model) { return model.sample(generator); }, m_model);
  }
  // Returns the distribution's mean in nanoseconds.
  double meanNanos() const {
    return std::visit([](const auto& model) { return model.meanNanos(); }, m_model);
  }
  const Variant& variant() const noexcept { return m_model; }

 private:
  Variant m_model;
};

}  // namespace staylab::sim
