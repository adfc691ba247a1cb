#include "app/http/server.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <ostream>
#include <thread>
#include <vector>

#include "app/http/dispatcher.h"
#include "app/http/pipeline.h"
#include "app/http/routes.h"
#include "app/platform/api_json.h"
#include "app/platform/data_dir_lock.h"

namespace staylab::app::http {
namespace {

// httplib's task queue with a bound: at most `max_queued` accepted
// connections wait for one of `threads` workers; beyond that the accepting
// thread waits, and new connections wait in the kernel's listen backlog.
// Shutting down runs every queued connection before the workers end.
class BoundedPool final : public httplib::TaskQueue {
 public:
  BoundedPool(size_t threads, size_t max_queued) : m_max_queued(max_queued) {
    for (size_t index = 0; index < threads; ++index) {
      m_workers.emplace_back([this] { work(); });
    }
  }
  ~BoundedPool() override { shutdown(); }

  void enqueue(std::function<void()> job) override {
    std::unique_lock lock(m_mutex);
    m_space.wait(lock, [&] { return m_jobs.size() < m_max_queued || m_shutdown; });
    m_jobs.push_back(std::move(job));
    m_ready.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(m_mutex);
      if (m_shutdown) {
        return;
      }
      m_shutdown = true;
    }
    m_ready.notify_all();
    m_space.notify_all();
    for (auto& worker : m_workers) {
      worker.join();
    }
  }

 private:
  void work() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [&] { return !m_jobs.empty() || m_shutdown; });
        if (m_jobs.empty()) {
          return;
        }
        job = std::move(m_jobs.front());
        m_jobs.pop_front();
        m_space.notify_one();
      }
      job();
    }
  }

  const size_t m_max_queued;
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::condition_variable m_space;
  std::deque<std::function<void()>> m_jobs;  // GUARDED_BY(m_mutex)
  bool m_shutdown = false;                   // GUARDED_BY(m_mutex)
  std::vector<std::thread> m_workers;
};

int report(std::ostream& err, const Error& error, int code) {
  err << "staylab-cli serve: " << toString(error.kind) << ": " << error.describe() << '\n';
  return code;
}

}  // namespace

int serve(const ServeOptions& options, std::ostream& out, std::ostream& err) {
  // SIGTERM and SIGINT are taken by one thread with sigwait(); every thread
  // started from here on inherits the mask, so none is interrupted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client that hangs up mid-answer must not kill the server.
  signal(SIGPIPE, SIG_IGN);

  // One server per data directory, refused at once; a CLI command started
  // while it serves waits for the lock (its --lock-wait) and then gives up.
  auto lock =
      DataDirLock::acquire(options.data_dir, "staylab-cli serve", std::chrono::milliseconds(0));
  if (!lock) {
    return report(err, lock.error(), 3);
  }
  PlatformOptions platform_options;
  platform_options.data_dir = options.data_dir;
  platform_options.mode = OpenMode::InitialiseIfEmpty;
  platform_options.durability = options.durability;
  platform_options.servers = options.servers;
  auto platform = Platform::open(platform_options);
  if (!platform) {
    return report(err, platform.error(), platform.error().kind == ErrorKind::InvalidInput ? 2 : 3);
  }

  Metrics metrics;
  Pipeline pipeline(**platform, Pipeline::Options{.batch = platform_options.pump_batch});
  Services services{**platform, pipeline, metrics, options.wait_timeout};
  Router router;
  addListingRoutes(router, services);
  addBookingRoutes(router, services);
  addReadRoutes(router, services);
  Authenticator auth((*platform)->keys(), options.rate_limit);
  Dispatcher dispatcher(router, auth, metrics);

  httplib::Server server;
  server.new_task_queue = [&options] {
    return new BoundedPool(options.threads, options.max_queued);
  };
  server.set_payload_max_length(options.max_body_bytes);
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_tcp_nodelay(true);
  auto handle = [&dispatcher](const httplib::Request& request, httplib::Response& response) {
    dispatcher.handle(request, response);
  };
  const char* kAnyPath = R"([\s\S]*)";
  server.Get(kAnyPath, handle);
  server.Post(kAnyPath, handle);
  server.Put(kAnyPath, handle);
  server.Patch(kAnyPath, handle);
  server.Delete(kAnyPath, handle);
  server.Options(kAnyPath, handle);
  server.set_error_handler(
      [&dispatcher](const httplib::Request& request, httplib::Response& response) {
        dispatcher.describeHttplibError(request, response);
      });

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.host);
  } else if (!server.bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return report(err,
                  Error{ErrorKind::InvalidInput, "serve.listen", "listen",
                        fmt::format("cannot listen on {}:{} (in use, or not an address of this "
                                    "machine)",
                                    options.host, options.port)},
                  2);
  }

  pipeline.start();
  std::atomic<bool> listen_done{false};
  std::thread signals([&] {
    int received = 0;
    sigwait(&stop_signals, &received);
    services.draining.store(true);
    // stop() does nothing before listen_after_bind() has started running:
    // repeat it until listening has ended.
    while (!listen_done.load()) {
      server.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  out << "listening on http://" << options.host << ":" << port << std::endl;
  const bool listened = server.listen_after_bind();
  listen_done.store(true);
  // listen_after_bind() returns once stop() closed the socket and every
  // connection's requests were answered. Make sure the signal thread ends
  // (a failed listen never saw a signal).
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  int code = 0;
  if (auto drained = pipeline.stop(); !drained) {
    code = report(err, drained.error(), 3);
  }
  platform->reset();
  if (!listened && code == 0) {
    err << "staylab-cli serve: the listening socket failed\n";
    code = 3;
  }
  out << "stopped" << std::endl;
  return code;
}

}  // namespace staylab::app::http
