#include "stores/sqlite/checksum_vfs.h"

#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

#include <sqlite3.h>

#include "stores/sqlite/shim_vfs.h"

namespace staylab::sqlite::checksum_vfs {
namespace {

// One open file: SQLite allocates szOsFile bytes; ours come first, the
// wrapped VFS's file right after them.
struct ChecksumFile {
  sqlite3_file base;  // Must be first: SQLite sees this.
  sqlite3_file* real;
  // Whether pages of this file carry checksums (known from its header).
  bool checksummed;
  bool is_database;  // Only the database file is checksummed (see below).
};

sqlite3_vfs g_vfs;
sqlite3_vfs* g_real = nullptr;

sqlite3_file* realOf(sqlite3_file* file) {
  return reinterpret_cast<ChecksumFile*>(file)->real;
}

bool isPageSized(int amount) {
  return amount >= 512 && amount <= 65536 && (amount & (amount - 1)) == 0;
}

// A 64-bit checksum of `size` bytes (a multiple of 8): each 8-byte word is
// mixed in with a multiply and a shift, so every bit of the page affects it.
uint64_t checksumOf(const unsigned char* data, int size) {
  uint64_t hash = 0x9E3779B97F4A7C15ULL ^ static_cast<uint64_t>(size);
  for (int offset = 0; offset < size; offset += 8) {
    uint64_t word = 0;
    std::memcpy(&word, data + offset, 8);
    hash = (hash ^ word) * 0xFF51AFD7ED558CCDULL;
    hash ^= hash >> 32;
  }
  return hash;
}

// The WAL is left alone: SQLite checksums each frame over the page as it
// hands it over, before the write, so changing the reserved bytes on the way
// to the WAL would make recovery discard committed frames. Pages reach the
// database file at a checkpoint, through xWrite, and get their checksum then.
bool usesChecksums(const ChecksumFile* file) {
  return file->is_database && file->checksummed;
}

// Notes from a database header whether the file's pages carry checksums.
void noteHeader(ChecksumFile* file, const void* data, int amount, sqlite3_int64 offset) {
  if (file->is_database && offset == 0 && amount >= 100) {
    file->checksummed = static_cast<const unsigned char*>(data)[20] == kReservedBytes;
  }
}

int xClose(sqlite3_file* file) {
  sqlite3_file* real = realOf(file);
  int rc = real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
  file->pMethods = nullptr;
  return rc;
}

int xRead(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  auto* self = reinterpret_cast<ChecksumFile*>(file);
  int rc = self->real->pMethods->xRead(self->real, data, amount, offset);
  if (rc != SQLITE_OK) {
    return rc;  // A short read of a new page is zero-filled: nothing to verify.
  }
  noteHeader(self, data, amount, offset);
  if (usesChecksums(self) && isPageSized(amount)) {
    const auto* page = static_cast<const unsigned char*>(data);
    uint64_t stored = 0;
    std::memcpy(&stored, page + amount - kReservedBytes, kReservedBytes);
    if (stored != checksumOf(page, amount - kReservedBytes)) {
      return SQLITE_IOERR_DATA;
    }
  }
  return SQLITE_OK;
}

int xWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  auto* self = reinterpret_cast<ChecksumFile*>(file);
  noteHeader(self, data, amount, offset);
  if (!usesChecksums(self) || !isPageSized(amount)) {
    return self->real->pMethods->xWrite(self->real, data, amount, offset);
  }
  // SQLite's page buffer stays SQLite's: the checksum goes into a copy. Not
  // a thread_local buffer: at exit those are destroyed before static objects,
  // and a database closed by one of them checkpoints its WAL through here
  // (document_body_fuzz found the write into the freed buffer).
  std::vector<unsigned char> page(static_cast<const unsigned char*>(data),
                                  static_cast<const unsigned char*>(data) + amount);
  uint64_t checksum = checksumOf(page.data(), amount - kReservedBytes);
  std::memcpy(page.data() + amount - kReservedBytes, &checksum, kReservedBytes);
  return self->real->pMethods->xWrite(self->real, page.data(), amount, offset);
}

int xTruncate(sqlite3_file* file, sqlite3_int64 size) {
  return realOf(file)->pMethods->xTruncate(realOf(file), size);
}
int xSync(sqlite3_file* file, int flags) {
  return realOf(file)->pMethods->xSync(realOf(file), flags);
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
  if (op == SQLITE_FCNTL_MMAP_SIZE) {
    // Memory-mapped pages would bypass xRead's verification.
    *static_cast<sqlite3_int64*>(arg) = 0;
    return SQLITE_OK;
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
int xFetch(sqlite3_file* /*file*/, sqlite3_int64 /*offset*/, int /*amount*/, void** out) {
  *out = nullptr;  // No memory-mapped pages: every read goes through xRead.
  return SQLITE_OK;
}
int xUnfetch(sqlite3_file* /*file*/, sqlite3_int64 /*offset*/, void* /*page*/) {
  return SQLITE_OK;
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
  auto* self = reinterpret_cast<ChecksumFile*>(file);
  std::memset(self, 0, sizeof(ChecksumFile));
  self->real = reinterpret_cast<sqlite3_file*>(self + 1);
  self->is_database = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  int rc = g_real->xOpen(g_real, name, self->real, flags, out_flags);
  if (self->real->pMethods != nullptr) {
    file->pMethods = &kMethods;
  }
  return rc;
}

int xDelete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
}  // namespace

const char* ensureRegistered() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_initialize();
    g_real = sqlite3_vfs_find(nullptr);
    g_vfs = shim_vfs::over(g_real, kName, static_cast<int>(sizeof(ChecksumFile)));
    g_vfs.xOpen = xOpen;
    g_vfs.xDelete = xDelete;
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return kName;
}

}  // namespace staylab::sqlite::checksum_vfs
