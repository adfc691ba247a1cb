#include "ui/topology_view.h"

#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QStyleOptionGraphicsItem>
#include <QWheelEvent>
#include <QtMath>
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "simulator/metrics/evaluation.h"

namespace staylab::ui {
namespace {

constexpr double kNodeWidth = 90;
constexpr double kNodeHeight = 62;
constexpr double kColumnSpacing = 104;
constexpr double kMinRowSpacing = 58;
constexpr double kMaxRowSpacing = 120;
constexpr double kMargin = 24;

// Splits a long name over two lines at its last '-' ("history-" "projection").
QString twoLines(const std::string& name) {
  const QString text = QString::fromStdString(name);
  if (text.size() <= 10)
    return text;
  const qsizetype dash = text.lastIndexOf(QLatin1Char('-'));
  if (dash <= 0)
    return text;
  return text.left(dash + 1) + QLatin1Char('\n') + text.mid(dash + 1);
}

QColor borderColor(Health health) {
  switch (health) {
    case Health::Ok:
      return QColor(0x2e, 0x7d, 0x32);
    case Health::Degraded:
      return QColor(0xe6, 0x8a, 0x00);
    case Health::Down:
      return QColor(0xc6, 0x28, 0x28);
  }
  return Qt::black;
}

QString kindLabel(sim::ComponentKind kind) {
  switch (kind) {
    case sim::ComponentKind::Client:
      return QStringLiteral("clients");
    case sim::ComponentKind::Gateway:
      return QStringLiteral("gateway");
    case sim::ComponentKind::Service:
      return QStringLiteral("service");
    case sim::ComponentKind::Store:
      return QStringLiteral("store");
    case sim::ComponentKind::EventLog:
      return QStringLiteral("event log");
    case sim::ComponentKind::Relay:
      return QStringLiteral("relay");
    case sim::ComponentKind::Consumer:
      return QStringLiteral("consumer");
    case sim::ComponentKind::Station:
      return QStringLiteral("station");
  }
  return {};
}

QString rateText(double rate) {
  if (rate >= 100)
    return QString::number(rate, 'f', 0) + QStringLiteral("/s");
  return QString::number(rate, 'f', rate >= 10 ? 0 : 1) + QStringLiteral("/s");
}

// Paints a small rounded label ("pill") centred on `center`.
QFont pillFont(QFont font, double point_size, bool bold) {
  font.setPointSizeF(point_size);
  font.setBold(bold);
  return font;
}

// The width paintPill() gives `text`.
double pillWidth(const QString& text, double point_size, bool bold) {
  return QFontMetricsF(pillFont(QFont(), point_size, bold)).horizontalAdvance(text) + 10;
}

void paintPill(QPainter* painter, QPointF center, const QString& text, QColor fill, QColor color,
               double point_size, bool bold) {
  const QFont font = pillFont(painter->font(), point_size, bold);
  painter->setFont(font);
  const QFontMetricsF metrics(font);
  const double width = metrics.horizontalAdvance(text) + 10;
  const double height = metrics.height() + 2;
  const QRectF box(center.x() - width / 2, center.y() - height / 2, width, height);
  painter->setPen(Qt::NoPen);
  painter->setBrush(fill);
  painter->drawRoundedRect(box, height / 2, height / 2);
  painter->setPen(color);
  painter->drawText(box, Qt::AlignCenter, text);
}

}  // namespace

QColor healthColor(Health health) {
  switch (health) {
    case Health::Ok:
      return QColor(0xc8, 0xe6, 0xc9);
    case Health::Degraded:
      return QColor(0xff, 0xd5, 0x4f);
    case Health::Down:
      return QColor(0xef, 0x53, 0x50);
  }
  return Qt::white;
}

// A component: rounded box, name, kind, utilisation bar, badges, fault tags.
class NodeItem : public QGraphicsItem {
 public:
  enum { Type = UserType + 1 };

  explicit NodeItem(const sim::ComponentSpec& spec) : m_spec(spec) {
    setFlag(ItemIsSelectable);
    setAcceptHoverEvents(true);
    setZValue(2);
    setCursor(Qt::PointingHandCursor);
    updateToolTip();
  }

  int type() const override { return Type; }
  const sim::ComponentSpec& spec() const { return m_spec; }
  const ComponentHealth& state() const { return m_state; }

  void setState(const ComponentHealth& state) {
    m_state = state;
    updateToolTip();
    update();
  }

  QRectF boundingRect() const override {
    // Room above for fault tags and around for the selection outline.
    return QRectF(-kNodeWidth / 2 - 30, -kNodeHeight / 2 - 22, kNodeWidth + 60, kNodeHeight + 30);
  }

  QRectF box() const { return QRectF(-kNodeWidth / 2, -kNodeHeight / 2, kNodeWidth, kNodeHeight); }

  void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
    painter->setRenderHint(QPainter::Antialiasing);
    const QRectF rect = box();
    const QColor fill = healthColor(m_state.health);
    if (isSelected()) {
      painter->setPen(QPen(QColor(0x15, 0x65, 0xc0), 3));
      painter->setBrush(Qt::NoBrush);
      painter->drawRoundedRect(rect.adjusted(-4, -4, 4, 4), 12, 12);
    }
    painter->setPen(QPen(borderColor(m_state.health), m_state.health == Health::Ok ? 1.5 : 2.5));
    painter->setBrush(fill);
    painter->drawRoundedRect(rect, 9, 9);

    QFont font = painter->font();
    font.setPointSizeF(8);
    font.setBold(true);
    painter->setFont(font);
    painter->setPen(m_state.health == Health::Down ? Qt::white : QColor(0x21, 0x21, 0x21));
    const QRectF title(rect.left() + 5, rect.top() + 2, rect.width() - 10, 28);
    painter->drawText(title, Qt::AlignLeft | Qt::AlignVCenter, twoLines(m_spec.name));
    font.setBold(false);
    font.setPointSizeF(6.5);
    painter->setFont(font);
    QString subtitle = kindLabel(m_spec.kind);
    if (m_spec.kind != sim::ComponentKind::Client)
      subtitle += QStringLiteral(" %1×%2").arg(m_spec.instances).arg(m_spec.workers);
    painter->drawText(QRectF(rect.left() + 5, rect.top() + 29, rect.width() - 10, 11),
                      Qt::AlignLeft | Qt::AlignVCenter, subtitle);

    // Utilisation bar.
    const QRectF bar(rect.left() + 6, rect.bottom() - 12, rect.width() - 12, 6);
    painter->setPen(Qt::NoPen);
    painter->setBrush(QColor(255, 255, 255, 200));
    painter->drawRoundedRect(bar, 3, 3);
    if (m_state.utilisation) {
      const double used = std::clamp(*m_state.utilisation, 0.0, 1.0);
      QRectF filled = bar;
      filled.setWidth(std::max(bar.width() * used, used > 0 ? 2.0 : 0.0));
      painter->setBrush(used > 0.85 ? QColor(0xd8, 0x43, 0x15) : QColor(0x37, 0x47, 0x4f));
      painter->drawRoundedRect(filled, 3, 3);
    }
    // Badges: queue and lag, right-aligned above the bar.
    if (m_state.throughput > 0) {
      QFont rate_font = painter->font();
      rate_font.setPointSizeF(6.5);
      painter->setFont(rate_font);
      painter->setPen(m_state.health == Health::Down ? Qt::white : QColor(0x37, 0x47, 0x4f));
      painter->drawText(QRectF(rect.left() + 5, rect.bottom() - 24, rect.width() - 10, 11),
                        Qt::AlignLeft | Qt::AlignVCenter, rateText(m_state.throughput));
    }
    QStringList badges;
    if (m_state.queue_depth && *m_state.queue_depth >= 1)
      badges << QStringLiteral("q %1").arg(*m_state.queue_depth, 0, 'f', 0);
    if (m_state.lag_time && *m_state.lag_time > 0)
      badges << (*m_state.lag_time >= sim::kSecond
                     ? QStringLiteral("lag %1s").arg(static_cast<double>(*m_state.lag_time) / 1e9,
                                                     0, 'f', 1)
                     : QStringLiteral("lag %1ms").arg(*m_state.lag_time / sim::kMillisecond));
    if (m_state.circuit && *m_state.circuit != sim::CircuitState::Closed)
      badges << QString::fromStdString(std::string(sim::toString(*m_state.circuit)));
    if (!badges.isEmpty()) {
      QFont badge_font = painter->font();
      badge_font.setPointSizeF(6.5);
      const QFontMetricsF metrics(badge_font);
      double right = rect.right() - 6;
      for (auto badge = badges.crbegin(); badge != badges.crend(); ++badge) {
        const double width = metrics.horizontalAdvance(*badge) + 8;
        paintPill(painter, QPointF(right - width / 2, rect.bottom() - 20), *badge,
                  QColor(0x26, 0x32, 0x38), Qt::white, 6.5, false);
        right -= width + 3;
      }
    }
    // Fault tags above the node.
    double x = rect.left() + 4;
    for (const sim::FaultWindow& fault : m_state.faults) {
      const QString text = QStringLiteral("⚡ ") + QString::fromStdString(faultTag(fault.kind));
      QFont tag_font = painter->font();
      tag_font.setPointSizeF(7.5);
      tag_font.setBold(true);
      const double width = QFontMetricsF(tag_font).horizontalAdvance(text) + 10;
      paintPill(painter, QPointF(x + width / 2, rect.top() - 10), text, QColor(0xb7, 0x1c, 0x1c),
                Qt::white, 7.5, true);
      x += width + 3;
    }
  }

 private:
  void updateToolTip() {
    QString tip = QStringLiteral("<b>%1</b> (%2)")
                      .arg(QString::fromStdString(m_spec.name), kindLabel(m_spec.kind));
    if (!m_spec.description.empty())
      tip += QStringLiteral("<br>") + QString::fromStdString(m_spec.description).toHtmlEscaped();
    tip += QStringLiteral("<br>health: <b>%1</b>")
               .arg(QString::fromStdString(std::string(toString(m_state.health))));
    if (!m_state.reason.empty())
      tip += QStringLiteral(" — ") + QString::fromStdString(m_state.reason).toHtmlEscaped();
    setToolTip(tip);
  }

  sim::ComponentSpec m_spec;
  ComponentHealth m_state;
};

// A link from caller to callee (or from what is polled to its poller).
class LinkItem : public QGraphicsItem {
 public:
  enum { Type = UserType + 2 };

  LinkItem(NodeItem* from, NodeItem* to) : m_from(from), m_to(to) {
    setZValue(1);
    setAcceptedMouseButtons(Qt::NoButton);
  }

  int type() const override { return Type; }

  // Called when its nodes moved.
  void moved() { prepareGeometryChange(); }

  void setState(const LinkState& state) {
    m_state = state;
    // A link fault's pill may cover the nodes' edges (the line never does:
    // it is clipped to their boxes); a healthy link stays beneath them.
    setZValue(m_state.faults.empty() ? 1 : 3);
    update();
  }

  QRectF boundingRect() const override {
    return QRectF(m_from->pos(), m_to->pos()).normalized().adjusted(-60, -30, 60, 30);
  }

  void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
    painter->setRenderHint(QPainter::Antialiasing);
    const auto [start, end] = endpoints();
    const bool faulty = !m_state.faults.empty();
    // A link only a switched-off pattern's routes use is drawn faint and
    // dotted until traffic crosses it.
    const bool idle_alternative =
        !m_state.conditional.empty() && !faulty && !(m_state.rate && *m_state.rate > 0);
    QPen pen(faulty ? QColor(0xc6, 0x28, 0x28)
                    : (idle_alternative ? QColor(0xb0, 0xbe, 0xc5) : QColor(0x78, 0x90, 0x9c)),
             faulty ? 2.5 : 1.3);
    if (m_state.polled)
      pen.setStyle(Qt::DashLine);
    if (idle_alternative)
      pen.setStyle(Qt::DotLine);
    painter->setPen(pen);
    painter->drawLine(start, end);
    // Arrow head at the callee.
    const QLineF line(end, start);
    const double angle = std::atan2(-line.dy(), line.dx());
    const QPointF left =
        end + QPointF(std::sin(angle + M_PI / 3) * 7, std::cos(angle + M_PI / 3) * 7);
    const QPointF right =
        end + QPointF(std::sin(angle + M_PI - M_PI / 3) * 7, std::cos(angle + M_PI - M_PI / 3) * 7);
    painter->setBrush(pen.color());
    painter->setPen(Qt::NoPen);
    painter->drawPolygon(QPolygonF({end, left, right}));

    QString label;
    if (m_state.rate && *m_state.rate > 0)
      label = rateText(*m_state.rate);
    else if (idle_alternative)
      label = QStringLiteral("without %1").arg(QString::fromStdString(m_state.conditional));
    for (const sim::FaultWindow& fault : m_state.faults)
      label += (label.isEmpty() ? QString() : QStringLiteral(" ")) + QStringLiteral("⚡") +
               QString::fromStdString(faultTag(fault.kind));
    // A rate that does not fit between the boxes is left out (the callee's
    // box shows its own rate); a fault is always named.
    const double room = QLineF(start, end).length();
    if (!label.isEmpty() && (faulty || room >= pillWidth(label, 6.5, false) + 6)) {
      const QPointF middle = (start + end) / 2;
      paintPill(painter, middle, label,
                faulty ? QColor(0xb7, 0x1c, 0x1c) : QColor(255, 255, 255, 230),
                faulty ? Qt::white : QColor(0x37, 0x47, 0x4f), 6.5, faulty);
    }
  }

 private:
  // Where the line leaves the caller's box and enters the callee's.
  std::pair<QPointF, QPointF> endpoints() const {
    const QPointF a = m_from->pos();
    const QPointF b = m_to->pos();
    return {clip(a, b), clip(b, a)};
  }
  static QPointF clip(QPointF center, QPointF toward) {
    const QPointF delta = toward - center;
    if (delta.isNull())
      return center;
    const double sx = delta.x() != 0 ? (kNodeWidth / 2 + 2) / std::abs(delta.x()) : 1e9;
    const double sy = delta.y() != 0 ? (kNodeHeight / 2 + 2) / std::abs(delta.y()) : 1e9;
    return center + delta * std::min({sx, sy, 1.0});
  }

  NodeItem* m_from;
  NodeItem* m_to;
  LinkState m_state;
};

TopologyView::TopologyView(QWidget* parent)
    : QGraphicsView(parent), m_scene(new QGraphicsScene(this)) {
  setScene(m_scene);
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
  setBackgroundBrush(QColor(0xfa, 0xfa, 0xfa));
  setMinimumSize(320, 240);
  connect(m_scene, &QGraphicsScene::selectionChanged, this, &TopologyView::onSelectionChanged);
}

TopologyView::~TopologyView() {
  // The scene clears its items (and so the selection) when it goes.
  disconnect(m_scene, nullptr, this, nullptr);
}

void TopologyView::setTopology(const sim::Topology& topology) {
  const QString previous = selectedComponent();
  m_scene->clear();
  m_nodes.clear();
  m_links.clear();
  m_positions = topology.layout();
  for (const sim::ComponentSpec& component : topology.components) {
    auto* node = new NodeItem(component);
    m_scene->addItem(node);
    m_nodes[component.name] = node;
  }
  for (const sim::LinkSpec& link : topology.links) {
    auto from = m_nodes.find(link.from);
    auto to = m_nodes.find(link.to);
    if (from == m_nodes.end() || to == m_nodes.end())
      continue;
    auto* item = new LinkItem(from->second, to->second);
    m_scene->addItem(item);
    m_links.push_back(item);
  }
  m_auto_fit = true;
  relayout();
  fitAll();
  if (!previous.isEmpty())
    selectComponent(previous);
}

void TopologyView::updateHealth(const HealthModel& model) {
  for (auto& [name, node] : m_nodes) {
    if (const ComponentHealth* state = model.component(name))
      node->setState(*state);
  }
  const auto& links = model.links();
  std::size_t item_index = 0;
  for (const LinkState& link : links) {
    if (!m_nodes.contains(link.from) || !m_nodes.contains(link.to))
      continue;
    if (item_index < m_links.size())
      m_links[item_index++]->setState(link);
  }
  viewport()->update();
}

void TopologyView::selectComponent(const QString& name) {
  m_scene->clearSelection();
  if (auto found = m_nodes.find(name.toStdString()); found != m_nodes.end())
    found->second->setSelected(true);
}

QString TopologyView::selectedComponent() const {
  for (QGraphicsItem* item : m_scene->selectedItems()) {
    if (auto* node = qgraphicsitem_cast<NodeItem*>(item))
      return QString::fromStdString(node->spec().name);
  }
  return {};
}

Health TopologyView::healthOf(const QString& name) const {
  auto found = m_nodes.find(name.toStdString());
  return found == m_nodes.end() ? Health::Ok : found->second->state().health;
}

QColor TopologyView::colorOf(const QString& name) const {
  auto found = m_nodes.find(name.toStdString());
  return found == m_nodes.end() ? QColor() : healthColor(found->second->state().health);
}

QPoint TopologyView::nodeCenter(const QString& name) const {
  auto found = m_nodes.find(name.toStdString());
  return found == m_nodes.end() ? QPoint() : mapFromScene(found->second->pos());
}

void TopologyView::relayout() {
  if (m_positions.empty())
    return;
  double min_x = 1e18, max_x = -1e18, min_y = 1e18, max_y = -1e18;
  for (const auto& [name, point] : m_positions) {
    min_x = std::min(min_x, point.x);
    max_x = std::max(max_x, point.x);
    min_y = std::min(min_y, point.y);
    max_y = std::max(max_y, point.y);
  }
  // Columns are fixed; rows stretch so that the drawing fills the view's
  // height at the scale its width allows.
  const double width = (max_x - min_x) * kColumnSpacing + kNodeWidth + 2 * kMargin;
  const QSize view = viewport()->size();
  const double scale = std::min(1.6, std::max(0.2, view.width() / width));
  double row = kMinRowSpacing;
  if (max_y > min_y) {
    row = (view.height() / scale - kNodeHeight - 2 * kMargin - 20) / (max_y - min_y);
    row = std::clamp(row, kMinRowSpacing, kMaxRowSpacing);
  }
  for (auto& [name, node] : m_nodes) {
    const sim::Point point = m_positions.at(name);
    node->setPos((point.x - min_x) * kColumnSpacing, (point.y - min_y) * row);
  }
  for (LinkItem* link : m_links)
    link->moved();
  const QRectF bounds(-kNodeWidth / 2 - kMargin, -kNodeHeight / 2 - kMargin - 20, width,
                      (max_y - min_y) * row + kNodeHeight + 2 * kMargin + 20);
  m_scene->setSceneRect(bounds);
}

void TopologyView::zoomIn() {
  zoomBy(1.2);
}
void TopologyView::zoomOut() {
  zoomBy(1 / 1.2);
}

void TopologyView::fitAll() {
  if (m_scene->items().isEmpty())
    return;
  fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
  // Never blow a small topology up past 1.6 times its size.
  if (transform().m11() > 1.6)
    setTransform(QTransform::fromScale(1.6, 1.6));
  m_auto_fit = true;
}

void TopologyView::zoomBy(double factor) {
  const double scale = transform().m11() * factor;
  if (scale < 0.1 || scale > 8)
    return;
  this->scale(factor, factor);
  m_auto_fit = false;
}

void TopologyView::wheelEvent(QWheelEvent* event) {
  const double steps = event->angleDelta().y() / 120.0;
  if (steps != 0)
    zoomBy(std::pow(1.15, steps));
  event->accept();
}

void TopologyView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (m_auto_fit) {
    relayout();
    fitAll();
  }
}

void TopologyView::drawForeground(QPainter* painter, const QRectF&) {
  // The colour legend, fixed in the view's top-left corner.
  painter->save();
  painter->resetTransform();
  painter->setRenderHint(QPainter::Antialiasing);
  QFont font = this->font();
  font.setPointSizeF(8);
  painter->setFont(font);
  const QFontMetrics metrics(font);
  struct Entry {
    QColor color;
    QString text;
  };
  const Entry entries[] = {
      {healthColor(Health::Ok), tr("OK")},
      {healthColor(Health::Degraded), tr("Degraded (>1% failing, >85% busy, lag >1s)")},
      {healthColor(Health::Down), tr("Down (fault or >50% failing)")},
  };
  int x = 8;
  const int y = 8;
  const int height = metrics.height() + 6;
  int width = 8;
  for (const Entry& entry : entries)
    width += 16 + metrics.horizontalAdvance(entry.text) + 12;
  width += metrics.horizontalAdvance(QStringLiteral("⚡ fault active")) + 20;
  painter->setPen(QColor(0xcf, 0xd8, 0xdc));
  painter->setBrush(QColor(255, 255, 255, 235));
  painter->drawRoundedRect(QRect(x - 4, y, width, height), 4, 4);
  for (const Entry& entry : entries) {
    painter->setPen(QColor(0x61, 0x61, 0x61));
    painter->setBrush(entry.color);
    painter->drawRoundedRect(QRect(x, y + height / 2 - 5, 12, 10), 3, 3);
    x += 16;
    painter->setPen(QColor(0x21, 0x21, 0x21));
    painter->drawText(QRect(x, y, metrics.horizontalAdvance(entry.text) + 4, height),
                      Qt::AlignVCenter, entry.text);
    x += metrics.horizontalAdvance(entry.text) + 12;
  }
  painter->setPen(QColor(0xb7, 0x1c, 0x1c));
  painter->drawText(QRect(x, y, width, height), Qt::AlignVCenter, QStringLiteral("⚡ fault active"));
  painter->restore();
}

void TopologyView::onSelectionChanged() {
  Q_EMIT componentSelected(selectedComponent());
}

}  // namespace staylab::ui
