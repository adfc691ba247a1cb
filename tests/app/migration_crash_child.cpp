// A child process for the migration crash test: opens the platform and its
// migration on a data directory and, until it is killed, writes to the
// legacy monolith (bookings, cancellations, price edits) and steps every
// part of the migration and the platform's pump between writes. Each
// reservation the legacy confirmed is acknowledged ("RES <res_no>"). Before
// each unit of work it names its phase ("PHASE legacy", "PHASE connector",
// "PHASE processor", "PHASE retry", "PHASE sync-back", "PHASE pump"), so the
// test can count where its kills landed.
//
// Usage: migration_crash_child DATA_DIR init|work SEED
//   init  creates the platform with kProperties listings, the migration
//         and its initial load; says READY and exits 0.
//   work  opens what init made, says READY, and works until killed.
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/migration/anti_corruption.h"
#include "app/migration/migration.h"
#include "app/platform/platform.h"
#include "tests/support/child_voice.h"

namespace {

using namespace staylab;
using staylab::testing::fail;
using staylab::testing::orFail;
using staylab::testing::say;

constexpr int kProperties = 6;
constexpr int64_t kToday = 21'915;  // 2030-01-01.

app::PlatformOptions optionsFor(const std::string& dir, app::OpenMode mode) {
  app::PlatformOptions options;
  options.data_dir = dir;
  options.mode = mode;
  options.extra_topics = migration::Migration::topics(CdcStrategy::PerTable);
  return options;
}

MigrationSettings settings() {
  MigrationSettings settings;
  settings.strategy = CdcStrategy::PerTable;  // Overtaking changes, so retries happen too.
  // The clock is the system's: a retry is due 20 ms after its try, then 40,
  // 80, 160, 320: far more than what it overtook needs to arrive, while a
  // change that can never apply reaches cdc.error within a second.
  settings.backoff_nanos = 20'000'000;
  settings.attempts = 6;
  return settings;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    say("ERROR usage: migration_crash_child DATA_DIR init|work SEED");
    return 2;
  }
  const std::string dir = argv[1];
  const std::string mode = argv[2];
  std::mt19937_64 random(std::stoull(argv[3]));
  if (mode == "init") {
    auto platform =
        orFail(app::Platform::open(optionsFor(dir, app::OpenMode::InitialiseIfEmpty)), "open");
    for (int index = 0; index < kProperties; ++index) {
      listing::CreateProperty create;
      create.host = "host-migration";
      create.title = fmt::format("Crash test flat {}", index);
      create.city = "Crashville";
      create.price = "80.00";
      create.currency = "EUR";
      create.capacity = 4;
      orFail(platform->listing().create(create, platform->newCommand("test")), "create");
    }
    orFail(platform->pump().drain(), "drain");
    auto migration =
        orFail(migration::Migration::open(*platform, settings(), StoreCreation::CreateIfMissing),
               "open migration");
    orFail(migration->loadLegacyFromPlatform(), "initial load");
    say("READY");
    return 0;
  }
  auto platform = orFail(app::Platform::open(optionsFor(dir, app::OpenMode::Existing)), "open");
  auto migration =
      orFail(migration::Migration::open(*platform, settings(), StoreCreation::OpenExisting),
             "open migration");
  legacy::LegacyMonolith& legacy = migration->legacy();
  const auto rows = orFail(legacy.properties(), "properties");
  std::vector<int64_t> reservations;
  say("READY");
  for (;;) {
    say("PHASE legacy");
    const int64_t prop_no = rows[random() % rows.size()].prop_no;
    const int kind = static_cast<int>(random() % 10);
    if (kind < 6) {
      const int64_t from = kToday + 1 + static_cast<int64_t>(random() % 300);
      auto res_no = legacy.book(
          prop_no, fmt::format("guest-{}", random() % 50),
          migration::legacyDateText(orFail(Date::fromDays(from), "from")),
          migration::legacyDateText(orFail(Date::fromDays(from + 1 + random() % 4), "to")), 1);
      if (res_no) {
        reservations.push_back(*res_no);
        say(fmt::format("RES {}", *res_no));
      } else if (res_no.error().code != "legacy.overlap") {
        fail("book", res_no.error());
      }
    } else if (kind < 8 && !reservations.empty()) {
      orFail(legacy.cancel(reservations[random() % reservations.size()]), "cancel");
    } else {
      legacy::PropertyEdit edit;
      edit.price = fmt::format("{}.00", 40 + random() % 200);
      orFail(legacy.edit(prop_no, edit), "edit");
    }
    for (std::string_view part : {migration::kConnectorPart, migration::kProcessorPart,
                                  migration::kRetryPart, migration::kSyncBackPart}) {
      say("PHASE " + std::string(part));
      orFail(migration->step(part, 1 + random() % 8), std::string(part));
    }
    say("PHASE pump");
    orFail(platform->pump().round(), "pump");
  }
}
