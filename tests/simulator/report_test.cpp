#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "simulator/metrics/evaluation.h"
#include "simulator/metrics/metrics.h"
#include "simulator/report/report_writer.h"
#include "simulator/scenario/expectation.h"
#include "tests/support/temp_dir.h"

namespace staylab::sim {
namespace {

constexpr Nanos kMs = kMillisecond;
constexpr Nanos kRunLength = 120 * kSecond;

// A uniform draw in [0, 1) that is the same on every standard library.
double uniform(std::mt19937_64& generator) {
  return static_cast<double>(generator() >> 11) * 0x1.0p-53;
}

// Records two minutes of a small booking platform into `registry`: searches
// and bookings through the gateway, a booking-db outage from 40 s to 55 s
// (timeouts, queueing, the circuit opening), a projection consumer down from
// 70 s to 85 s (lag), a poison event at 95 s.
void recordSampleRun(MetricsRegistry& registry) {
  std::mt19937_64 generator(42);
  const OperationId search = registry.operation("gateway", "search");
  const OperationId book = registry.operation("gateway", "book");
  const OperationId view = registry.operation("gateway", "view");
  const OperationId place = registry.operation("booking-db", "place");
  const ComponentId gateway = registry.component("gateway");
  const ComponentId projection = registry.component("search-projection");
  const ComponentId booking = registry.component("booking");
  registry.addFaultWindow(FaultWindow{40 * kSecond, 55 * kSecond, "store_outage", "booking-db"});
  registry.addFaultWindow(
      FaultWindow{70 * kSecond, 85 * kSecond, "consumer_crash", "search-projection"});
  registry.addFaultWindow(FaultWindow{95 * kSecond, 95 * kSecond, "poison_event", "bookings"});
  registry.setCircuitState(booking, 0, CircuitState::Closed);

  std::int64_t unconsumed = 0;
  Nanos oldest_unconsumed = 0;
  for (Nanos now = 0; now < kRunLength; now += 10 * kMs) {
    const bool outage = now >= 40 * kSecond && now < 55 * kSecond;
    const bool crashed = now >= 70 * kSecond && now < 85 * kSecond;
    const bool open = now >= 42 * kSecond && now < 52 * kSecond;
    // Searches: 60/s, ~15 ms; a little slower under load.
    if (uniform(generator) < 0.6) {
      const Nanos latency = 8 * kMs + static_cast<Nanos>(uniform(generator) * 14 * kMs) +
                            (now > 30 * kSecond && now < 35 * kSecond ? 25 * kMs : 0);
      registry.recordSuccess(search, now, now + latency);
    }
    if (uniform(generator) < 0.15)
      registry.recordSuccess(view, now,
                             now + 5 * kMs + static_cast<Nanos>(uniform(generator) * 8 * kMs));
    // Bookings: 12/s, ~40 ms; during the outage they time out after 1 s,
    // then the open circuit fails them fast.
    if (uniform(generator) < 0.12) {
      if (open) {
        registry.recordError(book, now, now + 2 * kMs, RequestError::CircuitOpen);
      } else if (outage) {
        registry.recordError(book, now, now + kSecond, RequestError::Timeout);
        registry.recordError(place, now, now + kSecond, RequestError::StoreOutage);
      } else {
        const Nanos latency = 25 * kMs + static_cast<Nanos>(uniform(generator) * 40 * kMs);
        registry.recordSuccess(place, now, now + latency - 5 * kMs);
        registry.recordSuccess(book, now, now + latency);
      }
    }
    if (now % (100 * kMs) == 0) {
      const double depth = outage && !open ? 6 + uniform(generator) * 4 : uniform(generator) * 1.5;
      registry.setQueueDepth(gateway, now, depth);
      registry.setBusyWorkers(gateway, now, outage && !open ? 7.5 : 2 + uniform(generator) * 2, 8);
      registry.setCircuitState(
          booking, now,
          open ? CircuitState::Open
               : (now >= 52 * kSecond && now < 55 * kSecond ? CircuitState::HalfOpen
                                                            : CircuitState::Closed));
      if (crashed) {
        if (unconsumed == 0)
          oldest_unconsumed = now;
        unconsumed += 12;
      } else if (unconsumed > 0) {
        unconsumed = std::max<std::int64_t>(0, unconsumed - 40);
        oldest_unconsumed = unconsumed == 0 ? now : oldest_unconsumed + 400 * kMs;
      }
      registry.setConsumerLag(projection, now, unconsumed, oldest_unconsumed);
    }
  }
  registry.finish(kRunLength);
}

RunReport sampleReport() {
  MetricsRegistry registry;
  recordSampleRun(registry);
  RunReport report;
  report.run.scenario = "booking-db-outage";
  report.run.description =
      "The booking store goes down for 15 s; a circuit breaker <b>sheds</b> load & recovers.";
  report.run.seed = 7;
  report.run.duration = kRunLength;
  report.metrics = registry.snapshot();
  report.invariants.double_bookings = 0;
  report.invariants.lost_acknowledged = 0;
  report.invariants.undelivered_events = 0;
  report.invariants.read_model_mismatches = 0;
  report.invariants.convergence_time_ns = 2300 * kMs;
  std::vector<Expectation> expectations;
  for (const std::string_view text :
       {"double_bookings == 0", "p99(gateway.search) < 100ms", "p99(gateway.book) < 300ms",
        "error_rate(gateway.book) < 5%", "max_lag(search-projection) < 30s",
        "throughput(gateway) > 50/s", "p99(gateway.cancel) < 1s"}) {
    const auto expectation = parseExpectation(text);
    EXPECT_TRUE(expectation.has_value()) << text;
    expectations.push_back(*expectation);
  }
  report.expectations = evaluateAll(expectations, report.metrics, report.invariants);
  return report;
}

std::string readFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t countOf(const std::string& text, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++count;
  return count;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

TEST(ReportWriterTest, WritesByteIdenticalSummariesForTheSameRun) {
  testing::TempDir first;
  testing::TempDir second;
  ASSERT_TRUE(writeReport(first.path() / "out", sampleReport()).has_value());
  ASSERT_TRUE(writeReport(second.path(), sampleReport()).has_value());

  const std::string summary = readFile(first.path() / "out" / "summary.json");
  ASSERT_FALSE(summary.empty());
  EXPECT_EQ(summary, readFile(second.path() / "summary.json"));
  EXPECT_EQ(readFile(first.path() / "out" / "timeseries.csv"),
            readFile(second.path() / "timeseries.csv"));
  EXPECT_EQ(readFile(first.path() / "out" / "report.html"),
            readFile(second.path() / "report.html"));
  // No path and no leftover temporary file.
  EXPECT_EQ(summary.find(first.path().string()), std::string::npos);
  EXPECT_EQ(summary.find("/tmp"), std::string::npos);
  for (const auto& entry : std::filesystem::directory_iterator(second.path()))
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
}

TEST(ReportWriterTest, SummarySortsKeysAndWritesFloatsWithSixDecimals) {
  const RunReport report = sampleReport();
  const std::string summary = summaryJson(report);
  const nlohmann::json parsed = nlohmann::json::parse(summary);
  EXPECT_EQ(parsed["scenario"]["name"], "booking-db-outage");
  EXPECT_EQ(parsed["scenario"]["seed"], 7);
  EXPECT_EQ(parsed["passed"], false);  // p99(gateway.cancel): nothing completed.
  EXPECT_EQ(parsed["expectations"].size(), 7u);
  EXPECT_EQ(parsed["expectations"][0]["expectation"], "double_bookings == 0");
  EXPECT_EQ(parsed["expectations"][0]["passed"], true);
  EXPECT_TRUE(parsed["expectations"][6]["actual"].is_null());
  EXPECT_EQ(parsed["invariants"]["convergence_time_ns"], 2300 * kMs);
  EXPECT_EQ(parsed["operations"]["gateway.book"]["errors_by_kind"].size(), 2u);
  EXPECT_TRUE(parsed["operations"].contains("*"));
  EXPECT_TRUE(parsed["operations"].contains("gateway.*"));
  EXPECT_EQ(parsed["components"]["booking"]["circuit"]["opens"], 1);
  EXPECT_EQ(parsed["faults"].size(), 3u);
  EXPECT_EQ(parsed["time_series"]["intervals"], 120);

  // Top-level keys in sorted order.
  std::vector<std::size_t> positions;
  for (const char* key :
       {"\"components\"", "\"expectations\"", "\"faults\"", "\"invariants\"", "\"operations\"",
        "\"passed\"", "\"scenario\"", "\"schema\"", "\"time_series\""}) {
    positions.push_back(summary.find(std::string("\n  ") + key));
    EXPECT_NE(positions.back(), std::string::npos) << key;
  }
  EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end()));
  // Every number with a point has exactly six decimals.
  const std::regex number(R"(:\s(-?\d+\.\d+)[,\n])");
  std::size_t floats = 0;
  for (auto match = std::sregex_iterator(summary.begin(), summary.end(), number);
       match != std::sregex_iterator(); ++match) {
    const std::string text = (*match)[1];
    EXPECT_EQ(text.size() - text.find('.') - 1, 6u) << text;
    ++floats;
  }
  EXPECT_GT(floats, 10u);
  EXPECT_NE(summary.find("\"utilisation\": 0."), std::string::npos);
}

TEST(ReportWriterTest, TimeseriesHasOneRowPerIntervalPerKeyInAStableOrder) {
  const RunReport report = sampleReport();
  const std::vector<std::string> lines = splitLines(timeseriesCsv(report.metrics));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0],
            "interval_start_s,interval_end_s,component,operation,completions,errors,refused,"
            "throughput_per_s,error_rate,p50_ms,p99_ms,max_ms,queue_depth,queue_depth_max,"
            "utilisation,circuit,lag_events,lag_s");
  // 120 intervals x (total, 4 components, 4 operations).
  ASSERT_EQ(lines.size(), 1u + 120u * 9u);
  for (const std::string& line : lines)
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 17) << line;
  const std::vector<std::string> expected_keys = {
      "*,*",          "booking,*",      "booking-db,*", "booking-db,place",   "gateway,*",
      "gateway,book", "gateway,search", "gateway,view", "search-projection,*"};
  for (std::size_t row = 0; row < 9; ++row) {
    EXPECT_EQ(lines[1 + row].rfind("0,1," + expected_keys[row] + ",", 0), 0u) << lines[1 + row];
    EXPECT_EQ(lines[1 + 9 + row].rfind("1,2," + expected_keys[row] + ",", 0), 0u);
  }
  // The booking row of the outage carries the open circuit; the consumer's its lag.
  const auto fields_of = [&](std::size_t interval, std::size_t key) {
    std::vector<std::string> fields;
    std::istringstream in(lines[1 + interval * 9 + key]);
    for (std::string field; std::getline(in, field, ',');)
      fields.push_back(field);
    fields.resize(18);  // getline drops a trailing empty field.
    return fields;
  };
  EXPECT_EQ(fields_of(45, 1)[15], "open");
  EXPECT_EQ(fields_of(10, 1)[15], "closed");
  EXPECT_GT(std::stoll(fields_of(80, 8)[16]), 0);  // The crashed consumer's lag in events.
  EXPECT_EQ(fields_of(10, 8)[16], "0");
  EXPECT_EQ(fields_of(10, 6)[12], "");  // Operations have no queue of their own.
  EXPECT_NE(fields_of(10, 4)[12], "");  // The gateway has.
  EXPECT_EQ(fields_of(119, 0)[1], "120");
}

TEST(ReportWriterTest, ThePatternsMeasuresAppearOnlyInRunsThatCountThem) {
  const RunReport plain = sampleReport();
  EXPECT_EQ(summaryJson(plain).find("\"measures\""), std::string::npos);
  EXPECT_EQ(summaryJson(plain).find("stale_reads"), std::string::npos);
  EXPECT_EQ(reportHtml(plain).find("Measured by the patterns"), std::string::npos);

  MetricsRegistry registry;
  const OperationId search = registry.operation("gateway", "search");
  for (int request = 0; request < 8; ++request)
    registry.recordSuccess(search, request * kSecond, request * kSecond + 5 * kMs);
  registry.addMeasure(search, 2 * kSecond, "stale_reads", 2);
  registry.finish(8 * kSecond);
  RunReport measured = plain;
  measured.metrics = registry.snapshot();
  measured.invariants.measures["duplicates_applied"] = 3;

  const auto summary = nlohmann::json::parse(summaryJson(measured));
  EXPECT_EQ(summary["operations"]["gateway.search"]["measures"]["stale_reads"], 2);
  EXPECT_EQ(summary["operations"]["*"]["measures"]["stale_reads"], 2);
  EXPECT_EQ(summary["invariants"]["duplicates_applied"], 3);
  const std::vector<std::string> csv = splitLines(timeseriesCsv(measured.metrics));
  ASSERT_FALSE(csv.empty());
  EXPECT_TRUE(csv[0].ends_with(",lag_events,lag_s,stale_reads")) << csv[0];
  EXPECT_EQ(countOf(timeseriesCsv(measured.metrics), ",gateway,search,"), 8u);
  // The interval of the stale reads counts them; the others count 0.
  std::size_t stale_rows = 0;
  for (const std::string& line : csv) {
    if (line.find(",gateway,search,") != std::string::npos && line.ends_with(",2"))
      ++stale_rows;
  }
  EXPECT_EQ(stale_rows, 1u);
  const std::string html = reportHtml(measured);
  EXPECT_NE(html.find("Measured by the patterns"), std::string::npos);
  EXPECT_NE(html.find("stale_read_ratio 25%"), std::string::npos);
  EXPECT_NE(html.find("duplicates_applied"), std::string::npos);
}

TEST(ReportWriterTest, HtmlIsSelfContainedWithOneSvgPerChartAndShadedFaults) {
  const RunReport report = sampleReport();
  const std::string html = reportHtml(report);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(countOf(html, "url("), countOf(html, "url(#clip-"));  // Only the charts' clips.
  EXPECT_EQ(countOf(html, "<svg "), 8u);
  EXPECT_EQ(countOf(html, "</svg>"), 8u);
  for (const char* title :
       {"Throughput", "Latency p50 / p99", "Error rate", "Utilisation", "Queue depth",
        "Circuit breaker state", "Consumer lag in events", "Consumer lag in time"})
    EXPECT_NE(html.find(title), std::string::npos) << title;
  // Two windows and one marker in each of the 8 charts.
  EXPECT_EQ(countOf(html, "class=\"fault-window\""), 3u * 8u);
  EXPECT_NE(html.find("store outage: booking-db"), std::string::npos);
  EXPECT_NE(html.find("completions/s"), std::string::npos);
  EXPECT_NE(html.find("latency (ms)"), std::string::npos);
  EXPECT_NE(html.find("virtual time (s)"), std::string::npos);
  // The scenario, escaped; the expectations with their verdicts; the invariants.
  EXPECT_NE(html.find("booking-db-outage"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;sheds&lt;/b&gt; load &amp; recovers"), std::string::npos);
  EXPECT_EQ(html.find("<b>sheds</b>"), std::string::npos);
  EXPECT_NE(html.find("seed <b>7</b>"), std::string::npos);
  EXPECT_NE(html.find("<code>p99(gateway.book) &lt; 300ms</code>"), std::string::npos);
  EXPECT_GE(countOf(html, ">PASS<"), 3u);
  EXPECT_GE(countOf(html, ">FAIL<"), 1u);
  EXPECT_NE(html.find("FAILED"), std::string::npos);
  EXPECT_NE(html.find("read_model_mismatches"), std::string::npos);

  // For looking at the page: STAYLAB_REPORT_SAMPLE_DIR=/tmp/sample ./simulator_report_tests
  if (const char* sample_dir = std::getenv("STAYLAB_REPORT_SAMPLE_DIR")) {
    ASSERT_TRUE(writeReport(sample_dir, report).has_value());
  }
}

TEST(ReportWriterTest, EmptyRunStillDrawsEveryChart) {
  MetricsRegistry registry;
  registry.finish(10 * kSecond);
  RunReport report;
  report.run.scenario = "idle";
  report.metrics = registry.snapshot();
  const std::string html = reportHtml(report);
  EXPECT_EQ(countOf(html, "<svg "), 8u);
  EXPECT_NE(html.find("No request completed in this run"), std::string::npos);
  EXPECT_NE(html.find("NO EXPECTATIONS"), std::string::npos);
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(splitLines(timeseriesCsv(report.metrics)).size(), 1u + 10u);  // The total row only.
}

TEST(ReportWriterTest, ReplacesEarlierReportsAndFailsOnAPathItCannotUse) {
  testing::TempDir dir;
  RunReport report = sampleReport();
  ASSERT_TRUE(writeReport(dir.path(), report).has_value());
  report.run.seed = 8;
  ASSERT_TRUE(writeReport(dir.path(), report).has_value());
  EXPECT_EQ(readFile(dir / "summary.json"), summaryJson(report));
  EXPECT_EQ(readFile(dir / "report.html"), reportHtml(report));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            3);

  std::ofstream(dir / "a-file") << "not a directory";
  const auto failed = writeReport(dir / "a-file" / "report", report);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().kind, ErrorKind::StoreFailure);
  EXPECT_EQ(failed.error().code, "report.write");
}

}  // namespace
}  // namespace staylab::sim
