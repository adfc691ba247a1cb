#include "ui/inspector.h"

#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QTableWidget>
#include <QVBoxLayout>
#include <chrono>
#include <map>

#include <fmt/format.h>

#include "simulator/metrics/evaluation.h"
#include "simulator/scenario/units.h"

namespace staylab::ui {
namespace {

using namespace std::chrono_literals;

QString q(const std::string& text) {
  return QString::fromStdString(text);
}
QString q(std::string_view text) {
  return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

// Returns a latency in at most 5 characters and its unit: "850us", "10.5ms", "1.25s".
QString shortLatency(sim::Nanos time) {
  const double ms = static_cast<double>(time) / 1e6;
  if (ms < 1)
    return QStringLiteral("%1us").arg(ms * 1000, 0, 'f', 0);
  if (ms < 100)
    return QStringLiteral("%1ms").arg(ms, 0, 'f', 1);
  if (ms < 1000)
    return QStringLiteral("%1ms").arg(ms, 0, 'f', 0);
  return QStringLiteral("%1s").arg(ms / 1000, 0, 'f', 2);
}

QString serviceTimeText(const sim::ServiceTimeSpec& spec) {
  using sim::formatDuration;
  switch (spec.distribution) {
    case sim::ServiceTimeDistribution::Constant:
      return q(formatDuration(spec.value));
    case sim::ServiceTimeDistribution::Exponential:
      return QStringLiteral("exp, mean %1").arg(q(formatDuration(spec.mean)));
    case sim::ServiceTimeDistribution::Uniform:
      return QStringLiteral("%1..%2").arg(q(formatDuration(spec.min)), q(formatDuration(spec.max)));
    case sim::ServiceTimeDistribution::LogNormal:
      return QStringLiteral("median %1, p99 %2")
          .arg(q(formatDuration(spec.median)), q(formatDuration(spec.p99)));
  }
  return {};
}

bool isStore(sim::ComponentKind kind) {
  return kind == sim::ComponentKind::Store || kind == sim::ComponentKind::EventLog;
}

QLabel* wrapped(QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setWordWrap(true);
  label->setTextFormat(Qt::RichText);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  return label;
}

}  // namespace

Inspector::Inspector(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  outer->addWidget(scroll);
  auto* content = new QWidget(scroll);
  scroll->setWidget(content);
  auto* layout = new QVBoxLayout(content);
  layout->setContentsMargins(6, 6, 6, 6);
  layout->setSpacing(6);

  m_title = wrapped(content);
  layout->addWidget(m_title);
  m_description = wrapped(content);
  m_description->setStyleSheet(QStringLiteral("color: #555;"));
  layout->addWidget(m_description);

  // First, where a newcomer looks: which operations go where, and how far
  // the migration lags.
  m_facade_box = new QGroupBox(tr("Strangler fig: where each operation goes"), content);
  m_facade_box->setObjectName(QStringLiteral("facadeBox"));
  auto* facade_layout = new QVBoxLayout(m_facade_box);
  facade_layout->setContentsMargins(6, 4, 6, 6);
  m_facade = wrapped(m_facade_box);
  m_facade->setObjectName(QStringLiteral("facadeRoutes"));
  facade_layout->addWidget(m_facade);
  layout->addWidget(m_facade_box);
  m_fault_box = new QGroupBox(tr("Inject a fault now"), content);
  auto* grid = new QGridLayout(m_fault_box);
  grid->setContentsMargins(6, 4, 6, 6);
  grid->setSpacing(4);
  auto button = [this](const QString& text, const char* name, const QString& tip) {
    auto* push = new QPushButton(text, m_fault_box);
    push->setObjectName(QLatin1String(name));
    push->setToolTip(tip);
    return push;
  };
  m_outage = button(tr("Outage 10s"), "outageButton",
                    tr("The store refuses every call for 10 s of virtual time (stores)"));
  m_latency = button(tr("Latency +200ms 10s"), "latencyButton",
                     tr("The store answers 200 ms slower for 10 s (stores)"));
  m_error_rate = button(tr("Errors 50% 10s"), "errorRateButton",
                        tr("Half the store's calls fail for 10 s (stores)"));
  m_crash = button(tr("Crash (restart after 10s)"), "crashButton",
                   tr("The process stops and restarts 10 s later (relay, consumers)"));
  m_kill = button(tr("Kill instance 10s"), "killButton",
                  tr("One instance dies and comes back after 10 s (gateway, services)"));
  grid->addWidget(m_outage, 0, 0);
  grid->addWidget(m_latency, 0, 1);
  grid->addWidget(m_error_rate, 1, 0, 1, 2);
  grid->addWidget(m_crash, 2, 0, 1, 2);
  grid->addWidget(m_kill, 3, 0, 1, 2);
  connect(m_outage, &QPushButton::clicked, this, [this] { request(sim::FaultKind::StoreOutage); });
  connect(m_latency, &QPushButton::clicked, this,
          [this] { request(sim::FaultKind::StoreLatency); });
  connect(m_error_rate, &QPushButton::clicked, this,
          [this] { request(sim::FaultKind::StoreErrorRate); });
  connect(m_crash, &QPushButton::clicked, this, [this] { request(sim::FaultKind::ConsumerCrash); });
  connect(m_kill, &QPushButton::clicked, this, [this] { request(sim::FaultKind::InstanceKill); });
  layout->addWidget(m_fault_box);

  m_live_box = new QGroupBox(tr("Now"), content);
  auto* live_layout = new QVBoxLayout(m_live_box);
  live_layout->setContentsMargins(6, 4, 6, 6);
  m_live = wrapped(m_live_box);
  live_layout->addWidget(m_live);
  m_operations = new QTableWidget(0, 5, m_live_box);
  m_operations->setObjectName(QStringLiteral("operationsTable"));
  m_operations->setHorizontalHeaderLabels(
      {tr("Op"), tr("Count"), tr("Errors"), tr("p50"), tr("p99")});
  m_operations->verticalHeader()->hide();
  m_operations->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_operations->setSelectionMode(QAbstractItemView::NoSelection);
  m_operations->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  m_operations->horizontalHeader()->setMinimumSectionSize(30);
  m_operations->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_operations->setWordWrap(false);
  m_operations->verticalHeader()->setDefaultSectionSize(18);
  QFont small = m_operations->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  m_operations->setFont(small);
  m_operations->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  live_layout->addWidget(m_operations);
  m_errors = wrapped(m_live_box);
  live_layout->addWidget(m_errors);
  layout->addWidget(m_live_box);

  m_config_box = new QGroupBox(tr("Configuration"), content);
  auto* config_layout = new QVBoxLayout(m_config_box);
  config_layout->setContentsMargins(6, 4, 6, 6);
  m_config = wrapped(m_config_box);
  config_layout->addWidget(m_config);
  layout->addWidget(m_config_box);
  m_blast = wrapped(content);
  layout->addWidget(m_blast);
  layout->addStretch(1);

  showComponent(QString());
}

void Inspector::setTopology(const sim::Topology& topology) {
  m_topology = topology;
  if (!m_component.isEmpty() && topology.findComponent(m_component.toStdString()) == nullptr)
    showComponent(QString());
  else
    showComponent(m_component);
}

void Inspector::showComponent(const QString& name) {
  m_component = name;
  const sim::ComponentSpec* spec =
      m_topology && !name.isEmpty() ? m_topology->findComponent(name.toStdString()) : nullptr;
  const bool shown = spec != nullptr;
  m_description->setVisible(shown);
  m_config_box->setVisible(shown);
  m_live_box->setVisible(shown);
  m_fault_box->setVisible(shown);
  m_blast->setVisible(shown);
  updateFacade();
  if (!shown) {
    m_component.clear();
    m_title->setText(
        tr("<b>No component selected</b><br><span style='color:#555'>Click a "
           "component in the topology to see its configuration and live metrics, "
           "and to inject a fault on it.</span>"));
    updateButtons();
    return;
  }
  m_title->setText(QStringLiteral("<span style='font-size:12pt'><b>%1</b></span> &nbsp;<span "
                                  "style='color:#555'>%2</span>")
                       .arg(name.toHtmlEscaped(), q(sim::toString(spec->kind))));
  m_description->setText(q(spec->description).toHtmlEscaped());
  QString config = QStringLiteral("<table cellspacing=1>");
  auto row = [&config](const QString& key, const QString& value) {
    config +=
        QStringLiteral("<tr><td style='color:#555; padding-right:6px'>%1</td><td>%2</td></tr>")
            .arg(key, value);
  };
  row(tr("binds"), spec->binds.empty() ? tr("model only") : q(spec->binds));
  if (spec->kind != sim::ComponentKind::Client) {
    row(tr("capacity"),
        tr("%1 instance(s) × %2 worker(s)").arg(spec->instances).arg(spec->workers));
    row(tr("queue"), tr("%1 per instance").arg(spec->queue));
  }
  if (sim::polls(spec->kind)) {
    row(tr("polls"),
        tr("every %1, batch %2").arg(q(sim::formatDuration(spec->poll_interval))).arg(spec->batch));
  }
  for (const sim::ServiceTimeSpec& time : spec->service_times)
    row(q(time.operation), serviceTimeText(time));
  config += QStringLiteral("</table>");
  m_config->setText(config);
  updateBlastRadius();
  m_live->setText(tr("<span style='color:#555'>Waiting for the first interval…</span>"));
  m_operations->setRowCount(0);
  m_errors->clear();
  updateButtons();
}

void Inspector::setPatternsOff(std::vector<std::string> patterns) {
  if (patterns == m_patterns_off)
    return;
  m_patterns_off = std::move(patterns);
  updateBlastRadius();
}

void Inspector::setFacadeRoutes(std::string routes) {
  if (routes == m_facade_routes)
    return;
  m_facade_routes = std::move(routes);
  updateFacade();
}

void Inspector::updateFacade() {
  const sim::ComponentSpec* spec = m_topology && !m_component.isEmpty()
                                       ? m_topology->findComponent(m_component.toStdString())
                                       : nullptr;
  const bool shown =
      spec != nullptr && spec->kind == sim::ComponentKind::Gateway && !m_facade_routes.empty();
  m_facade_box->setVisible(shown);
  if (!shown)
    return;
  // "book: 30% of properties to new, the rest to legacy", a row per line.
  QString table = QStringLiteral("<table cellspacing=1>");
  for (const QString& line : q(m_facade_routes).split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
    const qsizetype colon = line.indexOf(QLatin1Char(':'));
    table +=
        QStringLiteral("<tr><td style='color:#555; padding-right:6px'>%1</td><td>%2</td></tr>")
            .arg(line.left(colon).toHtmlEscaped(), line.mid(colon + 1).trimmed().toHtmlEscaped());
  }
  m_facade->setText(table + QStringLiteral("</table>") + m_facade_lag);
}

void Inspector::updateBlastRadius() {
  if (!m_topology || m_component.isEmpty())
    return;
  QStringList names;
  for (const std::string& other :
       m_topology->blastRadius(m_component.toStdString(), m_patterns_off))
    names << q(other);
  m_blast->setText(tr("<b>Blast radius</b> (who depends on it): %1")
                       .arg(names.isEmpty() ? tr("nobody") : names.join(QStringLiteral(", "))));
}

void Inspector::updateMetrics(const sim::MetricsSnapshot& snapshot, const HealthModel& health) {
  if (m_component.isEmpty())
    return;
  if (!m_facade_routes.empty()) {
    // The changes on their way from legacy to new: captured and not yet
    // published, published and not yet applied, waiting for a retry.
    QStringList parts;
    std::int64_t total = 0;
    for (const char* part : {"cdc-connector", "cdc-processor", "cdc-retry"}) {
      const sim::ComponentGauges* gauges = snapshot.findComponent(part);
      if (gauges == nullptr || !gauges->lag)
        continue;
      total += gauges->lag->events;
      parts << tr("%1 %2").arg(QLatin1String(part)).arg(gauges->lag->events);
    }
    QString lag = tr("<br><b>%1</b> legacy changes not yet on the new side (%2). The two "
                     "systems agree once this is 0; legacy_new_divergence checks it at the end.")
                      .arg(total)
                      .arg(parts.join(QStringLiteral(", ")));
    if (lag != m_facade_lag) {
      m_facade_lag = std::move(lag);
      updateFacade();
    }
  }
  const std::string name = m_component.toStdString();
  const ComponentHealth* state = health.component(name);
  if (state == nullptr)
    return;
  static const char* const kColors[] = {"#2e7d32", "#b26a00", "#c62828"};
  QString live = QStringLiteral("<b style='color:%1'>%2</b>")
                     .arg(QLatin1String(kColors[static_cast<int>(state->health)]),
                          q(toString(state->health)).toUpper());
  if (!state->reason.empty())
    live += QStringLiteral(" — ") + q(state->reason).toHtmlEscaped();
  live += QStringLiteral("<br>");
  QStringList facts;
  facts << tr("%1/s").arg(state->throughput, 0, 'f', 1);
  if (state->utilisation)
    facts << tr("busy %1%").arg(*state->utilisation * 100, 0, 'f', 0);
  if (const sim::ComponentGauges* gauges = snapshot.findComponent(name)) {
    if (gauges->queue)
      facts << tr("queue %1 (max %2)")
                   .arg(gauges->queue->current, 0, 'f', 0)
                   .arg(gauges->queue->max, 0, 'f', 0);
    if (gauges->lag)
      facts << tr("lag %1 events / %2 (max %3)")
                   .arg(gauges->lag->events)
                   .arg(q(sim::formatLatency(gauges->lag->time)))
                   .arg(q(sim::formatLatency(gauges->lag->max_time)));
    if (gauges->circuit)
      facts << tr("circuit %1, opened %2×")
                   .arg(q(sim::toString(gauges->circuit->state)))
                   .arg(gauges->circuit->opens);
  }
  live += facts.join(QStringLiteral(" · "));
  m_live->setText(live);

  std::vector<const sim::OperationTotals*> rows;
  for (const sim::OperationTotals& totals : snapshot.operations) {
    if (totals.key.component == name)
      rows.push_back(&totals);
  }
  m_operations->setRowCount(static_cast<int>(rows.size()));
  sim::ErrorCounts kinds;
  for (int row = 0; row < static_cast<int>(rows.size()); ++row) {
    const sim::OperationTotals& totals = *rows[static_cast<std::size_t>(row)];
    const QStringList cells = {
        totals.key.operation == "*" ? tr("all") : q(totals.key.operation),
        QString::number(totals.count), q(sim::formatPercent(totals.errorRate())),
        totals.count ? shortLatency(totals.latency.p50) : QStringLiteral("–"),
        totals.count ? shortLatency(totals.latency.p99) : QStringLiteral("–")};
    for (int column = 0; column < cells.size(); ++column) {
      auto* item = m_operations->item(row, column);
      if (item == nullptr) {
        item = new QTableWidgetItem;
        m_operations->setItem(row, column, item);
      }
      item->setText(cells[column]);
      item->setTextAlignment(column == 0 ? Qt::AlignLeft | Qt::AlignVCenter
                                         : Qt::AlignRight | Qt::AlignVCenter);
    }
    if (totals.key.isComponent())
      kinds = totals.errors_by_kind;
  }
  m_operations->setFixedHeight(m_operations->horizontalHeader()->height() +
                               18 * static_cast<int>(rows.size()) + 4);
  QStringList parts;
  for (const auto& [kind, count] : kinds) {
    parts << QStringLiteral("%1 %2%3")
                 .arg(q(sim::toString(kind)))
                 .arg(count)
                 .arg(sim::isRefusal(kind) ? tr(" (refused by the domain)") : QString());
  }
  m_errors->setText(parts.isEmpty()
                        ? QString()
                        : tr("<b>Errors by kind:</b> %1").arg(parts.join(QStringLiteral(", "))));
}

void Inspector::setRunActive(bool active) {
  m_run_active = active;
  updateButtons();
}

void Inspector::updateButtons() {
  const sim::ComponentSpec* spec = m_topology && !m_component.isEmpty()
                                       ? m_topology->findComponent(m_component.toStdString())
                                       : nullptr;
  const bool bound = spec != nullptr && m_run_active;
  const bool store = bound && isStore(spec->kind);
  const bool poller = bound && sim::polls(spec->kind);
  const bool instance = bound && !isStore(spec->kind) && !sim::polls(spec->kind) &&
                        spec->kind != sim::ComponentKind::Client;
  // Only the faults that fit the kind are offered.
  const bool fits_store = spec != nullptr && isStore(spec->kind);
  const bool fits_poller = spec != nullptr && sim::polls(spec->kind);
  const bool fits_instance =
      spec != nullptr && !fits_store && !fits_poller && spec->kind != sim::ComponentKind::Client;
  m_outage->setEnabled(store);
  m_outage->setVisible(fits_store);
  m_latency->setEnabled(store);
  m_latency->setVisible(fits_store);
  m_error_rate->setEnabled(store);
  m_error_rate->setVisible(fits_store);
  m_crash->setEnabled(poller);
  m_crash->setVisible(fits_poller);
  m_kill->setEnabled(instance);
  m_kill->setVisible(fits_instance);
  m_fault_box->setTitle(m_run_active ? tr("Inject a fault now")
                                     : tr("Inject a fault (run not active)"));
  if (spec != nullptr && spec->kind == sim::ComponentKind::Client)
    m_fault_box->setTitle(tr("No fault applies to the clients"));
}

void Inspector::request(sim::FaultKind kind) {
  if (m_component.isEmpty())
    return;
  sim::FaultSpec fault;
  fault.kind = kind;
  fault.target = m_component.toStdString();
  switch (kind) {
    case sim::FaultKind::StoreOutage:
      fault.length = 10s;
      break;
    case sim::FaultKind::StoreLatency:
      fault.length = 10s;
      fault.latency = 200ms;
      break;
    case sim::FaultKind::StoreErrorRate:
      fault.length = 10s;
      fault.probability = 0.5;
      break;
    case sim::FaultKind::ConsumerCrash:
      fault.restart_after = 10s;
      break;
    case sim::FaultKind::InstanceKill:
      fault.instances = 1;
      fault.restart_after = 10s;
      break;
    default:
      return;
  }
  Q_EMIT faultRequested(fault);
}

}  // namespace staylab::ui
