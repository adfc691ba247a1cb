// Measures M/M/c customers per second through the simulator kernel
// (simulator/models/mmc.cpp: a process per customer, a Resource of c servers,
// exponential draws, batch means) and, in the same run, the same model in
// SimPy 2.3.1 (benchmarks/mmc_simpy.py under Debian's /usr/bin/python3), and
// prints both rates and their ratio. Target: the kernel 50x SimPy or more.
//
// Rates are per CPU second on both sides (Google Benchmark's default; the
// script reports time.process_time()), so that teammates' builds on the shared
// cores disturb the ratio less; wall-clock rates are printed as well.
//
// Flags besides Google Benchmark's:
//   --simpy_customers=N   customers per SimPy run (default 100000, ~1.5 CPU s;
//                         SimPy runs twice, before and after the kernel)
//   --skip_simpy          print only the kernel's figures
//
// Not a test: it asserts nothing about time.
// Run: build/benchmarks/kernel_mmc_benchmark
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "simulator/models/mmc.h"

namespace staylab::sim {
namespace {

#ifndef STAYLAB_MMC_SIMPY_SCRIPT
#error "STAYLAB_MMC_SIMPY_SCRIPT must name benchmarks/mmc_simpy.py"
#endif

// The Erlang C example of the validation tests: lambda 9/s, mu 1/s, 10 servers.
constexpr double kArrivalRate = 9.0;
constexpr double kServiceRate = 1.0;
constexpr int kServers = 10;
constexpr const char* kBenchmarkName = "BM_KernelMmc";

void BM_KernelMmc(benchmark::State& state) {
  MmcOptions options;
  options.arrival_rate = kArrivalRate;
  options.service_rate = kServiceRate;
  options.servers = kServers;
  options.customers = static_cast<std::uint64_t>(state.range(0));
  std::uint64_t seed = 1;
  double mean_wait = 0.0;
  std::uint64_t events = 0;
  for (auto _ : state) {
    options.seed = seed++;
    const auto result = runMmc(options);
    if (!result) {
      state.SkipWithError(result.error().describe().c_str());
      return;
    }
    // Not benchmark::DoNotOptimize(double): with benchmark 1.7.1 and GCC 12
    // it garbled the value. Using the results below keeps the work alive.
    mean_wait = result->mean_wait_seconds;
    events = result->events;
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["mean_wait_ms"] = mean_wait * 1000.0;
  state.counters["events_per_customer"] =
      static_cast<double>(events) / static_cast<double>(state.range(0));
}
// Three repetitions by default; the summary uses their median.
BENCHMARK(BM_KernelMmc)->Arg(1'000'000)->Repetitions(3)->Unit(benchmark::kMillisecond);

// Keeps the kernel's rates (per CPU second and per wall second) while printing.
class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred)
        continue;
      if (run.benchmark_name().rfind(kBenchmarkName, 0) != 0)
        continue;
      const auto items = run.counters.find("items_per_second");
      if (items != run.counters.end())
        cpu_rates.push_back(items->second.value);
      if (run.real_accumulated_time > 0) {
        const double customers = static_cast<double>(run.iterations) * 1'000'000.0;
        wall_rates.push_back(customers / run.real_accumulated_time);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  std::vector<double> cpu_rates;
  std::vector<double> wall_rates;
};

struct SimpyFigures {
  double cpu_rate = 0.0;
  double wall_rate = 0.0;
  std::string line;
};

// Returns the value of `key=` in a line of key=value pairs, or 0.
double valueOf(std::string_view line, std::string_view key) {
  const std::string needle = std::string(key) + "=";
  std::size_t at = line.find(needle);
  while (at != std::string_view::npos && at > 0 && line[at - 1] != ' ') {
    at = line.find(needle, at + 1);
  }
  if (at == std::string_view::npos)
    return 0.0;
  return std::strtod(std::string(line.substr(at + needle.size())).c_str(), nullptr);
}

// Runs the SimPy model with Debian's interpreter (the one python3-simpy
// installs into), never whichever python3 comes first on PATH.
bool runSimpy(long customers, SimpyFigures& figures) {
  const std::string command =
      fmt::format("/usr/bin/python3 '{}' {} {} {} {} 1 2>&1", STAYLAB_MMC_SIMPY_SCRIPT, customers,
                  kArrivalRate, kServiceRate, kServers);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr)
    return false;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    figures.line += buffer;
  const int status = ::pclose(pipe);
  while (!figures.line.empty() && figures.line.back() == '\n')
    figures.line.pop_back();
  figures.cpu_rate = valueOf(figures.line, "customers_per_cpu_second");
  figures.wall_rate = valueOf(figures.line, "customers_per_second");
  return status == 0 && figures.cpu_rate > 0.0;
}

// Returns the median of the kernel's runs (one unless --benchmark_repetitions).
double median(std::vector<double> rates) {
  if (rates.empty())
    return 0.0;
  std::sort(rates.begin(), rates.end());
  const std::size_t middle = rates.size() / 2;
  return rates.size() % 2 == 1 ? rates[middle] : 0.5 * (rates[middle - 1] + rates[middle]);
}

}  // namespace
}  // namespace staylab::sim

int main(int argc, char** argv) {
  using namespace staylab::sim;
  long simpy_customers = 100'000;
  bool skip_simpy = false;
  // Take our own flags out before Google Benchmark sees the rest.
  std::vector<char*> arguments;
  for (int index = 0; index < argc; ++index) {
    const std::string_view argument = argv[index];
    if (argument.rfind("--simpy_customers=", 0) == 0) {
      simpy_customers = std::strtol(argv[index] + std::strlen("--simpy_customers="), nullptr, 10);
    } else if (argument == "--skip_simpy") {
      skip_simpy = true;
    } else {
      arguments.push_back(argv[index]);
    }
  }
  int benchmark_argc = static_cast<int>(arguments.size());
  benchmark::Initialize(&benchmark_argc, arguments.data());
  if (benchmark::ReportUnrecognizedArguments(benchmark_argc, arguments.data()))
    return 1;

  // SimPy runs once before and once after the kernel's repetitions, and the
  // ratio uses their mean, so that a change of load on the shared machine
  // during the run weighs on both sides.
  SimpyFigures simpy_before;
  if (!skip_simpy && !runSimpy(simpy_customers, simpy_before)) {
    std::printf("SimPy failed: /usr/bin/python3 %s (is python3-simpy installed?)\n%s\n",
                STAYLAB_MMC_SIMPY_SCRIPT, simpy_before.line.c_str());
    return 1;
  }

  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  SimpyFigures simpy_after;
  if (!skip_simpy && !runSimpy(simpy_customers, simpy_after)) {
    std::printf("SimPy failed: %s\n", simpy_after.line.c_str());
    return 1;
  }

  const double kernel_cpu = median(reporter.cpu_rates);
  const double kernel_wall = median(reporter.wall_rates);
  std::printf("\nM/M/%d, lambda=%.0f/s, mu=%.0f/s (rho=%.2f)\n", kServers, kArrivalRate,
              kServiceRate, kArrivalRate / (kServers * kServiceRate));
  std::printf(
      "  kernel : %12.0f customers per CPU second (%12.0f per wall second), median of %zu\n",
      kernel_cpu, kernel_wall, reporter.cpu_rates.size());
  if (skip_simpy)
    return 0;
  const double simpy_cpu = 0.5 * (simpy_before.cpu_rate + simpy_after.cpu_rate);
  const double simpy_wall = 0.5 * (simpy_before.wall_rate + simpy_after.wall_rate);
  std::printf("  SimPy  : %12.0f customers per CPU second (%12.0f per wall second), mean of 2\n",
              simpy_cpu, simpy_wall);
  std::printf("           before: %s\n           after:  %s\n", simpy_before.line.c_str(),
              simpy_after.line.c_str());
  std::printf("  ratio  : %.1fx per CPU second (%.1fx wall), target >= 50x\n",
              kernel_cpu / simpy_cpu, simpy_wall > 0.0 ? kernel_wall / simpy_wall : 0.0);
  return 0;
}
