// staylab-cli commands over the event-driven platform: search, history, the
// event log, fraud detection, demo data, and the pump's drain/check/rebuild.
#include <map>

#include "app/cli/cli_commands.h"
#include "app/cli/output.h"
#include "app/platform/audit.h"
#include "app/platform/checks.h"
#include "app/platform/queries.h"
#include "app/platform/seed.h"
#include "domain/common/money.h"
#include "domain/common/text.h"
#include "events/history_projection.h"

namespace staylab::app {
namespace {

std::string formatTime(int64_t nanos) {
  auto seconds = nanos / 1'000'000'000;
  auto days = seconds / 86400;
  auto date = Date::fromDays(days);
  auto in_day = seconds % 86400;
  return fmt::format("{}T{:02}:{:02}:{:02}Z", date ? date->toString() : std::string("?"),
                     in_day / 3600, in_day / 60 % 60, in_day % 60);
}

struct SearchOptions {
  std::vector<std::string> words;
  std::string city, from, to, guests, max_price, currency, sort = "relevance", page = "1";
  std::vector<std::string> amenities;
};

void addSearch(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<SearchOptions>();
  auto* search = app.add_subcommand("search", "Search listings (the Xapian read model)");
  search->add_option("TEXT", options->words, "Words to look for (stemmed, all required)");
  search->add_option("--city", options->city, "Only this city (case-insensitive)");
  search->add_option("--from", options->from, "Available from this check-in day, YYYY-MM-DD");
  search->add_option("--to", options->to, "... to this check-out day, YYYY-MM-DD");
  search->add_option("--guests", options->guests, "Sleeps at least this many");
  search->add_option("--max-price", options->max_price, "Highest nightly price, e.g. 120.50");
  search->add_option("--currency", options->currency,
                     "Currency of --max-price (default: the city's, else EUR)");
  search->add_option("--amenity", options->amenities, "Required amenity; repeat for several")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  search->add_option("--sort", options->sort, "relevance (default) or price");
  search->add_option("--page", options->page, "Page number, from 1 (20 hits a page)");
  search->callback([&global, &action, options, search] {
    global.parts =
        PlatformParts{.event_log = false, .history = false, .search = true, .fraud = false};
    action = [&global, options, search](Platform& platform, std::ostream& os) -> Result<void> {
      SearchRequest request;
      std::string text;
      for (const auto& word : options->words) {
        text += (text.empty() ? "" : " ") + word;
      }
      request.text = text;
      auto given = [&](const char* name, const std::string& value) {
        return search->count(name) > 0 ? std::optional<std::string>(value) : std::nullopt;
      };
      request.city = given("--city", options->city);
      request.from = given("--from", options->from);
      request.to = given("--to", options->to);
      request.guests = given("--guests", options->guests);
      request.max_price = given("--max-price", options->max_price);
      request.currency = given("--currency", options->currency);
      request.sort = options->sort;
      request.page = options->page;
      request.amenities = options->amenities;
      SearchQuery query = STAYLAB_TRY(makeSearchQuery(platform.gateway(), request));
      const size_t page = query.offset / kSearchPageSize + 1;
      auto result = STAYLAB_TRY(platform.searchIndex().search(query));
      if (global.json) {
        nlohmann::json hits = nlohmann::json::array();
        for (const auto& hit : result.hits) {
          hits.push_back(searchHitJson(hit));
        }
        os << dumpJson(hits) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& hit : result.hits) {
        rows.push_back({hit.id, hit.city, formatMoney(hit.price_minor, hit.currency), hit.title});
      }
      printTable(os, {"ID", "CITY", "PRICE", "TITLE"}, rows);
      size_t pages =
          std::max<size_t>(1, (result.estimated_total + kSearchPageSize - 1) / kSearchPageSize);
      os << fmt::format("page {} of {} ({} {})\n", page, pages, result.estimated_total,
                        result.estimated_total == 1 ? "match" : "matches");
      return {};
    };
  });
}

void addHistory(CLI::App& app, GlobalOptions& global, Action& action) {
  auto property = std::make_shared<std::string>();
  auto guest = std::make_shared<std::string>();
  auto* history = app.add_subcommand("history",
                                     "Every state change of the bookings of a "
                                     "property or a guest (the RocksDB read model)");
  auto* by_property = history->add_option("--property", *property, "Property id");
  auto* by_guest = history->add_option("--guest", *guest, "Guest handle");
  by_property->excludes(by_guest);
  history->callback([&global, &action, property, guest, history] {
    global.parts =
        PlatformParts{.event_log = false, .history = true, .search = false, .fraud = false};
    action = [&global, property, guest, history](Platform& platform,
                                                 std::ostream& os) -> Result<void> {
      HistoryRequest request;
      if (history->count("--property") > 0) {
        request.property = *property;
      }
      if (history->count("--guest") > 0) {
        request.guest = *guest;
      }
      auto answer = STAYLAB_TRY(readHistory(platform, global.caller, request));
      const bool for_property = answer.by_property;
      const std::string& row = answer.row;
      const auto& cells = answer.cells;
      if (global.json) {
        nlohmann::json array = nlohmann::json::array();
        for (const auto& cell : cells) {
          array.push_back(historyCellJson(cell));
        }
        os << dumpJson(array) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& cell : cells) {
        auto value = nlohmann::json::parse(cell.value, nullptr, false);
        auto text = [&](const char* key) {
          return value.is_object() && value.contains(key) && value[key].is_string()
                     ? value[key].get<std::string>()
                     : std::string("-");
        };
        int64_t at = value.is_object() ? value.value("occurred_at", int64_t{0}) : 0;
        rows.push_back({cell.qualifier, std::to_string(cell.timestamp), text("type"),
                        for_property ? text("guest_id") : text("property_id"), text("check_in"),
                        text("check_out"), formatTime(at)});
      }
      printTable(
          os,
          {"BOOKING", "VERSION", "CHANGE", for_property ? "GUEST" : "PROPERTY", "FROM", "TO", "AT"},
          rows);
      if (rows.empty()) {
        os << "no history for " << row << '\n';
      }
      return {};
    };
  });
}

struct TailOptions {
  std::string topic, from, limit = "20";
};

void addEvents(CLI::App& app, GlobalOptions& global, Action& action) {
  auto options = std::make_shared<TailOptions>();
  auto* events = app.add_subcommand("events", "Read the durable event log");
  events->require_subcommand(1);
  auto* tail = events->add_subcommand("tail", "The latest events, oldest first");
  tail->add_option("--topic", options->topic,
                   "property, booking, fraud, property.dlq or booking.dlq (default: all)");
  tail->add_option("--from", options->from, "Read each partition from this offset");
  tail->add_option("--limit", options->limit, "At most this many events (default 20)");
  tail->callback([&global, &action, options, tail] {
    global.parts =
        PlatformParts{.event_log = true, .history = false, .search = false, .fraud = false};
    action = [&global, options, tail](Platform& platform, std::ostream& os) -> Result<void> {
      TailRequest request;
      if (tail->count("--topic") > 0) {
        request.topic = options->topic;
      }
      if (tail->count("--from") > 0) {
        request.from = options->from;
      }
      request.limit = options->limit;
      auto records = STAYLAB_TRY(tailEvents(platform.eventLog(), request));
      if (global.json) {
        nlohmann::json array = nlohmann::json::array();
        for (const auto& record : records) {
          array.push_back(logRecordJson(record));
        }
        os << dumpJson(array) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& record : records) {
        std::string payload = dumpJson(record.event.payload);
        if (codePointCount(payload) > 60) {
          payload = payload.substr(0, 57) + "...";
          while (!isValidUtf8(payload)) {
            payload.erase(payload.size() - 4, 1);
          }
        }
        rows.push_back({record.position.topic, std::to_string(record.position.partition),
                        std::to_string(record.position.offset),
                        formatTime(record.event.occurred_at_nanos), record.event.type,
                        record.event.aggregate_id, payload});
      }
      printTable(os, {"TOPIC", "PART", "OFFSET", "AT", "TYPE", "AGGREGATE", "PAYLOAD"}, rows);
      return {};
    };
  });
}

void addAudit(CLI::App& app, GlobalOptions& global) {
  auto caller = std::make_shared<std::string>();
  auto* audit = app.add_subcommand(
      "audit", "What one caller did, from the event log, in log order (admins only)");
  audit->add_option("--caller", *caller,
                    "The caller: an API key's caller name, \"admin\" (the local admin) or a "
                    "service (fraud-service, cdc, saga-recovery, search, history)");
  audit->callback([&global, caller, audit] {
    global.log_action = [&global, caller, audit](EventLog& log, std::ostream& os) -> Result<void> {
      AuditRequest request;
      if (audit->count("--caller") > 0) {
        request.caller = *caller;
      }
      auto trail = STAYLAB_TRY(auditTrail(log, request));
      if (global.json) {
        nlohmann::json array = nlohmann::json::array();
        for (const auto& record : trail) {
          array.push_back(auditEntryJson(record));
        }
        os << dumpJson(array) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& record : trail) {
        const EventEnvelope& event = record.event;
        rows.push_back({formatTime(event.occurred_at_nanos), event.type,
                        event.aggregate_type + " " + event.aggregate_id, auditSummary(event)});
      }
      printTable(os, {"AT", "TYPE", "AGGREGATE", "SUMMARY"}, rows);
      os << fmt::format("{} {} by {}\n", trail.size(), trail.size() == 1 ? "event" : "events",
                        *request.caller);
      return {};
    };
  });
}

void addFraud(CLI::App& app, GlobalOptions& global, Action& action) {
  auto* fraud = app.add_subcommand("fraud", "Fraud detection");
  fraud->require_subcommand(1);
  auto* report = fraud->add_subcommand("report", "Every suspicion, oldest first");
  report->callback([&global, &action] {
    global.parts =
        PlatformParts{.event_log = true, .history = false, .search = false, .fraud = true};
    action = [&global](Platform& platform, std::ostream& os) -> Result<void> {
      const auto& detector = platform.fraudDetection().detector();
      std::vector<fraud::Suspicion> suspicions = STAYLAB_TRY(detector.suspicions());
      std::stable_sort(suspicions.begin(), suspicions.end(), [](const auto& a, const auto& b) {
        return std::tie(a.detected_at_nanos, a.id) < std::tie(b.detected_at_nanos, b.id);
      });
      if (global.json) {
        nlohmann::json array = nlohmann::json::array();
        for (const auto& suspicion : suspicions) {
          array.push_back(suspicion.toJson());
        }
        os << dumpJson(array) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& suspicion : suspicions) {
        auto subject = suspicion.toJson().value("subject", nlohmann::json::object());
        std::string subject_text =
            subject.is_object() ? fmt::format("{} {}", subject.value("kind", std::string("?")),
                                              subject.value("id", std::string("?")))
                                : dumpJson(subject);
        rows.push_back({suspicion.id, std::string(fraud::toString(suspicion.rule)), subject_text,
                        suspicion.property_id.empty() ? "-" : suspicion.property_id,
                        formatTime(suspicion.detected_at_nanos)});
      }
      printTable(os, {"SUSPICION", "RULE", "SUBJECT", "PROPERTY", "DETECTED"}, rows);
      auto stats = STAYLAB_TRY(detector.graphStats());
      os << fmt::format("{} suspicions; entity graph: {} accounts, {} instruments, {} links\n",
                        suspicions.size(), stats.accounts, stats.instruments, stats.edges);
      return {};
    };
  });
}

struct SeedFlags {
  std::string properties, seed = "1";
};

void addSeed(CLI::App& app, GlobalOptions& global, Action& action) {
  auto flags = std::make_shared<SeedFlags>();
  auto* seed = app.add_subcommand(
      "seed", "Make a deterministic demo data set: listings, a year of bookings, planted fraud");
  seed->add_option("--properties", flags->properties, "Number of listings (1-100000)")->required();
  seed->add_option("--seed", flags->seed, "Seed (default 1): the same seed, the same data");
  seed->callback([&global, &action, flags] {
    global.writes = true;
    // Ids and event times come from the seed, so a seed gives the same data
    // set; the log's durability is the crash-safe Normal for speed.
    uint64_t seed_value = 0;
    auto parsed = wholeNumber(flags->seed, "seed");
    if (parsed && *parsed >= 0) {
      seed_value = static_cast<uint64_t>(*parsed);
    }
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    int64_t today = now / 86'400'000'000'000LL;
    global.clock = std::make_shared<ManualClock>(today * 86'400'000'000'000LL);
    global.random = std::make_shared<SeededRandom>(seed_value * 0x9E3779B97F4A7C15ULL + 1);
    global.durability = Durability::Normal;
    action = [&global, flags, today](Platform& platform, std::ostream& os) -> Result<void> {
      int64_t properties = STAYLAB_TRY(wholeNumber(flags->properties, "properties"));
      int64_t seed_number = STAYLAB_TRY(wholeNumber(flags->seed, "seed"));
      if (seed_number < 0) {
        return invalidInput("seed", "must be 0 or more, got {}", seed_number);
      }
      if (properties < 1 || properties > 100'000) {
        return invalidInput("properties", "must be 1..100000, got {}", properties);
      }
      SeedOptions options;
      options.properties = static_cast<int>(properties);
      options.seed = static_cast<uint64_t>(seed_number);
      options.first_night = STAYLAB_TRY(Date::fromDays(today + 1));
      auto started = std::chrono::steady_clock::now();
      auto report = seedDemoData(platform.gateway(), *global.clock, options);
      if (!report) {
        if (report.error().kind == ErrorKind::Conflict) {
          return std::unexpected(Error{ErrorKind::Refused, "seed.exists", "seed",
                                       fmt::format("this data directory already holds the data "
                                                   "set of seed {}; use another seed or directory",
                                                   seed_number)});
        }
        return std::unexpected(report.error());
      }
      auto committed = std::chrono::steady_clock::now();
      STAYLAB_TRY(platform.pump().drain());
      auto drained = std::chrono::steady_clock::now();
      auto seconds = [](auto duration) { return std::chrono::duration<double>(duration).count(); };
      if (global.json) {
        os << dumpJson({{"properties", report->properties},
                        {"bookings", report->bookings},
                        {"rejected", report->rejected},
                        {"planted", report->planted}})
           << '\n';
        return {};
      }
      os << fmt::format("seeded {} listings and {} bookings ({} refused: nights taken)\n",
                        report->properties, report->bookings, report->rejected);
      os << fmt::format(
          "commands committed in {:.1f} s; log, search, history and fraud "
          "detection caught up in {:.1f} s\n",
          seconds(committed - started), seconds(drained - committed));
      for (const auto& line : report->planted) {
        os << "planted " << line << '\n';
      }
      return {};
    };
  });
}

void addPump(CLI::App& app, GlobalOptions& global, Action& action) {
  auto* drain = app.add_subcommand(
      "drain", "Relay every outbox to the log and bring every read model up to date");
  drain->callback([&global, &action] {
    action = [&global](Platform& platform, std::ostream& os) -> Result<void> {
      auto report = STAYLAB_TRY(platform.pump().drain());
      if (global.json) {
        os << dumpJson({{"relayed", report.relayed},
                        {"consumed", report.consumed},
                        {"delivered", report.delivered}})
           << '\n';
      } else {
        os << fmt::format("relayed {} events, applied {}, delivered {} fraud actions\n",
                          report.relayed, report.consumed, report.delivered);
      }
      return {};
    };
  });

  auto* check =
      app.add_subcommand("check", "Drain, then verify the invariants; exit 1 when one fails");
  check->callback([&global, &action] {
    action = [&global](Platform& platform, std::ostream& os) -> Result<void> {
      auto results = STAYLAB_TRY(checkInvariants(platform));
      bool all = true;
      nlohmann::json array = nlohmann::json::array();
      std::vector<std::vector<std::string>> rows;
      for (const auto& result : results) {
        all = all && result.passed;
        array.push_back(
            {{"check", result.name}, {"passed", result.passed}, {"detail", result.detail}});
        rows.push_back({result.passed ? "pass" : "FAIL", result.name, result.detail});
      }
      if (global.json) {
        os << dumpJson(array) << '\n';
      } else {
        printTable(os, {"RESULT", "CHECK", "DETAIL"}, rows);
      }
      if (!all) {
        return std::unexpected(Error{ErrorKind::Refused, "check.failed", "",
                                     "an invariant does not hold (see the table)"});
      }
      return {};
    };
  });

  auto* rebuild = app.add_subcommand(
      "rebuild", "Drop the read models (search, history, fraud) and replay the log from 0");
  rebuild->callback([&global, &action] {
    global.writes = true;
    global.open_mode = OpenMode::RebuildReadModels;
    action = [&global](Platform& platform, std::ostream& os) -> Result<void> {
      STAYLAB_TRY(rebuildReadModels(platform));
      if (global.json) {
        os << dumpJson({{"rebuilt", {"search", "history", "fraud"}}}) << '\n';
      } else {
        os << "rebuilt search, history and fraud detection from the log\n";
      }
      return {};
    };
  });
}

struct KeyFlags {
  std::string caller, role, id;
};

void addKeys(CLI::App& app, GlobalOptions& global, Action& action) {
  auto flags = std::make_shared<KeyFlags>();
  auto* keys = app.add_subcommand("keys", "API keys for the gateway (admin only)");
  keys->require_subcommand(1);
  auto* add = keys->add_subcommand("add", "Issue a key for a caller and print it (shown once)");
  add->add_option("--caller", flags->caller, "The caller's handle")->required();
  add->add_option("--role", flags->role, "guest, host, fraud-service or admin")->required();
  add->callback([&global, &action, flags] {
    // The first key may be issued before anything else: it initialises a new data directory.
    global.open_mode = OpenMode::InitialiseIfEmpty;
    global.parts = PlatformParts::writeStoresOnly();
    action = [&global, flags](Platform& platform, std::ostream& os) -> Result<void> {
      Caller caller{STAYLAB_TRY(handle(flags->caller, "caller")),
                    STAYLAB_TRY(parseRole(flags->role))};
      auto key = STAYLAB_TRY(platform.keys().issue(caller));
      if (global.json) {
        os << dumpJson({{"key", key},
                        {"id", key.substr(3, 8)},
                        {"caller", caller.name},
                        {"role", toString(caller.role)}})
           << '\n';
      } else {
        os << key << '\n';
      }
      return {};
    };
  });
  auto* list = keys->add_subcommand("list", "Show the id, caller and role of every key");
  list->callback([&global, &action] {
    global.parts = PlatformParts::writeStoresOnly();
    action = [&global](Platform& platform, std::ostream& os) -> Result<void> {
      std::vector<std::vector<std::string>> rows;
      nlohmann::json array = nlohmann::json::array();
      for (const auto& entry : platform.keys().keys()) {
        rows.push_back({entry.id, entry.caller.name, std::string(toString(entry.caller.role))});
        array.push_back({{"id", entry.id},
                         {"caller", entry.caller.name},
                         {"role", toString(entry.caller.role)}});
      }
      if (global.json) {
        os << dumpJson(array) << '\n';
      } else {
        printTable(os, {"ID", "CALLER", "ROLE"}, rows);
      }
      return {};
    };
  });
  auto* revoke = keys->add_subcommand("revoke", "Revoke the key with this id (see keys list)");
  revoke->add_option("ID", flags->id, "The key's id: the 8 hex digits after sk_")->required();
  revoke->callback([&global, &action, flags] {
    global.parts = PlatformParts::writeStoresOnly();
    action = [&global, flags](Platform& platform, std::ostream& os) -> Result<void> {
      auto revoked = STAYLAB_TRY(platform.keys().revoke(flags->id));
      if (global.json) {
        os << dumpJson({{"revoked", revoked.id},
                        {"caller", revoked.caller.name},
                        {"role", toString(revoked.caller.role)}})
           << '\n';
      } else {
        os << fmt::format("revoked key {} of {} '{}'\n", revoked.id, toString(revoked.caller.role),
                          revoked.caller.name);
      }
      return {};
    };
  });
}

}  // namespace

void addPlatformCommands(CLI::App& app, GlobalOptions& global, Action& action) {
  addSearch(app, global, action);
  addHistory(app, global, action);
  addEvents(app, global, action);
  addFraud(app, global, action);
  addAudit(app, global);
  addSeed(app, global, action);
  addPump(app, global, action);
  addKeys(app, global, action);
}

}  // namespace staylab::app
