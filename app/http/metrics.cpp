#include "app/http/metrics.h"

#include <fmt/format.h>

namespace staylab::app::http {
namespace {

// Escapes a label value: backslash, double quote and newline.
std::string label(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      escaped += '\\';
      escaped += c;
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

}  // namespace

void Metrics::record(const std::string& route, const std::string& method, int status,
                     double seconds) {
  std::lock_guard lock(m_mutex);
  ++m_requests[{route, method, status}];
  Histogram& histogram = m_latency[{route, method}];
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) {
    ++bucket;
  }
  if (bucket < kBuckets.size()) {
    ++histogram.counts[bucket];
  }
  ++histogram.count;
  histogram.sum += seconds;
}

std::string Metrics::render(const PipelineStatus& pipeline) const {
  std::string out;
  {
    std::lock_guard lock(m_mutex);
    out +=
        "# HELP staylab_http_requests_total HTTP requests answered, by route, method and "
        "status.\n# TYPE staylab_http_requests_total counter\n";
    for (const auto& [key, count] : m_requests) {
      const auto& [route, method, status] = key;
      out += fmt::format(
          "staylab_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
          label(route), label(method), status, count);
    }
    out +=
        "# HELP staylab_http_request_duration_seconds Time from a request's arrival at its "
        "route to its answer.\n# TYPE staylab_http_request_duration_seconds histogram\n";
    for (const auto& [key, histogram] : m_latency) {
      const auto& [route, method] = key;
      const std::string labels =
          fmt::format("route=\"{}\",method=\"{}\"", label(route), label(method));
      uint64_t cumulative = 0;
      for (size_t bucket = 0; bucket < kBuckets.size(); ++bucket) {
        cumulative += histogram.counts[bucket];
        out += fmt::format("staylab_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n",
                           labels, kBuckets[bucket], cumulative);
      }
      out += fmt::format("staylab_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n",
                         labels, histogram.count);
      out += fmt::format("staylab_http_request_duration_seconds_sum{{{}}} {}\n", labels,
                         histogram.sum);
      out += fmt::format("staylab_http_request_duration_seconds_count{{{}}} {}\n", labels,
                         histogram.count);
    }
  }
  out +=
      "# HELP staylab_consumer_lag_events Events in the log a consumer has not applied.\n"
      "# TYPE staylab_consumer_lag_events gauge\n";
  for (const auto& lag : pipeline.lags) {
    out += fmt::format("staylab_consumer_lag_events{{consumer=\"{}\"}} {}\n", label(lag.name),
                       lag.events);
  }
  out += fmt::format(
      "# HELP staylab_outbox_depth Events committed but not yet relayed to the log.\n"
      "# TYPE staylab_outbox_depth gauge\nstaylab_outbox_depth {}\n"
      "# HELP staylab_pipeline_rounds_total Rounds of the background pipeline.\n"
      "# TYPE staylab_pipeline_rounds_total counter\nstaylab_pipeline_rounds_total {}\n"
      "# HELP staylab_pipeline_failed_rounds_total Rounds that failed (a store failed).\n"
      "# TYPE staylab_pipeline_failed_rounds_total counter\n"
      "staylab_pipeline_failed_rounds_total {}\n"
      "# HELP staylab_pipeline_up 1 when the pipeline's last round succeeded.\n"
      "# TYPE staylab_pipeline_up gauge\nstaylab_pipeline_up {}\n",
      pipeline.outbox_depth, pipeline.rounds, pipeline.failed_rounds, pipeline.healthy ? 1 : 0);
  return out;
}

}  // namespace staylab::app::http
