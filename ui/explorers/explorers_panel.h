#pragma once

// The explorers of what a simulation run really stored: the listing
// documents (SQLite + JSON1), the bookings table (SQLite), the booking
// history projection (RocksDB wide columns), the search index (Xapian), the
// event log (topic / partition / offset) and the fraud suspicions, each in a
// tab of its own, for the bottom dock of the main window.
//
// Threading: the engine runs the platform on the runner's thread, so the
// panel never touches the platform from the UI thread. Each refresh posts a
// read to EngineRunner::post(); the read copies what it needs into plain
// values (QString, QVariant) and queues them back to the UI thread, where
// the models are filled. A read that comes back after attach() changed the
// platform, or after the panel is gone, is dropped. At most one read per tab
// is in flight; asking again meanwhile re-reads once it is back.
//
// Side effects on the run: none while no fault acts on a store. When an
// engine is given to attach(), a store with an active fault is not read (the
// fault decorators would draw from the fault's random stream, charge its
// latency to the next request and count its failures) and the tab says so;
// without an engine the panel cannot tell and reads anyway.
//
// Fraud suspicions are read from the "fraud" topic of the event log (the
// FraudSuspected events fraud detection publishes in the same step as it
// raises them), not from the detector: the detector is absent while its
// consumer is crashed, and the platform offers no way to ask.
//
// Bounds: at most kMaxRows rows per table (the status label then says
// "showing the first 1,000 of N"), the last kEventLogTail records of a
// partition, the first kSearchLimit hits of a search.
//
// Thread safety: a widget; call it on the UI thread only.

#include <QElapsedTimer>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QWidget>

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

class QAbstractItemModel;
class QComboBox;
class QHideEvent;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QShowEvent;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTabWidget;
class QTableView;
class QTimer;

namespace staylab::sim {
class Engine;
class EngineRunner;
}  // namespace staylab::sim

namespace staylab::ui {

class PlatformStores;

// One read's result, built on the runner's thread from plain values and
// handed to the UI thread.
struct ExplorerCell {
  QVariant display;
  QVariant sort;  // Invalid: sort by `display`.
};
struct ExplorerRow {
  std::vector<ExplorerCell> cells;
  QString key;     // Identifies the row across refreshes (keeps the selection).
  QString detail;  // Pretty-printed JSON for the detail pane.
};
struct ExplorerRead {
  std::vector<ExplorerRow> rows;
  QString summary;  // "showing the latest 1,000 of 1,234 bookings"
  QString error;    // Non-empty when the read failed or was skipped.
  std::optional<std::int64_t> virtual_now;
  // Event log: every topic with its partition count, and the partition shown.
  std::vector<std::pair<QString, int>> topics;
  QString topic;
  int partition = 0;
};

class ExplorersPanel : public QWidget {
  Q_OBJECT

 public:
  // The tabs, in order.
  enum class Tab { Listings = 0, Bookings, History, Search, EventLog, Fraud };
  Q_ENUM(Tab)
  static constexpr int kTabCount = 6;
  static constexpr int kMaxRows = 1000;
  static constexpr int kEventLogTail = 200;
  static constexpr int kSearchLimit = 50;
  static constexpr int kRefreshIntervalMs = 2000;

  explicit ExplorersPanel(QWidget* parent = nullptr);
  ~ExplorersPanel() override;

  // Shows `stores`, read on `runner`'s thread. `engine`, when given,
  // supplies the virtual time of each read and the active faults (see
  // above). attach(nullptr, nullptr) detaches and clears every tab. The
  // runner, the stores and the engine that owns their platform must outlive
  // the attachment: detach before destroying them (the runner drops the
  // reads still queued when it is destroyed).
  void attach(sim::EngineRunner* runner, PlatformStores* stores,
              const sim::Engine* engine = nullptr);
  bool isAttached() const;

  // Re-reads every tab. The current tab also refreshes itself every
  // kRefreshIntervalMs while the panel is visible, and when it is shown.
  void refresh();
  void refreshTab(Tab tab);

  // Runs a search as if typed in the Search tab's box and Enter pressed.
  void search(const QString& text);
  // Shows the tail of one partition in the Event log tab.
  void showEventLog(const QString& topic, int partition);
  // Shows the cells of `family` ("by_property", "by_guest", "meta") whose row
  // key starts with `row_prefix` in the History tab.
  void showHistory(const QString& family, const QString& row_prefix = {});

  // For the main window and tests.
  QTabWidget* tabs() const { return m_tabs; }
  // The table's source model (unsorted; the view sorts through a proxy).
  QAbstractItemModel* model(Tab tab) const;
  QTableView* view(Tab tab) const;
  QString statusText(Tab tab) const;
  // What the detail pane shows for the selected row (pretty-printed JSON).
  QString detailText(Tab tab) const;

 Q_SIGNALS:
  // A read of `tab` came back and its table and status were updated (also
  // when the read failed: the status then says why).
  void refreshed(staylab::ui::ExplorersPanel::Tab tab);

 protected:
  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

 private:
  struct Page {
    QStandardItemModel* model = nullptr;
    QSortFilterProxyModel* proxy = nullptr;
    QTableView* view = nullptr;
    QPlainTextEdit* detail = nullptr;
    QLabel* status = nullptr;
    QString status_base;  // Without the "refreshed ..." suffix.
    std::optional<std::int64_t> virtual_now;
    QElapsedTimer refreshed_at;
    bool pending = false;  // A read is in flight.
    bool again = false;    // Re-read when it comes back.
    bool sized = false;    // Columns were fitted to the contents.
  };

  Page& page(Tab tab) { return m_pages[static_cast<std::size_t>(tab)]; }
  const Page& page(Tab tab) const { return m_pages[static_cast<std::size_t>(tab)]; }
  // Adds the tab: `controls` on the left of its toolbar, the status on the
  // right, then the table and the detail pane side by side.
  void buildPage(Tab tab, const QString& title, const QStringList& headers,
                 const QList<QWidget*>& controls);
  void post(Tab tab);
  void apply(Tab tab, std::uint64_t generation, const ExplorerRead& read);
  void fill(Page& page, const ExplorerRead& read);
  void updateStatus(Tab tab);
  void updateEventLogChoices(const ExplorerRead& read);
  void showDetail(Tab tab);
  void clearAll(const QString& status);
  void tick();

  QTabWidget* m_tabs = nullptr;
  QPushButton* m_refresh_button = nullptr;
  QTimer* m_timer = nullptr;
  std::array<Page, kTabCount> m_pages;

  QComboBox* m_history_family = nullptr;
  QLineEdit* m_history_prefix = nullptr;
  QLineEdit* m_search_box = nullptr;
  QComboBox* m_event_topic = nullptr;
  QComboBox* m_event_partition = nullptr;

  // What the next reads ask for (set on the UI thread, copied into each read).
  QString m_history_family_value = QStringLiteral("by_property");
  QString m_history_prefix_value;
  QString m_search_text;
  QString m_event_topic_value;
  int m_event_partition_value = 0;
  std::vector<std::pair<QString, int>> m_topics;

  sim::EngineRunner* m_runner = nullptr;
  PlatformStores* m_stores = nullptr;
  const sim::Engine* m_engine = nullptr;
  std::uint64_t m_generation = 0;  // Bumped by attach(); stale reads are dropped.
};

}  // namespace staylab::ui
