// Durable storage of receipts and tracker reports, behind one interface with two
// backends: SQLite (one file, the default) and PostgreSQL (several servers, one
// database). Idempotency and the chain are the database's constraints, not memory:
//   receipt_id unique                  — the same receipt is stored once
//   a device's chain, one receipt after another:
//     SQLite: (device, chain_position) unique, and a trigger that holds a receipt's
//             previous_hash to the hash of the device's receipt one position before
//     PostgreSQL: chain_link unique, where chain_link is the previous hash, or
//             "first:<device>"; (device, previous_hash) → (device, receipt_hash)
//                                      — a device has one first receipt, a receipt at
//                                        most one successor, and a successor's previous
//                                        receipt is stored and is the same device's
// Writes are group-committed: one writer thread takes every waiting receipt and
// stores them in one transaction, which is durable before any of them is answered.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consentry/result.hpp"
#include "options.hpp"

namespace consentry::server {

/// What the server stores of a verified receipt.
struct receipt_record {
  std::string receipt_id;
  std::string device;
  std::string receipt_hash;
  std::optional<std::string> previous_hash;
  std::string policy_id;
  std::string policy_hash;
  std::string jws;
  /// A span of `jws` that many receipts share (verified_receipt::shared_begin), which a
  /// backend may store once; empty when none. A hint: the stored JWS is the same.
  std::size_t shared_begin = 0;
  std::size_t shared_end = 0;
  /// A fingerprint of the span's characters (verified_receipt::shared_fingerprint), or 0
  /// for the backend to compute one. Also a hint: spans are compared whole, so a
  /// fingerprint that two different spans share costs a comparison, never a wrong part.
  std::uint64_t shared_fingerprint = 0;
};

struct stored_receipt {
  receipt_record record;
  std::int64_t sequence = 0;
  std::string server_time;  ///< RFC 3339, UTC, milliseconds: as countersigned
  std::string countersignature;
};

enum class store_status {
  created,      ///< stored now
  replayed,     ///< the same bytes were stored before
  id_conflict,  ///< other bytes are stored under this receipt id
  chain_fork,   ///< the previous receipt (or the device's first) already has a successor
  chain_gap,    ///< the previous receipt is not stored (yet)
  unavailable,  ///< the database failed or is overloaded: nothing was acknowledged
};

struct store_outcome {
  store_status status = store_status::unavailable;
  std::optional<stored_receipt> stored;  ///< for created and replayed
  std::string detail;                    ///< for unavailable: the database's words, for the log
};

struct lookup_outcome {
  bool available = true;
  std::optional<stored_receipt> found;
};

struct chain_outcome {
  bool available = true;
  std::vector<stored_receipt> receipts;
};

/// One line of an undisclosed-tracker report: how often a host was seen on a page.
struct tracker_count {
  std::string policy_id;
  std::string host;
  std::string page_path;
  std::uint64_t count = 0;
};

/// Makes the countersignature once the sequence number and time are fixed. Runs
/// on the writer thread, inside the transaction, so that the stored row and the
/// answer carry the same bytes whichever server answers a replay.
using countersigner =
    std::function<std::string(const receipt_record&, std::int64_t sequence, const std::string& server_time)>;

struct storage_options {
  std::size_t max_queue = 20'000;
  std::size_t max_batch = 1'000;
  /// The writer commits at most once in this time, unless `commit_at_once` receipts
  /// wait: the receipts that arrive meanwhile share a transaction and a sync. After a
  /// quiet time the first receipt is committed at once. 8 ms rather than 2 or 4: less
  /// CPU per receipt under load, for a few ms of latency (bench/README.md, session 7).
  std::chrono::microseconds commit_interval{8'000};
  std::size_t commit_at_once = 32;
  std::chrono::milliseconds busy_timeout{5'000};
};

/// Counters the storage reports for /metrics.
struct storage_statistics {
  std::uint64_t receipts_stored = 0;
  std::uint64_t errors = 0;
  std::uint64_t batches = 0;
  std::size_t queued = 0;
};

/// The asynchronous face of the storage. Callbacks run on a storage thread: the
/// caller moves the work back to its own executor.
class storage {
 public:
  virtual ~storage() = default;
  virtual void store(receipt_record record, std::function<void(store_outcome)> done) = 0;
  virtual void find(std::string receipt_id, std::function<void(lookup_outcome)> done) = 0;
  /// The device's receipts in chain order, those with a sequence number above `after`.
  virtual void device_chain(std::string device, std::int64_t after, std::size_t limit,
                            std::function<void(chain_outcome)> done) = 0;
  virtual void add_reports(std::vector<tracker_count> counts, std::function<void(bool durable)> done) = 0;
  virtual void check(std::function<void(bool healthy)> done) = 0;
  virtual storage_statistics statistics() const = 0;
  /// Finishes what is queued, then stops the threads.
  virtual void stop() = 0;
};

/// Opens the database, creates the schema if needed, and starts the threads. The
/// error says which database and why (unreachable, unwritable, not ours).
result<std::unique_ptr<storage>, std::string> open_storage(const database_location& where, countersigner sign,
                                                         const storage_options& options);

/// `2025-05-01T12:00:00.123Z`.
std::string format_server_time(std::chrono::system_clock::time_point time);

}  // namespace consentry::server
