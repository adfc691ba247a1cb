#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

// The server's own measurements, rendered in the Prometheus text exposition
// format (version 0.0.4) by /metrics.
namespace staylab::app::http {

// A consumer's distance behind the log, for /health and /metrics.
struct ConsumerLag {
  std::string name;  // "search", "history", "fraud".
  int64_t events = 0;
};

// What the background pipeline reports (see Pipeline::status()).
struct PipelineStatus {
  bool healthy = true;     // The last round succeeded.
  std::string last_error;  // The last round's error, when it failed.
  int64_t outbox_depth = 0;
  std::vector<ConsumerLag> lags;
  uint64_t rounds = 0;
  uint64_t failed_rounds = 0;
};

// Counts requests by route, method and status, and their latency by route
// in a histogram. Thread safety: safe from any thread (one mutex).
class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // Records one answered request; `route` is the route's pattern
  // ("/properties/{id}") or "unmatched".
  void record(const std::string& route, const std::string& method, int status, double seconds);

  // Returns the text /metrics answers: the request counters and histograms,
  // then the pipeline's gauges.
  std::string render(const PipelineStatus& pipeline) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};  // Non-cumulative; rendered cumulative.
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex m_mutex;
  // (route, method, status) -> requests.
  std::map<std::tuple<std::string, std::string, int>, uint64_t> m_requests;  // GUARDED_BY(m_mutex)
  std::map<std::pair<std::string, std::string>, Histogram> m_latency;        // GUARDED_BY(m_mutex)
};

}  // namespace staylab::app::http
