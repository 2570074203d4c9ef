// SQLite in WAL mode. A batch's COMMIT writes its frames to the WAL (gathered into a
// few large writes by the writer's VFS, sqlite_wal_gather.hpp); the syncer then
// fdatasync()s the WAL before any of the batch is answered, which is what
// synchronous=FULL would do inside COMMIT, but outside the write lock, so the next
// batch is written while this one syncs. (Checkpoints stay safe: they sync the WAL
// before copying it and the database after.) Checkpoints run on a connection of their
// own, so the writer never waits for one; only when the WAL has grown to 64 MiB does
// the writer copy the little they left, between two batches, so as to start the WAL
// over (maintain, catch_up).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "sqlite_wal_gather.hpp"
#include "storage_backend.hpp"

namespace consentry::server {
namespace {

// A device's receipts form one chain: chain_position counts from 0 at its first
// receipt, so the unique index on (device, chain_position) allows one first receipt
// per device and one successor per receipt, and a trigger holds each successor to its
// predecessor: the row one position before it, of the same device, is the receipt its
// previous_hash names. Each unique index costs a random leaf write per receipt, and
// the chain needs only this one beside receipt_id's: an earlier schema (chain_link
// unique, and a foreign key to a unique (device, receipt_hash)) wrote three, and took
// 2-6% more server CPU per receipt (bench/README.md, session 7). Such a database
// gains chain_position when it is first opened (migrate_to_chain_positions).
//
// About 90% of a receipt is the base64url of its services, the same bytes in every
// receipt of the same choices under one policy version: that part is stored once, in
// receipt_parts, and a row's jws is the rest, the part going back in at part_at
// (counted in characters, from 0). A row with no part holds its whole JWS, as every
// row did before parts (a database of then gains the two columns when first opened).
// The view receipts_whole gives every receipt whole, for the server and for anyone
// reading the file. A part is found by a fingerprint (a 64-bit hash of this build:
// another one stores a part again, never a wrong one) and then compared in full.
constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS receipt_parts (
  id          INTEGER PRIMARY KEY,
  fingerprint INTEGER NOT NULL,
  text        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS receipt_parts_by_fingerprint ON receipt_parts (fingerprint);
CREATE TABLE IF NOT EXISTS tracker_reports (
  day       TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  host      TEXT NOT NULL,
  page_path TEXT NOT NULL,
  count     INTEGER NOT NULL,
  PRIMARY KEY (day, policy_id, host, page_path)
);
)sql";

/// The receipts table's columns and constraints (`CREATE TABLE name (...)`).
constexpr const char* receipts_table = R"sql(
  sequence_number  INTEGER PRIMARY KEY,
  receipt_id       TEXT NOT NULL UNIQUE,
  device           TEXT NOT NULL,
  chain_position   INTEGER NOT NULL,
  receipt_hash     TEXT NOT NULL,
  previous_hash    TEXT,
  policy_id        TEXT NOT NULL,
  policy_hash      TEXT NOT NULL,
  server_time      TEXT NOT NULL,
  jws              TEXT NOT NULL,
  countersignature TEXT NOT NULL,
  part             INTEGER REFERENCES receipt_parts (id),
  part_at          INTEGER,
  UNIQUE (device, chain_position),
  CHECK (chain_position >= 0 AND (chain_position = 0) = (previous_hash IS NULL))
)sql";

/// Rows from before receipt_parts get its columns, where the CREATE TABLE above puts them.
constexpr const char* add_part_columns = R"sql(
ALTER TABLE receipts ADD COLUMN part INTEGER REFERENCES receipt_parts (id);
ALTER TABLE receipts ADD COLUMN part_at INTEGER;
)sql";

/// A receipt follows the one before it in its device's chain. The writer puts it one
/// position after the device's last receipt; when the receipt its previous_hash names
/// is not that one, it is refused here (SQLITE_CONSTRAINT_TRIGGER), and classify()
/// says whether as a fork or a gap.
constexpr const char* chain_trigger = R"sql(
CREATE TRIGGER IF NOT EXISTS receipts_follow_their_previous BEFORE INSERT ON receipts
WHEN NEW.previous_hash IS NOT NULL AND NEW.previous_hash IS NOT
     (SELECT receipt_hash FROM receipts WHERE device = NEW.device AND chain_position = NEW.chain_position - 1)
BEGIN
  SELECT RAISE(ABORT, 'the previous receipt is not the one before it in the device''s chain');
END;
)sql";

/// The rows of a database from before chain_position, with their positions: each
/// device's first receipt is 0, and its successor (chain_link, unique there, is the
/// previous hash) one more. The old constraints made every row part of a chain; should
/// one not be, the migration stops rather than leave it behind.
constexpr const char* migrate_to_chain_positions = R"sql(
INSERT INTO receipts_chained
WITH RECURSIVE chain (sequence_number, position) AS (
  SELECT sequence_number, 0 FROM receipts WHERE previous_hash IS NULL
  UNION ALL
  SELECT next.sequence_number, chain.position + 1
  FROM chain
  JOIN receipts AS here ON here.sequence_number = chain.sequence_number
  JOIN receipts AS next ON next.chain_link = here.receipt_hash AND next.device = here.device
)
SELECT r.sequence_number, r.receipt_id, r.device, chain.position, r.receipt_hash, r.previous_hash, r.policy_id,
       r.policy_hash, r.server_time, r.jws, r.countersignature, r.part, r.part_at
FROM receipts AS r JOIN chain USING (sequence_number);
)sql";

constexpr const char* whole_view = R"sql(
CREATE VIEW IF NOT EXISTS receipts_whole AS
SELECT r.sequence_number, r.receipt_id, r.device, r.receipt_hash, r.previous_hash, r.policy_id, r.policy_hash,
       r.server_time,
       CASE WHEN r.part IS NULL THEN r.jws
            ELSE substr(r.jws, 1, r.part_at) || p.text || substr(r.jws, r.part_at + 1) END AS jws,
       r.countersignature
FROM receipts AS r LEFT JOIN receipt_parts AS p ON p.id = r.part;
)sql";

constexpr const char* receipt_columns =
    "sequence_number, receipt_id, device, receipt_hash, previous_hash, policy_id, policy_hash, server_time, jws, "
    "countersignature";

class statement {
 public:
  statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &handle_, nullptr) != SQLITE_OK)
      throw storage_error(std::string("SQLite: ") + sqlite3_errmsg(db));
  }
  ~statement() { sqlite3_finalize(handle_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& reset() {
    sqlite3_reset(handle_);
    sqlite3_clear_bindings(handle_);
    return *this;
  }
  statement& bind(int index, std::string_view text) {
    sqlite3_bind_text(handle_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  statement& bind(int index, const std::optional<std::string>& text) {
    if (text) return bind(index, *text);
    sqlite3_bind_null(handle_, index);
    return *this;
  }
  statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(handle_, index, value);
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE, or a constraint code; anything else throws.
  int step() {
    const int code = sqlite3_step(handle_);
    if (code == SQLITE_ROW || code == SQLITE_DONE || (code & 0xff) == SQLITE_CONSTRAINT) return code;
    throw storage_error(std::string("SQLite: ") + sqlite3_errmsg(db_));
  }
  std::string text(int column) const { return std::string(text_view(column)); }
  /// Valid until the next step or reset.
  std::string_view text_view(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(handle_, column));
    return data ? std::string_view(data, static_cast<std::size_t>(sqlite3_column_bytes(handle_, column)))
                : std::string_view();
  }
  bool is_null(int column) const { return sqlite3_column_type(handle_, column) == SQLITE_NULL; }
  std::int64_t integer(int column) const { return sqlite3_column_int64(handle_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* handle_ = nullptr;
};

stored_receipt read_row(const statement& s) {
  stored_receipt row;
  row.sequence = s.integer(0);
  row.record.receipt_id = s.text(1);
  row.record.device = s.text(2);
  row.record.receipt_hash = s.text(3);
  if (!s.is_null(4)) row.record.previous_hash = s.text(4);
  row.record.policy_id = s.text(5);
  row.record.policy_hash = s.text(6);
  row.server_time = s.text(7);
  row.record.jws = s.text(8);
  row.countersignature = s.text(9);
  return row;
}

class sqlite_backend final : public storage_backend {
 public:
  sqlite_backend(const std::string& path, const storage_options& options, sqlite_role role)
      : path_(path) {
    std::error_code ec;
    const std::filesystem::path file(path);
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    // The writer's WAL gathers each commit's frames into a few large writes, made when
    // its COMMIT syncs (synchronous=FULL below); write() leaves that sync's fdatasync to
    // sync(), which the syncer runs before anyone is answered.
    const char* vfs = nullptr;
    if (role == sqlite_role::writer) {
      try {
        vfs = wal_gathering_vfs();
      } catch (const std::exception& error) {
        throw storage_error("cannot open the SQLite database " + path + ": " + error.what());
      }
    }
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        vfs) != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw storage_error("cannot open the SQLite database " + path + ": " + message);
    }
    sqlite3_extended_result_codes(db_, 1);
    busy_timeout_ = options.busy_timeout;
    sqlite3_busy_handler(db_, &sqlite_backend::wait_when_busy, this);
    try {
      // Every page a transaction changes is a WAL frame (two writes), then a checkpoint's
      // read and write, each a system call that costs this kind of virtual machine
      // dearly; each receipt rewrites a random leaf of two unique indexes, and its row
      // (about 2 KB without its shared part) shares a page with others. 8 KB pages:
      // AloPal receipts at saturation, the rest equal, twice each, 4 KB 3,994 and
      // 4,764 receipts/s, 8 KB 4,720 and 4,788, 16 KB 4,063 and 4,579 (16 KB was best
      // while rows held whole receipts). Takes effect when the file is created.
      execute("PRAGMA page_size=8192");
      execute("PRAGMA journal_mode=WAL");
      execute(role == sqlite_role::writer ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
      // The default page cache (2 MB) stays: 64 MiB spared the writer its 1.7 reads of
      // the file per receipt, yet cost it more CPU in all (writer 130-158 µs a receipt
      // against 109-124, runs in turns).
      execute("PRAGMA foreign_keys=ON");
      // Only the maintenance connection checkpoints; the WAL file is cut back after.
      execute("PRAGMA wal_autocheckpoint=0");
      // The WAL starts over at restart_frames (64 MiB, maintain()) plus what the last
      // passes had left: at twice that it is not cut back at every restart, which cost
      // the writer an ftruncate of 6 ms each time (strace, 5,000 receipts/s), and its
      // next frames the blocks given back. A burst that grows it further is cut back.
      execute("PRAGMA journal_size_limit=134217728");
      create_schema();
      prepare_statements();
    } catch (const storage_error& error) {
      // A constructor that throws runs no destructor: statements and connection are closed here.
      finalize_statements();
      sqlite3_close(db_);
      throw storage_error("cannot use the SQLite database " + path + ": " + error.what());
    }
  }

  ~sqlite_backend() override {
    if (wal_fd_ >= 0) ::close(wal_fd_);
    finalize_statements();
    sqlite3_close(db_);
  }

  /// Every connection runs this when it opens (the writer's, the reader's, the
  /// checkpointer's, another process's): in one IMMEDIATE transaction, so that one of
  /// them creates or changes the schema and the others find it done.
  void create_schema() {
    execute("BEGIN IMMEDIATE");
    try {
      execute(schema);
      execute((std::string("CREATE TABLE IF NOT EXISTS receipts (") + receipts_table + ");").c_str());
      if (!has_column("part")) execute(add_part_columns);
      if (!has_column("chain_position")) add_chain_positions();
      execute(chain_trigger);
      execute(whole_view);
      execute("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  /// Whether the receipts table has the column; the statement is finished on return,
  /// before the table is changed.
  bool has_column(const char* name) {
    statement columns(db_, "SELECT count(*) FROM pragma_table_info('receipts') WHERE name = ?1");
    columns.bind(1, std::string_view(name)).step();
    return columns.integer(0) > 0;
  }

  /// A database of the schema with chain_link: the table made again with each row's
  /// chain position, in the transaction of create_schema (all or nothing).
  void add_chain_positions() {
    execute("DROP VIEW IF EXISTS receipts_whole");
    execute((std::string("CREATE TABLE receipts_chained (") + receipts_table + ");").c_str());
    execute(migrate_to_chain_positions);
    const auto count = [&](const char* table) {
      statement rows(db_, std::string("SELECT count(*) FROM ") + table);
      rows.step();
      return rows.integer(0);
    };
    const auto before = count("receipts");
    const auto after = count("receipts_chained");
    if (before != after)
      throw storage_error("cannot give the receipts their chain positions: " + std::to_string(before - after) + " of " +
                          std::to_string(before) + " are in no device's chain; the database is left as it was");
    execute("DROP TABLE receipts");
    execute("ALTER TABLE receipts_chained RENAME TO receipts");
  }

  void prepare_statements() {
    insert_ = std::make_unique<statement>(
        db_, std::string("INSERT INTO receipts (") + receipt_columns +
                 ", part, part_at, chain_position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                 // The position after the device's last receipt; the trigger checks
                 // that it is the one the receipt names (no row: NULL, refused).
                 "CASE WHEN ?5 IS NULL THEN 0 ELSE (SELECT max(chain_position) + 1 FROM receipts WHERE device = ?3) END)");
    by_id_ = std::make_unique<statement>(
        db_, std::string("SELECT ") + receipt_columns + " FROM receipts_whole WHERE receipt_id = ?1");
    by_device_ = std::make_unique<statement>(
        db_, std::string("SELECT ") + receipt_columns +
                 " FROM receipts_whole WHERE device = ?1 AND sequence_number > ?2 ORDER BY sequence_number LIMIT ?3");
    find_part_ = std::make_unique<statement>(db_, "SELECT id, text FROM receipt_parts WHERE fingerprint = ?1");
    insert_part_ = std::make_unique<statement>(db_, "INSERT INTO receipt_parts (fingerprint, text) VALUES (?1, ?2)");
    has_hash_ = std::make_unique<statement>(db_, "SELECT 1 FROM receipts WHERE device = ?1 AND receipt_hash = ?2");
    last_sequence_ = std::make_unique<statement>(db_, "SELECT coalesce(max(sequence_number), 0) FROM receipts");
    add_report_ = std::make_unique<statement>(
        db_,
        "INSERT INTO tracker_reports (day, policy_id, host, page_path, count) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (day, policy_id, host, page_path) DO UPDATE SET count = count + excluded.count");
  }

  void finalize_statements() {
    insert_.reset();
    by_id_.reset();
    by_device_.reset();
    has_hash_.reset();
    last_sequence_.reset();
    add_report_.reset();
    find_part_.reset();
    insert_part_.reset();
  }

  void write(std::vector<write_item*>& receipts, std::vector<report_item*>& reports, const countersigner& sign,
             const std::string& server_time) override {
    const deferred_wal_sync deferred;  // COMMIT writes the WAL; sync() makes it durable
    // IMMEDIATE takes the write lock now, so the sequence numbers read below stay
    // ours even when another process shares the file.
    execute("BEGIN IMMEDIATE");
    try {
      last_sequence_->reset().step();
      std::int64_t sequence = last_sequence_->integer(0);
      last_sequence_->reset();  // a statement left open pins a snapshot, and no checkpoint passes it
      for (auto* item : receipts) {
        const auto& r = item->record;
        const auto signature = sign(r, sequence + 1, server_time);
        if (signature.empty()) throw storage_error("cannot countersign");
        auto& insert = insert_->reset()
                           .bind(1, sequence + 1)
                           .bind(2, r.receipt_id)
                           .bind(3, r.device)
                           .bind(4, r.receipt_hash)
                           .bind(5, r.previous_hash)
                           .bind(6, r.policy_id)
                           .bind(7, r.policy_hash)
                           .bind(8, server_time)
                           .bind(10, signature);
        if (r.shared_begin < r.shared_end && r.shared_end <= r.jws.size()) {
          const std::string_view jws = r.jws;
          std::string rest;
          rest.reserve(jws.size() - (r.shared_end - r.shared_begin));
          rest.append(jws.substr(0, r.shared_begin)).append(jws.substr(r.shared_end));
          insert.bind(9, rest)
              .bind(11, part_id(jws.substr(r.shared_begin, r.shared_end - r.shared_begin), r.shared_fingerprint))
              .bind(12, static_cast<std::int64_t>(r.shared_begin));
        } else {
          insert.bind(9, r.jws);  // 11 and 12 stay NULL: the row holds the whole JWS
        }
        const int code = insert.step();
        if (code == SQLITE_DONE) {
          ++sequence;
          item->outcome = {store_status::created, stored_receipt{r, sequence, server_time, signature}, {}};
        } else if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_TRIGGER ||
                   code == SQLITE_CONSTRAINT_NOTNULL) {
          // A rule of the chain or of receipt ids refused it; the statement is undone,
          // the transaction goes on.
          item->outcome = classify(r);
        } else {
          throw storage_error(std::string("SQLite: ") + sqlite3_errmsg(db_));
        }
      }
      const auto day = server_time.substr(0, 10);
      for (auto* report : reports) {
        for (const auto& count : report->counts) {
          add_report_->reset()
              .bind(1, day)
              .bind(2, count.policy_id)
              .bind(3, count.host)
              .bind(4, count.page_path)
              .bind(5, static_cast<std::int64_t>(count.count))
              .step();
        }
      }
      execute("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      parts_.clear();  // parts this transaction added are gone with it
      throw;
    }
    for (auto* report : reports) report->durable = true;
  }

  std::optional<stored_receipt> find(const std::string& receipt_id) override {
    auto& s = by_id_->reset().bind(1, receipt_id);
    std::optional<stored_receipt> found;
    if (s.step() == SQLITE_ROW) found = read_row(s);
    by_id_->reset();  // ends the read transaction, so the WAL can be checkpointed
    return found;
  }

  std::vector<stored_receipt> chain(const std::string& device, std::int64_t after, std::size_t limit) override {
    auto& s = by_device_->reset().bind(1, device).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
    std::vector<stored_receipt> rows;
    while (s.step() == SQLITE_ROW) rows.push_back(read_row(s));
    by_device_->reset();
    return rows;
  }

  void ping() override { execute("SELECT 1 FROM receipts LIMIT 1"); }

  bool commits_are_durable() const override { return false; }

  void sync() override {
    // The WAL file the writer appends to: reopened should it ever be replaced.
    const auto wal = path_ + "-wal";
    struct stat on_disk {};
    struct stat held {};
    if (::stat(wal.c_str(), &on_disk) != 0) throw storage_error("SQLite: " + wal + ": " + std::strerror(errno));
    if (wal_fd_ < 0 || ::fstat(wal_fd_, &held) != 0 || held.st_ino != on_disk.st_ino || held.st_dev != on_disk.st_dev) {
      if (wal_fd_ >= 0) ::close(wal_fd_);
      wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
      if (wal_fd_ < 0) throw storage_error("SQLite: " + wal + ": " + std::strerror(errno));
    }
    if (::fdatasync(wal_fd_) != 0) throw storage_error("SQLite: cannot sync " + wal + ": " + std::strerror(errno));
  }

  bool maintain() override {
    // PASSIVE: copies what it can without blocking the writer or readers; SQLITE_BUSY
    // when another connection is checkpointing.
    int log_frames = 0;
    const auto pass = [&] {
      const int code = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, nullptr);
      if (code != SQLITE_OK && code != SQLITE_BUSY)
        throw storage_error(std::string("SQLite checkpoint: ") + sqlite3_errmsg(db_));
      return code == SQLITE_OK;
    };
    // The writer starts the WAL over only when a transaction of its finds every frame
    // copied, which under steady load never happens: the WAL grew by 150 MB a second at
    // saturation (1.5 GB after ten seconds), each frame a new page of the file for the
    // kernel to allocate and write back, and all of it to replay after a crash. Once it
    // holds `restart_frames`, passes follow one another while each has more than a
    // little to copy (what was committed during the one before); then the writer copies
    // the rest itself, between two batches, and starts the WAL over (catch_up): it waits
    // for no lock, and pauses only as long as copying and syncing that little takes.
    constexpr int restart_frames = 8192;  // 64 MiB of 8 KiB pages, half of journal_size_limit
    constexpr int little = 128;
    constexpr int most_passes = 8;
    if (!pass() || log_frames < restart_frames) return false;
    for (int passes = 1; passes < most_passes; ++passes) {
      const int before = log_frames;
      if (!pass()) return false;
      if (log_frames - before <= little) return true;
    }
    return false;  // the writer outran the passes: the next round tries again
  }

  void catch_up() override {
    // Every frame of the WAL is the writer's own: a PASSIVE checkpoint on its
    // connection copies them all, and its next transaction starts the WAL over. When
    // a reader still needs an older snapshot it copies less, and when the maintenance
    // connection is checkpointing it gets SQLITE_BUSY: either way maintain() asks again.
    const int code = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (code != SQLITE_OK && code != SQLITE_BUSY) throw storage_error(std::string("SQLite checkpoint: ") + sqlite3_errmsg(db_));
  }

 private:
  /// SQLite's own busy_timeout sleeps 1, 2, 5, 10, 15, 20 ms and on between tries, so a
  /// lock held a few milliseconds (by another process on the file, or a checkpoint)
  /// kept the waiter asleep up to 25 ms after it was free: measured with a RESTART
  /// checkpoint, since given up. Tries every 250 µs instead, for as long as the timeout.
  static int wait_when_busy(void* self, int tries) {
    constexpr auto every = std::chrono::microseconds(250);
    if (every * tries >= static_cast<sqlite_backend*>(self)->busy_timeout_) return 0;
    std::this_thread::sleep_for(every);
    return 1;
  }

  void execute(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      throw storage_error("SQLite: " + text);
    }
  }

  /// The id of a stored part with this text, stored now if there is none. Inside the
  /// writer's transaction. The parts of recent receipts are remembered, a few hundred
  /// (a policy version has a handful of choices, times three alignments in base64url).
  /// Found by `hint`, the fingerprint the check made (receipt_record), when there is
  /// one: hashing the text again cost the writer about 3 µs a receipt.
  std::int64_t part_id(std::string_view text, std::uint64_t hint) {
    const auto fingerprint = static_cast<std::int64_t>(hint != 0 ? hint : std::hash<std::string_view>{}(text));
    auto& known = parts_[fingerprint];
    for (const auto& [id, part] : known)
      if (part == text) return id;
    std::optional<std::int64_t> id;
    auto& find = find_part_->reset().bind(1, fingerprint);
    while (!id && find.step() == SQLITE_ROW)
      if (find.text_view(1) == text) id = find.integer(0);
    find_part_->reset();
    if (!id) {
      if (insert_part_->reset().bind(1, fingerprint).bind(2, text).step() != SQLITE_DONE)
        throw storage_error(std::string("SQLite: cannot store a receipt part: ") + sqlite3_errmsg(db_));
      id = sqlite3_last_insert_rowid(db_);
    }
    if (remembered_parts_ == 256) {  // forgotten all at once; the next receipts look them up again
      parts_.clear();
      remembered_parts_ = 0;
    }
    ++remembered_parts_;
    parts_[fingerprint].emplace_back(*id, std::string(text));
    return *id;
  }

  /// Why the insert was refused: the receipt id is taken (by these bytes, or by
  /// others), or the chain refused it: a second first receipt of the device, or a
  /// previous receipt that already has a successor (a fork) or is not stored (a gap).
  store_outcome classify(const receipt_record& r) {
    if (auto existing = find(r.receipt_id)) {
      if (existing->record.jws == r.jws) return {store_status::replayed, std::move(existing), {}};
      return {store_status::id_conflict, std::nullopt, {}};
    }
    if (r.previous_hash) {
      auto& s = has_hash_->reset().bind(1, r.device).bind(2, *r.previous_hash);
      const bool previous_known = s.step() == SQLITE_ROW;
      has_hash_->reset();
      if (!previous_known) return {store_status::chain_gap, std::nullopt, {}};
    }
    return {store_status::chain_fork, std::nullopt, {}};
  }

  std::string path_;
  std::chrono::milliseconds busy_timeout_{};
  int wal_fd_ = -1;
  sqlite3* db_ = nullptr;
  std::unique_ptr<statement> insert_, by_id_, by_device_, has_hash_, last_sequence_, add_report_, find_part_,
      insert_part_;
  std::unordered_map<std::int64_t, std::vector<std::pair<std::int64_t, std::string>>> parts_;
  std::size_t remembered_parts_ = 0;
};

}  // namespace

std::unique_ptr<storage_backend> open_sqlite_backend(const std::string& path, const storage_options& options,
                                                     sqlite_role role) {
  return std::make_unique<sqlite_backend>(path, options, role);
}

}  // namespace consentry::server
