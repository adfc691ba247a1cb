#pragma once

#include <chrono>
#include <cstddef>

// Every limit on what a scenario (and the run options beside it) may ask of
// the simulator, in one place. Each keeps a hostile or mistyped file from
// costing more than a look: more memory than a laptop has, hours of real
// time for seconds of virtual time, or virtual-time arithmetic that would
// overflow int64 nanoseconds. The scenario parser checks the file's values
// against them with file:line:column, so `scenarios validate` and `simulate`
// refuse the same files; the engine checks its run options (sample interval)
// and injected faults against the same constants. assets/scenarios/README.md
// documents each one; change both together.
namespace staylab::sim {

// --- The file ---------------------------------------------------------------
inline constexpr std::size_t kMaxScenarioFileBytes = 1024 * 1024;  // 1 MiB
inline constexpr int kMaxScenarioNesting = 32;                     // Nested lists and maps.
inline constexpr std::size_t kMaxScenarioListItems = 1000;  // Phases, faults, expectations...

// --- Virtual time -------------------------------------------------------------
// The longest duration of any kind (the run, a phase, a fault, a latency):
// 30 days. Sums of a few of them stay far from int64's 292 years.
inline constexpr std::chrono::nanoseconds kMaxScenarioDuration = std::chrono::hours(24 * 30);

// --- Load ---------------------------------------------------------------------
// Rates are 0 (where a kind allows it) or within [kMinRate, kMaxArrivalRate]
// per second. Below the floor a gap between two arrivals is longer than any
// run (one per 11.6 days), and its nanoseconds would overflow the arithmetic
// of the arrival loop for rates near 1e-10/s.
inline constexpr double kMinRate = 1e-6;        // Per second.
inline constexpr double kMaxArrivalRate = 1e6;  // Per second.
// Closed users of all phases together: each user is a process with its own
// random stream, all made at the start of the run.
inline constexpr int kMaxClosedUsers = 10'000;
// Listings seeded before the run (`data.properties`): the platform's seeder's own limit.
inline constexpr int kMaxSeedProperties = 100'000;

// --- Faults -------------------------------------------------------------------
// Poison events of one poison_event fault, and of all of a scenario's
// together: each is a real event appended to the real log and read by every
// consumer of its topic.
inline constexpr int kMaxPoisonEvents = 10'000;

// --- Topology -----------------------------------------------------------------
// Requests one component may hold waiting, over all its instances
// (instances x queue, as its file and the scenario's overrides leave them):
// each waiting request is a suspended process of about 1 KB, so a full
// queue of this many is about 1 GB.
inline constexpr long long kMaxQueuedPerComponent = 1'000'000;
// The shortest poll interval of a relay or consumer: each poll is a kernel
// event and a real lag query.
inline constexpr std::chrono::nanoseconds kMinPollInterval = std::chrono::milliseconds(1);

// --- Requests -----------------------------------------------------------------
// Requests in flight at once, over the whole run: queued, served or crossing
// a link. A queue is bounded above, but the entry link is not: at 10^5
// arrivals a second, a 10 s latency there holds 10^6 requests. Past this an
// arrival is refused at once ("overloaded"), so memory stays about 1 GB.
inline constexpr long long kMaxRequestsInFlight = 1'000'000;

// --- Metrics (run options: --interval) ----------------------------------------
// The shortest time-series interval, and the most intervals a run may have:
// every interval keeps a snapshot of every series (about 10 KB on the
// default topology), so 10,000 of them are about 100 MB.
inline constexpr std::chrono::nanoseconds kMinSampleInterval = std::chrono::milliseconds(1);
inline constexpr long long kMaxSeriesPoints = 10'000;

}  // namespace staylab::sim
