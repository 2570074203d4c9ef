// The receipt server's WAL-gathering SQLite VFS (server/src/sqlite_wal_gather.cpp): a
// connection of it writes its WAL in a few large writes, and another connection, of
// SQLite's default VFS, sees every commit at once and nothing else; transactions larger
// than the gathering limit, spilled and rolled back, and a reopened file stay whole.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "sqlite_wal_gather.hpp"

namespace {

using consentry::server::deferred_wal_sync;
using consentry::server::wal_gathering_statistics;
using consentry::server::wal_gathering_vfs;

struct database {
  sqlite3* handle = nullptr;
  database(const std::string& path, const char* vfs) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) == SQLITE_OK);
  }
  ~database() { sqlite3_close(handle); }
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  void exec(const std::string& sql) {
    char* message = nullptr;
    const int code = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &message);
    const std::string text = message ? message : "";
    sqlite3_free(message);
    INFO(sql << ": " << text);
    REQUIRE(code == SQLITE_OK);
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(handle, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* value = sqlite3_column_text(statement, 0);
      out = value ? reinterpret_cast<const char*>(value) : "";
    }
    sqlite3_finalize(statement);
    return out;
  }
  long long number(const std::string& sql) { return std::stoll(text(sql)); }
};

/// The server writer's settings: the gathering VFS, a WAL, synchronous=FULL; table t.
void set_up_writer(database& writer) {
  writer.exec("PRAGMA journal_mode=WAL");
  writer.exec("PRAGMA synchronous=FULL");
  writer.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
}

struct temporary_directory {
  std::filesystem::path path;
  temporary_directory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "consentry-wal-gather-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temporary_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

/// Rows `first` to `last`, each of 2,000 characters.
std::string insert_sql(int first, int last) {
  return "WITH RECURSIVE s(v) AS (VALUES(" + std::to_string(first) + ") UNION ALL SELECT v + 1 FROM s WHERE v < " +
         std::to_string(last) + ") INSERT INTO t (id, body) SELECT v, hex(randomblob(1000)) FROM s";
}

/// `count` rows of about 2 KB, in one transaction of the writer, as the server's are.
void insert_rows(database& writer, int first, int count) {
  writer.exec("BEGIN IMMEDIATE");
  writer.exec(insert_sql(first, first + count - 1));
  writer.exec("COMMIT");
}

}  // namespace

TEST_CASE("WAL gathering: commits are written in a few large writes, and seen whole by another connection") {
  temporary_directory directory;
  const auto file = (directory.path / "t.db").string();
  database writer(file, wal_gathering_vfs());
  set_up_writer(writer);
  database reader(file, nullptr);

  const auto before = wal_gathering_statistics();
  {
    const deferred_wal_sync deferred;
    for (int batch = 0; batch < 20; ++batch) {
      insert_rows(writer, batch * 50 + 1, 50);
      // Committed means readable by a connection of the default VFS, at once.
      CHECK(reader.number("SELECT count(*) FROM t") == (batch + 1) * 50);
    }
  }
  const auto during = wal_gathering_statistics();
  const auto writes = during.writes - before.writes;
  const auto flushes = during.flushes - before.flushes;
  CHECK(during.deferred_syncs - before.deferred_syncs == 20);  // one per COMMIT
  // Each frame is two writes (header, page); a commit of ~14 pages of 4 KB is one flush.
  CHECK(writes >= 20 * 2 * 10);
  CHECK(flushes * 10 <= writes);
  CHECK(reader.text("PRAGMA integrity_check") == "ok");

  // Outside a deferred_wal_sync, a commit's sync is a real one.
  insert_rows(writer, 1001, 10);
  CHECK(wal_gathering_statistics().deferred_syncs == during.deferred_syncs);
  CHECK(reader.number("SELECT count(*) FROM t") == 1010);
}

TEST_CASE("WAL gathering: a transaction larger than the cache and the limit, rolled back, then others") {
  temporary_directory directory;
  const auto file = (directory.path / "t.db").string();
  {
    database writer(file, wal_gathering_vfs());
    writer.exec("PRAGMA cache_size=50");  // pages: a big transaction spills frames before its COMMIT
    set_up_writer(writer);
    database reader(file, nullptr);
    const deferred_wal_sync deferred;

    insert_rows(writer, 1, 100);
    // About 20 MB: more than the 4 MiB the VFS gathers, spilled as it goes, then undone.
    writer.exec("BEGIN IMMEDIATE");
    writer.exec(insert_sql(1000, 10999));
    CHECK(writer.number("SELECT count(*) FROM t") == 10100);  // its own spilled pages, read back
    CHECK(reader.number("SELECT count(*) FROM t") == 100);
    writer.exec("ROLLBACK");
    CHECK(reader.number("SELECT count(*) FROM t") == 100);

    // The WAL frames the rollback left behind are overwritten by what follows.
    insert_rows(writer, 101, 5000);
    CHECK(reader.number("SELECT count(*) FROM t") == 5100);
    CHECK(reader.number("SELECT count(*) FROM t WHERE length(body) = 2000") == 5100);
    CHECK(writer.text("PRAGMA integrity_check") == "ok");
  }
  // Closed (the last connection checkpoints), opened again by the default VFS: all there.
  database again(file, nullptr);
  CHECK(again.number("SELECT count(*) FROM t") == 5100);
  CHECK(again.number("SELECT max(id) FROM t") == 5100);
  CHECK(again.text("PRAGMA integrity_check") == "ok");
}
