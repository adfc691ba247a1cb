#pragma once

// The faults the simulator injects into the platform, by target. The board
// only holds state; the decorators of simulator/faults/faulty_ports.h (store
// faults) and simulator/faults/delivery_fault_log.h (delivery faults) read it
// on every call, so the adapters never know they are being faulted.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "domain/common/error.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/kernel/simulation.h"

namespace staylab::sim {

// Returns `base` plus a uniform offset in [-jitter, +jitter], never below 0. Draws once from
// `generator` when jitter > 0, not at all otherwise.
Nanos jittered(Generator& generator, Nanos base, Nanos jitter);

// The faults active now, keyed by target name (a topology component such as "booking-db", or a
// topic such as "booking"). Written by the engine at fault start/end (virtual time), read by
// the decorators on each call.
//
// Thread safety: none. The board belongs to the simulation's thread.
//
// Determinism: every probability and jitter is drawn from a Generator of the target's own, seeded
// from (seed, "fault:" + target) through RandomStreams, so a target's draws depend only on the
// seed and the sequence of calls made on that target, never on other targets or on addresses.
// Clearing a fault keeps the target's generator and counters: a fault that comes back continues
// the same stream.
//
// Values are sanitised rather than refused: probabilities are clamped to [0, 1] (NaN counts as
// 0), negative durations to 0 and windows below 2 clear the reorder fault.
class FaultBoard {
 public:
  // Error codes of the failures beforeCall() injects. Both are ErrorKind::StoreFailure and name
  // the target in Error::field.
  static constexpr std::string_view kOutageCode = "fault.store_outage";
  static constexpr std::string_view kErrorCode = "fault.store_error";

  explicit FaultBoard(std::uint64_t seed);

  // Returns the seed the board was made with.
  std::uint64_t seed() const { return m_seed; }

  // Virtual time now (ns), set by the engine before it runs real code.
  void setNow(Nanos now) { m_now = now; }
  Nanos now() const { return m_now; }

  // Store faults (target = store component name).
  void setOutage(std::string_view target, bool active);
  // Sets the latency added to every call that passes: latency +- uniform jitter. Latency 0 clears.
  void setLatency(std::string_view target, Nanos latency, Nanos jitter);
  // Sets the probability that a call fails with kErrorCode. 0 clears.
  void setErrorRate(std::string_view target, double probability);

  // Delivery faults (target = topic name).
  // Sets the probability that a record is delivered twice in a row. 0 clears.
  void setDuplicate(std::string_view topic, double probability);
  // Sets how long after it occurred a record becomes visible: delay +- uniform jitter per record.
  // Delay 0 clears.
  void setDelay(std::string_view topic, Nanos delay, Nanos jitter);
  // Sets the size of the chunks a read's records are shuffled in. 0 or 1 clears.
  void setReorder(std::string_view topic, int window);

  // Clears every fault of every target (counters and generators are kept).
  void clearAll();
  // Returns whether any fault of any target is active.
  bool anyActive() const;
  // Returns whether any fault of `target` is active.
  bool anyActive(std::string_view target) const;

  // For store decorators: called before each port call. Returns, in this order of precedence:
  // - StoreFailure kOutageCode, field = target, message "<target> is down (injected outage)",
  //   when the target has an outage;
  // - StoreFailure kErrorCode, field = target, message "<target> failed (injected error)", with
  //   the target's error-rate probability (one draw per call while the rate is non-zero);
  // - otherwise success, after adding the target's latency +- uniform jitter (never below 0; one
  //   draw per call while the jitter is non-zero) to the pending charge. A refused call charges
  //   nothing: it models a fast "connection refused" answer.
  [[nodiscard]] Result<void> beforeCall(std::string_view target);
  // Returns the virtual delay charged by latency faults since the last call, and resets it.
  // The engine awaits it in virtual time after the real call returns.
  Nanos takeCharge();
  // Returns the charge pending, without resetting it.
  Nanos pendingCharge() const { return m_pending_charge; }

  // For the delivery decorator.
  double duplicateProbability(std::string_view topic) const;
  std::pair<Nanos, Nanos> delay(std::string_view topic) const;  // (delay, jitter)
  int reorderWindow(std::string_view topic) const;
  // Returns the target's stream (created on first use; the reference stays valid for the
  // board's life).
  Generator& generator(std::string_view target);

  // Counters for tests and metrics.
  // Returns how many calls beforeCall() failed for `target`, whatever the code.
  std::uint64_t injectedFailures(std::string_view target) const;
  // Returns how many calls beforeCall() failed for `target` with error code `code`.
  std::uint64_t injectedFailures(std::string_view target, std::string_view code) const;
  // Returns how many extra copies of records the delivery decorator delivered on `topic`.
  std::uint64_t duplicatesDelivered(std::string_view topic) const;
  // Returns how many delivered records of `topic` the delivery decorator moved from their place.
  std::uint64_t reordered(std::string_view topic) const;
  // Returns how many records of `topic` a delay fault has withheld (summed over reads, so a
  // record withheld by three reads counts three times).
  std::uint64_t withheld(std::string_view topic) const;
  void countDuplicate(std::string_view topic);
  void countReordered(std::string_view topic, std::uint64_t n);
  void countWithheld(std::string_view topic, std::uint64_t n);

 private:
  struct Faults {
    bool outage = false;
    Nanos latency = 0;
    Nanos latency_jitter = 0;
    double error_rate = 0;
    double duplicate = 0;
    Nanos delay = 0;
    Nanos delay_jitter = 0;
    int reorder_window = 0;

    bool active() const {
      return outage || latency > 0 || error_rate > 0 || duplicate > 0 || delay > 0 ||
             reorder_window > 1;
    }
  };
  struct Counters {
    std::map<std::string, std::uint64_t, std::less<>> failures_by_code;
    std::uint64_t failures = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t reordered = 0;
    std::uint64_t withheld = 0;
  };

  Faults& faultsOf(std::string_view target);
  const Faults* findFaults(std::string_view target) const;
  Counters& countersOf(std::string_view target);
  const Counters* findCounters(std::string_view target) const;
  void countFailure(std::string_view target, std::string_view code);

  std::uint64_t m_seed;
  RandomStreams m_streams;
  Nanos m_now = 0;
  Nanos m_pending_charge = 0;
  std::map<std::string, Faults, std::less<>> m_faults;
  std::map<std::string, Counters, std::less<>> m_counters;
  std::map<std::string, Generator, std::less<>> m_generators;  // Nodes are stable: references hold.
};

}  // namespace staylab::sim
