#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/common/error.h"

namespace staylab::app {

enum class Role { Guest, Host, FraudService, Admin };
std::string_view toString(Role role);
Result<Role> parseRole(std::string_view text);

// An authenticated caller: a handle and the role its API key grants.
struct Caller {
  std::string name;
  Role role = Role::Guest;
};

// The key file's name in a data directory.
inline constexpr const char* kKeyFileName = "api-keys.json";

// What the key file says of one key; never the key itself.
struct KeyEntry {
  std::string id;  // Public: the 8 hex digits after "sk_"; names the key in list and revoke.
  Caller caller;
};

// API keys and the callers they stand for, kept in a JSON file
// (api-keys.json in the data directory).
//
// A key is "sk_", 8 hex digits of public id and 32 of secret: 32 and 128
// bits from the operating system's CSPRNG (getrandom), never from the
// platform's seeded random source, whose draws are printed as ids. The id is
// drawn apart from the secret, so what `keys list` shows takes nothing from
// its 128 bits. The file keeps, per key, its id, a random 16-byte salt and
// SHA-256(salt || key), so reading
// the file gives no key away; authentication compares digests in constant
// time. A fast hash is the right one here: a key has 128 bits of entropy, so
// there is no dictionary to slow down (passwords would need Argon2).
//
// The file is written atomically (a temporary file renamed over it) with
// mode 0600. Errors from open() (all StoreFailure, naming the file):
// "gateway.keys_corrupt" for a file that does not parse or holds a malformed
// or empty entry; "gateway.keys_exposed" for a file that grants any
// permission to group or others; "gateway.keys_in_clear" for a file of the
// older format, which held the keys themselves. A missing file is a ring
// with no keys.
//
// Thread safety: safe from any thread.
class KeyRing {
 public:
  static Result<std::unique_ptr<KeyRing>> open(std::filesystem::path file);

  // Returns the caller of `api_key`; Refused "gateway.unauthenticated" when unknown.
  [[nodiscard]] Result<Caller> authenticate(std::string_view api_key) const;
  // Issues a new key for `caller` and saves the ring; returns the key, which
  // is shown this once and kept nowhere.
  [[nodiscard]] Result<std::string> issue(const Caller& caller);
  // Removes the key whose id is `id`; NotFound "gateway.no_such_key" when none.
  [[nodiscard]] Result<KeyEntry> revoke(std::string_view id);
  std::vector<KeyEntry> keys() const;

 private:
  struct Stored {
    KeyEntry entry;
    std::string salt;    // 16 random bytes.
    std::string digest;  // SHA-256(salt || key), 32 bytes.
  };

  explicit KeyRing(std::filesystem::path file) : m_file(std::move(file)) {}
  Result<void> save(const std::vector<Stored>& keys) const;

  std::filesystem::path m_file;
  mutable std::mutex m_mutex;
  std::vector<Stored> m_keys;  // GUARDED_BY(m_mutex)
};

}  // namespace staylab::app
