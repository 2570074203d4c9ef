// PostgreSQL through libpq: a COMMIT returns once the WAL is flushed
// (synchronous_commit on), so a batch is durable when write() returns. Several
// servers may share the database: every rule that matters is a constraint, and a
// conditional INSERT … ON CONFLICT DO NOTHING lets each receipt settle without
// aborting the rest of its batch.
#include <libpq-fe.h>

#include <algorithm>
#include <numeric>
#include <regex>

#include "storage_backend.hpp"

namespace consentry::server {
namespace {

constexpr const char* schema = R"sql(
CREATE SEQUENCE IF NOT EXISTS consentry_receipt_sequence;
CREATE TABLE IF NOT EXISTS receipts (
  sequence_number  bigint PRIMARY KEY,
  receipt_id       text NOT NULL UNIQUE,
  device           text NOT NULL,
  receipt_hash     text NOT NULL,
  previous_hash    text,
  chain_link       text NOT NULL UNIQUE,
  policy_id        text NOT NULL,
  policy_hash      text NOT NULL,
  server_time      text NOT NULL,
  jws              text NOT NULL,
  countersignature text NOT NULL,
  UNIQUE (device, receipt_hash),
  FOREIGN KEY (device, previous_hash) REFERENCES receipts (device, receipt_hash),
  CHECK (chain_link = coalesce(previous_hash, 'first:' || device))
);
CREATE TABLE IF NOT EXISTS tracker_reports (
  day       text NOT NULL,
  policy_id text NOT NULL,
  host      text NOT NULL,
  page_path text NOT NULL,
  count     bigint NOT NULL,
  PRIMARY KEY (day, policy_id, host, page_path)
);
)sql";

// Any constant: it only keeps two servers from creating the schema at the same time.
constexpr const char* schema_lock = "SELECT pg_advisory_lock(746582011)";
constexpr const char* schema_unlock = "SELECT pg_advisory_unlock(746582011)";

constexpr const char* receipt_columns =
    "sequence_number, receipt_id, device, receipt_hash, previous_hash, policy_id, policy_hash, server_time, jws, "
    "countersignature";

/// libpq's message on one line: its lines joined, tabs and trailing newlines gone.
std::string one_line(std::string message) {
  for (auto& c : message) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  std::string out;
  for (char c : message) {
    if (!(c == ' ' && (out.empty() || out.back() == ' '))) out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

/// The URL without its password, for messages.
std::string redact(const std::string& url) {
  static const std::regex password(R"((://[^:/@]*):[^@/]*@)");
  return std::regex_replace(url, password, "$1:***@");
}

using result_handle = std::unique_ptr<PGresult, decltype(&PQclear)>;

/// A PostgreSQL error: its SQLSTATE decides whether the batch is worth retrying.
struct postgres_error : storage_error {
  postgres_error(const std::string& message, std::string state) : storage_error(message), sqlstate(std::move(state)) {}
  std::string sqlstate;
};

class postgres_backend final : public storage_backend {
 public:
  postgres_backend(const std::string& url, const storage_options&) : url_(url) {
    // A constructor that throws runs no destructor: the connection is closed here.
    try {
      connect();
    } catch (...) {
      PQfinish(connection_);
      connection_ = nullptr;
      throw;
    }
  }
  ~postgres_backend() override { PQfinish(connection_); }

  void write(std::vector<write_item*>& receipts, std::vector<report_item*>& reports, const countersigner& sign,
             const std::string& server_time) override {
    // Lock order: receipts of one device in arrival order, devices sorted, so that
    // two servers inserting the same receipts take their index locks in the same
    // order and do not deadlock.
    std::vector<std::size_t> order(receipts.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return receipts[a]->record.device < receipts[b]->record.device; });

    std::vector<std::int64_t> sequences;
    std::vector<std::string> signatures;
    for (int attempt = 1;; ++attempt) {
      try {
        ensure_connected();
        if (sequences.size() != receipts.size()) {
          sequences = next_sequences(receipts.size());
          signatures.clear();
          for (std::size_t i = 0; i < receipts.size(); ++i) {
            signatures.push_back(sign(receipts[i]->record, sequences[i], server_time));
            if (signatures.back().empty()) throw storage_error("cannot countersign");
          }
        }
        write_once(receipts, reports, order, sequences, signatures, server_time);
        return;
      } catch (const postgres_error& error) {
        execute_quietly("ROLLBACK");
        // Deadlock, serialisation failure, a predecessor that vanished between the
        // check and the insert, a broken connection: the whole batch is tried again.
        // Should a lost connection have hidden a successful COMMIT, the retry finds
        // the rows and answers them as replays, with the stored countersignatures.
        const bool transient = error.sqlstate == "40P01" || error.sqlstate == "40001" ||
                               error.sqlstate == "23503" || error.sqlstate.empty() ||
                               error.sqlstate.starts_with("08");
        if (!transient || attempt >= 4) throw;
      }
    }
  }

  std::optional<stored_receipt> find(const std::string& receipt_id) override {
    return retrying([&] {
      auto rows = query("find", {receipt_id});
      std::optional<stored_receipt> found;
      if (PQntuples(rows.get()) > 0) found = read_row(rows.get(), 0);
      return found;
    });
  }

  std::vector<stored_receipt> chain(const std::string& device, std::int64_t after, std::size_t limit) override {
    return retrying([&] {
      auto rows = query("chain", {device, std::to_string(after), std::to_string(limit)});
      std::vector<stored_receipt> out;
      for (int i = 0; i < PQntuples(rows.get()); ++i) out.push_back(read_row(rows.get(), i));
      return out;
    });
  }

  void ping() override {
    retrying([&] {
      execute("SELECT 1");
      return 0;
    });
  }

 private:
  void connect() {
    if (connection_) PQfinish(connection_);
    // A default connect timeout, so that an unreachable host fails start-up in seconds;
    // the URL's own connect_timeout, coming later, wins.
    const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"5", "consentry-server", url_.c_str(), nullptr};
    connection_ = PQconnectdbParams(keywords, values, 1);
    if (PQstatus(connection_) != CONNECTION_OK) {
      const auto message = one_line(PQerrorMessage(connection_));
      throw postgres_error("cannot connect to PostgreSQL at " + redact(url_) + ": " + message, "08006");
    }
    PQsetNoticeProcessor(connection_, [](void*, const char*) {}, nullptr);  // "already exists, skipping"
    // Durability must not depend on the server's configuration.
    auto setting = query_text("SHOW synchronous_commit");
    if (setting == "off") execute("SET synchronous_commit TO on");
    execute(schema_lock);
    try {
      execute(schema);
    } catch (...) {
      execute_quietly(schema_unlock);
      throw;
    }
    execute(schema_unlock);
    prepare("next_sequences", "SELECT nextval('consentry_receipt_sequence') FROM generate_series(1, $1::int)");
    prepare("insert", std::string("INSERT INTO receipts (") + receipt_columns +
                          ", chain_link) SELECT $1::bigint, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                          "coalesce($5, 'first:' || $3) "
                          "WHERE $5::text IS NULL OR EXISTS (SELECT 1 FROM receipts WHERE device = $3 AND "
                          "receipt_hash = $5) ON CONFLICT DO NOTHING RETURNING sequence_number");
    prepare("find", std::string("SELECT ") + receipt_columns + " FROM receipts WHERE receipt_id = $1");
    prepare("chain", std::string("SELECT ") + receipt_columns +
                         " FROM receipts WHERE device = $1 AND sequence_number > $2::bigint "
                         "ORDER BY sequence_number LIMIT $3::bigint");
    prepare("has_hash", "SELECT 1 FROM receipts WHERE device = $1 AND receipt_hash = $2");
    prepare("add_report",
            "INSERT INTO tracker_reports (day, policy_id, host, page_path, count) VALUES ($1, $2, $3, $4, "
            "$5::bigint) ON CONFLICT (day, policy_id, host, page_path) DO UPDATE SET count = "
            "tracker_reports.count + excluded.count");
  }

  void ensure_connected() {
    if (!connection_ || PQstatus(connection_) != CONNECTION_OK) connect();
  }

  template <class Function>
  std::invoke_result_t<Function> retrying(Function function) {
    try {
      ensure_connected();
      return function();
    } catch (const postgres_error& error) {
      if (!(error.sqlstate.empty() || error.sqlstate.starts_with("08")) && PQstatus(connection_) == CONNECTION_OK)
        throw;
      connect();
      return function();
    }
  }

  void write_once(std::vector<write_item*>& receipts, std::vector<report_item*>& reports,
                  const std::vector<std::size_t>& order, const std::vector<std::int64_t>& sequences,
                  const std::vector<std::string>& signatures, const std::string& server_time) {
    std::vector<bool> inserted(receipts.size(), false);
    execute("BEGIN");
    for (const auto i : order) {
      const auto& r = receipts[i]->record;
      const char* previous = r.previous_hash ? r.previous_hash->c_str() : nullptr;
      const auto sequence = std::to_string(sequences[i]);
      const char* values[] = {sequence.c_str(), r.receipt_id.c_str(), r.device.c_str(), r.receipt_hash.c_str(),
                              previous,         r.policy_id.c_str(),  r.policy_hash.c_str(), server_time.c_str(),
                              r.jws.c_str(),    signatures[i].c_str()};
      auto rows = run_prepared("insert", 10, values);
      inserted[i] = PQntuples(rows.get()) == 1;
    }
    const auto day = server_time.substr(0, 10);
    for (auto* report : reports) {
      for (const auto& count : report->counts) {
        const auto number = std::to_string(count.count);
        const char* values[] = {day.c_str(), count.policy_id.c_str(), count.host.c_str(), count.page_path.c_str(),
                                number.c_str()};
        run_prepared("add_report", 5, values);
      }
    }
    execute("COMMIT");
    for (auto* report : reports) report->durable = true;
    for (std::size_t i = 0; i < receipts.size(); ++i) {
      auto& item = *receipts[i];
      if (inserted[i]) {
        item.outcome = {store_status::created, stored_receipt{item.record, sequences[i], server_time, signatures[i]},
                        {}};
      } else {
        item.outcome = classify(item.record);
      }
    }
  }

  store_outcome classify(const receipt_record& r) {
    auto rows = query("find", {r.receipt_id});
    if (PQntuples(rows.get()) > 0) {
      auto existing = read_row(rows.get(), 0);
      if (existing.record.jws == r.jws) return {store_status::replayed, std::move(existing), {}};
      return {store_status::id_conflict, std::nullopt, {}};
    }
    if (r.previous_hash) {
      auto known = query("has_hash", {r.device, *r.previous_hash});
      if (PQntuples(known.get()) == 0) return {store_status::chain_gap, std::nullopt, {}};
    }
    return {store_status::chain_fork, std::nullopt, {}};
  }

  std::vector<std::int64_t> next_sequences(std::size_t count) {
    auto rows = query("next_sequences", {std::to_string(count)});
    std::vector<std::int64_t> out;
    for (int i = 0; i < PQntuples(rows.get()); ++i) out.push_back(std::stoll(PQgetvalue(rows.get(), i, 0)));
    return out;
  }

  static stored_receipt read_row(PGresult* rows, int i) {
    auto text = [&](int column) {
      return std::string(PQgetvalue(rows, i, column), static_cast<std::size_t>(PQgetlength(rows, i, column)));
    };
    stored_receipt row;
    row.sequence = std::stoll(text(0));
    row.record.receipt_id = text(1);
    row.record.device = text(2);
    row.record.receipt_hash = text(3);
    if (!PQgetisnull(rows, i, 4)) row.record.previous_hash = text(4);
    row.record.policy_id = text(5);
    row.record.policy_hash = text(6);
    row.server_time = text(7);
    row.record.jws = text(8);
    row.countersignature = text(9);
    return row;
  }

  result_handle check(PGresult* raw) {
    result_handle handle(raw, PQclear);
    const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return handle;
    const char* state = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
    const auto message = one_line(raw ? PQresultErrorMessage(raw) : PQerrorMessage(connection_));
    throw postgres_error("PostgreSQL: " + message, state ? state : "");
  }

  void prepare(const char* name, const std::string& sql) {
    check(PQprepare(connection_, name, sql.c_str(), 0, nullptr));
  }

  result_handle run_prepared(const char* name, int count, const char* const* values) {
    return check(PQexecPrepared(connection_, name, count, values, nullptr, nullptr, 0));
  }

  result_handle query(const char* name, const std::vector<std::string>& parameters) {
    std::vector<const char*> values;
    for (const auto& p : parameters) values.push_back(p.c_str());
    return run_prepared(name, static_cast<int>(values.size()), values.data());
  }

  void execute(const char* sql) { check(PQexec(connection_, sql)); }

  std::string query_text(const char* sql) {
    auto rows = check(PQexec(connection_, sql));
    return PQntuples(rows.get()) > 0 ? PQgetvalue(rows.get(), 0, 0) : "";
  }

  void execute_quietly(const char* sql) {
    if (connection_ && PQstatus(connection_) == CONNECTION_OK) PQclear(PQexec(connection_, sql));
  }

  std::string url_;
  PGconn* connection_ = nullptr;
};

}  // namespace

std::unique_ptr<storage_backend> open_postgres_backend(const std::string& url, const storage_options& options) {
  return std::make_unique<postgres_backend>(url, options);
}

}  // namespace consentry::server
