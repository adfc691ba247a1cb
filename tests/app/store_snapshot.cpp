#include "tests/app/store_snapshot.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/platform/platform.h"
#include "tests/support/result_assertions.h"

namespace staylab::testing {

std::string State::toString() const {
  std::string text;
  for (const auto& [name, lines] : sections) {
    text += fmt::format("[{}] {} entries\n", name, lines.size());
    for (const auto& line : lines) {
      text += line;
      text += '\n';
    }
  }
  return text;
}

namespace {

nlohmann::json bookingState(const booking::Booking& booking) {
  return nlohmann::json{
      {"id", booking.id},
      {"property_id", booking.property_id},
      {"guest_id", booking.guest_id},
      {"check_in", booking.check_in.toString()},
      {"check_out", booking.check_out.toString()},
      {"guests", booking.guests},
      {"total_minor", booking.total_minor},
      {"currency", booking.currency},
      {"status", std::string(booking::toString(booking.status))},
      {"rejection_reason", booking.rejection_reason},
      {"payment", booking.signals.payment_fingerprint},
      {"device", booking.signals.device},
      {"ip", booking.signals.ip},
      {"created_at_nanos", booking.created_at_nanos},
      {"version", booking.version},
  };
}

std::vector<std::string> outboxState(OutboxSource& outbox, std::string_view what) {
  std::vector<std::string> lines;
  for (const auto& entry : must(outbox.peekOutbox(1'000'000), what)) {
    lines.push_back(fmt::format("{} {}", entry.sequence, entry.event.toJson().dump()));
  }
  return lines;
}

}  // namespace

State snapshotStores(const std::filesystem::path& data_dir,
                     const std::vector<std::string>& idempotency_keys) {
  app::PlatformOptions options;
  options.data_dir = data_dir;
  options.mode = app::OpenMode::InitialiseIfEmpty;
  auto platform = must(app::Platform::open(options), "open platform");
  State state;
  for (const auto& document :
       must(platform->listingStore().all(listing::kCollection), "listing documents")) {
    state.sections["listing.documents"].push_back(
        fmt::format("{} rev {} {}", document.id, document.revision, document.body.dump()));
  }
  state.sections["listing.outbox"] = outboxState(platform->listingStore(), "listing outbox");
  for (const auto& item : must(platform->bookingStore().list(BookingFilter{}), "bookings")) {
    state.sections["booking.bookings"].push_back(bookingState(item).dump());
  }
  for (const auto& night : must(platform->bookingStore().bookedNights(), "booked nights")) {
    state.sections["booking.nights"].push_back(
        fmt::format("{} {} {}", night.property_id, night.night.toString(), night.booking_id));
  }
  state.sections["booking.outbox"] = outboxState(platform->bookingStore(), "booking outbox");
  for (const auto& [topic, partitions] : platform->eventLog().topics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      for (const auto& record :
           must(platform->eventLog().read(topic, partition, 0, 1'000'000), "event log")) {
        state.sections["events.log"].push_back(fmt::format(
            "{}/{}/{} {}", topic, partition, record.position.offset, record.event.toJson().dump()));
      }
    }
  }
  state.sections["fraud.suspicions"].push_back(
      fmt::format("{}", platform->fraudDetection().detector().suspicions().value().size()));
  for (const std::string& key : idempotency_keys) {
    must(platform->bookingStore().transact([&](BookingTransaction& tx) -> Result<void> {
      auto record = STAYLAB_TRY(tx.findIdempotency(key));
      state.sections["booking.idempotency"].push_back(
          record
              ? fmt::format("{} {} {} {} {}", record->key, record->request_fingerprint,
                            record->booking_id, booking::toString(record->status), record->reason)
              : fmt::format("{} absent", key));
      return {};
    }),
         "idempotency keys");
  }
  state.sections["search.count"].push_back(
      std::to_string(must(platform->searchIndex().documentCount(), "search count")));
  for (const auto& family : platform->historyStore().families()) {
    auto& lines = state.sections[fmt::format("history.{}", family)];
    for (const auto& cell :
         must(platform->historyStore().scanPrefix("", family, 1'000'000), "history")) {
      lines.push_back(nlohmann::json{
          {"row", cell.row},
          {"qualifier", cell.qualifier},
          {"timestamp", cell.timestamp},
          {"value",
           cell.value}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
  return state;
}

}  // namespace staylab::testing
