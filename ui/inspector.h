#pragma once

// The inspector: the selected component's configuration (kind, binds,
// instances x workers, queue, service times), what it does now (health and
// why, utilisation, queue, lag, per-operation counts, errors and latency
// percentiles, errors by kind) and buttons that inject a fault on it at the
// current virtual time. Which buttons are enabled depends on the kind:
// stores take an outage, extra latency or an error rate; relays and
// consumers crash; services and the gateway lose an instance.
//
// UI thread only: it shows what the main window hands it and asks for faults
// through faultRequested; it never calls the engine.

#include <QWidget>
#include <optional>

#include "simulator/metrics/metrics.h"
#include "simulator/scenario/scenario.h"
#include "simulator/topology/topology.h"
#include "ui/health.h"

class QLabel;
class QPushButton;
class QTableWidget;
class QGroupBox;

namespace staylab::ui {

class Inspector : public QWidget {
  Q_OBJECT

 public:
  explicit Inspector(QWidget* parent = nullptr);

  void setTopology(const sim::Topology& topology);
  // Shows `name` (a component of the topology), or a hint when empty.
  void showComponent(const QString& name);
  QString component() const { return m_component; }
  // Refreshes the live part from the latest metrics.
  void updateMetrics(const sim::MetricsSnapshot& snapshot, const HealthModel& health);
  // Enables the fault buttons only while a run can take a fault.
  void setRunActive(bool active);
  // The platform patterns switched off now: the blast radius follows the
  // links their routes use (sim::Topology::blastRadius).
  void setPatternsOff(std::vector<std::string> patterns);
  // The strangler fig's routing table while the pattern is on, one
  // "operation: where it goes" a line (StranglerFacade::describe()), shown
  // with the gateway that holds the façade; empty while it is off.
  void setFacadeRoutes(std::string routes);

 Q_SIGNALS:
  void faultRequested(const staylab::sim::FaultSpec& fault);

 private:
  void updateButtons();
  void updateBlastRadius();
  void updateFacade();
  void request(sim::FaultKind kind);

  std::optional<sim::Topology> m_topology;
  QString m_component;
  std::vector<std::string> m_patterns_off;
  std::string m_facade_routes;
  QString m_facade_lag;  // The migration's lag, under the routes.
  bool m_run_active = false;

  QLabel* m_title;
  QLabel* m_description;
  QGroupBox* m_config_box;
  QLabel* m_config;
  QGroupBox* m_live_box;
  QLabel* m_live;
  QTableWidget* m_operations;
  QLabel* m_errors;
  QLabel* m_blast;
  QGroupBox* m_facade_box;
  QLabel* m_facade;
  QGroupBox* m_fault_box;
  QPushButton* m_outage;
  QPushButton* m_latency;
  QPushButton* m_error_rate;
  QPushButton* m_crash;
  QPushButton* m_kill;
};

}  // namespace staylab::ui
