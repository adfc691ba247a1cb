// Measures durable bookings per second end to end, and the same rows written
// by raw SQLite, in one run, and prints their ratio.
//
//   e2e: PlaceBooking commands through the gateway of a real platform
//        (Durability::Normal; Durability::Full with STAYLAB_DURABILITY=full in
//        the environment, as `serve --durability full` runs), in batches; after each batch the pump
//        drains, so a batch counts only once the outbox is relayed to the log and the search
//        projection, the history projection and fraud detection have applied it.
//   raw: one SQLite transaction per booking (WAL, synchronous=NORMAL, its own
//        database file) inserting a bookings-like row and its nights, with the
//        booking store's tables and indexes, statements prepared once.
//
// Both write the same number of bookings, on distinct (property, night) pairs
// so that every one is accepted, by distinct guests so that no fraud rule
// fires. Each repetition starts from empty stores. With
// --benchmark_repetitions=N the summary uses the medians.
//
// Not a test: it asserts nothing about time. Run build/benchmarks/e2e_bookings_benchmark.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <cstdlib>
#include <string_view>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "app/platform/platform.h"

namespace staylab::app {
namespace {

constexpr int kProperties = 1000;
constexpr int kBatch = 200;   // Commands per drain.
constexpr int kBatches = 50;  // Fixed work, so that runs compare: 10,000 bookings.
// The first night booked: 30 days from today (days since the epoch), so that
// no stay starts in the past whenever the benchmark runs.
const int kFirstNight = static_cast<int>(std::chrono::duration_cast<std::chrono::days>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count()) +
                        30;

std::vector<double> g_e2e_rates;    // One commit per command.
std::vector<double> g_group_rates;  // One group commit per batch.
std::vector<double> g_raw_rates;

// A fresh directory under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "staylab-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    m_path = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

// The booking with sequence number `index`: property index % kProperties, one
// night, a night no earlier booking of that property holds.
struct PlannedBooking {
  int property = 0;
  int night = 0;  // Days since the epoch.
  std::string guest;
};

PlannedBooking plan(int index) {
  return PlannedBooking{index % kProperties, kFirstNight + index / kProperties,
                        fmt::format("guest-{:06}", index)};
}

std::string dateText(int days) {
  return Date::fromDays(days).value().toString();
}

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

enum class Commit {
  PerCommand,  // Gateway::placeBooking: one store transaction per command.
  PerBatch,    // Gateway::placeBookings: one group commit per batch of commands.
};

booking::PlaceBooking command(const PlannedBooking& planned,
                              const std::vector<std::string>& property_ids) {
  booking::PlaceBooking command;
  command.property_id = property_ids[static_cast<size_t>(planned.property)];
  command.guest = planned.guest;
  command.from = dateText(planned.night);
  command.to = dateText(planned.night + 1);
  command.guests = 2;
  command.payment = fmt::format("card-{}", planned.guest);
  command.device = fmt::format("device-{}", planned.guest);
  return command;
}

void endToEnd(benchmark::State& state, Commit commit) {
  ScratchDir dir;
  PlatformOptions options;
  options.data_dir = dir.path();
  options.mode = OpenMode::InitialiseIfEmpty;
  const char* durability = std::getenv("STAYLAB_DURABILITY");
  options.durability = durability != nullptr && std::string_view(durability) == "full"
                           ? Durability::Full
                           : Durability::Normal;
  auto opened = Platform::open(options);
  if (!opened) {
    state.SkipWithError(opened.error().describe().c_str());
    return;
  }
  Platform& platform = **opened;
  const Caller admin{"bench", Role::Admin};

  std::vector<std::string> property_ids;
  for (int index = 0; index < kProperties; ++index) {
    listing::CreateProperty create;
    create.host = fmt::format("host-{:05}", index);
    create.title = fmt::format("Quiet flat {} near the river", index);
    create.description = "Light pours in through tall windows in the morning.";
    create.city = index % 2 ? "Lisbon" : "Porto";
    create.price = "95";
    create.currency = "EUR";
    create.capacity = 4;
    create.amenities = {"wifi", "kitchen"};
    create.payment = fmt::format("payout-h{:05}", index);
    auto created = platform.gateway().createProperty(admin, create);
    if (!created) {
      state.SkipWithError(created.error().describe().c_str());
      return;
    }
    property_ids.push_back(created->id);
  }
  if (auto drained = platform.pump().drain(); !drained) {
    state.SkipWithError(drained.error().describe().c_str());
    return;
  }

  int next = 0;
  double seconds = 0;
  double command_seconds = 0;
  for (auto _ : state) {
    // The commands are made before the clock starts: the benchmark measures
    // the platform, not fmt.
    std::vector<booking::PlaceBooking> batch;
    for (int command_index = 0; command_index < kBatch; ++command_index) {
      batch.push_back(command(plan(next + command_index), property_ids));
    }
    next += kBatch;
    const auto started = std::chrono::steady_clock::now();
    std::vector<Result<booking::PlaceBookingAnswer>> answers;
    if (commit == Commit::PerBatch) {
      answers = platform.gateway().placeBookings(admin, batch);
    } else {
      for (const auto& one : batch) {
        answers.push_back(platform.gateway().placeBooking(admin, one));
      }
    }
    const auto committed = std::chrono::steady_clock::now();
    for (const auto& answer : answers) {
      if (!answer) {
        state.SkipWithError(answer.error().describe().c_str());
        return;
      }
    }
    auto drained = platform.pump().drain();
    if (!drained) {
      state.SkipWithError(drained.error().describe().c_str());
      return;
    }
    const auto finished = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(finished - started).count();
    state.SetIterationTime(elapsed);
    seconds += elapsed;
    command_seconds += std::chrono::duration<double>(committed - started).count();
  }

  // The read models must reflect every booking once drained.
  for (Consumer* consumer : platform.pump().consumers()) {
    auto lag = consumer->lag();
    if (!lag || *lag != 0) {
      state.SkipWithError(fmt::format("{} did not catch up", consumer->name()).c_str());
      return;
    }
  }
  const double rate = next / seconds;
  (commit == Commit::PerBatch ? g_group_rates : g_e2e_rates).push_back(rate);
  state.counters["bookings_per_second"] = rate;
  state.counters["us_commands_per_booking"] = 1e6 * command_seconds / next;
  state.counters["us_pipeline_per_booking"] = 1e6 * (seconds - command_seconds) / next;
  state.SetItemsProcessed(next);
}

// Fails the benchmark with SQLite's message when `rc` is not `expected`.
bool check(benchmark::State& state, sqlite3* db, int rc, int expected = SQLITE_OK) {
  if (rc != expected) {
    state.SkipWithError(sqlite3_errmsg(db));
    return false;
  }
  return true;
}

void rawSqlite(benchmark::State& state) {
  ScratchDir dir;
  sqlite3* db = nullptr;
  if (sqlite3_open((dir.path() / "raw.db").c_str(), &db) != SQLITE_OK) {
    state.SkipWithError("cannot open the raw database");
    sqlite3_close(db);
    return;
  }
  constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE bookings (
  id TEXT PRIMARY KEY, property_id TEXT NOT NULL, guest_id TEXT NOT NULL,
  check_in INTEGER NOT NULL, check_out INTEGER NOT NULL, guests INTEGER NOT NULL,
  total_minor INTEGER NOT NULL, currency TEXT NOT NULL, status TEXT NOT NULL,
  rejection_reason TEXT NOT NULL DEFAULT '', payment TEXT NOT NULL DEFAULT '',
  device TEXT NOT NULL DEFAULT '', ip TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, version INTEGER NOT NULL);
CREATE INDEX bookings_by_property ON bookings (property_id, created_at);
CREATE INDEX bookings_by_guest ON bookings (guest_id, created_at);
CREATE TABLE booked_nights (
  property_id TEXT NOT NULL, night INTEGER NOT NULL, booking_id TEXT NOT NULL,
  UNIQUE (property_id, night));
CREATE INDEX booked_nights_by_booking ON booked_nights (booking_id);
)sql";
  sqlite3_stmt* insert_booking = nullptr;
  sqlite3_stmt* insert_night = nullptr;
  bool ready =
      check(state, db, sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr)) &&
      check(state, db,
            sqlite3_prepare_v2(db,
                               "INSERT INTO bookings (id, property_id, guest_id, check_in, "
                               "check_out, guests, total_minor, currency, status, payment, "
                               "device, created_at, version) VALUES (?, ?, ?, ?, ?, 2, 9500, "
                               "'EUR', 'confirmed', ?, ?, ?, 1)",
                               -1, &insert_booking, nullptr)) &&
      check(state, db,
            sqlite3_prepare_v2(db,
                               "INSERT INTO booked_nights (property_id, night, booking_id) "
                               "VALUES (?, ?, ?)",
                               -1, &insert_night, nullptr));

  int next = 0;
  double seconds = 0;
  if (ready) {
    struct Row {
      PlannedBooking planned;
      std::string id, property, payment, device;
    };
    for (auto _ : state) {
      std::vector<Row> rows;
      for (int command_index = 0; command_index < kBatch; ++command_index) {
        const int index = next + command_index;
        const PlannedBooking planned = plan(index);
        rows.push_back(Row{planned, fmt::format("bkg_{:016x}", 0x9E3779B97F4A7C15ULL * (index + 1)),
                           fmt::format("prop_{:016x}", planned.property),
                           fmt::format("card-{}", planned.guest),
                           fmt::format("device-{}", planned.guest)});
      }
      const auto started = std::chrono::steady_clock::now();
      for (const Row& row : rows) {
        sqlite3_reset(insert_booking);
        sqlite3_bind_text(insert_booking, 1, row.id.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert_booking, 2, row.property.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert_booking, 3, row.planned.guest.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(insert_booking, 4, row.planned.night);
        sqlite3_bind_int64(insert_booking, 5, row.planned.night + 1);
        sqlite3_bind_text(insert_booking, 6, row.payment.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert_booking, 7, row.device.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(insert_booking, 8, next);
        sqlite3_reset(insert_night);
        sqlite3_bind_text(insert_night, 1, row.property.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(insert_night, 2, row.planned.night);
        sqlite3_bind_text(insert_night, 3, row.id.c_str(), -1, SQLITE_TRANSIENT);
        ready = check(state, db, sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr)) &&
                check(state, db, sqlite3_step(insert_booking), SQLITE_DONE) &&
                check(state, db, sqlite3_step(insert_night), SQLITE_DONE) &&
                check(state, db, sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr));
        if (!ready) {
          break;
        }
        ++next;
      }
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      state.SetIterationTime(elapsed);
      seconds += elapsed;
      if (!ready) {
        break;
      }
    }
  }
  sqlite3_finalize(insert_booking);
  sqlite3_finalize(insert_night);
  sqlite3_close(db);
  if (!ready) {
    return;
  }
  const double rate = next / seconds;
  g_raw_rates.push_back(rate);
  state.counters["bookings_per_second"] = rate;
  state.SetItemsProcessed(next);
}

BENCHMARK_CAPTURE(endToEnd, per_command, Commit::PerCommand)
    ->Name("e2e_durable_bookings/one_commit_per_command")
    ->Iterations(kBatches)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(endToEnd, group_commit, Commit::PerBatch)
    ->Name("e2e_durable_bookings/group_commit_per_batch")
    ->Iterations(kBatches)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(rawSqlite)
    ->Name("raw_sqlite_bookings")
    ->Iterations(kBatches)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace staylab::app

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  using staylab::app::median;
  const double per_command = median(staylab::app::g_e2e_rates);
  const double group = median(staylab::app::g_group_rates);
  const double raw = median(staylab::app::g_raw_rates);
  std::printf("e2e durable bookings/s, one commit per command: %.0f (median of %zu)\n", per_command,
              staylab::app::g_e2e_rates.size());
  std::printf("e2e durable bookings/s, group commit per batch: %.0f (median of %zu)\n", group,
              staylab::app::g_group_rates.size());
  std::printf("raw sqlite bookings/s, one transaction per booking: %.0f (median of %zu)\n", raw,
              staylab::app::g_raw_rates.size());
  if (raw > 0) {
    std::printf("e2e/raw ratio: %.3f (group commit per batch)\n", group / raw);
    std::printf("e2e/raw ratio: %.3f (one commit per command)\n", per_command / raw);
  }
  return 0;
}
