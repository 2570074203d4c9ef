// The synchronous side of the storage: what each database must do. Each backend
// object owns one connection and is used by one thread only.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage.hpp"

namespace consentry::server {

/// A database failure: the connection broke, the disk is full, a lock timed out.
struct storage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct write_item {
  receipt_record record;
  store_outcome outcome;
};

struct report_item {
  std::vector<tracker_count> counts;
  bool durable = false;
};

class storage_backend {
 public:
  virtual ~storage_backend() = default;
  /// Stores the receipts in the given order and adds the reports, in one transaction
  /// that is durable when this returns; fills each item's outcome. Throws
  /// storage_error when nothing could be committed.
  virtual void write(std::vector<write_item*>& receipts, std::vector<report_item*>& reports,
                     const countersigner& sign, const std::string& server_time) = 0;
  virtual std::optional<stored_receipt> find(const std::string& receipt_id) = 0;
  virtual std::vector<stored_receipt> chain(const std::string& device, std::int64_t after, std::size_t limit) = 0;
  virtual void ping() = 0;

  /// False when a commit returns before it is durable, and sync() makes it so: the
  /// sync then runs on a thread of its own, while the writer commits the next batch.
  virtual bool commits_are_durable() const { return true; }
  /// Makes every transaction committed so far durable. Called concurrently with
  /// write(), so it must not use the connection. Throws storage_error.
  virtual void sync() {}
  /// Housekeeping on a connection of its own, every 100 ms (SQLite: checkpoints).
  /// True when the writer's connection should catch_up() between two batches.
  virtual bool maintain() { return false; }
  /// On the writer's connection, between batches, when maintain() asked for it.
  virtual void catch_up() {}
};

/// The group-commit engine over the given connections (open_storage opens them from a
/// database location): `maintenance` may be null. Tests give it backends of their own.
std::unique_ptr<storage> make_storage(std::unique_ptr<storage_backend> writer, std::unique_ptr<storage_backend> reader,
                                      std::unique_ptr<storage_backend> maintenance, countersigner sign,
                                      const storage_options& options);

enum class sqlite_role { writer, reader, maintenance };

std::unique_ptr<storage_backend> open_sqlite_backend(const std::string& path, const storage_options& options,
                                                     sqlite_role role);
std::unique_ptr<storage_backend> open_postgres_backend(const std::string& url, const storage_options& options);

}  // namespace consentry::server
