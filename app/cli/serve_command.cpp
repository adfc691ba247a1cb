// `staylab-cli serve`: the platform as an HTTP/1.1 JSON API (app/http).
#include <iostream>

#include "app/cli/cli.h"
#include "app/cli/cli_commands.h"
#include "app/cli/output.h"
#include "app/http/server.h"
#include "domain/common/text.h"

namespace staylab::app {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  std::string durability = "full";
  std::string threads = "32";
  std::string max_body = "1048576";
  std::string rate_limit = "1000";
  std::string wait_timeout_ms = "5000";
};

// Returns `text` as a count in [low, high]; InvalidInput naming `field`.
Result<int64_t> boundedNumber(const std::string& text, std::string_view field, int64_t low,
                              int64_t high) {
  int64_t value = STAYLAB_TRY(wholeNumber(text, field));
  if (value < low || value > high) {
    return invalidInput(std::string(field), "must be {}..{}, got {}", low, high, value);
  }
  return value;
}

Result<http::ServeOptions> serveOptions(const GlobalOptions& global, const ServeFlags& flags) {
  http::ServeOptions options;
  options.data_dir =
      global.data_dir.empty() ? defaultDataDir() : std::filesystem::path(global.data_dir);
  options.servers = global.servers;
  size_t colon = flags.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return invalidInput("listen", "must be HOST:PORT (e.g. 127.0.0.1:8080), got '{}'",
                        isValidUtf8(flags.listen) ? flags.listen : "(not UTF-8)");
  }
  options.host = flags.listen.substr(0, colon);
  options.port = static_cast<int>(
      STAYLAB_TRY(boundedNumber(flags.listen.substr(colon + 1), "listen", 0, 65535)));
  if (flags.durability == "full") {
    options.durability = Durability::Full;
  } else if (flags.durability == "normal") {
    options.durability = Durability::Normal;
  } else {
    return invalidInput("durability", "must be full or normal, got '{}'",
                        isValidUtf8(flags.durability) ? flags.durability : "(not UTF-8)");
  }
  options.threads =
      static_cast<size_t>(STAYLAB_TRY(boundedNumber(flags.threads, "threads", 1, 1024)));
  options.max_body_bytes =
      static_cast<size_t>(STAYLAB_TRY(boundedNumber(flags.max_body, "max-body", 1024, 64 << 20)));
  const int64_t rate = STAYLAB_TRY(boundedNumber(flags.rate_limit, "rate-limit", 0, 1'000'000));
  options.rate_limit.per_second = static_cast<double>(rate);
  options.rate_limit.burst = static_cast<double>(rate);
  options.wait_timeout = std::chrono::milliseconds(
      STAYLAB_TRY(boundedNumber(flags.wait_timeout_ms, "wait-timeout-ms", 1, 600'000)));
  return options;
}

}  // namespace

void addServeCommand(CLI::App& app, GlobalOptions& global, Standalone& standalone) {
  auto flags = std::make_shared<ServeFlags>();
  auto* serve = app.add_subcommand(
      "serve",
      "Serve the platform as an HTTP/1.1 JSON API until SIGTERM (see README: routes, keys, "
      "status codes)");
  serve->add_option("--listen", flags->listen,
                    "HOST:PORT to listen on (default 127.0.0.1:8080; "
                    "port 0 picks a free one)");
  serve->add_option("--durability", flags->durability,
                    "full (default: fsync per commit) or normal (survives a crash of the "
                    "process, not of the machine)");
  serve->add_option("--threads", flags->threads, "Connections served at once (default 32)");
  serve->add_option("--max-body", flags->max_body, "Largest request body in bytes (default 1 MiB)");
  serve->add_option("--rate-limit", flags->rate_limit,
                    "Requests per second per API key, 0 for none (default 1000)");
  serve->add_option("--wait-timeout-ms", flags->wait_timeout_ms,
                    "Longest wait of POST /bookings?consistency=wait (default 5000)");
  serve->callback([&global, &standalone, flags] {
    standalone = [&global, flags](std::ostream& out, std::ostream& err) -> int {
      auto options = serveOptions(global, *flags);
      if (!options) {
        if (global.json) {
          err << dumpJson(errorJson(options.error())) << '\n';
        } else {
          err << "staylab-cli: " << toString(options.error().kind) << ": "
              << options.error().describe() << '\n';
        }
        return kExitBadInput;
      }
      return http::serve(*options, out, err);
    };
  });
}

}  // namespace staylab::app
