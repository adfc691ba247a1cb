#include "app/platform/platform.h"

#include <chrono>
#include <cstdlib>
#include <random>

#include "stores/document/sqlite_document_store.h"
#include "stores/relational/sqlite_booking_store.h"
#include "stores/text/xapian_text_index.h"
#include "stores/wide_column/rocksdb_wide_column_store.h"

namespace staylab::app {
namespace {

class SystemClock final : public Clock {
 public:
  int64_t nowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// Answers the booking context's questions about listings from the listing service.
class ListingPropertyDirectory final : public PropertyDirectory {
 public:
  explicit ListingPropertyDirectory(listing::ListingService& listing) : m_listing(listing) {}
  Result<PropertySnapshot> find(std::string_view property_id) override {
    auto property = STAYLAB_TRY(m_listing.get(property_id));
    return PropertySnapshot{property.id,          property.host_id,  property.capacity,
                            property.price_minor, property.currency,
                            property.status == listing::PropertyStatus::Active};
  }

 private:
  listing::ListingService& m_listing;
};

}  // namespace

std::filesystem::path defaultDataDir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "staylab";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".local" / "share" / "staylab";
  }
  return std::filesystem::current_path() / "staylab-data";
}

Platform::~Platform() = default;

Result<std::unique_ptr<Platform>> Platform::open(const PlatformOptions& options) {
  std::unique_ptr<Platform> platform(new Platform());
  platform->m_data_dir = options.data_dir;
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return storeFailure("platform.data_dir", "cannot create data directory {}: {}",
                        options.data_dir.string(), error.message());
  }
  if (options.clock) {
    platform->m_clock = options.clock;
  } else {
    platform->m_owned_clock = std::make_unique<SystemClock>();
    platform->m_clock = platform->m_owned_clock.get();
  }
  if (options.random) {
    platform->m_random = options.random;
  } else {
    platform->m_owned_random = std::make_unique<SeededRandom>(std::random_device{}() ^
                                                              (uint64_t{std::random_device{}()} << 32));
    platform->m_random = platform->m_owned_random.get();
  }
  auto sync = options.durability == Durability::Full ? sqlite::Sync::Full : sqlite::Sync::Normal;

  platform->m_listing_store =
      STAYLAB_TRY(SqliteDocumentStore::open({options.data_dir / "listing.db", sync}));
  platform->m_booking_store =
      STAYLAB_TRY(SqliteBookingStore::open({options.data_dir / "booking.db", sync}));
  RocksDbWideColumnStore::Options history;
  history.directory = options.data_dir / "history";
  history.families = {"by_property", "by_guest", "meta"};
  platform->m_history_store = STAYLAB_TRY(RocksDbWideColumnStore::open(history));
  XapianTextIndex::Options search;
  search.directory = options.data_dir / "search";
  platform->m_search_index = STAYLAB_TRY(XapianTextIndex::open(search));

  platform->m_listing = std::make_unique<listing::ListingService>(
      *platform->m_listing_store, *platform->m_clock, *platform->m_random);
  STAYLAB_TRY(platform->m_listing->prepare());
  platform->m_directory = std::make_unique<ListingPropertyDirectory>(*platform->m_listing);
  platform->m_bookings = std::make_unique<booking::BookingService>(
      *platform->m_booking_store, *platform->m_directory, *platform->m_clock,
      *platform->m_random);
  return platform;
}

CommandContext Platform::newCommand(std::string caller) {
  std::string id = newId(*m_random, "cmd");
  return CommandContext{id, id, std::move(caller)};
}

}  // namespace staylab::app
