#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "domain/common/store_creation.h"
#include "domain/ports/booking_store.h"
#include "domain/ports/event_log.h"

namespace staylab {
class NatsEventLog;
class PostgresBookingStore;
}  // namespace staylab

namespace staylab::app {

// Where the event log and the booking store run: in the data directory (the
// RocksDB log in events/, SQLite's booking.db: the default), or on servers
// (NATS JetStream, PostgreSQL), for platforms that outgrow one machine. The
// other stores stay in the data directory either way.
struct ServerEngines {
  std::string nats_url;  // Empty: events/. Otherwise e.g. nats://127.0.0.1:4222.
  std::string postgres;  // Empty: booking.db. Otherwise a libpq connection string or URI.
  bool any() const { return !nats_url.empty() || !postgres.empty(); }
};

// What a data directory initialised on servers records in engines.json:
// which of its stores live on a server, and under which name (the streams'
// prefix on NATS, the schema on PostgreSQL), so that two data directories
// on the same servers never share a store. Addresses are not recorded: a
// server may move; its data may not be mistaken for another's.
struct EngineRecord {
  bool nats = false;
  bool postgres = false;
  std::string name;  // "staylab_" and 16 hex digits from the OS's randomness.
};

inline constexpr std::string_view kEngineFileName = "engines.json";

// Settles the engines of the data directory at `data_dir` with those a
// command was given. First the servers' addresses must be well formed:
// InvalidInput, field "nats" (a nats:// or tls:// URL, or a comma-separated
// list of them) or "postgres" (what libpq parses), before anything is
// opened. Initialising (`creation` CreateIfMissing), it returns a record of
// `servers` with a fresh name, for recordEngines() once the servers have
// answered. Otherwise it reads engines.json and requires the same engines:
// InvalidInput, field "nats" or "postgres", when a store the directory keeps
// on a server is not given its server, or a server is given for a store the
// directory keeps itself (no store is ever created in the wrong place).
// StoreFailure "platform.engines" when engines.json cannot be read.
[[nodiscard]] Result<EngineRecord> settleEngines(const std::filesystem::path& data_dir,
                                                 const ServerEngines& servers,
                                                 StoreCreation creation);

// Writes `record` to engines.json durably when it puts a store on a server
// (nothing otherwise). StoreFailure "platform.engines" when it cannot.
[[nodiscard]] Result<void> recordEngines(const std::filesystem::path& data_dir,
                                         const EngineRecord& record);

// Opens the event log on NATS JetStream named by `record`, with `topics`.
[[nodiscard]] Result<std::unique_ptr<NatsEventLog>> openNatsEventLog(
    const EngineRecord& record, const ServerEngines& servers,
    const std::map<std::string, int>& topics, StoreCreation creation);

// Opens the booking store on PostgreSQL named by `record`.
[[nodiscard]] Result<std::unique_ptr<PostgresBookingStore>> openPostgresBookingStore(
    const EngineRecord& record, const ServerEngines& servers, StoreCreation creation);

}  // namespace staylab::app
