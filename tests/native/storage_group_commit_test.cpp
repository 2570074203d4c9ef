// The receipt server's group-commit engine (server/src/storage.cpp) over a backend of
// the test's own, which records what it is asked: receipts that arrive within the commit
// interval share one transaction, a full batch does not wait for it, stopping commits
// what waits, and no receipt is answered before a sync that covers its commit.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage_backend.hpp"

namespace {

using namespace consentry::server;
using namespace std::chrono_literals;

/// What the backend was asked, shared by the test and the engine's threads.
struct journal {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::size_t> batches;  ///< receipts per commit, in order
  std::size_t committed = 0;         ///< receipts committed so far
  std::size_t synced = 0;            ///< receipts committed before the last sync began
  std::size_t answered = 0;
  std::vector<std::string> early;    ///< receipts answered before a sync covered them

  /// Waits until `count` receipts are answered, for at most `limit`.
  bool wait_answered(std::size_t count, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] { return answered >= count; });
  }
};

/// Commits are not durable by themselves (as SQLite's here): the engine runs a syncer.
class recording_backend final : public storage_backend {
 public:
  explicit recording_backend(std::shared_ptr<journal> log) : log_(std::move(log)) {}

  void write(std::vector<write_item*>& receipts, std::vector<report_item*>& reports, const countersigner& sign,
             const std::string& server_time) override {
    std::lock_guard lock(log_->mutex);
    log_->batches.push_back(receipts.size());
    for (auto* item : receipts) {
      const auto sequence = static_cast<std::int64_t>(++log_->committed);
      item->outcome = {store_status::created,
                       stored_receipt{item->record, sequence, server_time, sign(item->record, sequence, server_time)},
                       {}};
    }
    for (auto* report : reports) report->durable = true;
  }
  std::optional<stored_receipt> find(const std::string&) override { return std::nullopt; }
  std::vector<stored_receipt> chain(const std::string&, std::int64_t, std::size_t) override { return {}; }
  void ping() override {}
  bool commits_are_durable() const override { return false; }
  void sync() override {
    std::lock_guard lock(log_->mutex);
    log_->synced = log_->committed;
  }

 private:
  std::shared_ptr<journal> log_;
};

struct engine {
  std::shared_ptr<journal> log = std::make_shared<journal>();
  std::unique_ptr<storage> store;

  explicit engine(const storage_options& options) {
    store = make_storage(std::make_unique<recording_backend>(log), std::make_unique<recording_backend>(log), nullptr,
                         [](const receipt_record& r, std::int64_t, const std::string&) { return "signed " + r.receipt_id; },
                         options);
  }
  ~engine() { store->stop(); }

  void send(int number) {
    receipt_record record;
    record.receipt_id = "receipt-" + std::to_string(number);
    store->store(std::move(record), [log = log](store_outcome outcome) {
      std::lock_guard lock(log->mutex);
      if (outcome.status != store_status::created || !outcome.stored ||
          outcome.stored->sequence > static_cast<std::int64_t>(log->synced))
        log->early.push_back(outcome.stored ? outcome.stored->record.receipt_id : "(nothing stored)");
      ++log->answered;
      log->changed.notify_all();
    });
  }

  std::vector<std::size_t> batches() {
    std::lock_guard lock(log->mutex);
    return log->batches;
  }
};

}  // namespace

TEST_CASE("group commit: receipts that arrive within the commit interval share one transaction") {
  storage_options options;
  options.commit_interval = 1s;  // far longer than sending nine receipts takes
  options.commit_at_once = 1000;
  engine e(options);
  // After a quiet time the first receipt is committed at once ...
  e.send(0);
  REQUIRE(e.log->wait_answered(1, 10s));
  // ... and those right behind it wait for the interval, then go together.
  const auto sent = std::chrono::steady_clock::now();
  for (int i = 1; i <= 9; ++i) e.send(i);
  REQUIRE(e.log->wait_answered(10, 10s));
  const auto waited = std::chrono::steady_clock::now() - sent;
  CHECK(e.batches() == std::vector<std::size_t>{1, 9});
  CHECK(waited >= 300ms);  // the rest of the interval, less the first receipt's round trip
  std::lock_guard lock(e.log->mutex);
  CHECK(e.log->early.empty());
}

TEST_CASE("group commit: a full batch does not wait for the interval, and stopping commits what waits") {
  storage_options options;
  options.commit_interval = 60s;  // never reached in this test
  options.commit_at_once = 4;
  engine e(options);
  e.send(0);
  REQUIRE(e.log->wait_answered(1, 10s));
  for (int i = 1; i <= 4; ++i) e.send(i);
  REQUIRE(e.log->wait_answered(5, 10s));  // the fourth makes a batch: answered long before 60 s
  CHECK(e.batches() == std::vector<std::size_t>{1, 4});
  e.send(5);
  e.store->stop();  // answers the waiting receipt before it returns
  CHECK(e.log->wait_answered(6, 0ms));
  CHECK(e.batches() == std::vector<std::size_t>{1, 4, 1});
  std::lock_guard lock(e.log->mutex);
  CHECK(e.log->early.empty());
}

TEST_CASE("group commit: with no interval every receipt is committed as it comes, and each is synced before its answer") {
  storage_options options;
  options.commit_interval = 0ms;
  engine e(options);
  for (int i = 0; i < 50; ++i) {
    e.send(i);
    REQUIRE(e.log->wait_answered(static_cast<std::size_t>(i) + 1, 10s));
  }
  CHECK(e.batches() == std::vector<std::size_t>(50, 1));
  std::lock_guard lock(e.log->mutex);
  CHECK(e.log->early.empty());
}
