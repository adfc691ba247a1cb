#pragma once

#include <cstdint>

// A test-only SQLite VFS for power loss and failing I/O, in the spirit of
// SQLite's own test VFSs (test6.c's crash simulation, the I/O-error
// "faultsim" tests) and leveldb's FaultInjectionTestEnv.
//
// Stacking: install() makes it SQLite's default VFS, over the default it
// finds (unix). The production checksum VFS (stores/sqlite/checksum_vfs)
// wraps whatever default VFS exists when the process opens its first
// database, so once install() ran before that, every store opens as
// checksum -> fault -> unix, with no hook in production code. install()
// returns false when it came too late (a database was opened first); each
// test calls it before it opens a store.
//
// Power loss (cutPower / restorePower). What it models: a machine that loses
// power loses every byte written since the file's last xSync, and a WAL or
// journal file created since its first xSync (the unix VFS syncs the
// directory at that first sync), while what was synced stays. Precisely,
// every change to a file (xWrite, xTruncate, a size hint) after its last
// xSync is undone at restorePower(): the old bytes are written back and the
// file is cut back to its size at that sync. A sync on any handle of a path
// makes the path's changes durable, as fsync does for an inode.
// What it does not model: unsynced writes that partly survive (torn or
// reordered sectors: SQLite's test6.c randomises that, this drops them all);
// a disk that acknowledges fsync before the data is safe; a deleted file
// coming back (deletes are durable at once); the directory entry of a main
// database file (SQLite never syncs the directory after creating one: a
// freshly initialised store is assumed to have reached the disk); RocksDB,
// Xapian and plain files, which do not go through SQLite.
//
// Failing I/O (failFrom / heal): the n-th xWrite (or xSync) counted from
// failFrom() and every later one fail with the fault's code until heal(), as
// a full or broken disk goes on failing: DiskFull gives SQLITE_FULL,
// WriteError SQLITE_IOERR_WRITE, SyncError SQLITE_IOERR_FSYNC. A failed
// write changes nothing in the file.
//
// Thread safety: every function may be called from any thread.
namespace staylab::testing::fault_vfs {

// The VFS name (also the default once installed).
inline constexpr const char* kName = "staylab-fault";

// Registers the VFS as the default once. Returns false when the checksum VFS
// was registered before, i.e. stores would bypass this VFS.
[[nodiscard]] bool install();

// The power goes: from now on every write, truncation, sync and delete
// reports success and changes nothing (the machine is dead while the
// process closes its connections).
void cutPower();
// The power returns: every change not synced before cutPower() is undone,
// unsynced new journal and WAL files are removed, and I/O works again.
// Call once every connection is closed.
void restorePower();

// The process is killed (SIGKILL): from now on every write, truncation,
// sync and delete reports success and changes nothing, so closing the
// connections writes nothing, as a killed process cannot.
void killProcess();
// A new process starts: I/O works again, and what the killed one wrote
// stays (synced or not: the machine kept running). Call once every
// connection is closed.
void restartProcess();

enum class Fault {
  DiskFull,    // xWrite fails with SQLITE_FULL (ENOSPC).
  WriteError,  // xWrite fails with SQLITE_IOERR_WRITE (EIO).
  SyncError,   // xSync fails with SQLITE_IOERR_FSYNC (EIO at fsync).
};

// Arms `fault`: the `index`-th (0-based) xWrite (xSync for SyncError) from
// now on, and every later one, fails until heal().
void failFrom(Fault fault, uint64_t index);
// Disarms the fault; returns whether it fired.
bool heal();

// What went through the VFS since install(): calls of xWrite and xSync.
struct Counters {
  uint64_t writes = 0;
  uint64_t syncs = 0;
};
Counters counters();

}  // namespace staylab::testing::fault_vfs
