#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "app/http/metrics.h"
#include "app/platform/platform.h"

// The platform's asynchronous paths, run continuously while the server
// serves: the relay (outboxes -> log), the search and history projections and
// fraud detection (log -> read models), fraud detection's actions.
namespace staylab::app::http {

// Thread safety: every public method is safe from any thread. The pump and
// the consumers it drives are used only under m_pump_mutex: by the pipeline's
// thread for its rounds, and by withConsumers() for readers of fraud
// detection's in-memory state and of the consumers' offsets.
class Pipeline {
 public:
  struct Options {
    // How long the thread sleeps when a round found nothing to do and no
    // commit woke it. Default: 20 ms.
    std::chrono::milliseconds idle_wait{20};
    // How long it waits after a failed round before the next. Default: 200 ms.
    std::chrono::milliseconds failure_wait{200};
    // The pump's batch: PlatformOptions::pump_batch of the platform. Default: 4096.
    size_t batch = 4096;
  };

  // Keeps a reference to `platform`, which must outlive it.
  Pipeline(Platform& platform, Options options) : m_platform(platform), m_options(options) {}
  ~Pipeline() { stop(); }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Starts the thread. Call once.
  void start();
  // Stops the thread after its current round, then drains once more on the
  // caller's thread so that nothing committed is left unrelayed or
  // unapplied. Returns that drain's error, if any. Idempotent.
  Result<void> stop();

  // Tells the pipeline that a change was committed; returns a ticket for
  // waitUntilApplied().
  uint64_t committed();
  // Waits until a round that started after the ticket's commit has relayed
  // every outbox and brought the search and history projections to the end
  // of the log, or until `timeout`. Returns true when that happened.
  bool waitUntilApplied(uint64_t ticket, std::chrono::milliseconds timeout);

  // Returns the outbox depth, each consumer's lag, and the rounds so far.
  PipelineStatus status();
  // Runs `read` with the pump stopped between rounds, for readers of state
  // the consumers hold in memory (fraud detection's suspicions).
  void withConsumers(const std::function<void(Platform&)>& read);

 private:
  void run();

  Platform& m_platform;
  Options m_options;
  std::mutex m_pump_mutex;            // Held for each round and by withConsumers().
  std::mutex m_mutex;                 // Guards what follows.
  std::condition_variable m_wake;     // A commit happened, or stop.
  std::condition_variable m_applied;  // A round completed up to some ticket.
  uint64_t m_committed = 0;           // GUARDED_BY(m_mutex)
  uint64_t m_applied_through = 0;     // GUARDED_BY(m_mutex)
  bool m_stopping = false;            // GUARDED_BY(m_mutex)
  bool m_stopped = false;             // GUARDED_BY(m_mutex)
  std::string m_last_error;           // GUARDED_BY(m_mutex)
  uint64_t m_rounds = 0;              // GUARDED_BY(m_mutex)
  uint64_t m_failed_rounds = 0;       // GUARDED_BY(m_mutex)
  std::thread m_thread;
};

}  // namespace staylab::app::http
