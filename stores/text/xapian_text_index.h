#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/store_creation.h"
#include "domain/ports/text_index.h"

namespace Xapian {
class WritableDatabase;
}

namespace staylab {

// The TextIndex on a Xapian (glass) database in one directory.
//
// Each property is one Xapian document whose data is the full SearchDocument
// as JSON, so get() returns exactly what was written. Title (counted twice),
// description and city are indexed as English-stemmed free text, without
// term positions (no query needs phrases); city,
// amenities (ASCII case folded), currency and booked nights are boolean
// filter terms; price, capacity and id are value slots for ranges and sorting.
// An unlisted document carries one more boolean term that every search
// excludes.
//
// Query text is split into words by Xapian's own tokeniser and every word
// must match by stem; no query syntax is interpreted, so quotes, AND/OR/NOT,
// brackets, "field:" and "*" are plain words or separators. Blank text
// matches every document with relevance 0; text without a single word (only
// punctuation) matches none. estimated_total is exact up to 10,000 matches.
//
// Batches: upserts are applied in order (a later one with the same id wins),
// then removals, then metadata, all in one Xapian transaction that commits
// before apply() returns (to the disk with Sync::Full; to the operating
// system with Sync::Normal). A metadata key is 1 to 253 bytes (others
// are InvalidInput, on reads too); setting a key to the empty string removes
// it, since Xapian cannot tell an empty value from an absent key. clear()
// deletes every document and metadata key in one transaction.
//
// Errors: InvalidInput as documented on TextIndex, plus text that is not
// well-formed UTF-8. StoreFailure "text.locked" when another writer holds the
// directory, "text.corrupt" for unreadable stored data, "text.engine" for
// any other Xapian or system failure. No exception escapes. A write that
// failed (a full disk, an I/O error) leaves the last commit in place; Xapian
// closes the database after a failed commit, so the next call opens it again
// at that commit and goes on once the cause is gone.
// Thread safety: every method is safe from any thread; calls are serialised
// by one mutex. Only one XapianTextIndex (in any process) may hold a
// directory at a time.
class XapianTextIndex final : public TextIndex {
 public:
  enum class Sync {
    Normal,  // Commits reach the operating system without fsync (Xapian's
             // DB_NO_SYNC): they survive a crash of the process; a power loss
             // may lose recent commits or, as Xapian warns, damage the database,
             // which a projection then rebuilds from its log.
    Full,    // Each commit is fsynced before apply() returns.
  };

  struct Options {
    // Where the database lives. Required.
    std::filesystem::path directory;
    Sync sync = Sync::Full;  // Default: Full.
    // Default: OpenExisting: a directory without a whole Xapian database
    // (its version file, or a table it must have, missing) is StoreFailure
    // "text.missing" and nothing is created. CreateIfMissing creates the
    // directory with its parents and an empty database.
    StoreCreation creation = StoreCreation::OpenExisting;
  };

  // Opens the database in `options.directory` (creating it only as options.creation allows).
  static Result<std::unique_ptr<XapianTextIndex>> open(const Options& options);
  ~XapianTextIndex() override;
  XapianTextIndex(const XapianTextIndex&) = delete;
  XapianTextIndex& operator=(const XapianTextIndex&) = delete;

  // Runs Xapian's own consistency check over every table; StoreFailure
  // "text.corrupt" on damage.
  [[nodiscard]] Result<void> verifyIntegrity();

  [[nodiscard]] Result<void> apply(const TextIndexBatch& batch) override;
  [[nodiscard]] Result<std::optional<SearchDocument>> get(std::string_view id) override;
  [[nodiscard]] Result<SearchPage> search(const SearchQuery& query) override;
  [[nodiscard]] Result<std::optional<std::string>> metadata(std::string_view key) override;
  [[nodiscard]] Result<size_t> documentCount() override;
  [[nodiscard]] Result<std::vector<SearchDocument>> allDocuments() override;
  [[nodiscard]] Result<std::map<std::string, std::string>> allMetadata() override;
  [[nodiscard]] Result<void> clear() override;

 private:
  XapianTextIndex(std::unique_ptr<Xapian::WritableDatabase> database,
                  std::filesystem::path directory, int reopen_flags);
  // Opens the database again when a failed write left it closed. Call locked.
  Result<void> reopenAfterFailedWrite();
  // Runs `body` (a write) translated; notes a failure for the next call.
  template <typename Body>
  Result<void> write(std::string_view what, Body&& body);
  // Replaces the stored version of `document` by changing only its night
  // terms and data, when nothing else differs (what a booking changes): the
  // text is not indexed again. Returns false, having changed nothing, when
  // the document needs a full replacement. Call inside a transaction.
  bool replaceNightsOnly(const SearchDocument& document);

  std::mutex m_mutex;
  // Reads go through the writer too: it always sees its own commits.
  std::unique_ptr<Xapian::WritableDatabase> m_database;  // GUARDED_BY(m_mutex)
  std::filesystem::path m_directory;                     // Immutable after open.
  int m_reopen_flags;                                    // Immutable after open.
  bool m_write_failed = false;                           // GUARDED_BY(m_mutex)
};

}  // namespace staylab
