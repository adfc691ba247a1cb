#pragma once

#include <httplib.h>

#include "app/http/auth.h"
#include "app/http/metrics.h"
#include "app/http/router.h"

// Turns one HTTP request into one answer: decodes the target, finds the
// route (404, 405 with Allow), checks the body's media type (415), the
// bearer key (401), the key's rate (429 with Retry-After) and the access
// table (403), runs the handler and maps its error (app/http/status.h). Every
// error is the CLI's JSON error object; nothing a handler throws escapes (a
// 500 without internal detail, logged to stderr).
namespace staylab::app::http {

// Thread safety: safe from any thread once constructed.
class Dispatcher {
 public:
  // Keeps references to everything it is given, which must outlive it.
  Dispatcher(const Router& router, Authenticator& auth, Metrics& metrics)
      : m_router(router), m_auth(auth), m_metrics(metrics) {}

  // Answers a request that httplib read in full.
  void handle(const httplib::Request& request, httplib::Response& response) const;
  // Gives an error httplib raised itself (413 body too large, 414 target too
  // long, 400 unreadable request) the JSON error object and counts it.
  void describeHttplibError(const httplib::Request& request, httplib::Response& response) const;

 private:
  const Router& m_router;
  Authenticator& m_auth;
  Metrics& m_metrics;
};

}  // namespace staylab::app::http
