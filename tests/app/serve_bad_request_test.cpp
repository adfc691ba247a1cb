// Sends `staylab-cli serve` bad requests byte for byte over a raw loopback
// socket (so that bad percent-encoding, unknown methods and oversized parts
// reach the server as written) and checks the contract: the documented
// status, one JSON error object naming the field and the rule, and no change
// to any store (the stores are read before the server starts and after it
// stopped, as the CLI's bad-input test reads them).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/app/serve_server.h"
#include "tests/app/store_snapshot.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

namespace fs = std::filesystem;
using staylab::testing::ServerProcess;
using staylab::testing::TempDir;

constexpr const char* kSeedKey = "seed-key-1";

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // Names in lower case.
  std::string body;
};

// Sends `request` as is on a new connection and reads the answer until the
// server closes it.
RawResponse exchange(int port, const std::string& request) {
  RawResponse response;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    ADD_FAILURE() << "cannot connect to port " << port;
    return response;
  }
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t wrote = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (wrote <= 0) {
      break;  // The server may answer (413) before it read everything.
    }
    sent += static_cast<size_t>(wrote);
  }
  std::string raw;
  char buffer[65536];
  while (true) {
    ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got <= 0) {
      break;
    }
    raw.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  size_t head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) {
    ADD_FAILURE() << "not an HTTP answer: " << raw.substr(0, 200);
    return response;
  }
  response.status = std::stoi(raw.substr(9, 3));
  size_t line = raw.find("\r\n") + 2;
  while (line < head_end) {
    size_t end = raw.find("\r\n", line);
    std::string header = raw.substr(line, end - line);
    size_t colon = header.find(':');
    std::string name = header.substr(0, colon);
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    size_t value = header.find_first_not_of(' ', colon + 1);
    response.headers[name] = value == std::string::npos ? "" : header.substr(value);
    line = end + 2;
  }
  response.body = raw.substr(head_end + 4);
  return response;
}

struct BadRequest {
  BadRequest(std::string name_, std::string method_, std::string target_, std::string key_,
             std::string body_, int status_, std::string code_, std::string field_,
             std::string content_type_ = "application/json",
             std::vector<std::string> extra_headers_ = {}, std::string header_expected_ = "")
      : name(std::move(name_)),
        method(std::move(method_)),
        target(std::move(target_)),
        key(std::move(key_)),
        body(std::move(body_)),
        status(status_),
        code(std::move(code_)),
        field(std::move(field_)),
        content_type(std::move(content_type_)),
        extra_headers(std::move(extra_headers_)),
        header_expected(std::move(header_expected_)) {}

  std::string name;
  std::string method;
  std::string target;
  std::string key;  // "admin", "guest", "host", "fraud", "none", or a literal header value.
  std::string body;
  int status = 400;
  std::string code;   // The error's code; empty: any.
  std::string field;  // The field it names ("" when none).
  std::string content_type;
  std::vector<std::string> extra_headers;
  std::string header_expected;  // A response header that must be present ("allow").
};

std::string validListing() {
  return R"({"host":"host-anna","title":"Flat","city":"Paris","price":"100","currency":"EUR","capacity":2})";
}

std::string listingWith(const std::string& member) {
  return R"({"host":"host-anna","title":"Flat","city":"Paris","currency":"EUR",)" + member + "}";
}

std::string bookingWith(const std::string& members) {
  return R"({"property":"{P1}","guest":"guest-bob",)" + members + "}";
}

std::vector<BadRequest> badRequests() {
  const std::string long_title(200, 't');
  return {
      // Who calls.
      {"NoKey", "GET", "/properties", "none", "", 401, "gateway.unauthenticated", "authorization"},
      {"UnknownKey", "GET", "/properties", "Bearer sk_0123456789abcdef0123456789abcdef", "", 401,
       "gateway.unauthenticated", "authorization"},
      {"BasicScheme", "GET", "/properties", "Basic dXNlcjpwYXNz", "", 401,
       "gateway.unauthenticated", "authorization"},
      {"EmptyBearer", "GET", "/properties", "Bearer ", "", 401, "gateway.unauthenticated",
       "authorization"},
      {"GuestCreatesListing", "POST", "/properties", "guest", validListing(), 403,
       "gateway.forbidden", ""},
      {"GuestReadsEvents", "GET", "/events", "guest", "", 403, "gateway.forbidden", ""},
      // Routes and methods.
      {"UnknownRoute", "GET", "/nope", "admin", "", 404, "http.no_route", "path"},
      {"TrailingSegment", "GET", "/properties/{P1}/rooms", "admin", "", 404, "http.no_route",
       "path"},
      {"DeleteListings",
       "DELETE",
       "/properties",
       "admin",
       "",
       405,
       "http.method_not_allowed",
       "method",
       "application/json",
       {},
       "allow"},
      {"PutBookings",
       "PUT",
       "/bookings",
       "admin",
       "{}",
       405,
       "http.method_not_allowed",
       "method",
       "application/json",
       {},
       "allow"},
      {"UnknownMethod", "BREW", "/properties", "admin", "", 501, "http.unknown_method", "method"},
      {"UnknownListing", "GET", "/properties/prop_nothing", "admin", "", 404,
       "listing.property_not_found", "property"},
      // Percent-encoding and query.
      {"BadPercentInQuery", "GET", "/properties?city=%zz", "admin", "", 400, "http.bad_encoding",
       "city"},
      {"TruncatedPercent", "GET", "/search?q=abc%4", "admin", "", 400, "http.bad_encoding", "q"},
      {"NotUtf8InQuery", "GET", "/search?city=%C3%28", "admin", "", 400, "http.bad_encoding",
       "city"},
      {"NulInPath", "GET", "/properties/a%00b", "admin", "", 400, "http.bad_encoding", "path"},
      {"UnknownParameter", "GET", "/properties?colour=red", "admin", "", 400,
       "http.unknown_parameter", "colour"},
      {"RepeatedPage", "GET", "/properties?page=1&page=2", "admin", "", 400, "input.invalid",
       "page"},
      {"PageZero", "GET", "/search?page=0", "guest", "", 400, "input.invalid", "page"},
      {"UnknownSort", "GET", "/search?sort=cheapest", "guest", "", 400, "input.invalid", "sort"},
      {"FromWithoutTo", "GET", "/search?from=2031-01-05", "guest", "", 400, "input.invalid", "to"},
      {"EventsLimitWord", "GET", "/events?limit=many", "fraud", "", 400, "input.invalid", "limit"},
      {"UnknownTopic", "GET", "/events?topic=weather", "fraud", "", 400, "input.invalid", "topic"},
      {"HistoryOfNothing", "GET", "/history", "admin", "", 400, "input.invalid", "property"},
      {"IdTooLong", "GET", "/properties/" + std::string(65, 'p'), "admin", "", 400, "input.invalid",
       "property"},
      {"TargetTooLong", "GET", "/search?q=" + std::string(9000, 'a'), "admin", "", 414,
       "http.target_too_long", "path"},
      // Bodies.
      {"MalformedJson", "POST", "/properties", "admin", "{\"host\": ", 400, "http.malformed_json",
       "body"},
      {"ArrayBody", "POST", "/properties", "admin", "[1, 2]", 400, "http.malformed_json", "body"},
      {"NotUtf8Json", "POST", "/bookings", "admin", bookingWith("\"from\":\"\xff\"}"), 400,
       "http.malformed_json", "body"},
      {"TextPlainBody", "POST", "/properties", "admin", validListing(), 415,
       "http.unsupported_media_type", "content-type", "text/plain"},
      {"MissingTitle", "POST", "/properties", "admin",
       R"({"host":"host-anna","city":"Paris","price":"1","currency":"EUR","capacity":2})", 400,
       "input.invalid", "title"},
      {"CapacityAsWord", "POST", "/properties", "admin",
       listingWith(R"("price":"1","capacity":"four")"), 400, "input.invalid", "capacity"},
      {"CapacityFraction", "POST", "/properties", "admin",
       listingWith(R"("price":"1","capacity":2.5)"), 400, "input.invalid", "capacity"},
      {"PriceAsBoolean", "POST", "/properties", "admin",
       listingWith(R"("price":true,"capacity":2)"), 400, "input.invalid", "price"},
      {"NegativePrice", "POST", "/properties", "admin", listingWith(R"("price":"-5","capacity":2)"),
       400, "input.invalid", "price"},
      {"AmenitiesNotArray", "POST", "/properties", "admin",
       listingWith(R"("price":"1","capacity":2,"amenities":"wifi")"), 400, "input.invalid",
       "amenities"},
      {"UnknownField", "POST", "/properties", "admin",
       listingWith(R"("price":"1","capacity":2,"colour":"blue")"), 400, "http.unknown_field",
       "colour"},
      {"TitleTooLong", "POST", "/properties", "admin",
       R"({"host":"host-anna","title":")" + long_title +
           R"(","city":"Paris","price":"1","currency":"EUR","capacity":2})",
       400, "input.invalid", "title"},
      {"UnknownCurrency", "POST", "/properties", "admin",
       R"({"host":"host-anna","title":"Flat","city":"Paris","price":"1","currency":"XYZ","capacity":2})",
       400, "input.invalid", "currency"},
      {"PatchWrongType", "PATCH", "/properties/{P1}", "admin", R"({"capacity":"many"})", 400,
       "input.invalid", "capacity"},
      {"ReversedDates", "POST", "/bookings", "admin",
       bookingWith(R"("from":"2031-08-14","to":"2031-08-10")"), 400, "input.invalid", "to"},
      {"February30", "POST", "/bookings", "admin",
       bookingWith(R"("from":"2031-02-30","to":"2031-03-02")"), 400, "input.invalid", "from"},
      {"PastStay", "POST", "/bookings", "admin",
       bookingWith(R"("from":"2020-01-01","to":"2020-01-03")"), 400, "input.invalid", "from"},
      {"ZeroGuests", "POST", "/bookings", "admin",
       bookingWith(R"("from":"2031-08-10","to":"2031-08-12","guests":0)"), 400, "input.invalid",
       "guests"},
      {"MissingDates", "POST", "/bookings", "admin", bookingWith(R"("guests":2)"), 400,
       "input.invalid", "from"},
      {"UnknownConsistency", "POST", "/bookings?consistency=maybe", "admin",
       bookingWith(R"("from":"2031-08-10","to":"2031-08-12")"), 400, "input.invalid",
       "consistency"},
      {"IdempotencyKeyTooLong",
       "POST",
       "/bookings",
       "admin",
       bookingWith(R"("from":"2031-08-10","to":"2031-08-12")"),
       400,
       "input.invalid",
       "idempotency-key",
       "application/json",
       {"Idempotency-Key: " + std::string(300, 'k')}},
      {"KeyReusedForOtherStay",
       "POST",
       "/bookings",
       "admin",
       bookingWith(R"("from":"2031-09-10","to":"2031-09-12","guests":2)"),
       400,
       "",
       "",
       "application/json",
       {std::string("Idempotency-Key: ") + kSeedKey}},
      {"BookingUnknownListing", "POST", "/bookings", "admin",
       R"({"property":"prop_nothing","guest":"guest-bob","from":"2031-08-10","to":"2031-08-12"})",
       404, "listing.property_not_found", "property"},
      {"HugeBody", "POST", "/bookings", "admin",
       bookingWith(R"("from":"2031-08-10","to":"2031-08-12","ip":")" + std::string(2 << 20, 'x') +
                   "\""),
       413, "http.body_too_large", "body"},
  };
}

class ServeBadRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_data = m_dir.path() / "data";
    m_keys["admin"] = staylab::testing::addKey(m_data, "ops", "admin");
    m_keys["guest"] = staylab::testing::addKey(m_data, "guest-bob", "guest");
    m_keys["host"] = staylab::testing::addKey(m_data, "host-anna", "host");
    m_keys["fraud"] = staylab::testing::addKey(m_data, "fraud-bot", "fraud-service");
    m_ids["{P1}"] =
        staylab::testing::cliJson(
            m_data, {"property", "create", "--host", "host-anna", "--title", "Sunny flat", "--city",
                     "Paris", "--price", "120.50", "--currency", "EUR", "--capacity", "4"})
            .at("id");
    staylab::testing::cliJson(
        m_data, {"book", "--property", m_ids["{P1}"], "--guest", "guest-bob", "--from",
                 "2031-05-01", "--to", "2031-05-04", "--key", kSeedKey});
  }

  std::string expand(std::string text) const {
    for (const auto& [token, id] : m_ids) {
      for (size_t at = text.find(token); at != std::string::npos; at = text.find(token)) {
        text.replace(at, token.size(), id);
      }
    }
    return text;
  }

  std::string request(const BadRequest& bad) const {
    std::string text = fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
                                   bad.method, expand(bad.target));
    if (bad.key != "none") {
      auto found = m_keys.find(bad.key);
      text += "Authorization: " + (found != m_keys.end() ? "Bearer " + found->second : bad.key) +
              "\r\n";
    }
    for (const auto& header : bad.extra_headers) {
      text += header + "\r\n";
    }
    const std::string body = expand(bad.body);
    if (!body.empty()) {
      text +=
          fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", bad.content_type, body.size());
    }
    return text + "\r\n" + body;
  }

  TempDir m_dir;
  fs::path m_data;
  std::map<std::string, std::string> m_keys;
  std::map<std::string, std::string> m_ids;
};

TEST_F(ServeBadRequestTest, EachGetsItsStatusAndAJsonErrorAndNoStoreChanges) {
  const auto cases = badRequests();
  ASSERT_GE(cases.size(), 30u);
  const auto before = staylab::testing::snapshotStores(m_data, {kSeedKey});
  {
    ServerProcess server(m_data);
    for (const BadRequest& bad : cases) {
      SCOPED_TRACE(bad.name);
      RawResponse response = exchange(server.port(), request(bad));
      EXPECT_EQ(response.status, bad.status) << response.body;
      EXPECT_EQ(response.headers["content-type"], "application/json");
      auto json = staylab::testing::parseBody(response.body);
      ASSERT_TRUE(json.is_object() && json.contains("error")) << response.body;
      const auto& error = json["error"];
      for (const char* member : {"kind", "code", "field", "message"}) {
        EXPECT_TRUE(error.contains(member) && error[member].is_string()) << response.body;
      }
      EXPECT_FALSE(error.value("message", "").empty()) << response.body;
      if (!bad.code.empty()) {
        EXPECT_EQ(error.value("code", ""), bad.code) << response.body;
        EXPECT_EQ(error.value("field", ""), bad.field) << response.body;
      }
      if (!bad.header_expected.empty()) {
        EXPECT_TRUE(response.headers.contains(bad.header_expected)) << bad.header_expected;
      }
    }
    EXPECT_EQ(server.terminate(), 0);
  }
  const auto after = staylab::testing::snapshotStores(m_data, {kSeedKey});
  EXPECT_EQ(before.toString(), after.toString());
}

}  // namespace
}  // namespace staylab
