#pragma once

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "domain/common/error.h"

namespace staylab::rocksdb_open {

// Lets a RocksDB adapter recover, in the same process, from a write that
// failed (a full disk, an I/O error). RocksDB then holds a background error
// and refuses every later write until the database is reopened: in 7.8,
// DB::Resume answers Busy while its own recovery waits, and a write after it
// can trip an assertion. So the adapter marks the gate failed, and the next
// operation reopens the database, under an exclusive hold, before it goes
// on. Every operation holds the gate shared while it uses the database.
//
// A reopen that fails leaves the gate failed: that operation returns the
// reopen's error and the next one tries again, so a server recovers by itself
// once space returns.
class ReopenGate {
 public:
  using Hold = std::shared_lock<std::shared_mutex>;

  // Returns a shared hold on the database, first running `reopen` (a callable
  // returning Result<void>, run under the exclusive hold) when a write failed
  // since the last reopen.
  template <typename Reopen>
  [[nodiscard]] Result<Hold> enter(Reopen&& reopen) {
    if (!m_failed.load(std::memory_order_acquire)) {
      return Hold(m_mutex);
    }
    {
      std::unique_lock exclusive(m_mutex);
      if (m_failed.load(std::memory_order_acquire)) {
        STAYLAB_TRY(std::forward<Reopen>(reopen)());
        m_failed.store(false, std::memory_order_release);
      }
    }
    // A write failing in between marks the gate again; its next caller reopens.
    return Hold(m_mutex);
  }

  // Marks the database as needing a reopen before the next operation.
  void fail() { m_failed.store(true, std::memory_order_release); }

 private:
  std::shared_mutex m_mutex;
  std::atomic<bool> m_failed{false};
};

}  // namespace staylab::rocksdb_open
