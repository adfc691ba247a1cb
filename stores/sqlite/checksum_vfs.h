#pragma once

// A SQLite VFS shim that keeps a checksum in the last 8 bytes of every
// database page (the page's "reserved bytes"), so that a byte flipped on disk
// is found when the page is read instead of being served as data. SQLite has
// no page checksums of its own; WAL frames have one, but the checkpointed
// database file does not.
//
// How: a database created through this VFS is given 8 reserved bytes per page
// (SQLITE_FCNTL_RESERVE_BYTES, before its first write). Every page-sized
// write to the database file gets the checksum of the page's other bytes
// written into them; every page-sized read of it is verified and fails with
// SQLITE_IOERR_DATA on a mismatch, which the SQLite layer reports as a
// StoreFailure. The WAL keeps SQLite's own frame checksums; its pages are
// checksummed when a checkpoint writes them into the database file. Whether a file is checksummed
// is read from its header (byte 20, the reserved-byte count, must be 8), so a database made before
// this VFS existed opens as before, unverified. Memory-mapped reads would bypass the check and are
// refused (SQLite then reads through xRead).
//
// Thread safety: register() may be called from any thread, any number of
// times; the VFS itself is as thread-safe as the one it wraps.
namespace staylab::sqlite::checksum_vfs {

// The VFS name to pass to sqlite3_open_v2.
inline constexpr const char* kName = "staylab-checksum";
// The reserved bytes per page that hold the checksum.
inline constexpr int kReservedBytes = 8;

// Registers the VFS (not as the default) once; returns its name.
const char* ensureRegistered();

}  // namespace staylab::sqlite::checksum_vfs
