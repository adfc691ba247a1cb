// The explorers over a real engine run: the steady-state scenario on the real
// platform, run to 10 s of virtual time on an EngineRunner, then read by the
// panel through the runner's thread.

#include <gtest/gtest.h>

#include <QAbstractItemModel>
#include <QApplication>
#include <QComboBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

#include <chrono>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "app/gui/desktop_environment.h"
#include "app/sim/simulated_platform.h"
#include "simulator/engine/engine.h"
#include "simulator/engine/engine_runner.h"
#include "simulator/faults/fault_board.h"
#include "simulator/scenario/scenario_parser.h"
#include "ui/explorers/explorers_panel.h"
#include "ui/run_environment.h"

namespace staylab::ui {
namespace {

using Tab = ExplorersPanel::Tab;
constexpr int kWaitMs = 60'000;
constexpr std::initializer_list<Tab> kEveryTab = {Tab::Listings, Tab::Bookings, Tab::History,
                                                  Tab::Search,   Tab::EventLog, Tab::Fraud};

QString cellText(const QAbstractItemModel& model, int row, int column) {
  return model.index(row, column).data().toString();
}

nlohmann::json parsed(const QString& text) {
  return nlohmann::json::parse(text.toStdString(), nullptr, false);
}

// Runs `action`, then spins the event loop until each of `tabs` has been
// refreshed after it.
bool refreshAndWait(ExplorersPanel& panel, const std::function<void()>& action,
                    std::initializer_list<Tab> tabs) {
  std::set<Tab> seen;
  const QMetaObject::Connection connection =
      QObject::connect(&panel, &ExplorersPanel::refreshed, [&seen](Tab tab) { seen.insert(tab); });
  action();
  const bool done = QTest::qWaitFor(
      [&] {
        for (Tab tab : tabs) {
          if (!seen.contains(tab))
            return false;
        }
        return true;
      },
      kWaitMs);
  QObject::disconnect(connection);
  return done;
}

// One engine for the suite: steady-state on the real platform, run to 10 s
// of virtual time and drained.
class ExplorersPanelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::filesystem::path assets = std::filesystem::path(STAYLAB_SOURCE_DIR) / "assets";
    const std::filesystem::path file = assets / "scenarios" / "steady-state.yaml";
    auto scenario = sim::parseScenarioFile(file);
    ASSERT_TRUE(scenario.has_value()) << scenario.error().describe();
    // The platform and its stores as the desktop app builds them; the scenario
    // and the topologies from the source tree.
    const RunEnvironment environment = app::desktopEnvironment();
    sim::EngineOptions options;
    options.scenario_dir = file.parent_path();
    options.topologies_dir = assets / "topologies";
    options.known_topics = environment.topics;
    options.make_system = environment.make_system;
    options.sample_interval = 250 * sim::kMillisecond;
    auto engine = sim::Engine::create(*scenario, options);
    ASSERT_TRUE(engine.has_value()) << engine.error().describe();
    // The scenario's properties and the one the seed plants for the Ring rule
    // (app/platform/seed.cpp).
    s_seeded_listings = scenario->data.properties + 1;
    s_engine = std::move(*engine);
    s_platform = dynamic_cast<app::SimulatedPlatform*>(s_engine->system());
    ASSERT_NE(s_platform, nullptr);
    s_stores = environment.stores_of(*s_platform);
    ASSERT_NE(s_stores, nullptr);
    s_runner = std::make_unique<sim::EngineRunner>(*s_engine);
    s_runner->runTo(10 * sim::kSecond);
    s_runner->waitUntilIdle();
    // Let every outbox, projection and fraud action catch up.
    bool drained = false;
    s_runner->post([&drained] { drained = s_platform->platform().pump().drain().has_value(); });
    s_runner->waitUntilIdle();
    ASSERT_TRUE(drained);
  }

  static void TearDownTestSuite() {
    s_runner.reset();
    s_stores.reset();
    s_platform = nullptr;
    s_engine.reset();
  }

  void SetUp() override {
    ASSERT_NE(s_runner, nullptr) << "the engine could not be built";
    m_panel.resize(1280, 300);
  }

  // Attaches the panel and waits until every tab has been read once.
  void attachAndRefresh() {
    ASSERT_TRUE(refreshAndWait(
        m_panel,
        [this] {
          m_panel.attach(s_runner.get(), s_stores.get(), s_engine.get());
          m_panel.refresh();
        },
        kEveryTab));
  }

  static std::unique_ptr<sim::Engine> s_engine;
  static int s_seeded_listings;
  static app::SimulatedPlatform* s_platform;  // For draining it and counting its listings.
  static std::unique_ptr<PlatformStores> s_stores;
  static std::unique_ptr<sim::EngineRunner> s_runner;
  ExplorersPanel m_panel;
};

std::unique_ptr<sim::Engine> ExplorersPanelTest::s_engine;
int ExplorersPanelTest::s_seeded_listings = 0;
app::SimulatedPlatform* ExplorersPanelTest::s_platform = nullptr;
std::unique_ptr<PlatformStores> ExplorersPanelTest::s_stores;
std::unique_ptr<sim::EngineRunner> ExplorersPanelTest::s_runner;

TEST_F(ExplorersPanelTest, StartsDetachedWithEmptyTabs) {
  EXPECT_FALSE(m_panel.isAttached());
  EXPECT_EQ(m_panel.tabs()->count(), ExplorersPanel::kTabCount);
  for (Tab tab : kEveryTab) {
    EXPECT_EQ(m_panel.model(tab)->rowCount(), 0);
    EXPECT_EQ(m_panel.statusText(tab), QStringLiteral("Not attached to a run"));
  }
}

TEST_F(ExplorersPanelTest, ListingsShowEverySeededPropertyWithItsJson) {
  attachAndRefresh();
  const QAbstractItemModel& listings = *m_panel.model(Tab::Listings);
  EXPECT_EQ(listings.rowCount(), 101);
  EXPECT_EQ(listings.rowCount(), s_seeded_listings);
  EXPECT_EQ(listings.columnCount(), 5);  // id, title, city, status, version
  for (int column = 0; column < listings.columnCount(); ++column)
    EXPECT_FALSE(cellText(listings, 0, column).isEmpty()) << "column " << column;
  EXPECT_GE(listings.index(0, 4).data().toLongLong(), 1);
  // Fraud detection suspended the planted cases' listings; the rest are bookable.
  int active = 0;
  for (int row = 0; row < listings.rowCount(); ++row) {
    const QString status = cellText(listings, row, 3);
    EXPECT_TRUE(status == QStringLiteral("active") || status == QStringLiteral("suspended"));
    active += status == QStringLiteral("active") ? 1 : 0;
  }
  EXPECT_EQ(active, s_platform->propertyCount());
  EXPECT_LT(active, listings.rowCount());
  EXPECT_TRUE(m_panel.statusText(Tab::Listings).startsWith(QStringLiteral("101 listings")))
      << m_panel.statusText(Tab::Listings).toStdString();

  // Selecting a row shows its document, pretty-printed.
  QTableView* view = m_panel.view(Tab::Listings);
  view->selectRow(0);
  const QString detail = m_panel.detailText(Tab::Listings);
  EXPECT_TRUE(detail.contains(QStringLiteral("\n  \"")));
  const nlohmann::json body = parsed(detail);
  ASSERT_TRUE(body.is_object());
  const QString shown_id = view->model()->index(0, 0).data().toString();
  EXPECT_EQ(QString::fromStdString(body.value("id", std::string())), shown_id);
  EXPECT_TRUE(body.contains("host_signals"));
}

TEST_F(ExplorersPanelTest, StatusSaysWhenInVirtualTimeItWasRead) {
  attachAndRefresh();
  const QRegularExpression refreshed(
      QStringLiteral("refreshed at virtual \\d\\d:\\d\\d\\.\\d{3}$"));
  for (Tab tab : kEveryTab) {
    EXPECT_TRUE(refreshed.match(m_panel.statusText(tab)).hasMatch())
        << m_panel.statusText(tab).toStdString();
  }
}

TEST_F(ExplorersPanelTest, BookingsShowWhatTheRunBooked) {
  attachAndRefresh();
  const QAbstractItemModel& bookings = *m_panel.model(Tab::Bookings);
  ASSERT_GT(bookings.rowCount(), 0);
  EXPECT_EQ(bookings.columnCount(), 7);  // id, property, guest, from, to, status, version
  const std::set<QString> statuses = {QStringLiteral("pending"), QStringLiteral("confirmed"),
                                      QStringLiteral("rejected"), QStringLiteral("cancelled")};
  for (int row = 0; row < bookings.rowCount(); ++row) {
    EXPECT_TRUE(statuses.contains(cellText(bookings, row, 5).toLower()))
        << cellText(bookings, row, 5).toStdString();
    EXPECT_LT(cellText(bookings, row, 3), cellText(bookings, row, 4));  // from < to (ISO dates)
  }
  EXPECT_TRUE(m_panel.statusText(Tab::Bookings).contains(QStringLiteral("booking")));
  m_panel.view(Tab::Bookings)->selectRow(0);
  const nlohmann::json booking = parsed(m_panel.detailText(Tab::Bookings));
  ASSERT_TRUE(booking.is_object());
  EXPECT_TRUE(booking.contains("check_in"));
  EXPECT_TRUE(booking.contains("signals"));
}

TEST_F(ExplorersPanelTest, HistoryShowsTheProjectionCellsByFamilyAndRowPrefix) {
  attachAndRefresh();
  const QAbstractItemModel& history = *m_panel.model(Tab::History);
  ASSERT_GT(history.rowCount(), 0);
  EXPECT_EQ(history.columnCount(), 5);  // row key, family, column, version, value
  EXPECT_EQ(cellText(history, 0, 1), QStringLiteral("by_property"));
  EXPECT_TRUE(parsed(cellText(history, 0, 4)).is_object());
  const QString property = cellText(history, 0, 0);

  ASSERT_TRUE(refreshAndWait(m_panel, [this] { m_panel.showHistory(QStringLiteral("by_guest")); },
                             {Tab::History}));
  ASSERT_GT(history.rowCount(), 0);
  for (int row = 0; row < history.rowCount(); ++row)
    EXPECT_EQ(cellText(history, row, 1), QStringLiteral("by_guest"));

  ASSERT_TRUE(refreshAndWait(m_panel,
                             [&] { m_panel.showHistory(QStringLiteral("by_property"), property); },
                             {Tab::History}));
  ASSERT_GT(history.rowCount(), 0);
  for (int row = 0; row < history.rowCount(); ++row)
    EXPECT_TRUE(cellText(history, row, 0).startsWith(property));
}

TEST_F(ExplorersPanelTest, SearchForACityFindsListingsInIt) {
  attachAndRefresh();
  // The empty query matches every listed property.
  EXPECT_GT(m_panel.model(Tab::Search)->rowCount(), 0);
  const QString city = cellText(*m_panel.model(Tab::Listings), 0, 2);
  ASSERT_FALSE(city.isEmpty());

  ASSERT_TRUE(refreshAndWait(m_panel, [&] { m_panel.search(city); }, {Tab::Search}));
  const QAbstractItemModel& hits = *m_panel.model(Tab::Search);
  ASSERT_GT(hits.rowCount(), 0);
  EXPECT_LE(hits.rowCount(), ExplorersPanel::kSearchLimit);
  EXPECT_EQ(hits.columnCount(), 5);  // id, title, city, price, relevance
  bool in_city = false;
  for (int row = 0; row < hits.rowCount(); ++row)
    in_city = in_city || cellText(hits, row, 2).compare(city, Qt::CaseInsensitive) == 0;
  EXPECT_TRUE(in_city);
  EXPECT_TRUE(m_panel.statusText(Tab::Search).contains(city));
  EXPECT_FALSE(cellText(hits, 0, 3).isEmpty());  // price

  // Enter in the box runs the query typed.
  auto* box = m_panel.findChild<QLineEdit*>(QStringLiteral("searchBox"));
  ASSERT_NE(box, nullptr);
  ASSERT_TRUE(refreshAndWait(m_panel,
                             [&] {
                               box->setText(QStringLiteral("zzzqqq-no-such-word"));
                               QTest::keyClick(box, Qt::Key_Return);
                             },
                             {Tab::Search}));
  EXPECT_EQ(hits.rowCount(), 0);
}

TEST_F(ExplorersPanelTest, EventLogShowsTheTailOfAPartitionNewestFirst) {
  attachAndRefresh();
  const QAbstractItemModel& records = *m_panel.model(Tab::EventLog);
  ASSERT_GT(records.rowCount(), 0);
  EXPECT_LE(records.rowCount(), ExplorersPanel::kEventLogTail);
  EXPECT_EQ(records.columnCount(), 5);  // topic, partition, offset, type, payload
  EXPECT_EQ(cellText(records, 0, 0), QStringLiteral("booking"));
  EXPECT_GE(records.index(0, 1).data().toInt(), 0);
  EXPECT_FALSE(cellText(records, 0, 3).isEmpty());
  EXPECT_TRUE(parsed(cellText(records, 0, 4)).is_object());  // Compact payload.
  EXPECT_FALSE(cellText(records, 0, 4).contains(QChar('\n')));
  for (int row = 1; row < records.rowCount(); ++row) {
    EXPECT_EQ(records.index(row, 2).data().toLongLong(),
              records.index(row - 1, 2).data().toLongLong() - 1);
  }

  // The detail pane has the whole envelope, pretty-printed.
  m_panel.view(Tab::EventLog)->selectRow(0);
  const nlohmann::json envelope = parsed(m_panel.detailText(Tab::EventLog));
  ASSERT_TRUE(envelope.is_object());
  EXPECT_TRUE(envelope.contains("event_id"));
  EXPECT_TRUE(envelope.contains("payload"));
  EXPECT_TRUE(m_panel.detailText(Tab::EventLog).contains(QChar('\n')));

  // The combo boxes list the topics; another topic and partition can be picked.
  auto* topics = m_panel.findChild<QComboBox*>(QStringLiteral("eventTopic"));
  ASSERT_NE(topics, nullptr);
  EXPECT_GE(topics->findText(QStringLiteral("property")), 0);
  EXPECT_GE(topics->findText(QStringLiteral("fraud")), 0);
  EXPECT_GE(topics->findText(QStringLiteral("booking.dlq")), 0);  // The dead-letter topics too.
  ASSERT_TRUE(refreshAndWait(
      m_panel, [this] { m_panel.showEventLog(QStringLiteral("property"), 0); }, {Tab::EventLog}));
  ASSERT_GT(records.rowCount(), 0);
  EXPECT_EQ(cellText(records, 0, 0), QStringLiteral("property"));
  EXPECT_EQ(records.index(0, 1).data().toInt(), 0);
  EXPECT_EQ(topics->currentText(), QStringLiteral("property"));
}

TEST_F(ExplorersPanelTest, FraudShowsThePlantedSuspicions) {
  attachAndRefresh();
  const QAbstractItemModel& suspicions = *m_panel.model(Tab::Fraud);
  ASSERT_GT(suspicions.rowCount(), 0);
  EXPECT_EQ(suspicions.columnCount(), 4);  // rule, subject, property, details
  std::set<QString> rules;
  for (int row = 0; row < suspicions.rowCount(); ++row) {
    rules.insert(cellText(suspicions, row, 0));
    EXPECT_FALSE(cellText(suspicions, row, 1).isEmpty());
  }
  // The seed plants one case per rule.
  for (const char* rule : {"shared_payment", "velocity", "self_dealing", "ring"})
    EXPECT_TRUE(rules.contains(QString::fromLatin1(rule))) << rule;
  m_panel.view(Tab::Fraud)->selectRow(0);
  const nlohmann::json suspicion = parsed(m_panel.detailText(Tab::Fraud));
  ASSERT_TRUE(suspicion.is_object());
  EXPECT_TRUE(suspicion.contains("evidence"));
}

TEST_F(ExplorersPanelTest, SelectionSurvivesARefresh) {
  attachAndRefresh();
  QTableView* view = m_panel.view(Tab::Listings);
  view->selectRow(5);
  const QString id = view->model()->index(5, 0).data().toString();
  const QString detail = m_panel.detailText(Tab::Listings);
  ASSERT_TRUE(
      refreshAndWait(m_panel, [this] { m_panel.refreshTab(Tab::Listings); }, {Tab::Listings}));
  ASSERT_TRUE(view->currentIndex().isValid());
  EXPECT_EQ(view->model()->index(view->currentIndex().row(), 0).data().toString(), id);
  EXPECT_EQ(m_panel.detailText(Tab::Listings), detail);
}

TEST_F(ExplorersPanelTest, DetachingClearsEveryTabAndDropsReadsInFlight) {
  attachAndRefresh();
  m_panel.refresh();                 // Reads in flight...
  m_panel.attach(nullptr, nullptr);  // ...belong to the old attachment.
  s_runner->waitUntilIdle();
  QTest::qWait(200);  // Deliver whatever they queued.
  EXPECT_FALSE(m_panel.isAttached());
  for (Tab tab : kEveryTab) {
    EXPECT_EQ(m_panel.model(tab)->rowCount(), 0);
    EXPECT_EQ(m_panel.statusText(tab), QStringLiteral("Not attached to a run"));
  }
}

TEST_F(ExplorersPanelTest, APanelDestroyedWithReadsInFlightIsLeftAlone) {
  auto panel = std::make_unique<ExplorersPanel>();
  panel->attach(s_runner.get(), s_stores.get(), s_engine.get());
  panel->refresh();
  panel.reset();
  s_runner->waitUntilIdle();
  QTest::qWait(200);  // The queued results find no panel and are dropped.
  SUCCEED();
}

TEST_F(ExplorersPanelTest, AStoreWithAnActiveFaultIsNotRead) {
  sim::FaultSpec outage;
  outage.kind = sim::FaultKind::StoreOutage;
  outage.target = "listing-db";
  outage.length = std::chrono::seconds(1);
  ASSERT_TRUE(s_engine->injectFault(outage).has_value());
  s_runner->step(100 * sim::kMillisecond);  // The fault starts before the next event.
  s_runner->waitUntilIdle();
  const std::uint64_t failures = s_engine->faults().injectedFailures("listing-db");

  attachAndRefresh();
  EXPECT_TRUE(m_panel.statusText(Tab::Listings).contains(QStringLiteral("active fault")))
      << m_panel.statusText(Tab::Listings).toStdString();
  EXPECT_EQ(m_panel.model(Tab::Listings)->rowCount(), 0);
  EXPECT_EQ(s_engine->faults().injectedFailures("listing-db"), failures);  // Run undisturbed.
  EXPECT_GT(m_panel.model(Tab::Bookings)->rowCount(), 0);                  // Others are read.

  s_runner->step(2 * sim::kSecond);  // The outage ends.
  s_runner->waitUntilIdle();
  ASSERT_TRUE(
      refreshAndWait(m_panel, [this] { m_panel.refreshTab(Tab::Listings); }, {Tab::Listings}));
  EXPECT_EQ(m_panel.model(Tab::Listings)->rowCount(), s_seeded_listings);
}

TEST_F(ExplorersPanelTest, ReadsWhileTheEngineRunsAtFullSpeed) {
  attachAndRefresh();
  const int bookings_before = m_panel.model(Tab::Bookings)->rowCount();
  s_runner->setSpeed(0);
  s_runner->runTo(s_engine->status().now + 5 * sim::kSecond);
  for (int round = 0; round < 3; ++round)
    ASSERT_TRUE(refreshAndWait(
        m_panel, [this] { m_panel.refresh(); }, kEveryTab));
  s_runner->waitUntilIdle();
  ASSERT_TRUE(refreshAndWait(
      m_panel, [this] { m_panel.refresh(); }, kEveryTab));
  EXPECT_EQ(m_panel.model(Tab::Listings)->rowCount(), s_seeded_listings);
  EXPECT_GE(m_panel.model(Tab::Bookings)->rowCount(), bookings_before);
  EXPECT_GT(m_panel.model(Tab::Fraud)->rowCount(), 0);
}

TEST_F(ExplorersPanelTest, RefreshesTheTabShownOnATimerWhileVisible) {
  m_panel.attach(s_runner.get(), s_stores.get(), s_engine.get());
  QTest::qWait(100);
  EXPECT_EQ(m_panel.model(Tab::Listings)->rowCount(), 0);  // Hidden: nothing read yet.

  int shown_reads = 0;
  int other_reads = 0;
  QObject::connect(&m_panel, &ExplorersPanel::refreshed,
                   [&](Tab tab) { ++(tab == Tab::Listings ? shown_reads : other_reads); });
  m_panel.show();  // Reads the tab shown at once, then on the timer.
  EXPECT_TRUE(QTest::qWaitFor([&] { return shown_reads >= 2; },
                              2 * ExplorersPanel::kRefreshIntervalMs + 10'000));
  EXPECT_EQ(other_reads, 0);
  EXPECT_EQ(m_panel.model(Tab::Listings)->rowCount(), s_seeded_listings);
  m_panel.hide();
}

TEST_F(ExplorersPanelTest, RefreshButtonReadsEveryTab) {
  m_panel.attach(s_runner.get(), s_stores.get(), s_engine.get());
  auto* button = m_panel.findChild<QPushButton*>(QStringLiteral("explorersRefresh"));
  ASSERT_NE(button, nullptr);
  ASSERT_TRUE(refreshAndWait(
      m_panel, [button] { button->click(); }, kEveryTab));
  for (Tab tab : kEveryTab)
    EXPECT_GT(m_panel.model(tab)->rowCount(), 0) << static_cast<int>(tab);
}

TEST_F(ExplorersPanelTest, FitsABottomDockOf1280By300) {
  attachAndRefresh();
  m_panel.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&m_panel));
  EXPECT_LE(m_panel.minimumSizeHint().height(), 300);
  EXPECT_EQ(m_panel.height(), 300);
  for (Tab tab : kEveryTab) {
    m_panel.tabs()->setCurrentIndex(static_cast<int>(tab));
    QTest::qWait(10);
    EXPECT_GE(m_panel.view(tab)->height(), 150) << static_cast<int>(tab);
    EXPECT_GT(m_panel.view(tab)->horizontalHeader()->sectionSize(0), 0);
  }
  m_panel.hide();
}

}  // namespace
}  // namespace staylab::ui

int main(int argc, char** argv) {
  // Offscreen unless told otherwise, also when CTest lists the tests.
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
    qputenv("QT_QPA_PLATFORM", "offscreen");
  ::testing::InitGoogleTest(&argc, argv);
  QApplication application(argc, argv);
  return RUN_ALL_TESTS();
}
