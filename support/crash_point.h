#pragma once

#include <array>
#include <atomic>
#include <string_view>

// Named crash points, in the manner of leveldb's TEST_ hooks: an
// implementation class (never a port) marks a moment where a crash matters,
// e.g. crashPoint("relay.after_append"), and a crash test arms one point in a
// child process through the environment:
//
//   STAYLAB_CRASH_POINT=NAME      kill the process at the first hit of NAME
//   STAYLAB_CRASH_POINT=NAME:N    kill it at the N-th hit (N >= 1)
//
// At the chosen hit the process writes "CRASH-POINT NAME N" to stdout in one
// unbuffered write (so a parent reading it knows where it died) and raises
// SIGKILL: no destructor, atexit handler or stream flush runs, as in a crash.
// A malformed value (empty name, N not a positive integer) is reported on
// stderr and exits the process with status 2 at the first crash point
// reached, so a mistyped test never passes by not crashing.
//
// Every point the code defines is listed in kCrashPoints below:
// arming a name not in that list is refused the same way.
//
// Cost when nothing is armed: one relaxed atomic load per call after the
// first, which reads the environment once. Thread safety: any thread may
// call crashPoint(); hits are counted across threads.
namespace staylab::support {

// Every crash point the code defines, where it is, and what a crash there leaves.
inline constexpr std::array<std::string_view, 6> kCrashPoints = {
    // OutboxRelay::step: a batch appended to the log, still in its outbox.
    "relay.after_append",
    // SqliteBookingStore::transactEach (a group commit): one more booking
    // written inside the open transaction, nothing committed.
    "booking.group_commit.row_written",
    // SearchProjection::applyRuns: the effects and offsets of a step built,
    // not yet given to the index.
    "search_projection.before_commit",
    // HistoryProjection::applyRuns: the cells and offsets of a step in one
    // batch, not yet written.
    "history_projection.before_commit",
    // SqliteFraudStateStore::commit: a step's effects, offsets and pending
    // actions written inside the open transaction, before COMMIT.
    "fraud.state_commit",
    // XapianTextIndex::apply: the documents replaced or deleted inside the
    // open Xapian transaction, before the offsets (metadata) and the commit.
    "xapian.documents_written",
};

namespace detail {
// 0: the environment is not read yet; 1: nothing armed; 2: a point is armed.
extern std::atomic<int> g_crash_point_state;
void crashPointSlow(std::string_view name);
}  // namespace detail

// Kills the process when `name` is the armed crash point and this is its
// armed hit; does nothing otherwise.
inline void crashPoint(std::string_view name) {
  if (detail::g_crash_point_state.load(std::memory_order_relaxed) != 1) {
    detail::crashPointSlow(name);
  }
}

}  // namespace staylab::support
