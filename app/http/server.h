#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "app/http/auth.h"
#include "app/platform/platform.h"

// staylab-cli serve: the platform's gateway as an HTTP/1.1 JSON API.
namespace staylab::app::http {

struct ServeOptions {
  std::string host = "127.0.0.1";  // Default: 127.0.0.1.
  int port = 8080;                 // 0 picks a free port (printed). Default: 8080.
  std::filesystem::path data_dir;
  Durability durability = Durability::Full;  // Default: Full (fsync per commit).
  size_t threads = 32;      // Connections served at once (keep-alive holds one). Default: 32.
  size_t max_queued = 256;  // Accepted connections waiting for a thread; more wait in the
                            // kernel's backlog. Default: 256.
  size_t max_body_bytes = 1 << 20;  // Larger bodies get 413. Default: 1 MiB.
  RateLimit rate_limit;
  std::chrono::milliseconds wait_timeout{5000};  // consistency=wait bound. Default: 5 s.
  // The event log and booking store on servers (PlatformOptions::servers). Default: none.
  ServerEngines servers;
};

// Serves until SIGTERM or SIGINT, then stops taking connections, finishes the
// requests in flight, drains the pipeline and closes the platform. Prints
// "listening on http://HOST:PORT" on `out` once it accepts connections.
// Returns the exit code: 0 after a clean stop; 2 for bad options or a
// listen address it cannot bind; 3 when a store fails to open or another
// server holds the data directory.
int serve(const ServeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace staylab::app::http
