#pragma once

#include <cstdint>
#include <filesystem>

// Failing I/O below every engine at once, for the tests of RocksDB, Xapian
// and plain files, which do not go through SQLite's VFS: this file's
// implementation defines the C library's write, pwrite, pwrite64, writev,
// pwritev, pwritev64, fsync and fdatasync, and the executable that links it
// exports them (CMake ENABLE_EXPORTS), so every caller in the process (the
// statically linked RocksDB, libxapian, libstdc++'s file streams, SQLite)
// reaches them first; they forward to the next definition (dlsym
// RTLD_NEXT). Link it into its own test executable only.
//
// While armed, the n-th write or sync (counted from arm()) to a file whose
// path lies under the armed directory fails with the armed errno, and so
// does every later one, as a broken disk goes on failing, until disarm().
// A failed call writes nothing. Files elsewhere (the test's own output) are
// never touched.
//
// Thread safety: every function may be called from any thread.
namespace staylab::testing::io_fault {

// Fails the `nth` (from 1) and every later write or sync under `directory`
// with `error` (errno). Resets the counters.
void arm(const std::filesystem::path& directory, uint64_t nth, int error);
// Lets every call through again.
void disarm();
// The writes and syncs under the armed directory seen since arm().
uint64_t seen();
// Whether a call failed since arm().
bool fired();

}  // namespace staylab::testing::io_fault
