// The checksum VFS under every SQLite store: a byte flipped in a database
// page is a StoreFailure when the page is read, never a wrong answer, and
// the checksums neither lose committed transactions nor refuse older files.
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "stores/sqlite/sqlite.h"
#include "tests/support/temp_dir.h"

namespace staylab::sqlite {
namespace {

using testing::TempDir;

std::unique_ptr<Database> openDb(const std::filesystem::path& path,
                                 StoreCreation creation = StoreCreation::OpenExisting) {
  OpenOptions options;
  options.path = path;
  options.creation = creation;
  auto db = Database::open(options);
  EXPECT_TRUE(db) << db.error().describe();
  return db ? std::move(*db) : nullptr;
}

Result<std::vector<std::string>> allNames(Database& db) {
  auto statement = STAYLAB_TRY(db.prepare("SELECT name FROM people ORDER BY id"));
  std::vector<std::string> names;
  while (STAYLAB_TRY(statement.step()) == Step::Row) {
    names.push_back(statement.columnText(0));
  }
  return names;
}

void fill(Database& db, int rows) {
  ASSERT_TRUE(db.exec("CREATE TABLE IF NOT EXISTS people (id INTEGER PRIMARY KEY, name TEXT)"));
  ASSERT_TRUE(db.transaction([&]() -> Result<void> {
    for (int row = 0; row < rows; ++row) {
      auto insert = STAYLAB_TRY(db.prepare("INSERT INTO people (name) VALUES (?)"));
      insert.bind(1, fmt::format("needle-{:05}", row));
      STAYLAB_TRY(insert.run());
    }
    return {};
  }));
}

// Overwrites the first occurrence of `needle` in `file` with `replacement`.
void overwrite(const std::filesystem::path& file, const std::string& needle,
               const std::string& replacement) {
  std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  auto at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos) << needle << " is not in " << file;
  stream.seekp(static_cast<std::streamoff>(at));
  stream.write(replacement.data(), static_cast<std::streamsize>(replacement.size()));
}

TEST(SqliteChecksumTest, AFlippedByteInARowIsAStoreFailureNotAWrongAnswer) {
  TempDir dir;
  {
    auto db = openDb(dir / "people.db", StoreCreation::CreateIfMissing);
    fill(*db, 200);
  }  // Closing checkpoints the WAL into the database file.
  ASSERT_FALSE(std::filesystem::exists(dir / "people.db-wal"));
  overwrite(dir / "people.db", "needle-00042", "needle-90042");
  auto db = openDb(dir / "people.db");
  auto names = allNames(*db);
  ASSERT_FALSE(names.has_value()) << "served " << names->size() << " rows from a damaged page";
  EXPECT_EQ(names.error().kind, ErrorKind::StoreFailure);
  EXPECT_EQ(names.error().code, "sqlite.corrupt");
  EXPECT_NE(names.error().message.find("people.db"), std::string::npos);
  EXPECT_FALSE(db->integrityCheck().has_value());
}

TEST(SqliteChecksumTest, EveryPageOfANewDatabaseReservesItsChecksum) {
  TempDir dir;
  {
    auto db = openDb(dir / "people.db", StoreCreation::CreateIfMissing);
    fill(*db, 10);
  }
  std::ifstream file(dir / "people.db", std::ios::binary);
  char header[100];
  file.read(header, sizeof(header));
  EXPECT_EQ(static_cast<int>(header[20]), 8) << "reserved bytes per page";
}

TEST(SqliteChecksumTest, ADatabaseMadeWithoutChecksumsStillOpensAndReads) {
  TempDir dir;
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "old.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);"
                         "INSERT INTO people (name) VALUES ('ana'), ('ben');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto db = openDb(dir / "old.db");
  auto names = allNames(*db);
  ASSERT_TRUE(names) << names.error().describe();
  EXPECT_EQ(*names, (std::vector<std::string>{"ana", "ben"}));
  fill(*db, 300);  // Writes keep working, unchecksummed.
  EXPECT_TRUE(db->integrityCheck());
}

// A process killed after its commits leaves them in the WAL only; the next
// open recovers them. Checksums must not make SQLite take those frames for
// torn ones.
TEST(SqliteChecksumTest, CommitsInTheWalSurviveAKilledProcess) {
  TempDir dir;
  {
    auto db = openDb(dir / "people.db", StoreCreation::CreateIfMissing);
    fill(*db, 50);
  }
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto opened = Database::open({dir / "people.db"});
    if (!opened) {
      _exit(2);
    }
    auto& db = **opened;
    if (!db.transaction([&]() -> Result<void> {
          for (int row = 0; row < 500; ++row) {
            auto insert = STAYLAB_TRY(db.prepare("INSERT INTO people (name) VALUES ('late')"));
            STAYLAB_TRY(insert.run());
          }
          return {};
        })) {
      _exit(3);
    }
    _exit(0);  // Without closing: no checkpoint, the commit is in the WAL only.
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE(std::filesystem::exists(dir / "people.db-wal"));
  auto db = openDb(dir / "people.db");
  auto names = allNames(*db);
  ASSERT_TRUE(names) << names.error().describe();
  EXPECT_EQ(names->size(), 550u);
  EXPECT_TRUE(db->integrityCheck());
}

}  // namespace
}  // namespace staylab::sqlite
