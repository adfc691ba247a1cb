#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "domain/common/error.h"
#include "domain/common/store_creation.h"
#include "fraud/fraud_snapshot.h"

namespace staylab::fraud {

inline constexpr std::string_view kSnapshotFileName = "fraud_snapshot.json";

// Keeps one FraudSnapshot in `<directory>/fraud_snapshot.json`.
//
// Durability: save() writes `fraud_snapshot.json.tmp` and renames it over the
// snapshot, so after a crash the file holds either the previous snapshot or the
// new one, never a mix. With Sync::Full it also fsyncs the file before the
// rename and the directory after it, so that holds after a power loss too. The
// file carries a checksum of its content (FNV-1a 64), so a damaged file that is
// still JSON is caught too.
//
// Errors (all StoreFailure): "fraud.snapshot_io" when the file system fails
// (the message names the call and errno text); "fraud.snapshot_corrupt" when the
// file exists but is not a valid snapshot (the message says why);
// "fraud.snapshot_missing" when the directory or the file is gone from a store
// that existed: it is never silently taken for an empty snapshot.
// Thread safety: none; one store object per directory, one owner.
class FraudSnapshotStore {
 public:
  enum class Sync {
    Normal,  // No fsync: a save survives a crash of the process; a power loss
             // may bring back an older snapshot.
    Full,    // Each save is fsynced (file and directory) before it returns.
  };

  // Opens the store in `directory`. With StoreCreation::OpenExisting (the
  // default) the directory and its snapshot file must exist; with
  // CreateIfMissing the directory is created and an empty snapshot saved when
  // none is there. Default sync: Full.
  [[nodiscard]] static Result<std::unique_ptr<FraudSnapshotStore>> open(
      const std::filesystem::path& directory, Sync sync = Sync::Full,
      StoreCreation creation = StoreCreation::OpenExisting);

  // Returns the saved snapshot.
  [[nodiscard]] Result<FraudSnapshot> load() const;
  // Replaces the saved snapshot atomically and durably.
  [[nodiscard]] Result<void> save(const FraudSnapshot& snapshot);

  const std::filesystem::path& file() const { return m_file; }

 private:
  FraudSnapshotStore(std::filesystem::path directory, Sync sync);

  std::filesystem::path m_directory;
  Sync m_sync;
  std::filesystem::path m_file;
  std::filesystem::path m_temp_file;
};

}  // namespace staylab::fraud
