#include "tests/support/fault_vfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include "stores/sqlite/shim_vfs.h"

namespace staylab::testing::fault_vfs {
namespace {

// A path's changes since its last sync, for restorePower().
struct PathState {
  bool dirty = false;             // Changed since the last sync.
  int64_t synced_size = 0;        // The size at the last sync (valid when dirty).
  bool created_unsynced = false;  // A new file whose first sync is still to come.
  // The bytes each change overwrote below synced_size, oldest first.
  std::vector<std::pair<int64_t, std::string>> undo;
};

struct State {
  std::mutex mutex;
  std::map<std::string, PathState> paths;
  bool dead = false;
  std::optional<Fault> fault;
  uint64_t fault_index = 0;
  uint64_t armed_at = 0;  // The counter of the fault's kind when it was armed.
  bool fired = false;
  Counters counters;
};

State& state() {
  static State* instance = new State();  // Never destroyed: SQLite may close files at exit.
  return *instance;
}

struct FaultFile {
  sqlite3_file base;  // Must be first: SQLite sees this.
  sqlite3_file* real;
  const char* name;  // SQLite keeps it valid until xClose; null for temporary files.
};

sqlite3_vfs g_vfs;
sqlite3_vfs* g_real = nullptr;

FaultFile* self(sqlite3_file* file) {
  return reinterpret_cast<FaultFile*>(file);
}
sqlite3_file* realOf(sqlite3_file* file) {
  return self(file)->real;
}

// Returns whether the I/O about to happen fails; counts it. Call locked.
bool failsNow(State& s, bool is_sync) {
  uint64_t& counter = is_sync ? s.counters.syncs : s.counters.writes;
  const uint64_t ordinal = counter++;
  if (!s.fault || (*s.fault == Fault::SyncError) != is_sync) {
    return false;
  }
  if (ordinal - s.armed_at < s.fault_index) {
    return false;
  }
  s.fired = true;
  return true;
}

int codeOf(Fault fault) {
  switch (fault) {
    case Fault::DiskFull:
      return SQLITE_FULL;
    case Fault::WriteError:
      return SQLITE_IOERR_WRITE;
    case Fault::SyncError:
      return SQLITE_IOERR_FSYNC;
  }
  return SQLITE_IOERR;
}

// Notes that the file is about to change; the first change after a sync
// remembers the size to return to. Call locked.
PathState* beginChange(State& s, sqlite3_file* file) {
  if (self(file)->name == nullptr) {
    return nullptr;
  }
  PathState& path = s.paths[self(file)->name];
  if (!path.dirty) {
    sqlite3_int64 size = 0;
    realOf(file)->pMethods->xFileSize(realOf(file), &size);
    path.dirty = true;
    path.synced_size = size;
    path.undo.clear();
  }
  return &path;
}

// Keeps the bytes of [offset, offset + amount) that lie below the synced
// size, before they are overwritten. Call locked.
void keepOld(PathState& path, sqlite3_file* real, int64_t offset, int64_t amount) {
  const int64_t end = std::min(offset + amount, path.synced_size);
  if (offset >= end) {
    return;
  }
  std::string old(static_cast<size_t>(end - offset), '\0');
  // A short read zero-fills: those bytes were cut by an earlier truncation,
  // whose own record (restored after this one) brings them back.
  real->pMethods->xRead(real, old.data(), static_cast<int>(old.size()), offset);
  path.undo.emplace_back(offset, std::move(old));
}

int xClose(sqlite3_file* file) {
  sqlite3_file* real = realOf(file);
  int rc = real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
  file->pMethods = nullptr;
  return rc;
}

int xRead(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  return realOf(file)->pMethods->xRead(realOf(file), data, amount, offset);
}

int xWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.dead) {
    return SQLITE_OK;
  }
  if (failsNow(s, false)) {
    return codeOf(*s.fault);
  }
  if (PathState* path = beginChange(s, file)) {
    keepOld(*path, realOf(file), offset, amount);
  }
  return realOf(file)->pMethods->xWrite(realOf(file), data, amount, offset);
}

int xTruncate(sqlite3_file* file, sqlite3_int64 size) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.dead) {
    return SQLITE_OK;
  }
  if (PathState* path = beginChange(s, file)) {
    keepOld(*path, realOf(file), size, path->synced_size - size);
  }
  return realOf(file)->pMethods->xTruncate(realOf(file), size);
}

int xSync(sqlite3_file* file, int flags) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.dead) {
    return SQLITE_OK;
  }
  if (failsNow(s, true)) {
    return codeOf(*s.fault);
  }
  int rc = realOf(file)->pMethods->xSync(realOf(file), flags);
  if (rc == SQLITE_OK && self(file)->name != nullptr) {
    PathState& path = s.paths[self(file)->name];
    path = PathState{};
  }
  return rc;
}

int xFileSize(sqlite3_file* file, sqlite3_int64* size) {
  return realOf(file)->pMethods->xFileSize(realOf(file), size);
}
int xLock(sqlite3_file* file, int lock) {
  return realOf(file)->pMethods->xLock(realOf(file), lock);
}
int xUnlock(sqlite3_file* file, int lock) {
  return realOf(file)->pMethods->xUnlock(realOf(file), lock);
}
int xCheckReservedLock(sqlite3_file* file, int* out) {
  return realOf(file)->pMethods->xCheckReservedLock(realOf(file), out);
}
int xFileControl(sqlite3_file* file, int op, void* arg) {
  if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) {
    // A size hint may grow the file (fallocate): a change like a write.
    State& s = state();
    std::lock_guard lock(s.mutex);
    if (s.dead) {
      return SQLITE_OK;
    }
    beginChange(s, file);
  }
  return realOf(file)->pMethods->xFileControl(realOf(file), op, arg);
}
int xSectorSize(sqlite3_file* file) {
  return realOf(file)->pMethods->xSectorSize(realOf(file));
}
int xDeviceCharacteristics(sqlite3_file* file) {
  return realOf(file)->pMethods->xDeviceCharacteristics(realOf(file));
}
int xShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return realOf(file)->pMethods->xShmMap(realOf(file), region, size, extend, out);
}
int xShmLock(sqlite3_file* file, int offset, int count, int flags) {
  return realOf(file)->pMethods->xShmLock(realOf(file), offset, count, flags);
}
void xShmBarrier(sqlite3_file* file) {
  realOf(file)->pMethods->xShmBarrier(realOf(file));
}
int xShmUnmap(sqlite3_file* file, int delete_flag) {
  return realOf(file)->pMethods->xShmUnmap(realOf(file), delete_flag);
}
int xFetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return realOf(file)->pMethods->xFetch(realOf(file), offset, amount, out);
}
int xUnfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return realOf(file)->pMethods->xUnfetch(realOf(file), offset, page);
}

const sqlite3_io_methods kMethods = {
    3,
    xClose,
    xRead,
    xWrite,
    xTruncate,
    xSync,
    xFileSize,
    xLock,
    xUnlock,
    xCheckReservedLock,
    xFileControl,
    xSectorSize,
    xDeviceCharacteristics,
    xShmMap,
    xShmLock,
    xShmBarrier,
    xShmUnmap,
    xFetch,
    xUnfetch,
};

int xOpen(sqlite3_vfs* /*vfs*/, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* fault_file = self(file);
  std::memset(fault_file, 0, sizeof(FaultFile));
  fault_file->real = reinterpret_cast<sqlite3_file*>(fault_file + 1);
  fault_file->name = name;
  int existed = 1;
  if (name != nullptr) {
    g_real->xAccess(g_real, name, SQLITE_ACCESS_EXISTS, &existed);
  }
  int rc = g_real->xOpen(g_real, name, fault_file->real, flags, out_flags);
  if (fault_file->real->pMethods != nullptr) {
    file->pMethods = &kMethods;
  }
  if (rc == SQLITE_OK && name != nullptr && !existed) {
    State& s = state();
    std::lock_guard lock(s.mutex);
    PathState& path = s.paths[name];
    path = PathState{};
    // See the header: a new main database file's directory entry is assumed
    // durable; a journal's or WAL's becomes durable at its first sync.
    path.created_unsynced = s.dead || (flags & SQLITE_OPEN_MAIN_DB) == 0;
  }
  return rc;
}

int xDelete(sqlite3_vfs*, const char* name, int sync_dir) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.dead) {
    return SQLITE_OK;
  }
  s.paths.erase(name);
  return g_real->xDelete(g_real, name, sync_dir);
}

// Puts one path back as it was at its last sync.
void restore(const std::string& name, const PathState& path) {
  if (path.created_unsynced) {
    ::unlink(name.c_str());
    return;
  }
  if (!path.dirty) {
    return;
  }
  int fd = ::open(name.c_str(), O_WRONLY);
  if (fd < 0) {
    return;  // Deleted since: deletes are durable in this model.
  }
  for (auto undo = path.undo.rbegin(); undo != path.undo.rend(); ++undo) {
    const auto& [offset, bytes] = *undo;
    if (::pwrite(fd, bytes.data(), bytes.size(), offset) != static_cast<ssize_t>(bytes.size())) {
      break;
    }
  }
  if (::ftruncate(fd, path.synced_size) != 0) {
    // Nothing more to do: the test then reads a longer file and says so.
  }
  ::close(fd);
}

}  // namespace

bool install() {
  static const bool installed = [] {
    sqlite3_initialize();
    if (sqlite3_vfs_find("staylab-checksum") != nullptr) {
      return false;  // The checksum VFS already wraps the unix VFS directly.
    }
    g_real = sqlite3_vfs_find(nullptr);
    g_vfs = sqlite::shim_vfs::over(g_real, kName, static_cast<int>(sizeof(FaultFile)));
    g_vfs.xOpen = xOpen;
    g_vfs.xDelete = xDelete;
    return sqlite3_vfs_register(&g_vfs, 1) == SQLITE_OK;
  }();
  return installed;
}

void cutPower() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.dead = true;
}

void restorePower() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  for (const auto& [name, path] : s.paths) {
    restore(name, path);
  }
  s.paths.clear();
  s.dead = false;
}

void killProcess() {
  cutPower();
}

void restartProcess() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.dead = false;
}

void failFrom(Fault fault, uint64_t index) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.fault = fault;
  s.fault_index = index;
  s.armed_at = fault == Fault::SyncError ? s.counters.syncs : s.counters.writes;
  s.fired = false;
}

bool heal() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.fault.reset();
  return std::exchange(s.fired, false);
}

Counters counters() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.counters;
}

}  // namespace staylab::testing::fault_vfs
