#include "events/search_projection.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "domain/common/hash.h"
#include "domain/common/text.h"
#include "events/payload_fields.h"
#include "support/crash_point.h"

namespace staylab {
namespace {

constexpr std::string_view kPropertyTopic = "property";
constexpr std::string_view kBookingTopic = "booking";
constexpr std::string_view kOffsetPrefix = "offset/";
constexpr std::string_view kBookingPrefix = "booking/";
constexpr std::string_view kHoldsPrefix = "holds/";
constexpr std::string_view kPoisonPrefix = "poison/";
// Ids name metadata keys ("holds/<id>"), which the text index caps at 253
// bytes; longer ids are refused as poison rather than by the store.
constexpr size_t kMaxIdBytes = 200;
constexpr int kSchemaVersion = 1;
// Events per step() while rebuilding.
constexpr size_t kRebuildStep = 4096;

std::string offsetKey(std::string_view topic, int partition) {
  return fmt::format("{}{}/{}", kOffsetPrefix, topic, partition);
}

std::string poisonKey(const LogPosition& position) {
  return fmt::format("{}{}/{}/{}", kPoisonPrefix, position.topic, position.partition,
                     position.offset);
}

template <typename Prefix>
std::string keyOf(Prefix prefix, std::string_view id) {
  return fmt::format("{}{}", prefix, id);
}

using payload::integerField;
using payload::parseDecimal;
using payload::stayFields;
using payload::stringField;

// Returns an id that may name a metadata key.
Result<std::string> idField(const nlohmann::json& payload, const char* name) {
  return payload::keyField(payload, name, kMaxIdBytes, payload::NulBytes::Allowed);
}

// Returns the listing fields of a PropertyCreated/PropertyUpdated snapshot.
Result<SearchDocument> parseSnapshot(const nlohmann::json& payload) {
  SearchDocument document;
  document.id = STAYLAB_TRY(idField(payload, "property_id"));
  document.title = STAYLAB_TRY(stringField(payload, "title"));
  document.description = STAYLAB_TRY(stringField(payload, "description"));
  document.city = STAYLAB_TRY(stringField(payload, "city"));
  auto amenities = payload.find("amenities");
  if (amenities == payload.end() || !amenities->is_array()) {
    return invalidInput("payload.amenities", "must be an array of strings");
  }
  for (const auto& amenity : *amenities) {
    if (!amenity.is_string() || !isValidUtf8(amenity.get_ref<const std::string&>())) {
      return invalidInput("payload.amenities", "must be an array of UTF-8 strings");
    }
    document.amenities.push_back(amenity.get<std::string>());
  }
  document.capacity = static_cast<int>(
      STAYLAB_TRY(integerField(payload, "capacity", 0, std::numeric_limits<int>::max())));
  document.price_minor =
      STAYLAB_TRY(integerField(payload, "price_minor", 0, std::numeric_limits<int64_t>::max()));
  document.currency = STAYLAB_TRY(stringField(payload, "currency"));
  std::string status = STAYLAB_TRY(stringField(payload, "status"));
  if (status != "active" && status != "suspended") {
    return invalidInput("payload.status", "must be 'active' or 'suspended'; got '{}'", status);
  }
  document.listed = status == "active";
  return document;
}

SearchDocument placeholder(const std::string& id) {
  SearchDocument document;
  document.id = id;
  document.listed = false;
  return document;
}

// Returns one canonical JSON line per document, in the given order.
std::string canonicalLines(const std::vector<SearchDocument>& documents) {
  std::string content;
  for (const auto& document : documents) {
    content += document.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    content += '\n';
  }
  return content;
}

}  // namespace

// The effects of a run of records, staged over what the index holds: reads
// go to the index once per key, writes stay here until build().
class SearchProjection::Batch {
 public:
  Batch(TextIndex& index, ConsumerDelivery delivery) : m_index(index), m_delivery(delivery) {}

  // Stages the effect of `record`; returns why it cannot be applied (poison,
  // nothing staged), or nothing. Fails only when the index cannot be read.
  Result<std::optional<std::string>> add(const LogRecord& record) {
    auto effect = addEvent(record.event);
    if (!effect) {
      if (effect.error().kind == ErrorKind::StoreFailure) {
        return std::unexpected(std::move(effect).error());
      }
      return std::optional<std::string>(effect.error().describe());
    }
    if (*effect == EventEffect::Applied) {
      m_applied.push_back(&record);
    }
    return std::optional<std::string>();
  }

  // Returns whether anything is staged.
  bool empty() const { return m_dirty_documents.empty() && m_metadata.empty(); }

  void addPoison(const LogRecord& record, std::string reason) {
    PoisonRecord poison{record.position, record.event.event_id, record.event.type,
                        std::move(reason)};
    m_metadata.insert_or_assign(
        poisonKey(record.position),
        poison.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    ++m_poison_count;
  }

  size_t poisonCount() const { return m_poison_count; }
  // Returns the records whose effects are staged, in the order added.
  const std::vector<const LogRecord*>& applied() const { return m_applied; }

  // Returns every staged change, and for each of `lasts` the offset after it
  // for its partition.
  TextIndexBatch build(const std::vector<LogPosition>& lasts) const {
    TextIndexBatch batch;
    for (const auto& id : m_dirty_documents) {
      batch.upserts.push_back(*m_documents.at(id));
    }
    batch.metadata = m_metadata;
    for (const auto& id : m_dirty_bookings) {
      batch.metadata.insert_or_assign(keyOf(kBookingPrefix, id),
                                      std::to_string(m_booking_versions.at(id)));
    }
    for (const auto& property_id : m_dirty_holds) {
      const Holds& holds = m_holds.at(property_id);
      std::string value;  // Empty removes the key.
      if (!holds.empty()) {
        nlohmann::json json = nlohmann::json::object();
        for (const auto& [booking_id, stay] : holds) {
          json[booking_id] = {stay.checkIn().toString(), stay.checkOut().toString()};
        }
        value = json.dump();
      }
      batch.metadata.insert_or_assign(keyOf(kHoldsPrefix, property_id), std::move(value));
    }
    for (const LogPosition& last : lasts) {
      batch.metadata.insert_or_assign(offsetKey(last.topic, last.partition),
                                      std::to_string(last.offset + 1));
    }
    return batch;
  }

 private:
  using Holds = std::map<std::string, Stay>;  // booking_id -> its stay

  bool idempotent() const { return m_delivery == ConsumerDelivery::Idempotent; }

  Result<EventEffect> addEvent(const EventEnvelope& event) {
    const bool known = event.type == "PropertyCreated" || event.type == "PropertyUpdated" ||
                       event.type == "PropertySuspended" || event.type == "BookingPlaced" ||
                       event.type == "BookingCancelled" || event.type == "BookingRejected";
    if (!known) {
      return EventEffect::Skipped;  // Another consumer's business.
    }
    if (event.schema_version != kSchemaVersion) {
      return invalidInput("event.schema_version", "{} {} is not supported", event.type,
                          event.schema_version);
    }
    if (!event.payload.is_object()) {
      return invalidInput("event.payload", "must be a JSON object");
    }
    if (event.aggregate_version < 1) {
      // Versions start at 1; 0 would read as "nothing applied yet".
      return invalidInput("event.aggregate_version", "must be at least 1; got {}",
                          event.aggregate_version);
    }
    if (event.type == "PropertyCreated" || event.type == "PropertyUpdated") {
      return applySnapshot(STAYLAB_TRY(parseSnapshot(event.payload)), event.aggregate_version);
    }
    if (event.type == "PropertySuspended") {
      return applySuspension(STAYLAB_TRY(idField(event.payload, "property_id")),
                             event.aggregate_version);
    }
    if (event.type == "BookingPlaced" || event.type == "BookingCancelled") {
      std::string booking_id = STAYLAB_TRY(idField(event.payload, "booking_id"));
      std::string property_id = STAYLAB_TRY(idField(event.payload, "property_id"));
      Stay stay = STAYLAB_TRY(stayFields(event.payload));
      const Hold hold = event.type == "BookingPlaced" ? Hold::Take : Hold::Release;
      if (!idempotent()) {
        return applyBookingNaively(property_id, stay, hold);
      }
      return applyBooking(booking_id, property_id, stay, event.aggregate_version, hold);
    }
    return EventEffect::Skipped;  // BookingRejected holds no nights.
  }

  Result<EventEffect> applySnapshot(SearchDocument snapshot, int64_t version) {
    SearchDocument* current = STAYLAB_TRY(document(snapshot.id));
    if (idempotent() && current && current->source_version >= version) {
      return EventEffect::Skipped;  // A duplicate or an older snapshot.
    }
    if (current) {
      snapshot.booked_nights = current->booked_nights;
    }
    snapshot.source_version = version;
    put(std::move(snapshot));
    return EventEffect::Applied;
  }

  Result<EventEffect> applySuspension(const std::string& property_id, int64_t version) {
    SearchDocument* current = STAYLAB_TRY(document(property_id));
    if (idempotent() && current && current->source_version >= version) {
      return EventEffect::Skipped;
    }
    SearchDocument suspended = current ? *current : placeholder(property_id);
    suspended.listed = false;
    suspended.source_version = version;
    put(std::move(suspended));
    return EventEffect::Applied;
  }

  enum class Hold { Take, Release };

  // Naive: adds the stay's nights to the document, or removes one of each.
  Result<EventEffect> applyBookingNaively(const std::string& property_id, const Stay& stay,
                                          Hold hold) {
    SearchDocument* current = STAYLAB_TRY(document(property_id));
    SearchDocument updated = current ? *current : placeholder(property_id);
    std::vector<Date>& nights = updated.booked_nights;
    for (Date night : stay.nightDates()) {
      if (hold == Hold::Take) {
        nights.insert(std::upper_bound(nights.begin(), nights.end(), night), night);
      } else if (auto held = std::lower_bound(nights.begin(), nights.end(), night);
                 held != nights.end() && *held == night) {
        nights.erase(held);
      }
    }
    put(std::move(updated));
    return EventEffect::Applied;
  }

  Result<EventEffect> applyBooking(const std::string& booking_id, const std::string& property_id,
                                   const Stay& stay, int64_t version, Hold hold) {
    int64_t* applied_version = STAYLAB_TRY(bookingVersion(booking_id));
    if (version <= *applied_version) {
      return EventEffect::Skipped;  // A duplicate or an older state of the booking.
    }
    *applied_version = version;
    m_dirty_bookings.insert(booking_id);

    Holds* holds = STAYLAB_TRY(holdsOf(property_id));
    if (hold == Hold::Take) {
      holds->insert_or_assign(booking_id, stay);
    } else {
      holds->erase(booking_id);
    }
    m_dirty_holds.insert(property_id);

    std::set<Date> nights;
    for (const auto& [held_by, held_stay] : *holds) {
      for (Date night : held_stay.nightDates()) {
        nights.insert(night);
      }
    }
    SearchDocument* current = STAYLAB_TRY(document(property_id));
    SearchDocument updated = current ? *current : placeholder(property_id);
    updated.booked_nights.assign(nights.begin(), nights.end());
    put(std::move(updated));
    return EventEffect::Applied;
  }

  // Returns the staged or stored document, or nullptr when there is none.
  Result<SearchDocument*> document(const std::string& id) {
    auto it = m_documents.find(id);
    if (it == m_documents.end()) {
      auto stored = STAYLAB_TRY(m_index.get(id));
      it = m_documents.emplace(id, std::move(stored)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  void put(SearchDocument document) {
    std::string id = document.id;
    m_documents.insert_or_assign(id, std::move(document));
    m_dirty_documents.insert(std::move(id));
  }

  // Returns the staged or stored applied version of a booking (0: none).
  Result<int64_t*> bookingVersion(const std::string& booking_id) {
    auto it = m_booking_versions.find(booking_id);
    if (it == m_booking_versions.end()) {
      int64_t version = 0;
      auto stored = STAYLAB_TRY(m_index.metadata(keyOf(kBookingPrefix, booking_id)));
      if (stored) {
        auto parsed = parseDecimal(*stored);
        if (!parsed) {
          return storeFailure("search.corrupt_metadata", "booking version of {} is '{}'",
                              booking_id, *stored);
        }
        version = *parsed;
      }
      it = m_booking_versions.emplace(booking_id, version).first;
    }
    return &it->second;
  }
  // Returns the staged or stored holds on a property.
  Result<Holds*> holdsOf(const std::string& property_id) {
    auto it = m_holds.find(property_id);
    if (it == m_holds.end()) {
      Holds holds;
      auto stored = STAYLAB_TRY(m_index.metadata(keyOf(kHoldsPrefix, property_id)));
      if (stored) {
        auto json = nlohmann::json::parse(*stored, nullptr, /*allow_exceptions=*/false);
        if (!json.is_object()) {
          return storeFailure("search.corrupt_metadata", "holds of {} are not a JSON object",
                              property_id);
        }
        for (const auto& [booking_id, range] : json.items()) {
          if (!range.is_array() || range.size() != 2 || !range[0].is_string() ||
              !range[1].is_string()) {
            return storeFailure("search.corrupt_metadata", "hold {} of {} is malformed", booking_id,
                                property_id);
          }
          auto stay = Stay::parse(range[0].get<std::string>(), range[1].get<std::string>());
          if (!stay) {
            return storeFailure("search.corrupt_metadata", "hold {} of {}: {}", booking_id,
                                property_id, stay.error().describe());
          }
          holds.insert_or_assign(booking_id, *stay);
        }
      }
      it = m_holds.emplace(property_id, std::move(holds)).first;
    }
    return &it->second;
  }

  TextIndex& m_index;
  ConsumerDelivery m_delivery;
  std::vector<const LogRecord*> m_applied;
  // Documents read or staged; nullopt: none stored.
  std::map<std::string, std::optional<SearchDocument>> m_documents;
  std::set<std::string> m_dirty_documents;
  std::map<std::string, int64_t> m_booking_versions;
  std::set<std::string> m_dirty_bookings;
  std::map<std::string, Holds> m_holds;  // property_id -> holds
  std::set<std::string> m_dirty_holds;
  std::map<std::string, std::string> m_metadata;  // Poison records.
  size_t m_poison_count = 0;
};

SearchProjection::SearchProjection(TextIndex& index, EventLog& log)
    : SearchProjection(index, log, Options()) {}

SearchProjection::SearchProjection(TextIndex& index, EventLog& log, Options options)
    : CursorConsumer(log, {std::string(kPropertyTopic), std::string(kBookingTopic)},
                     options.max_batch, options.delivery),
      m_index(index),
      m_options(options) {}

Result<int64_t> SearchProjection::storedOffset(const std::string& topic, int partition) {
  auto stored = STAYLAB_TRY(m_index.metadata(offsetKey(topic, partition)));
  if (!stored) {
    return 0;
  }
  auto offset = parseDecimal(*stored);
  if (!offset) {
    return storeFailure("search.corrupt_metadata", "offset of {}/{} is '{}'", topic, partition,
                        *stored);
  }
  return *offset;
}

Result<void> SearchProjection::writeOffsets(const NaiveOffsets::Offsets& offsets) {
  TextIndexBatch batch;
  for (const auto& [partition, next] : offsets) {
    batch.metadata.insert_or_assign(offsetKey(partition.first, partition.second),
                                    std::to_string(next));
  }
  return m_index.apply(batch);
}

void SearchProjection::committed(const Batch& batch, const std::vector<LogPosition>& lasts) {
  m_poison_count += batch.poisonCount();
  CursorConsumer::committed(batch.applied(), lasts);
}

Result<size_t> SearchProjection::applyRuns(const std::vector<std::vector<LogRecord>>& runs) {
  // A naive projection writes its effects without offsets (NaiveOffsets).
  auto offsetsWith = [this](std::vector<LogPosition> lasts) {
    return naive() ? std::vector<LogPosition>() : lasts;
  };
  // Stages `record` into `batch`, or its poison record when poisonVerdict()
  // passes it; returns false when it holds the record back.
  auto stage = [this](Batch& batch, const LogRecord& record) -> Result<bool> {
    auto poison = STAYLAB_TRY(batch.add(record));
    if (!poison) {
      return true;
    }
    if (STAYLAB_TRY(poisonVerdict(record, *poison)) == PoisonVerdict::Hold) {
      return false;
    }
    batch.addPoison(record, std::move(*poison));
    return true;
  };
  Batch batch(m_index, m_options.delivery.mode);
  std::vector<LogPosition> lasts;
  std::vector<size_t> kept_of;  // Records passed of each run.
  size_t passed = 0;
  for (const auto& run : runs) {
    size_t kept = 0;
    for (const auto& record : run) {
      if (!STAYLAB_TRY(stage(batch, record))) {
        break;  // Held at poison: the rest of the run waits behind it.
      }
      ++kept;
    }
    kept_of.push_back(kept);
    if (kept > 0) {
      lasts.push_back(run[kept - 1].position);
      passed += kept;
    }
  }
  if (lasts.empty() && batch.empty()) {
    return size_t{0};  // Every run held at its first record: nothing to commit.
  }
  auto built = batch.build(offsetsWith(lasts));
  support::crashPoint("search_projection.before_commit");
  auto applied_all = m_index.apply(built);
  if (applied_all) {
    committed(batch, lasts);
    return passed;
  }
  if (applied_all.error().kind != ErrorKind::InvalidInput) {
    return std::unexpected(std::move(applied_all).error());
  }
  // The index refused an effect these checks let through. Apply the records
  // one by one, so that only the offending one becomes poison.
  passed = 0;
  for (size_t run_index = 0; run_index < runs.size(); ++run_index) {
    for (size_t index = 0; index < kept_of[run_index]; ++index) {
      const LogRecord& record = runs[run_index][index];
      Batch single(m_index, m_options.delivery.mode);
      if (!STAYLAB_TRY(stage(single, record))) {
        break;
      }
      auto applied = m_index.apply(single.build(offsetsWith({record.position})));
      if (!applied) {
        if (applied.error().kind != ErrorKind::InvalidInput) {
          return std::unexpected(std::move(applied).error());
        }
        const std::string reason =
            fmt::format("the text index refused its effect: {}", applied.error().describe());
        if (STAYLAB_TRY(poisonVerdict(record, reason)) == PoisonVerdict::Hold) {
          break;
        }
        Batch poison(m_index, m_options.delivery.mode);
        poison.addPoison(record, reason);
        STAYLAB_TRY(m_index.apply(poison.build(offsetsWith({record.position}))));
        committed(poison, {record.position});
        ++passed;
        continue;
      }
      committed(single, {record.position});
      ++passed;
    }
  }
  return passed;
}

Result<void> SearchProjection::rebuild() {
  STAYLAB_TRY(m_index.clear());
  m_poison_count = 0;
  return replay(kRebuildStep);
}

Result<std::string> SearchProjection::canonicalContent() {
  return canonicalLines(STAYLAB_TRY(m_index.allDocuments()));
}

Result<std::string> SearchProjection::canonicalDigest() {
  auto documents = STAYLAB_TRY(m_index.allDocuments());
  return fmt::format("search:{}:{:016x}", documents.size(), fnv1a64(canonicalLines(documents)));
}

Result<std::vector<PoisonRecord>> SearchProjection::poisonRecords() {
  auto metadata = STAYLAB_TRY(m_index.allMetadata());
  std::vector<PoisonRecord> records;
  for (auto it = metadata.lower_bound(std::string(kPoisonPrefix));
       it != metadata.end() && it->first.starts_with(kPoisonPrefix); ++it) {
    auto record = PoisonRecord::fromJson(it->second);
    if (!record) {
      return storeFailure("search.corrupt_metadata", "poison record {}: {}", it->first,
                          record.error().describe());
    }
    records.push_back(std::move(*record));
  }
  return records;
}

}  // namespace staylab
