#include "app/platform/key_ring.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/platform/durable_file.h"

namespace staylab::app {
namespace {

constexpr std::string_view kPrefix = "sk_";
constexpr size_t kIdBytes = 4;       // The public id: 32 bits, 8 hex digits.
constexpr size_t kSecretBytes = 16;  // The secret: 128 bits.
constexpr size_t kSaltBytes = 16;
constexpr size_t kIdDigits = 2 * kIdBytes;

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0x0f]);
  }
  return text;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0) {
    return std::nullopt;
  }
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  std::string bytes;
  for (size_t index = 0; index < text.size(); index += 2) {
    int high = digit(text[index]);
    int low = digit(text[index + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    bytes.push_back(static_cast<char>(high << 4 | low));
  }
  return bytes;
}

// Fills `size` bytes from the kernel's CSPRNG.
Result<std::string> secureRandom(size_t size) {
  std::string bytes(size, '\0');
  size_t filled = 0;
  while (filled < size) {
    ssize_t got = ::getrandom(bytes.data() + filled, size - filled, 0);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return storeFailure("gateway.random", "getrandom failed: {}", std::strerror(errno));
    }
    filled += static_cast<size_t>(got);
  }
  return bytes;
}

std::string digestOf(std::string_view salt, std::string_view key) {
  std::string input(salt);
  input += key;
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sodium_memzero(input.data(), input.size());
  return digest;
}

// Returns the id of a well-formed key ("sk_", 8 hex digits of id and 32 of
// secret), else nullopt.
std::optional<std::string> idOf(std::string_view key) {
  if (!key.starts_with(kPrefix) || key.size() != kPrefix.size() + kIdDigits + 2 * kSecretBytes ||
      !unhex(key.substr(kPrefix.size()))) {
    return std::nullopt;
  }
  return std::string(key.substr(kPrefix.size(), kIdDigits));
}

Error unauthenticated() {
  return Error{ErrorKind::Refused, "gateway.unauthenticated", "api-key",
               "the API key is not known"};
}

}  // namespace

std::string_view toString(Role role) {
  switch (role) {
    case Role::Guest:
      return "guest";
    case Role::Host:
      return "host";
    case Role::FraudService:
      return "fraud-service";
    case Role::Admin:
      return "admin";
  }
  return "unknown";
}

Result<Role> parseRole(std::string_view text) {
  for (Role role : {Role::Guest, Role::Host, Role::FraudService, Role::Admin}) {
    if (toString(role) == text) {
      return role;
    }
  }
  return invalidInput("role", "'{}' is not one of guest, host, fraud-service, admin", text);
}

Result<std::unique_ptr<KeyRing>> KeyRing::open(std::filesystem::path file) {
  if (sodium_init() < 0) {
    return storeFailure("gateway.crypto", "libsodium cannot be initialised");
  }
  std::unique_ptr<KeyRing> ring(new KeyRing(std::move(file)));
  const std::string name = ring->m_file.string();
  struct stat status {};
  if (::stat(ring->m_file.c_str(), &status) != 0) {
    if (errno == ENOENT) {
      return ring;  // No keys issued yet.
    }
    return storeFailure("gateway.keys_read", "cannot read {}: {}", name, std::strerror(errno));
  }
  if ((status.st_mode & 077) != 0) {
    return storeFailure("gateway.keys_exposed",
                        "{} may be read or written by group or others (mode {:o}); it must be "
                        "0600 (chmod 600 {})",
                        name, status.st_mode & 0777, name);
  }
  std::ifstream in(ring->m_file);
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("keys") ||
      !json["keys"].is_array()) {
    return storeFailure("gateway.keys_corrupt", "{} is not a valid key file", name);
  }
  for (const auto& item : json["keys"]) {
    if (item.is_object() && item.contains("key")) {
      return storeFailure("gateway.keys_in_clear",
                          "{} holds API keys in clear, in the format of an older version whose "
                          "keys were predictable; delete it and issue new keys",
                          name);
    }
    auto text_field = [&](const char* field) -> std::string {
      if (!item.is_object() || !item.contains(field) || !item[field].is_string()) {
        return {};
      }
      return item[field].get<std::string>();
    };
    Stored stored;
    stored.entry.id = text_field("id");
    stored.entry.caller.name = text_field("caller");
    auto salt = unhex(text_field("salt"));
    auto digest = unhex(text_field("sha256"));
    auto role = parseRole(text_field("role"));
    if (stored.entry.id.size() != kIdDigits || stored.entry.caller.name.empty() || !salt ||
        salt->size() != kSaltBytes || !digest || digest->size() != crypto_hash_sha256_BYTES ||
        !role) {
      return storeFailure("gateway.keys_corrupt",
                          "{} holds a malformed or empty key entry (each needs an id, a caller, "
                          "a role, a salt and a sha256)",
                          name);
    }
    stored.entry.caller.role = *role;
    stored.salt = std::move(*salt);
    stored.digest = std::move(*digest);
    ring->m_keys.push_back(std::move(stored));
  }
  return ring;
}

Result<Caller> KeyRing::authenticate(std::string_view api_key) const {
  auto id = idOf(api_key);
  if (!id) {
    return std::unexpected(unauthenticated());
  }
  std::lock_guard lock(m_mutex);
  for (const Stored& stored : m_keys) {
    if (stored.entry.id != *id) {
      continue;
    }
    std::string digest = digestOf(stored.salt, api_key);
    if (sodium_memcmp(digest.data(), stored.digest.data(), digest.size()) == 0) {
      return stored.entry.caller;
    }
  }
  return std::unexpected(unauthenticated());
}

Result<std::string> KeyRing::issue(const Caller& caller) {
  std::string key = std::string(kPrefix) + hex(STAYLAB_TRY(secureRandom(kIdBytes))) +
                    hex(STAYLAB_TRY(secureRandom(kSecretBytes)));
  Stored stored;
  stored.entry = KeyEntry{*idOf(key), caller};
  stored.salt = STAYLAB_TRY(secureRandom(kSaltBytes));
  stored.digest = digestOf(stored.salt, key);
  std::lock_guard lock(m_mutex);
  auto keys = m_keys;
  keys.push_back(std::move(stored));
  STAYLAB_TRY(save(keys));
  m_keys = std::move(keys);
  return key;
}

Result<KeyEntry> KeyRing::revoke(std::string_view id) {
  std::lock_guard lock(m_mutex);
  auto keys = m_keys;
  auto found = std::find_if(keys.begin(), keys.end(),
                            [&](const Stored& stored) { return stored.entry.id == id; });
  if (found == keys.end()) {
    return std::unexpected(Error{ErrorKind::NotFound, "gateway.no_such_key", "id",
                                 fmt::format("no API key has the id '{}'", id)});
  }
  KeyEntry revoked = found->entry;
  keys.erase(found);
  STAYLAB_TRY(save(keys));
  m_keys = std::move(keys);
  return revoked;
}

std::vector<KeyEntry> KeyRing::keys() const {
  std::lock_guard lock(m_mutex);
  std::vector<KeyEntry> entries;
  for (const Stored& stored : m_keys) {
    entries.push_back(stored.entry);
  }
  return entries;
}

Result<void> KeyRing::save(const std::vector<Stored>& keys) const {
  nlohmann::json items = nlohmann::json::array();
  for (const Stored& stored : keys) {
    items.push_back({{"id", stored.entry.id},
                     {"caller", stored.entry.caller.name},
                     {"role", toString(stored.entry.caller.role)},
                     {"salt", hex(stored.salt)},
                     {"sha256", hex(stored.digest)}});
  }
  std::string text = nlohmann::json{{"keys", items}}.dump(2) + "\n";
  return writeFileDurably(m_file, text, 0600, "gateway.keys_write");
}

}  // namespace staylab::app
