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
#include "support/crash_point.h"

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
    : CursorConsumer(log, {std::string(kBookingTopic)}, options.max_batch, options.delivery),
      m_store(store),
      m_options(options) {}

Result<int64_t> HistoryProjection::storedOffset(const std::string& topic, int partition) {
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
  // Below the stored offset, every position is known to be applied.
  if (auto seen = m_applied_offsets.find({topic, partition}); seen != m_applied_offsets.end()) {
    seen->second.erase(seen->second.begin(), seen->second.lower_bound(*offset));
  }
  return *offset;
}

Result<void> HistoryProjection::writeOffsets(const NaiveOffsets::Offsets& offsets) {
  WideColumnBatch batch;
  for (const auto& [partition, next] : offsets) {
    putOffset(partition.first, partition.second, next, batch);
  }
  return m_store.apply(batch);
}

void HistoryProjection::committedCells(const std::vector<const LogRecord*>& applied,
                                       const std::vector<LogPosition>& lasts) {
  std::vector<const LogRecord*> first_time;
  for (const LogRecord* record : applied) {
    const LogPosition& position = record->position;
    if (naive() || !observed() ||
        m_applied_offsets[{position.topic, position.partition}].insert(position.offset).second) {
      first_time.push_back(record);
    }
  }
  committed(first_time, lasts);
}

Result<int64_t> HistoryProjection::nextVersion(const std::string& row, const char* family,
                                               const std::string& qualifier,
                                               StagedVersions& staged) const {
  auto key = std::make_tuple(row, std::string(family), qualifier);
  auto found = staged.newest.find(key);
  if (found == staged.newest.end()) {
    auto newest = STAYLAB_TRY(m_store.latest(row, family, qualifier));
    found = staged.newest.emplace(std::move(key), newest ? newest->timestamp : 0).first;
  }
  return ++found->second;
}

Result<bool> HistoryProjection::holdsVersion(const std::string& property_id,
                                             const std::string& booking_id, int64_t version,
                                             StagedVersions& staged) const {
  if (!staged.written.emplace(booking_id, version).second) {
    return true;
  }
  for (const Cell& cell :
       STAYLAB_TRY(m_store.versions(property_id, kByProperty, booking_id, kEverything))) {
    if (cell.timestamp == version) {
      return true;
    }
  }
  return false;
}

Result<EventEffect> HistoryProjection::addCells(const LogRecord& record, WideColumnBatch& batch,
                                                StagedVersions& staged) const {
  const EventEnvelope& event = record.event;
  std::string_view status = statusOf(event.type);
  if (status.empty()) {
    return EventEffect::Skipped;  // Another consumer's business.
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
  // Read before the initializer list: a STAYLAB_TRY that returns from inside
  // one leaks the elements built before it (Clang destroys no temporaries
  // when a statement expression jumps out).
  const int64_t nights = STAYLAB_TRY(payload::integerField(payload, "nights", kLowest, kHighest));
  nlohmann::json value{
      {"type", event.type},
      {"status", status},
      {"booking_id", booking_id},
      {"guest_id", guest_id},
      {"property_id", property_id},
      {"check_in", stay.checkIn().toString()},
      {"check_out", stay.checkOut().toString()},
      {"nights", nights},
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
  if (naive()) {
    const int64_t by_property =
        STAYLAB_TRY(nextVersion(property_id, kByProperty, booking_id, staged));
    const int64_t by_guest = STAYLAB_TRY(nextVersion(guest_id, kByGuest, booking_id, staged));
    batch.put(property_id, kByProperty, booking_id, by_property, text);
    batch.put(guest_id, kByGuest, booking_id, by_guest, std::move(text));
  } else {
    // The relay publishes an event again when its outbox delete failed, at a
    // new offset: a version held already changes nothing.
    if (STAYLAB_TRY(holdsVersion(property_id, booking_id, event.aggregate_version, staged))) {
      return EventEffect::Skipped;
    }
    batch.put(property_id, kByProperty, booking_id, event.aggregate_version, text);
    batch.put(guest_id, kByGuest, booking_id, event.aggregate_version, std::move(text));
  }
  return EventEffect::Applied;
}

void HistoryProjection::addPoison(const LogRecord& record, std::string reason,
                                  WideColumnBatch& batch) {
  PoisonRecord poison{record.position, record.event.event_id, record.event.type, std::move(reason)};
  batch.put(std::string(kPoisonRow), kMeta,
            fmt::format("{}/{}/{}", record.position.topic, record.position.partition,
                        record.position.offset),
            0, dumpJson(poison.toJson()));
}

void HistoryProjection::putOffset(const std::string& topic, int partition, int64_t next,
                                  WideColumnBatch& batch) {
  batch.put(std::string(kOffsetsRow), kMeta, fmt::format("{}/{}", topic, partition), 0,
            std::to_string(next));
}

void HistoryProjection::addOffset(const LogPosition& last, WideColumnBatch& batch) const {
  if (!naive()) {  // A naive projection writes its offsets apart (NaiveOffsets).
    putOffset(last.topic, last.partition, last.offset + 1, batch);
  }
}

Result<size_t> HistoryProjection::applyRuns(const std::vector<std::vector<LogRecord>>& runs) {
  WideColumnBatch batch;
  StagedVersions staged;
  std::vector<const LogRecord*> applied;
  std::vector<LogPosition> lasts;
  std::vector<size_t> kept_of;  // Records passed of each run.
  size_t poison_count = 0;
  size_t passed = 0;
  for (const auto& run : runs) {
    size_t kept = 0;
    for (const auto& record : run) {
      WideColumnBatch cells;
      auto added = addCells(record, cells, staged);
      if (added) {
        std::move(cells.puts.begin(), cells.puts.end(), std::back_inserter(batch.puts));
        if (*added == EventEffect::Applied) {
          applied.push_back(&record);
        }
      } else if (added.error().kind == ErrorKind::StoreFailure) {
        return std::unexpected(std::move(added).error());
      } else {
        std::string reason = added.error().describe();
        if (STAYLAB_TRY(poisonVerdict(record, reason)) == PoisonVerdict::Hold) {
          break;  // Held at poison: the rest of the run waits behind it.
        }
        addPoison(record, std::move(reason), batch);
        ++poison_count;
      }
      ++kept;
    }
    kept_of.push_back(kept);
    if (kept > 0) {
      addOffset(run[kept - 1].position, batch);
      lasts.push_back(run[kept - 1].position);
      passed += kept;
    }
  }
  if (lasts.empty() && batch.puts.empty()) {
    return size_t{0};  // Every run held at its first record: nothing to commit.
  }
  support::crashPoint("history_projection.before_commit");
  auto applied_all = m_store.apply(batch);
  if (applied_all) {
    m_poison_count += poison_count;
    committedCells(applied, lasts);
    return passed;
  }
  if (applied_all.error().kind != ErrorKind::InvalidInput) {
    return std::unexpected(std::move(applied_all).error());
  }
  // The store refused a cell these checks let through. Apply the records one
  // by one, so that only the offending one becomes poison.
  passed = 0;
  for (size_t run_index = 0; run_index < runs.size(); ++run_index) {
    for (size_t index = 0; index < kept_of[run_index]; ++index) {
      if (!STAYLAB_TRY(applyAlone(runs[run_index][index]))) {
        break;
      }
      ++passed;
    }
  }
  return passed;
}

Result<bool> HistoryProjection::applyAlone(const LogRecord& record) {
  WideColumnBatch single;
  StagedVersions staged;
  auto added = addCells(record, single, staged);
  if (!added) {
    if (added.error().kind == ErrorKind::StoreFailure) {
      return std::unexpected(std::move(added).error());
    }
    std::string reason = added.error().describe();
    if (STAYLAB_TRY(poisonVerdict(record, reason)) == PoisonVerdict::Hold) {
      return false;
    }
    addPoison(record, std::move(reason), single);
  }
  addOffset(record.position, single);
  auto applied = m_store.apply(single);
  if (applied) {
    m_poison_count += added ? 0 : 1;
    std::vector<const LogRecord*> effects;
    if (added && *added == EventEffect::Applied) {
      effects.push_back(&record);
    }
    committedCells(effects, {record.position});
    return true;
  }
  if (applied.error().kind != ErrorKind::InvalidInput) {
    return std::unexpected(std::move(applied).error());
  }
  const std::string reason =
      fmt::format("the store refused its cells: {}", applied.error().describe());
  if (STAYLAB_TRY(poisonVerdict(record, reason)) == PoisonVerdict::Hold) {
    return false;
  }
  WideColumnBatch poison;
  addPoison(record, reason, poison);
  addOffset(record.position, poison);
  STAYLAB_TRY(m_store.apply(poison));
  ++m_poison_count;
  committedCells({}, {record.position});
  return true;
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
  m_poison_count = 0;
  m_applied_offsets.clear();
  return replay(kRebuildStep);
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
