// libFuzzer target for the document store's JSON input: the bytes are read as
// a JSON body (as the HTTP API reads a request body) and written as the
// listing context writes a property document, into the SQLite document store
// and its in-memory twin; what the store keeps is then read back as the
// listing context reads a property (tests/CMakeLists.txt
// staylab_add_fuzz_target: document_body_fuzz, document_body_fuzz_replay).
//
// Beyond "does not crash", every body checks:
//   - the SQLite adapter and the twin accept or refuse it alike, with the same
//     error (document_rules.h: "exactly the same calls with exactly the same
//     errors"), and a refusal is bad input naming "body";
//   - an accepted body reads back equal from both, a lookup on the indexed
//     city_key finds the same documents in both, and a replace and a remove
//     at the right revisions succeed;
//   - Property::fromDocument of the stored body gives a property or refuses
//     with an error, and a property it gives survives toDocument and
//     fromDocument unchanged.
#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/listing/property.h"
#include "stores/document/memory_document_store.h"
#include "stores/document/sqlite_document_store.h"
#include "tests/support/fuzz_checks.h"

namespace {

using namespace staylab;
using fuzz::violated;

constexpr std::string_view kCollection = "properties";
constexpr std::string_view kId = "prop_fuzz";
constexpr std::string_view kIndexedPath = "$.city_key";

// The two stores, opened once per process: the SQLite file in a directory of
// its own under the temporary directory, removed at exit.
struct Stores {
  std::filesystem::path directory;
  std::unique_ptr<SqliteDocumentStore> sqlite;
  MemoryDocumentStore memory;

  Stores() {
    directory = std::filesystem::temp_directory_path() /
                ("staylab-document-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory);
    SqliteDocumentStore::Options options;
    options.path = directory / "listing.db";
    options.creation = StoreCreation::CreateIfMissing;
    auto opened = SqliteDocumentStore::open(options);
    if (!opened) {
      violated("the SQLite document store opens", opened.error().describe());
    }
    sqlite = std::move(*opened);
    if (!sqlite->ensureIndex(kCollection, kIndexedPath) ||
        !memory.ensureIndex(kCollection, kIndexedPath)) {
      violated("the city_key index is created", "");
    }
  }
  ~Stores() {
    sqlite.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }
};

std::string describe(const Error& error) {
  return error.code + " " + error.describe();
}

// Checks that both results succeeded alike, or failed with the same error.
template <typename T>
bool agree(const Result<T>& sqlite, const Result<T>& memory, std::string_view what,
           const std::string& body) {
  if (sqlite.has_value() != memory.has_value() ||
      (!sqlite && describe(sqlite.error()) != describe(memory.error()))) {
    violated(what, body + "\nsqlite: " + (sqlite ? "ok" : describe(sqlite.error())) +
                       "\nmemory: " + (memory ? "ok" : describe(memory.error())));
  }
  return sqlite.has_value();
}

void checkAsProperty(const nlohmann::json& stored, int64_t revision, const std::string& text) {
  const Result<listing::Property> property = listing::Property::fromDocument(stored, revision);
  if (!property) {
    if (property.error().message.empty()) {
      violated("a refused property document says why", text);
    }
    return;
  }
  const Result<listing::Property> again =
      listing::Property::fromDocument(property->toDocument(), revision);
  if (!again || *again != *property) {
    violated("a property survives toDocument and fromDocument", text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Stores stores;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json body =
      nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return 0;
  }
  const std::string shown = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const auto in_sqlite = stores.sqlite->insert(kCollection, kId, body, {});
  const auto in_memory = stores.memory.insert(kCollection, kId, body, {});
  if (!agree(in_sqlite, in_memory, "both stores take or refuse a body alike", shown)) {
    if (in_sqlite.error().field != "body") {
      violated("a refused body is refused as \"body\"", describe(in_sqlite.error()));
    }
    return 0;
  }
  const auto got_sqlite = stores.sqlite->get(kCollection, kId);
  const auto got_memory = stores.memory.get(kCollection, kId);
  if (!got_sqlite || !got_memory || got_sqlite->body != got_memory->body ||
      got_sqlite->body != body) {
    violated("a stored body reads back equal from both stores", shown);
  }
  if (const auto city_key = body.find("city_key");
      city_key != body.end() && city_key->is_string()) {
    const auto found_sqlite = stores.sqlite->findEqual(kCollection, kIndexedPath, *city_key);
    const auto found_memory = stores.memory.findEqual(kCollection, kIndexedPath, *city_key);
    if (agree(found_sqlite, found_memory, "both stores find by city_key alike", shown) &&
        *found_sqlite != *found_memory) {
      violated("both stores find the same documents by city_key", shown);
    }
  }
  checkAsProperty(got_sqlite->body, got_sqlite->revision, shown);

  const auto replaced_sqlite = stores.sqlite->replace(kCollection, kId, 1, body, {});
  const auto replaced_memory = stores.memory.replace(kCollection, kId, 1, body, {});
  if (!replaced_sqlite || !replaced_memory || replaced_sqlite->revision != 2 ||
      replaced_memory->revision != 2) {
    violated("a body taken once is taken again by a replace", shown);
  }
  if (!stores.sqlite->remove(kCollection, kId, 2, {}) ||
      !stores.memory.remove(kCollection, kId, 2, {})) {
    violated("a document is removed at its revision", shown);
  }
  return 0;
}
