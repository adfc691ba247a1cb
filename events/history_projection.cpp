#include "events/history_projection.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "domain/common/date.h"
#include "domain/common/hash.h"
#include "domain/common/text.h"
#include "events/payload_fields.h"

namespace staylab {
namespace {

constexpr std::string_view kBookingTopic = "booking";
constexpr std::string_view kOffsetsRow = "offsets";
constexpr std::string_view kPoisonRow = "poison";
// The store's limit on row keys and qualifiers.
constexpr size_t kMaxKeyBytes = 1024;
constexpr int kSchemaVersion = 1;
// Events per step() while rebuilding, and cells per scan while deleting.
constexpr size_t kRebuildStep = 4096;
constexpr size_t kDeletePage = 4096;
constexpr size_t kEverything = std::numeric_limits<size_t>::max();
constexpr int64_t kLowest = std::numeric_limits<int64_t>::min();
constexpr int64_t kHighest = std::numeric_limits<int64_t>::max();

std::string dumpJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

using payload::parseDecimal;
using payload::stringField;

// Returns a string usable as a row key or qualifier.
Result<std::string> keyField(const nlohmann::json& payload, const char* name) {
  return payload::keyField(payload, name, kMaxKeyBytes, payload::NulBytes::Refused);
}

std::string_view statusOf(std::string_view type) {
  if (type == "BookingPlaced") {
    return "confirmed";
  }
  if (type == "BookingRejected") {
    return "rejected";
  }
  if (type == "BookingCancelled") {
    return "cancelled";
  }
  return {};
}

}  // namespace

HistoryProjection::HistoryProjection(WideColumnStore& store, EventLog& log)
    : HistoryProjection(store, log, Options()) {}

HistoryProjection::HistoryProjection(WideColumnStore& store, EventLog& log, Options options)
    : m_store(store), m_options(options), m_cursor(log, {std::string(kBookingTopic)}) {}

Result<int64_t> HistoryProjection::loadOffset(const std::string& topic, int partition) {
  auto cell =
      STAYLAB_TRY(m_store.latest(kOffsetsRow, kMeta, fmt::format("{}/{}", topic, partition)));
  if (!cell) {
    return 0;
  }
  auto offset = parseDecimal(cell->value);
  if (!offset) {
    return storeFailure("history.corrupt_offset", "offset of {}/{} is '{}'", topic, partition,
                        cell->value);
  }
  return *offset;
}

Result<size_t> HistoryProjection::step(size_t max_events) {
  return m_cursor.step(
      max_events, m_options.max_batch,
      [this](const std::string& topic, int partition) { return loadOffset(topic, partition); },
      [this](const std::vector<std::vector<LogRecord>>& runs) { return applyRuns(runs); });
}

Result<int64_t> HistoryProjection::lag() {
  return m_cursor.lag(
      [this](const std::string& topic, int partition) { return loadOffset(topic, partition); });
}

Result<void> HistoryProjection::addCells(const LogRecord& record, WideColumnBatch& batch) const {
  const EventEnvelope& event = record.event;
  std::string_view status = statusOf(event.type);
  if (status.empty()) {
    return ok();  // Another consumer's business.
  }
  if (event.schema_version != kSchemaVersion) {
    return invalidInput("event.schema_version", "{} {} is not supported", event.type,
                        event.schema_version);
  }
  const nlohmann::json& payload = event.payload;
  if (!payload.is_object()) {
    return invalidInput("event.payload", "must be a JSON object");
  }
  std::string booking_id = STAYLAB_TRY(keyField(payload, "booking_id"));
  std::string property_id = STAYLAB_TRY(keyField(payload, "property_id"));
  std::string guest_id = STAYLAB_TRY(keyField(payload, "guest_id"));
  const Stay stay = STAYLAB_TRY(payload::stayFields(payload));
  nlohmann::json value{
      {"type", event.type},
      {"status", status},
      {"booking_id", booking_id},
      {"guest_id", guest_id},
      {"property_id", property_id},
      {"check_in", stay.checkIn().toString()},
      {"check_out", stay.checkOut().toString()},
      {"nights", STAYLAB_TRY(payload::integerField(payload, "nights", kLowest, kHighest))},
      {"total_minor", nullptr},
      {"currency", nullptr},
      {"occurred_at", event.occurred_at_nanos},
      {"event_id", event.event_id},
  };
  if (auto total =
          STAYLAB_TRY(payload::optionalIntegerField(payload, "total_minor", kLowest, kHighest))) {
    value["total_minor"] = *total;
  }
  if (payload.contains("currency")) {
    value["currency"] = STAYLAB_TRY(stringField(payload, "currency"));
  }
  if (event.type == "BookingRejected" && payload.contains("reason")) {
    value["reason"] = STAYLAB_TRY(stringField(payload, "reason"));
  }
  std::string text = dumpJson(value);
  batch.put(property_id, kByProperty, booking_id, event.aggregate_version, text);
  batch.put(guest_id, kByGuest, booking_id, event.aggregate_version, std::move(text));
  return ok();
}

void HistoryProjection::addPoison(const LogRecord& record, std::string reason,
                                  WideColumnBatch& batch) {
  PoisonRecord poison{record.position, record.event.event_id, record.event.type, std::move(reason)};
  batch.put(std::string(kPoisonRow), kMeta,
            fmt::format("{}/{}/{}", record.position.topic, record.position.partition,
                        record.position.offset),
            0, dumpJson(poison.toJson()));
}

void HistoryProjection::addOffset(const LogPosition& last, WideColumnBatch& batch) {
  batch.put(std::string(kOffsetsRow), kMeta, fmt::format("{}/{}", last.topic, last.partition), 0,
            std::to_string(last.offset + 1));
}

Result<void> HistoryProjection::applyRuns(const std::vector<std::vector<LogRecord>>& runs) {
  WideColumnBatch batch;
  size_t poison_count = 0;
  for (const auto& run : runs) {
    for (const auto& record : run) {
      WideColumnBatch cells;
      auto added = addCells(record, cells);
      if (added) {
        std::move(cells.puts.begin(), cells.puts.end(), std::back_inserter(batch.puts));
      } else {
        addPoison(record, added.error().describe(), batch);
        ++poison_count;
      }
    }
    addOffset(run.back().position, batch);
  }
  auto committed = m_store.apply(batch);
  if (committed) {
    m_poison_count += poison_count;
    return ok();
  }
  if (committed.error().kind != ErrorKind::InvalidInput) {
    return committed;
  }
  // The store refused a cell these checks let through. Apply the records one
  // by one, so that only the offending one becomes poison.
  for (const auto& run : runs) {
    for (const auto& record : run) {
      STAYLAB_TRY(applyAlone(record));
    }
  }
  return ok();
}

Result<void> HistoryProjection::applyAlone(const LogRecord& record) {
  WideColumnBatch single;
  auto added = addCells(record, single);
  if (!added) {
    addPoison(record, added.error().describe(), single);
  }
  addOffset(record.position, single);
  auto applied = m_store.apply(single);
  if (applied) {
    m_poison_count += added ? 0 : 1;
    return ok();
  }
  if (applied.error().kind != ErrorKind::InvalidInput) {
    return applied;
  }
  WideColumnBatch poison;
  addPoison(record, fmt::format("the store refused its cells: {}", applied.error().describe()),
            poison);
  addOffset(record.position, poison);
  STAYLAB_TRY(m_store.apply(poison));
  ++m_poison_count;
  return ok();
}

Result<void> HistoryProjection::rebuild() {
  // The bookkeeping goes first: once the offsets are gone, whatever cells
  // remain are rewritten identically by the replay.
  for (const char* family : {kMeta, kByProperty, kByGuest}) {
    for (;;) {
      auto cells = STAYLAB_TRY(m_store.scanPrefix("", family, kDeletePage));
      if (cells.empty()) {
        break;
      }
      std::set<std::string> rows;
      for (auto& cell : cells) {
        rows.insert(std::move(cell.row));
      }
      WideColumnBatch batch;
      for (const auto& row : rows) {
        batch.deleteRow(family, row);
      }
      STAYLAB_TRY(m_store.apply(batch));
    }
  }
  m_cursor.reset();
  m_poison_count = 0;
  while (STAYLAB_TRY(step(kRebuildStep)) > 0) {
  }
  return ok();
}

Result<std::string> HistoryProjection::canonicalContent() {
  std::string content;
  for (const char* family : {kByProperty, kByGuest}) {
    for (const auto& cell : STAYLAB_TRY(m_store.scanPrefix("", family, kEverything))) {
      content += dumpJson(nlohmann::json::array(
          {cell.family, cell.row, cell.qualifier, cell.timestamp, cell.value}));
      content += '\n';
    }
  }
  return content;
}

Result<std::string> HistoryProjection::canonicalDigest() {
  std::string content = STAYLAB_TRY(canonicalContent());
  const auto cells = static_cast<size_t>(std::count(content.begin(), content.end(), '\n'));
  return fmt::format("history:{}:{:016x}", cells, fnv1a64(content));
}

Result<std::vector<PoisonRecord>> HistoryProjection::poisonRecords() {
  std::vector<PoisonRecord> records;
  for (const auto& cell : STAYLAB_TRY(m_store.scanRow(kPoisonRow, kMeta))) {
    auto record = PoisonRecord::fromJson(cell.value);
    if (!record) {
      return storeFailure("history.corrupt_poison", "poison record {}: {}", cell.qualifier,
                          record.error().describe());
    }
    records.push_back(std::move(*record));
  }
  return records;
}

}  // namespace staylab
