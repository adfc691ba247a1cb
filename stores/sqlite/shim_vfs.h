#pragma once

// What every shim VFS shares. A shim (the checksum VFS, the tests' fault VFS)
// wraps the VFS that was SQLite's default when it registered, changes how
// files are opened and deleted, and passes every other method through.

struct sqlite3_vfs;

namespace staylab::sqlite::shim_vfs {

// Returns a VFS named `name` over `real`, whose open files take
// `own_file_bytes` of their own before the real VFS's file, and whose every
// method but xOpen and xDelete (left null, for the caller to set) forwards
// to `real`. `real` is kept in pAppData; `name` must outlive the VFS.
sqlite3_vfs over(sqlite3_vfs* real, const char* name, int own_file_bytes);

}  // namespace staylab::sqlite::shim_vfs
