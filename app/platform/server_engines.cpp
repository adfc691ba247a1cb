#include "app/platform/server_engines.h"

#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/platform/durable_file.h"
#include "events/nats_event_log.h"
#include "stores/postgres/pg.h"
#include "stores/postgres/postgres_booking_store.h"

namespace staylab::app {
namespace {

std::string freshName() {
  std::random_device device;
  const uint64_t high = device();
  const uint64_t low = device();
  return fmt::format("staylab_{:016x}", (high << 32) | low);
}

Result<EngineRecord> readRecord(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return storeFailure("platform.engines", "cannot read {}", file.string());
  }
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  EngineRecord record;
  if (!json.is_object() || !json.contains("name") || !json["name"].is_string() ||
      !json.value("event_log", nlohmann::json()).is_string() ||
      !json.value("booking_store", nlohmann::json()).is_string()) {
    return storeFailure("platform.engines",
                        "{} is damaged: it must be an object with the strings name, event_log and "
                        "booking_store",
                        file.string());
  }
  record.name = json["name"].get<std::string>();
  record.nats = json["event_log"] == "nats";
  record.postgres = json["booking_store"] == "postgres";
  const bool name_ok = record.name.size() == 24 && record.name.starts_with("staylab_") &&
                       record.name.find_first_not_of("0123456789abcdef", 8) == std::string::npos;
  if (!name_ok || (!record.nats && json["event_log"] != "rocksdb") ||
      (!record.postgres && json["booking_store"] != "sqlite")) {
    return storeFailure("platform.engines", "{} is damaged: unknown engine or name", file.string());
  }
  return record;
}

}  // namespace

Result<void> recordEngines(const std::filesystem::path& data_dir, const EngineRecord& record) {
  if (!record.nats && !record.postgres) {
    return {};
  }
  const nlohmann::json json = {{"event_log", record.nats ? "nats" : "rocksdb"},
                               {"booking_store", record.postgres ? "postgres" : "sqlite"},
                               {"name", record.name}};
  return writeFileDurably(data_dir / kEngineFileName, json.dump(2) + "\n", 0644,
                          "platform.engines");
}

Result<EngineRecord> settleEngines(const std::filesystem::path& data_dir,
                                   const ServerEngines& servers, StoreCreation creation) {
  if (!servers.nats_url.empty()) {
    if (auto url = NatsEventLog::checkUrl(servers.nats_url); !url) {
      return invalidInput("nats", "{}", url.error().message);
    }
  }
  if (!servers.postgres.empty()) {
    if (auto conninfo = pg::checkConninfo(servers.postgres); !conninfo) {
      return invalidInput("postgres", "{}", conninfo.error().message);
    }
  }
  const std::filesystem::path file = data_dir / kEngineFileName;
  if (creation == StoreCreation::CreateIfMissing) {
    return EngineRecord{!servers.nats_url.empty(), !servers.postgres.empty(), freshName()};
  }
  std::error_code error;
  EngineRecord record;
  if (std::filesystem::exists(file, error)) {
    record = STAYLAB_TRY(readRecord(file));
  }
  if (record.nats && servers.nats_url.empty()) {
    return invalidInput("nats",
                        "{} keeps its event log on NATS JetStream (streams {}_*): pass --nats URL",
                        data_dir.string(), record.name);
  }
  if (!record.nats && !servers.nats_url.empty()) {
    return invalidInput("nats", "{} keeps its event log in events/, not on NATS: leave --nats out",
                        data_dir.string());
  }
  if (record.postgres && servers.postgres.empty()) {
    return invalidInput("postgres",
                        "{} keeps its booking store on PostgreSQL (schema {}): pass --postgres "
                        "CONNINFO",
                        data_dir.string(), record.name);
  }
  if (!record.postgres && !servers.postgres.empty()) {
    return invalidInput("postgres",
                        "{} keeps its booking store in booking.db, not on PostgreSQL: leave "
                        "--postgres out",
                        data_dir.string());
  }
  return record;
}

Result<std::unique_ptr<NatsEventLog>> openNatsEventLog(const EngineRecord& record,
                                                       const ServerEngines& servers,
                                                       const std::map<std::string, int>& topics,
                                                       StoreCreation creation) {
  NatsEventLog::Options options;
  options.url = servers.nats_url;
  options.prefix = record.name;
  options.topics = topics;
  options.creation = creation;
  return NatsEventLog::open(options);
}

Result<std::unique_ptr<PostgresBookingStore>> openPostgresBookingStore(const EngineRecord& record,
                                                                       const ServerEngines& servers,
                                                                       StoreCreation creation) {
  PostgresBookingStore::Options options;
  options.conninfo = servers.postgres;
  options.schema = record.name;
  options.creation = creation;
  return PostgresBookingStore::open(options);
}

}  // namespace staylab::app
