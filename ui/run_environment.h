#pragma once

// What the desktop app is handed by the composition root (app/gui): where
// the shipped scenarios are, how to build the platform each run drives, and
// how to read that platform's stores through the domain's ports. ui/ knows
// the platform through this and the simulator's SystemUnderTest port only.
//
// Plain C++: no Qt.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "domain/ports/booking_store.h"
#include "domain/ports/document_store.h"
#include "domain/ports/event_log.h"
#include "domain/ports/text_index.h"
#include "domain/ports/wide_column_store.h"
#include "simulator/engine/engine.h"
#include "simulator/engine/system.h"

namespace staylab::ui {

// The stores of the platform a run drives, as the ports its services use
// (under the simulator's fault decorators), for the explorers. Fraud
// suspicions are read from the event log's "fraud" topic, where fraud
// detection publishes them.
//
// Threads: as the platform itself, on the engine's runner thread only.
// Lifetime: valid while the system it was made for lives.
class PlatformStores {
 public:
  virtual ~PlatformStores() = default;

  virtual DocumentStore& listings() = 0;   // Listing context: the property documents.
  virtual BookingStore& bookings() = 0;    // Booking context: bookings and their nights.
  virtual WideColumnStore& history() = 0;  // The booking history projection.
  virtual TextIndex& search() = 0;         // The search projection.
  virtual EventLog& eventLog() = 0;        // Every context's events, by topic.
};

struct RunEnvironment {
  // Where the shipped scenarios (scenarios/) and topologies (topologies/) are.
  std::filesystem::path assets_dir;
  // The topics of the platform's event log (sim::EngineOptions::known_topics).
  std::vector<std::string> topics;
  // Builds the platform each run drives (sim::EngineOptions::make_system).
  sim::SystemFactory make_system;
  // Returns the stores of `system`, built by make_system, or null when it
  // has none to show. Called once per run, on the thread that builds it,
  // before the run's runner thread starts.
  std::function<std::unique_ptr<PlatformStores>(sim::SystemUnderTest& system)> stores_of;
};

}  // namespace staylab::ui
