#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

// The full logical state of a data directory, for tests that show a request
// changed nothing (the CLI's and the HTTP server's bad-input suites).
namespace staylab::testing {

// One section per store and collection, one line per entry.
struct State {
  std::map<std::string, std::vector<std::string>> sections;

  std::string toString() const;
};

// Opens the platform on `data_dir`, reads everything (documents, bookings,
// nights, outboxes, the log, fraud suspicions, the search count, every
// history cell, and the records of `idempotency_keys`) and closes it again
// (the stores hold locks other processes need).
State snapshotStores(const std::filesystem::path& data_dir,
                     const std::vector<std::string>& idempotency_keys);

}  // namespace staylab::testing
