#include "ui/explorers/explorers_panel.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMetaObject>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/booking/booking.h"
#include "domain/common/money.h"
#include "domain/listing/listing_service.h"
#include "domain/ports/booking_store.h"
#include "domain/ports/document_store.h"
#include "domain/ports/event_log.h"
#include "domain/ports/text_index.h"
#include "domain/ports/wide_column_store.h"
#include "events/history_projection.h"
#include "fraud/fraud_detector.h"
#include "simulator/engine/engine.h"
#include "simulator/engine/engine_runner.h"
#include "simulator/faults/fault_board.h"
#include "ui/run_environment.h"

namespace staylab::ui {
namespace {

using Tab = ExplorersPanel::Tab;

constexpr int kSortRole = Qt::UserRole + 1;
constexpr int kDetailRole = Qt::UserRole + 2;
constexpr int kKeyRole = Qt::UserRole + 3;
constexpr int kMaxColumnWidth = 300;  // Pixels, when fitting columns to their contents.
constexpr int kMaxCellChars = 400;    // A compact JSON cell longer than this is cut.

// The names the simulated platform's fault decorators answer to (the `binds`
// names of the default topology, see app/sim/simulated_platform.cpp).
constexpr std::string_view kListingDb = "listing-db";
constexpr std::string_view kBookingDb = "booking-db";
constexpr std::string_view kHistoryDb = "history-db";
constexpr std::string_view kSearchIndex = "search-index";
constexpr std::string_view kEventLog = "event-log";

// What a read asks for, copied on the UI thread.
struct Request {
  QString history_family;
  QString history_prefix;
  QString search_text;
  QString event_topic;
  int event_partition = 0;
};

// --- Plain helpers, safe on any thread -------------------------------------

QString text(std::string_view value) {
  return QString::fromUtf8(value.data(), static_cast<qsizetype>(value.size()));
}

std::string utf8(const QString& value) {
  const QByteArray bytes = value.toUtf8();
  return std::string(bytes.constData(), static_cast<std::size_t>(bytes.size()));
}

QString pretty(const nlohmann::json& json) {
  return text(json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

QString compact(const nlohmann::json& json) {
  return text(json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Cuts a long table cell; the detail pane shows it whole.
QString cut(QString value) {
  if (value.size() > kMaxCellChars) {
    value.truncate(kMaxCellChars);
    value.append(QChar(0x2026));
  }
  return value;
}

QString count(std::int64_t value) {
  return QLocale(QLocale::English, QLocale::UnitedStates).toString(static_cast<qlonglong>(value));
}

// "1 booking", "1,234 bookings".
QString counted(std::int64_t value, const QString& one, const QString& many) {
  return QStringLiteral("%1 %2").arg(count(value), value == 1 ? one : many);
}

// "01:15.200", or "1:02:03.000" past the hour.
QString virtualTime(std::int64_t nanos) {
  const std::int64_t millis = std::max<std::int64_t>(nanos, 0) / 1'000'000;
  const std::int64_t hours = millis / 3'600'000;
  const std::int64_t minutes = millis / 60'000 % 60;
  const std::int64_t seconds = millis / 1000 % 60;
  const std::int64_t rest = millis % 1000;
  const QString clock = QStringLiteral("%1:%2.%3")
                            .arg(minutes, 2, 10, QChar('0'))
                            .arg(seconds, 2, 10, QChar('0'))
                            .arg(rest, 3, 10, QChar('0'));
  return hours > 0 ? QStringLiteral("%1:%2").arg(hours).arg(clock) : clock;
}

// "123.45 EUR", "12,000 JPY": the currency's own minor digits.
QString price(std::int64_t minor, const std::string& currency) {
  if (auto parsed = Currency::parse(currency); parsed) {
    if (auto money = Money::fromMinor(minor, *parsed); money)
      return text(money->toString());
  }
  return QStringLiteral("%1 (minor units) %2").arg(minor).arg(text(currency));
}

// A JSON member as text: strings as they are, anything else compact.
QString member(const nlohmann::json& object, const char* name) {
  if (!object.is_object())
    return {};
  const auto found = object.find(name);
  if (found == object.end() || found->is_null())
    return {};
  if (found->is_string())
    return text(found->get_ref<const std::string&>());
  return compact(*found);
}

ExplorerCell cell(const QString& value) {
  return ExplorerCell{QVariant(value), QVariant()};
}

ExplorerCell cell(std::int64_t value) {
  return ExplorerCell{QVariant(static_cast<qlonglong>(value)), QVariant()};
}

ExplorerCell cell(const QString& value, QVariant sort) {
  return ExplorerCell{QVariant(value), std::move(sort)};
}

QString describe(const Error& error) {
  return text(error.describe());
}

// Why `target` must not be read now (empty when it may): a store with an
// active fault would draw from the fault's stream, charge its latency to the
// run or count an injected failure. Engine thread.
QString blockedByFault(const sim::Engine* engine, std::string_view target) {
  if (engine == nullptr || !engine->faults().anyActive(target))
    return {};
  return QStringLiteral(
             "%1 has an active fault: not read while it lasts, so as not to disturb "
             "the run")
      .arg(text(target));
}

// --- The reads, on the runner's thread ---------------------------------------

ExplorerRead readListings(PlatformStores& stores) {
  ExplorerRead read;
  auto documents = stores.listings().all(listing::kCollection);
  if (!documents) {
    read.error = describe(documents.error());
    return read;
  }
  const std::vector<Document>& all = *documents;
  const std::size_t shown = std::min<std::size_t>(all.size(), ExplorersPanel::kMaxRows);
  read.rows.reserve(shown);
  for (std::size_t index = 0; index < shown; ++index) {
    const Document& document = all[index];
    ExplorerRow row;
    row.cells = {cell(text(document.id)), cell(member(document.body, "title")),
                 cell(member(document.body, "city")), cell(member(document.body, "status")),
                 cell(document.revision)};
    row.key = text(document.id);
    row.detail = pretty(document.body);
    read.rows.push_back(std::move(row));
  }
  const auto total = static_cast<std::int64_t>(all.size());
  read.summary = counted(total, QStringLiteral("listing"), QStringLiteral("listings"));
  if (shown < all.size()) {
    read.summary = QStringLiteral("showing the first %1 of %2")
                       .arg(count(ExplorersPanel::kMaxRows), read.summary);
  }
  return read;
}

nlohmann::json bookingJson(const booking::Booking& booking) {
  return nlohmann::json{
      {"id", booking.id},
      {"property_id", booking.property_id},
      {"guest_id", booking.guest_id},
      {"check_in", booking.check_in.toString()},
      {"check_out", booking.check_out.toString()},
      {"nights", booking.nights()},
      {"guests", booking.guests},
      {"total_minor", booking.total_minor},
      {"currency", booking.currency},
      {"status", std::string(booking::toString(booking.status))},
      {"rejection_reason", booking.rejection_reason},
      {"signals",
       {{"payment_fingerprint", booking.signals.payment_fingerprint},
        {"device", booking.signals.device},
        {"ip", booking.signals.ip}}},
      {"created_at_nanos", booking.created_at_nanos},
      {"version", booking.version},
  };
}

ExplorerRead readBookings(PlatformStores& stores) {
  ExplorerRead read;
  const BookingFilter everything;
  auto bookings = stores.bookings().list(everything);
  if (!bookings) {
    read.error = describe(bookings.error());
    return read;
  }
  // Oldest first from the store; the table shows the latest first.
  const std::vector<booking::Booking>& all = *bookings;
  const std::size_t shown = std::min<std::size_t>(all.size(), ExplorersPanel::kMaxRows);
  read.rows.reserve(shown);
  for (std::size_t taken = 0; taken < shown; ++taken) {
    const booking::Booking& booking = all[all.size() - 1 - taken];
    ExplorerRow row;
    row.cells = {cell(text(booking.id)),
                 cell(text(booking.property_id)),
                 cell(text(booking.guest_id)),
                 cell(text(booking.check_in.toString())),
                 cell(text(booking.check_out.toString())),
                 cell(text(booking::toString(booking.status))),
                 cell(booking.version)};
    row.key = text(booking.id);
    row.detail = pretty(bookingJson(booking));
    read.rows.push_back(std::move(row));
  }
  const auto total = static_cast<std::int64_t>(all.size());
  read.summary = counted(total, QStringLiteral("booking"), QStringLiteral("bookings"));
  // Held while their payment is under way, or left holding by a failed
  // payment nobody compensated (the saga pattern off): worth a glance.
  const auto pending = std::count_if(all.begin(), all.end(), [](const booking::Booking& booking) {
    return booking.status == booking::BookingStatus::Pending;
  });
  if (pending > 0) {
    read.summary += QStringLiteral(", %1 pending (holding nights unpaid)").arg(count(pending));
  }
  if (shown < all.size()) {
    read.summary = QStringLiteral("showing the latest %1 of %2")
                       .arg(count(ExplorersPanel::kMaxRows), read.summary);
  }
  return read;
}

ExplorerRead readHistory(PlatformStores& stores, const Request& request) {
  ExplorerRead read;
  const std::string family = utf8(request.history_family);
  const std::string prefix = utf8(request.history_prefix);
  // One more than shown, to know whether there is more.
  auto cells = stores.history().scanPrefix(prefix, family, ExplorersPanel::kMaxRows + 1);
  if (!cells) {
    read.error = describe(cells.error());
    return read;
  }
  const std::vector<Cell>& all = *cells;
  const std::size_t shown = std::min<std::size_t>(all.size(), ExplorersPanel::kMaxRows);
  std::set<std::string_view> row_keys;
  read.rows.reserve(shown);
  for (std::size_t index = 0; index < shown; ++index) {
    const Cell& stored = all[index];
    row_keys.insert(stored.row);
    const nlohmann::json value = nlohmann::json::parse(stored.value, nullptr, false);
    const bool is_json = !value.is_discarded();
    ExplorerRow row;
    row.cells = {cell(text(stored.row)), cell(text(stored.family)), cell(text(stored.qualifier)),
                 cell(stored.timestamp), cell(cut(is_json ? compact(value) : text(stored.value)))};
    row.key = QStringLiteral("%1\n%2\n%3")
                  .arg(text(stored.row), text(stored.qualifier))
                  .arg(stored.timestamp);
    row.detail = pretty(nlohmann::json{{"row", stored.row},
                                       {"family", stored.family},
                                       {"column", stored.qualifier},
                                       {"version", stored.timestamp},
                                       {"value", is_json ? value : nlohmann::json(stored.value)}});
    read.rows.push_back(std::move(row));
  }
  read.summary = QStringLiteral("%1 in %2 of %3")
                     .arg(counted(static_cast<std::int64_t>(shown), QStringLiteral("cell version"),
                                  QStringLiteral("cell versions")),
                          counted(static_cast<std::int64_t>(row_keys.size()), QStringLiteral("row"),
                                  QStringLiteral("rows")),
                          request.history_family);
  if (!request.history_prefix.isEmpty())
    read.summary += QStringLiteral(" starting “%1”").arg(request.history_prefix);
  if (shown < all.size())
    read.summary += QStringLiteral(" · the first %1; more not shown").arg(count(shown));
  return read;
}

nlohmann::json searchDocumentJson(const SearchDocument& document) {
  nlohmann::json nights = nlohmann::json::array();
  for (const Date& night : document.booked_nights)
    nights.push_back(night.toString());
  return nlohmann::json{
      {"id", document.id},
      {"title", document.title},
      {"description", document.description},
      {"city", document.city},
      {"amenities", document.amenities},
      {"capacity", document.capacity},
      {"price_minor", document.price_minor},
      {"currency", document.currency},
      {"booked_nights", nights},
      {"listed", document.listed},
      {"source_version", document.source_version},
  };
}

ExplorerRead readSearch(PlatformStores& stores, const Request& request) {
  ExplorerRead read;
  SearchQuery query;
  query.text = utf8(request.search_text);
  query.limit = ExplorersPanel::kSearchLimit;
  TextIndex& index = stores.search();
  auto page = index.search(query);
  if (!page) {
    read.error = describe(page.error());
    return read;
  }
  read.rows.reserve(page->hits.size());
  for (const SearchHit& hit : page->hits) {
    ExplorerRow row;
    row.cells = {cell(text(hit.id)), cell(text(hit.title)), cell(text(hit.city)),
                 cell(price(hit.price_minor, hit.currency),
                      QVariant(static_cast<qlonglong>(hit.price_minor))),
                 cell(QString::number(hit.relevance, 'f', 3), QVariant(hit.relevance))};
    row.key = text(hit.id);
    // The indexed document, for the detail pane (the hit when it is gone).
    auto document = index.get(hit.id);
    if (document && document->has_value()) {
      row.detail = pretty(searchDocumentJson(**document));
    } else {
      row.detail = pretty(nlohmann::json{{"id", hit.id},
                                         {"title", hit.title},
                                         {"city", hit.city},
                                         {"price_minor", hit.price_minor},
                                         {"currency", hit.currency},
                                         {"relevance", hit.relevance}});
    }
    read.rows.push_back(std::move(row));
  }
  const auto total = static_cast<std::int64_t>(page->estimated_total);
  const QString hits = counted(total, QStringLiteral("hit"), QStringLiteral("hits"));
  read.summary = request.search_text.trimmed().isEmpty()
                     ? QStringLiteral("%1 listed (empty query matches all)").arg(hits)
                     : QStringLiteral("%1 for “%2”").arg(hits, request.search_text.trimmed());
  if (static_cast<std::size_t>(total) > page->hits.size()) {
    read.summary += QStringLiteral(" · showing the first %1")
                        .arg(count(static_cast<std::int64_t>(page->hits.size())));
  }
  return read;
}

void listTopics(EventLog& log, ExplorerRead& read) {
  for (const auto& [name, partitions] : log.topics())
    read.topics.emplace_back(text(name), partitions);
}

ExplorerRead readEventLog(PlatformStores& stores, const Request& request) {
  ExplorerRead read;
  EventLog& log = stores.eventLog();
  listTopics(log, read);
  if (read.topics.empty()) {
    read.error = QStringLiteral("the event log has no topics");
    return read;
  }
  // The topic asked for, else "booking", else the first.
  auto chosen = std::find_if(read.topics.begin(), read.topics.end(),
                             [&](const auto& topic) { return topic.first == request.event_topic; });
  if (chosen == read.topics.end()) {
    chosen = std::find_if(read.topics.begin(), read.topics.end(), [](const auto& topic) {
      return topic.first == QLatin1String("booking");
    });
  }
  if (chosen == read.topics.end())
    chosen = read.topics.begin();
  read.topic = chosen->first;
  read.partition = std::clamp(request.event_partition, 0, std::max(chosen->second - 1, 0));
  const std::string topic = utf8(read.topic);

  auto end = log.endOffset(topic, read.partition);
  if (!end) {
    read.error = describe(end.error());
    return read;
  }
  const std::int64_t from = std::max<std::int64_t>(*end - ExplorersPanel::kEventLogTail, 0);
  auto records = log.read(topic, read.partition, from, ExplorersPanel::kEventLogTail);
  if (!records) {
    read.error = describe(records.error());
    return read;
  }
  const std::vector<LogRecord>& all = *records;
  read.rows.reserve(all.size());
  for (auto record = all.rbegin(); record != all.rend(); ++record) {  // Newest first.
    ExplorerRow row;
    row.cells = {cell(text(record->position.topic)),
                 cell(static_cast<std::int64_t>(record->position.partition)),
                 cell(record->position.offset), cell(text(record->event.type)),
                 cell(cut(compact(record->event.payload)))};
    row.key = QString::number(record->position.offset);
    nlohmann::json detail = record->event.toJson();
    detail["position"] = {{"topic", record->position.topic},
                          {"partition", record->position.partition},
                          {"offset", record->position.offset}};
    row.detail = pretty(detail);
    read.rows.push_back(std::move(row));
  }
  read.summary = QStringLiteral("%1/%2: %3")
                     .arg(read.topic)
                     .arg(read.partition)
                     .arg(counted(*end, QStringLiteral("record"), QStringLiteral("records")));
  if (!all.empty()) {
    read.summary += QStringLiteral(" · showing the last %1 (offsets %2–%3)")
                        .arg(count(static_cast<std::int64_t>(all.size())),
                             count(all.front().position.offset), count(all.back().position.offset));
  }
  return read;
}

ExplorerRead readFraud(PlatformStores& stores) {
  ExplorerRead read;
  EventLog& log = stores.eventLog();
  const std::map<std::string, int> topics = log.topics();
  const std::string topic(fraud::kFraudTopic);
  const auto found = topics.find(topic);
  if (found == topics.end()) {
    read.error = QStringLiteral("the event log has no \"%1\" topic").arg(text(topic));
    return read;
  }
  struct Found {
    std::int64_t detected_at = 0;
    ExplorerRow row;
  };
  std::vector<Found> suspicions;
  std::set<std::string> seen;  // Suspicion ids: a redelivery appends the same one again.
  std::int64_t events = 0;
  bool cut_short = false;
  for (int partition = 0; partition < found->second; ++partition) {
    auto end = log.endOffset(topic, partition);
    if (!end) {
      read.error = describe(end.error());
      return read;
    }
    events += *end;
    const std::int64_t from = std::max<std::int64_t>(*end - ExplorersPanel::kMaxRows, 0);
    cut_short = cut_short || from > 0;
    auto records = log.read(topic, partition, from, ExplorersPanel::kMaxRows);
    if (!records) {
      read.error = describe(records.error());
      return read;
    }
    for (const LogRecord& record : *records) {
      const EventEnvelope& event = record.event;
      if (event.type != fraud::kFraudSuspectedType || !seen.insert(event.aggregate_id).second)
        continue;
      const nlohmann::json& payload = event.payload;
      const nlohmann::json subject =
          payload.is_object() ? payload.value("subject", nlohmann::json()) : nlohmann::json();
      const QString subject_text =
          QStringLiteral("%1 %2").arg(member(subject, "kind"), member(subject, "id")).trimmed();
      const nlohmann::json evidence =
          payload.is_object() ? payload.value("evidence", nlohmann::json()) : nlohmann::json();
      Found suspicion;
      suspicion.detected_at = payload.is_object() && payload.contains("detected_at") &&
                                      payload["detected_at"].is_number_integer()
                                  ? payload["detected_at"].get<std::int64_t>()
                                  : event.occurred_at_nanos;
      suspicion.row.cells = {cell(member(payload, "rule")), cell(subject_text),
                             cell(member(payload, "property_id")),
                             cell(cut(evidence.is_null() ? QString() : compact(evidence)))};
      suspicion.row.key = text(event.aggregate_id);
      suspicion.row.detail = pretty(payload);
      suspicions.push_back(std::move(suspicion));
    }
  }
  // Newest first.
  std::stable_sort(suspicions.begin(), suspicions.end(),
                   [](const Found& a, const Found& b) { return a.detected_at > b.detected_at; });
  const std::size_t shown = std::min<std::size_t>(suspicions.size(), ExplorersPanel::kMaxRows);
  read.rows.reserve(shown);
  for (std::size_t index = 0; index < shown; ++index)
    read.rows.push_back(std::move(suspicions[index].row));
  read.summary = QStringLiteral("%1 published on \"%2\"")
                     .arg(counted(static_cast<std::int64_t>(suspicions.size()),
                                  QStringLiteral("suspicion"), QStringLiteral("suspicions")),
                          text(topic));
  if (shown < suspicions.size() || cut_short) {
    read.summary += QStringLiteral(" · from the last %1 of %2 events per partition")
                        .arg(count(ExplorersPanel::kMaxRows), count(events));
  }
  return read;
}

// Runs on the runner's thread: the only place the panel touches the platform.
ExplorerRead readTab(Tab tab, PlatformStores& stores, const sim::Engine* engine,
                     const Request& request) {
  std::string_view target;
  switch (tab) {
    case Tab::Listings:
      target = kListingDb;
      break;
    case Tab::Bookings:
      target = kBookingDb;
      break;
    case Tab::History:
      target = kHistoryDb;
      break;
    case Tab::Search:
      target = kSearchIndex;
      break;
    case Tab::EventLog:
    case Tab::Fraud:
      target = kEventLog;
      break;
  }
  ExplorerRead read;
  if (QString blocked = blockedByFault(engine, target); !blocked.isEmpty()) {
    read.error = std::move(blocked);
  } else {
    try {
      switch (tab) {
        case Tab::Listings:
          read = readListings(stores);
          break;
        case Tab::Bookings:
          read = readBookings(stores);
          break;
        case Tab::History:
          read = readHistory(stores, request);
          break;
        case Tab::Search:
          read = readSearch(stores, request);
          break;
        case Tab::EventLog:
          read = readEventLog(stores, request);
          break;
        case Tab::Fraud:
          read = readFraud(stores);
          break;
      }
    } catch (const std::exception& error) {
      // An exception must not end the runner's thread.
      read = ExplorerRead();
      read.error = QStringLiteral("read failed: %1").arg(text(error.what()));
    }
  }
  if (engine != nullptr)
    read.virtual_now = engine->status().now;
  return read;
}

}  // namespace

// --- The widget, on the UI thread ---------------------------------------------

ExplorersPanel::ExplorersPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  m_tabs = new QTabWidget(this);
  m_tabs->setDocumentMode(true);
  layout->addWidget(m_tabs);

  m_refresh_button = new QPushButton(tr("Refresh"), m_tabs);
  m_refresh_button->setObjectName(QStringLiteral("explorersRefresh"));
  m_refresh_button->setToolTip(
      tr("Read every store again (the tab shown also refreshes every %1 s)")
          .arg(kRefreshIntervalMs / 1000));
  m_refresh_button->setAutoDefault(false);
  m_tabs->setCornerWidget(m_refresh_button, Qt::TopRightCorner);
  connect(m_refresh_button, &QPushButton::clicked, this, &ExplorersPanel::refresh);

  buildPage(Tab::Listings, tr("Listings"),
            {tr("id"), tr("title"), tr("city"), tr("status"), tr("version")}, {});
  buildPage(
      Tab::Bookings, tr("Bookings"),
      {tr("id"), tr("property"), tr("guest"), tr("from"), tr("to"), tr("status"), tr("version")},
      {});

  m_history_family = new QComboBox(this);
  m_history_family->setObjectName(QStringLiteral("historyFamily"));
  for (const std::string& family : HistoryProjection::families())
    m_history_family->addItem(text(family));
  m_history_family->setToolTip(tr("Column family of the history projection (RocksDB)"));
  m_history_prefix = new QLineEdit(this);
  m_history_prefix->setObjectName(QStringLiteral("historyPrefix"));
  m_history_prefix->setPlaceholderText(tr("Row key prefix (property or guest id) ⏎"));
  m_history_prefix->setClearButtonEnabled(true);
  m_history_prefix->setMinimumWidth(260);
  buildPage(Tab::History, tr("History"),
            {tr("row key"), tr("family"), tr("column"), tr("version"), tr("value")},
            {new QLabel(tr("Family"), this), m_history_family, m_history_prefix});
  connect(m_history_family, &QComboBox::currentTextChanged, this, [this](const QString& family) {
    m_history_family_value = family;
    refreshTab(Tab::History);
  });
  connect(m_history_prefix, &QLineEdit::returnPressed, this, [this] {
    m_history_prefix_value = m_history_prefix->text().trimmed();
    refreshTab(Tab::History);
  });

  m_search_box = new QLineEdit(this);
  m_search_box->setObjectName(QStringLiteral("searchBox"));
  m_search_box->setPlaceholderText(tr("Search the index: title, description, city ⏎"));
  m_search_box->setClearButtonEnabled(true);
  m_search_box->setMinimumWidth(340);
  buildPage(Tab::Search, tr("Search"),
            {tr("id"), tr("title"), tr("city"), tr("price"), tr("relevance")}, {m_search_box});
  connect(m_search_box, &QLineEdit::returnPressed, this, [this] { search(m_search_box->text()); });

  m_event_topic = new QComboBox(this);
  m_event_topic->setObjectName(QStringLiteral("eventTopic"));
  m_event_topic->setMinimumContentsLength(10);
  m_event_partition = new QComboBox(this);
  m_event_partition->setObjectName(QStringLiteral("eventPartition"));
  m_event_partition->setMinimumContentsLength(3);
  buildPage(Tab::EventLog, tr("Event log"),
            {tr("topic"), tr("partition"), tr("offset"), tr("type"), tr("payload")},
            {new QLabel(tr("Topic"), this), m_event_topic, new QLabel(tr("Partition"), this),
             m_event_partition});
  connect(m_event_topic, &QComboBox::activated, this,
          [this](int index) { showEventLog(m_event_topic->itemText(index), 0); });
  connect(m_event_partition, &QComboBox::activated, this,
          [this](int index) { showEventLog(m_event_topic->currentText(), index); });

  buildPage(Tab::Fraud, tr("Fraud"), {tr("rule"), tr("subject"), tr("property"), tr("details")},
            {});

  connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
    if (index >= 0 && index < kTabCount)
      refreshTab(static_cast<Tab>(index));
  });

  m_timer = new QTimer(this);
  m_timer->setObjectName(QStringLiteral("explorersTimer"));
  m_timer->setInterval(kRefreshIntervalMs);
  connect(m_timer, &QTimer::timeout, this, &ExplorersPanel::tick);

  clearAll(tr("Not attached to a run"));
}

ExplorersPanel::~ExplorersPanel() = default;

void ExplorersPanel::buildPage(Tab tab, const QString& title, const QStringList& headers,
                               const QList<QWidget*>& controls) {
  Page& p = page(tab);
  auto* widget = new QWidget(m_tabs);
  auto* layout = new QVBoxLayout(widget);
  layout->setContentsMargins(4, 3, 4, 3);
  layout->setSpacing(3);

  auto* toolbar = new QHBoxLayout();
  toolbar->setSpacing(6);
  for (QWidget* control : controls)
    toolbar->addWidget(control);
  p.status = new QLabel(widget);
  p.status->setObjectName(QStringLiteral("status"));
  p.status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  p.status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  p.status->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  toolbar->addWidget(p.status, 1);
  layout->addLayout(toolbar);

  p.model = new QStandardItemModel(0, static_cast<int>(headers.size()), this);
  p.model->setHorizontalHeaderLabels(headers);
  p.proxy = new QSortFilterProxyModel(this);
  p.proxy->setSourceModel(p.model);
  p.proxy->setSortRole(kSortRole);
  p.proxy->setSortCaseSensitivity(Qt::CaseInsensitive);

  p.view = new QTableView(widget);
  p.view->setModel(p.proxy);
  p.view->setSortingEnabled(true);
  // Source order until a header is clicked: each read already orders its
  // rows usefully (latest first, relevance, store order).
  p.view->sortByColumn(-1, Qt::AscendingOrder);
  p.view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
  p.view->setSelectionBehavior(QAbstractItemView::SelectRows);
  p.view->setSelectionMode(QAbstractItemView::SingleSelection);
  p.view->setEditTriggers(QAbstractItemView::NoEditTriggers);
  p.view->setAlternatingRowColors(true);
  p.view->setWordWrap(false);
  p.view->setTextElideMode(Qt::ElideRight);
  p.view->verticalHeader()->setVisible(false);
  p.view->verticalHeader()->setDefaultSectionSize(p.view->fontMetrics().height() + 6);
  p.view->horizontalHeader()->setStretchLastSection(true);
  p.view->horizontalHeader()->setHighlightSections(false);
  p.view->setMinimumHeight(60);
  connect(p.view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this, tab] { showDetail(tab); });

  p.detail = new QPlainTextEdit(widget);
  p.detail->setReadOnly(true);
  p.detail->setLineWrapMode(QPlainTextEdit::NoWrap);
  p.detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  p.detail->setPlaceholderText(tr("Select a row to see it in full"));
  p.detail->setMinimumHeight(60);

  auto* splitter = new QSplitter(Qt::Horizontal, widget);
  splitter->setChildrenCollapsible(false);
  splitter->addWidget(p.view);
  splitter->addWidget(p.detail);
  splitter->setStretchFactor(0, 2);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({2000, 1000});  // Scaled to the width: two thirds for the table.
  layout->addWidget(splitter, 1);

  m_tabs->addTab(widget, title);
}

void ExplorersPanel::attach(sim::EngineRunner* runner, PlatformStores* stores,
                            const sim::Engine* engine) {
  ++m_generation;  // Reads still in flight belong to the previous attachment.
  if (runner == nullptr || stores == nullptr) {
    m_runner = nullptr;
    m_stores = nullptr;
    m_engine = nullptr;
    m_timer->stop();
    clearAll(tr("Not attached to a run"));
    return;
  }
  m_runner = runner;
  m_stores = stores;
  m_engine = engine;
  clearAll(tr("Reading…"));
  if (isVisible()) {
    m_timer->start();
    refreshTab(static_cast<Tab>(m_tabs->currentIndex()));
  }
}

bool ExplorersPanel::isAttached() const {
  return m_runner != nullptr && m_stores != nullptr;
}

void ExplorersPanel::refresh() {
  for (int index = 0; index < kTabCount; ++index)
    refreshTab(static_cast<Tab>(index));
}

void ExplorersPanel::refreshTab(Tab tab) {
  if (isAttached())
    post(tab);
}

void ExplorersPanel::search(const QString& query) {
  if (m_search_box->text() != query)
    m_search_box->setText(query);
  m_search_text = query;
  refreshTab(Tab::Search);
}

void ExplorersPanel::showEventLog(const QString& topic, int partition) {
  m_event_topic_value = topic;
  m_event_partition_value = std::max(partition, 0);
  refreshTab(Tab::EventLog);
}

void ExplorersPanel::showHistory(const QString& family, const QString& row_prefix) {
  m_history_prefix_value = row_prefix.trimmed();
  if (m_history_prefix->text() != m_history_prefix_value)
    m_history_prefix->setText(m_history_prefix_value);
  m_history_family_value = family;
  {
    const QSignalBlocker blocker(m_history_family);
    m_history_family->setCurrentText(family);
  }
  refreshTab(Tab::History);
}

QAbstractItemModel* ExplorersPanel::model(Tab tab) const {
  return page(tab).model;
}

QTableView* ExplorersPanel::view(Tab tab) const {
  return page(tab).view;
}

QString ExplorersPanel::statusText(Tab tab) const {
  return page(tab).status->text();
}

QString ExplorersPanel::detailText(Tab tab) const {
  return page(tab).detail->toPlainText();
}

void ExplorersPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (isAttached()) {
    m_timer->start();
    refreshTab(static_cast<Tab>(m_tabs->currentIndex()));
  }
}

void ExplorersPanel::hideEvent(QHideEvent* event) {
  QWidget::hideEvent(event);
  m_timer->stop();
}

void ExplorersPanel::tick() {
  if (!isAttached() || !isVisible())
    return;
  refreshTab(static_cast<Tab>(m_tabs->currentIndex()));
  for (int index = 0; index < kTabCount; ++index)
    updateStatus(static_cast<Tab>(index));  // The "refreshed N s ago" of the others.
}

void ExplorersPanel::post(Tab tab) {
  Page& p = page(tab);
  if (p.pending) {
    p.again = true;  // Asked again (maybe for another query): re-read when it is back.
    return;
  }
  p.pending = true;
  p.again = false;

  Request request;
  request.history_family = m_history_family_value;
  request.history_prefix = m_history_prefix_value;
  request.search_text = m_search_text;
  request.event_topic = m_event_topic_value;
  request.event_partition = m_event_partition_value;

  // The task runs on the runner's thread and may outlive this panel: it
  // captures the stores, the engine and a guarded pointer, never `this`.
  // Its result is queued to the application object (which outlives every
  // widget) and handed to the panel there, on the UI thread, if the panel
  // still exists: a context object that may be destroyed meanwhile must not
  // be dereferenced from the runner's thread.
  QPointer<ExplorersPanel> self(this);
  PlatformStores* stores = m_stores;
  const sim::Engine* engine = m_engine;
  const std::uint64_t generation = m_generation;
  m_runner->post([self, stores, engine, generation, tab, request] {
    ExplorerRead read = readTab(tab, *stores, engine, request);
    QCoreApplication* application = QCoreApplication::instance();
    if (application == nullptr)
      return;
    QMetaObject::invokeMethod(
        application,
        [self, generation, tab, read = std::move(read)] {
          if (self)
            self->apply(tab, generation, read);
        },
        Qt::QueuedConnection);
  });
}

void ExplorersPanel::apply(Tab tab, std::uint64_t generation, const ExplorerRead& read) {
  if (generation != m_generation)
    return;  // Read for an earlier attachment.
  Page& p = page(tab);
  p.pending = false;
  if (tab == Tab::EventLog)
    updateEventLogChoices(read);
  if (read.error.isEmpty()) {
    fill(p, read);
    p.status_base = read.summary;
  } else {
    // Keep the rows of the last read that worked, and say why they are stale.
    p.status_base = p.model->rowCount() > 0 ? tr("%1 (showing the last rows read)").arg(read.error)
                                            : read.error;
  }
  p.status->setStyleSheet(read.error.isEmpty() ? QString() : QStringLiteral("color: #b3261e;"));
  p.virtual_now = read.virtual_now;
  p.refreshed_at.start();
  updateStatus(tab);
  Q_EMIT refreshed(tab);
  if (p.again && isAttached())
    post(tab);
}

void ExplorersPanel::fill(Page& p, const ExplorerRead& read) {
  // Keep the selected row and the scroll position across the refill.
  QString selected_key;
  const QModelIndex current = p.view->currentIndex();
  if (current.isValid()) {
    const QModelIndex source = p.proxy->mapToSource(current);
    selected_key = p.model->index(source.row(), 0).data(kKeyRole).toString();
  }
  const int scroll = p.view->verticalScrollBar()->value();

  int selected_row = -1;
  {
    // The detail pane follows the selection restored below, not the refill.
    const QSignalBlocker selection_blocker(p.view->selectionModel());
    p.proxy->setDynamicSortFilter(false);  // Sort once at the end, not per row.
    p.model->removeRows(0, p.model->rowCount());
    for (const ExplorerRow& row : read.rows) {
      QList<QStandardItem*> items;
      items.reserve(static_cast<qsizetype>(row.cells.size()));
      for (const ExplorerCell& value : row.cells) {
        auto* item = new QStandardItem();
        item->setData(value.display, Qt::DisplayRole);
        item->setData(value.sort.isValid() ? value.sort : value.display, kSortRole);
        if (value.display.typeId() == QMetaType::LongLong)
          item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        items.push_back(item);
      }
      if (!items.isEmpty()) {
        items.front()->setData(row.detail, kDetailRole);
        items.front()->setData(row.key, kKeyRole);
      }
      if (!selected_key.isEmpty() && row.key == selected_key)
        selected_row = p.model->rowCount();
      p.model->appendRow(items);
    }
    p.proxy->setDynamicSortFilter(true);
    if (p.proxy->sortColumn() >= 0)
      p.proxy->sort(p.proxy->sortColumn(), p.proxy->sortOrder());
  }

  if (!p.sized && p.model->rowCount() > 0) {
    p.sized = true;
    p.view->resizeColumnsToContents();
    const int last = p.model->columnCount() - 1;
    for (int column = 0; column < last; ++column) {
      p.view->setColumnWidth(column, std::min(p.view->columnWidth(column), kMaxColumnWidth));
    }
  }
  if (selected_row >= 0) {
    const QModelIndex index = p.proxy->mapFromSource(p.model->index(selected_row, 0));
    p.view->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  } else {
    p.view->selectionModel()->clear();
    p.detail->clear();
  }
  p.view->verticalScrollBar()->setValue(scroll);
}

void ExplorersPanel::showDetail(Tab tab) {
  Page& p = page(tab);
  const QModelIndex current = p.view->currentIndex();
  if (!current.isValid()) {
    p.detail->clear();
    return;
  }
  const QModelIndex source = p.proxy->mapToSource(current);
  const QString detail = p.model->index(source.row(), 0).data(kDetailRole).toString();
  if (detail != p.detail->toPlainText())
    p.detail->setPlainText(detail);
}

void ExplorersPanel::updateStatus(Tab tab) {
  Page& p = page(tab);
  QString status = p.status_base;
  if (p.virtual_now) {
    status += tr(" · refreshed at virtual %1").arg(virtualTime(*p.virtual_now));
  } else if (p.refreshed_at.isValid()) {
    status += tr(" · refreshed %1 s ago").arg(p.refreshed_at.elapsed() / 1000);
  }
  p.status->setText(status);
  p.status->setToolTip(status);
}

void ExplorersPanel::updateEventLogChoices(const ExplorerRead& read) {
  if (read.topics.empty())
    return;
  const QSignalBlocker topic_blocker(m_event_topic);
  const QSignalBlocker partition_blocker(m_event_partition);
  if (read.topics != m_topics) {
    m_topics = read.topics;
    m_event_topic->clear();
    for (const auto& [name, partitions] : m_topics)
      m_event_topic->addItem(name, partitions);
  }
  if (read.topic.isEmpty())
    return;
  m_event_topic->setCurrentText(read.topic);
  const int partitions = m_event_topic->currentData().toInt();
  if (m_event_partition->count() != partitions) {
    m_event_partition->clear();
    for (int partition = 0; partition < partitions; ++partition)
      m_event_partition->addItem(QString::number(partition));
  }
  m_event_partition->setCurrentIndex(read.partition);
  m_event_topic_value = read.topic;
  m_event_partition_value = read.partition;
}

void ExplorersPanel::clearAll(const QString& status) {
  for (int index = 0; index < kTabCount; ++index) {
    Page& p = m_pages[static_cast<std::size_t>(index)];
    p.model->removeRows(0, p.model->rowCount());
    p.detail->clear();
    p.status_base = status;
    p.virtual_now.reset();
    p.refreshed_at.invalidate();
    p.pending = false;
    p.again = false;
    p.sized = false;
    p.status->setStyleSheet(QString());
    updateStatus(static_cast<Tab>(index));
  }
  const QSignalBlocker topic_blocker(m_event_topic);
  const QSignalBlocker partition_blocker(m_event_partition);
  m_topics.clear();
  m_event_topic->clear();
  m_event_partition->clear();
}

}  // namespace staylab::ui
