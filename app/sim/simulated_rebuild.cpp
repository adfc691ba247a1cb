// A rebuild of the search read model during a simulated run (FaultKind::
// Rebuild), as the rebuild_by_replay pattern asks: in place, the live index
// is emptied and the search projection replays the log into it at its
// usual pace, while searches read what it holds so far; blue-green, a second
// index is built beside the live one by a projection of its own, one batch
// per step of the search projection, and the index is switched to it once
// it caught up. Either way the rebuild ends when its read model has caught
// up with the log.

#include <fmt/format.h>

#include "app/sim/simulated_platform.h"
#include "events/search_projection.h"
#include "simulator/faults/faulty_ports.h"
#include "stores/text/xapian_text_index.h"

namespace staylab::app {

Result<void> SimulatedPlatform::rebuild(std::string_view part,
                                        std::optional<sim::RebuildMode> mode) {
  if (part != Platform::kConsumerNames[0])
    return invalidInput("part", "only the search projection is rebuilt during a run, not '{}'",
                        part);
  if (m_crash_position.contains(part))
    return invalidInput("part", "'{}' is down; restart it before a rebuild", part);
  if (m_rebuild && !m_rebuild->done_ns)
    return invalidInput("part", "a rebuild of '{}' is under way", part);
  Rebuild rebuild;
  rebuild.mode = mode.value_or(m_build.blue_green_rebuild ? sim::RebuildMode::BlueGreen
                                                          : sim::RebuildMode::InPlace);
  rebuild.started_ns = m_clock.nowNanos();
  rebuild.events = STAYLAB_TRY(lag(part)).end;
  if (rebuild.mode == sim::RebuildMode::InPlace) {
    // The offsets go with the documents: the projection replays from 0.
    STAYLAB_TRY(m_platform->searchIndex().clear());
    // What it applies again goes into an empty index: not a duplicate.
    m_applied.erase("search");
  } else {
    XapianTextIndex::Options options;
    options.directory = m_data_dir / fmt::format("search-rebuild-{}", m_rebuilds + 1);
    options.creation = StoreCreation::CreateIfMissing;
    options.sync = XapianTextIndex::Sync::Normal;  // As the platform's own in a run.
    // Faults of the search index act on the index built beside it too.
    rebuild.green = sim::decorateWithFaults(STAYLAB_TRY(XapianTextIndex::open(options)), m_faults,
                                            "search-index");
    DeliveryOptions delivery{m_platform->patterns().delivery, &m_clock};
    delivery.poison = PoisonPolicy{PoisonHandling::Skip, 1};  // A rebuild writes no letter.
    rebuild.builder = std::make_unique<SearchProjection>(*rebuild.green, m_platform->consumerLog(),
                                                         SearchProjection::Options{4096, delivery});
  }
  ++m_rebuilds;
  m_rebuild = std::move(rebuild);
  return {};
}

Result<std::size_t> SimulatedPlatform::stepSearch(std::size_t batch) {
  std::size_t moved = STAYLAB_TRY(m_platform->searchProjection().step(batch));
  if (!m_rebuild || m_rebuild->done_ns)
    return moved;
  if (m_rebuild->builder) {
    moved += STAYLAB_TRY(m_rebuild->builder->step(batch));
    if (STAYLAB_TRY(m_rebuild->builder->lag()) > 0)
      return moved;
    // Caught up: searches and the projection move to the new index (its
    // offsets are where the builder stopped), the old one stays aside.
    m_rebuild->builder.reset();
    m_search_index->switchTo(std::move(m_rebuild->green));
  } else if (STAYLAB_TRY(m_platform->searchProjection().lag()) > 0) {
    return moved;
  }
  m_rebuild->done_ns = m_clock.nowNanos();
  return moved;
}

bool SimulatedPlatform::partialIndex() const {
  return m_rebuild && !m_rebuild->done_ns && m_rebuild->mode == sim::RebuildMode::InPlace;
}

}  // namespace staylab::app
