#pragma once

// The live topology: a QGraphicsView of the platform's components laid out
// by Topology::layout(), each a rounded node coloured by health (health.h)
// with a utilisation bar, queue and lag badges and a red tag for each fault
// acting on it; links carry their call rate, and a fault on a link turns it
// red. Wheel or Ctrl+=/Ctrl+- zoom, dragging pans, fitAll() fits; until the
// user zooms, the view keeps the whole topology in sight when resized.
//
// UI thread only; it never touches the engine: the main window feeds it a
// HealthModel after each refresh.

#include <QColor>
#include <QGraphicsView>
#include <QString>
#include <map>
#include <string>

#include "simulator/topology/topology.h"
#include "ui/health.h"

namespace staylab::ui {

class NodeItem;
class LinkItem;

// Returns the fill colour of a health: green, amber or red.
QColor healthColor(Health health);

class TopologyView : public QGraphicsView {
  Q_OBJECT

 public:
  explicit TopologyView(QWidget* parent = nullptr);
  ~TopologyView() override;

  // Replaces the drawing with `topology`'s components and links.
  void setTopology(const sim::Topology& topology);
  // Recolours nodes and relabels links from `model`.
  void updateHealth(const HealthModel& model);

  // Selects a component by name (empty clears the selection).
  void selectComponent(const QString& name);
  QString selectedComponent() const;

  // Test accessors: the health a node shows and its fill colour; Ok and an
  // invalid colour for an unknown name.
  Health healthOf(const QString& name) const;
  QColor colorOf(const QString& name) const;
  // The centre of a node in view coordinates (for clicking it in tests).
  QPoint nodeCenter(const QString& name) const;

  void zoomIn();
  void zoomOut();
  void fitAll();

 Q_SIGNALS:
  // The user selected a component ("" when the selection was cleared).
  void componentSelected(const QString& name);

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void drawForeground(QPainter* painter, const QRectF& rect) override;

 private:
  void zoomBy(double factor);
  // Places the nodes: layout() columns, rows spaced to fill the view.
  void relayout();
  void onSelectionChanged();

  QGraphicsScene* m_scene;
  std::map<std::string, NodeItem*> m_nodes;
  std::vector<LinkItem*> m_links;
  std::map<std::string, sim::Point> m_positions;
  bool m_auto_fit = true;
};

}  // namespace staylab::ui
