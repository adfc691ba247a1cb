#include "stores/sqlite/shim_vfs.h"

#include <sqlite3.h>

namespace staylab::sqlite::shim_vfs {
namespace {

sqlite3_vfs* realOf(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

int xAccess(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return realOf(vfs)->xAccess(realOf(vfs), name, flags, out);
}
int xFullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return realOf(vfs)->xFullPathname(realOf(vfs), name, size, out);
}
void* xDlOpen(sqlite3_vfs* vfs, const char* name) {
  return realOf(vfs)->xDlOpen(realOf(vfs), name);
}
void xDlError(sqlite3_vfs* vfs, int size, char* out) {
  realOf(vfs)->xDlError(realOf(vfs), size, out);
}
void (*xDlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return realOf(vfs)->xDlSym(realOf(vfs), handle, symbol);
}
void xDlClose(sqlite3_vfs* vfs, void* handle) {
  realOf(vfs)->xDlClose(realOf(vfs), handle);
}
int xRandomness(sqlite3_vfs* vfs, int size, char* out) {
  return realOf(vfs)->xRandomness(realOf(vfs), size, out);
}
int xSleep(sqlite3_vfs* vfs, int micros) {
  return realOf(vfs)->xSleep(realOf(vfs), micros);
}
int xCurrentTime(sqlite3_vfs* vfs, double* out) {
  return realOf(vfs)->xCurrentTime(realOf(vfs), out);
}
int xGetLastError(sqlite3_vfs* vfs, int size, char* out) {
  sqlite3_vfs* real = realOf(vfs);
  return real->xGetLastError ? real->xGetLastError(real, size, out) : 0;
}
int xCurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  sqlite3_vfs* real = realOf(vfs);
  if (real->iVersion >= 2 && real->xCurrentTimeInt64) {
    return real->xCurrentTimeInt64(real, out);
  }
  double days = 0;
  int rc = real->xCurrentTime(real, &days);
  *out = static_cast<sqlite3_int64>(days * 86'400'000.0);
  return rc;
}

}  // namespace

sqlite3_vfs over(sqlite3_vfs* real, const char* name, int own_file_bytes) {
  sqlite3_vfs vfs{};
  vfs.iVersion = 2;
  vfs.szOsFile = own_file_bytes + real->szOsFile;
  vfs.mxPathname = real->mxPathname;
  vfs.zName = name;
  vfs.pAppData = real;
  vfs.xAccess = xAccess;
  vfs.xFullPathname = xFullPathname;
  vfs.xDlOpen = xDlOpen;
  vfs.xDlError = xDlError;
  vfs.xDlSym = xDlSym;
  vfs.xDlClose = xDlClose;
  vfs.xRandomness = xRandomness;
  vfs.xSleep = xSleep;
  vfs.xCurrentTime = xCurrentTime;
  vfs.xGetLastError = xGetLastError;
  vfs.xCurrentTimeInt64 = xCurrentTimeInt64;
  return vfs;
}

}  // namespace staylab::sqlite::shim_vfs
