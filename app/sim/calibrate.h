#pragma once

// `staylab-cli calibrate`: measures the real operations of the platform on
// this machine (each a real SQLite transaction, Xapian query or pump step
// against a freshly seeded platform) and turns them into service-time models
// for the default topology, written as a topology file that scenarios name
// (`topology: { file: calibrated.yaml }`).

#include <filesystem>
#include <string>
#include <vector>

#include "domain/common/error.h"
#include "simulator/kernel/simulation.h"
#include "simulator/topology/topology.h"

namespace staylab::app {

struct CalibrationOptions {
  int properties = 200;  // Listings seeded before measuring.
  int samples = 300;     // Calls measured per user operation.
  std::uint64_t seed = 1;
  std::filesystem::path topologies_dir;  // Where default.yaml is.
};

struct CalibratedOperation {
  std::string component;  // "booking-db"
  std::string operation;  // "write"
  int samples = 0;
  sim::Nanos median = 0;
  sim::Nanos p99 = 0;
};

struct Calibration {
  std::vector<CalibratedOperation> operations;
  sim::Topology topology;  // The default topology with the measured models.
};

// Runs the measurements. Wall-clock figures: not deterministic by nature.
[[nodiscard]] Result<Calibration> calibrate(const CalibrationOptions& options);

// Returns the YAML text of a topology, in the format parseTopologyText reads.
std::string topologyYaml(const sim::Topology& topology);

// Writes the calibrated topology to `file` (through a temporary file and a
// rename, so a reader never sees half of it).
[[nodiscard]] Result<void> writeCalibration(const Calibration& calibration,
                                            const std::filesystem::path& file);

}  // namespace staylab::app
