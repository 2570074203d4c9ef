// The group-commit engine in front of either backend: one writer thread batches
// every waiting receipt into one synced transaction; one reader thread serves
// lookups, so that a slow read never delays an acknowledgement.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "storage_backend.hpp"

namespace consentry::server {

std::string format_server_time(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto milliseconds_since = duration_cast<milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds_since = static_cast<std::time_t>(milliseconds_since / 1000);
  std::tm utc{};
  gmtime_r(&seconds_since, &utc);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(milliseconds_since % 1000));
  return text;
}

namespace {

struct write_job {
  write_item item;
  std::function<void(store_outcome)> done;
};

struct report_job {
  report_item item;
  std::function<void(bool)> done;
};

using read_job = std::function<void(storage_backend*)>;

class queued_storage final : public storage {
 public:
  queued_storage(std::unique_ptr<storage_backend> writer, std::unique_ptr<storage_backend> reader,
                 countersigner sign, storage_options options)
      : write_db_(std::move(writer)), read_db_(std::move(reader)), sign_(std::move(sign)), options_(options) {
    writer_ = std::thread([this] { write_loop(); });
    reader_ = std::thread([this] { read_loop(); });
  }

  ~queued_storage() override { stop(); }

  void store(receipt_record record, std::function<void(store_outcome)> done) override {
    {
      std::lock_guard lock(mutex_);
      if (!stopping_ && writes_.size() < options_.max_queue) {
        writes_.push_back({{std::move(record), {}}, std::move(done)});
        write_ready_.notify_one();
        return;
      }
    }
    done({store_status::unavailable, std::nullopt, "the storage queue is full"});
  }

  void add_reports(std::vector<tracker_count> counts, std::function<void(bool)> done) override {
    {
      std::lock_guard lock(mutex_);
      if (!stopping_ && reports_.size() < options_.max_queue) {
        reports_.push_back({{std::move(counts), false}, std::move(done)});
        write_ready_.notify_one();
        return;
      }
    }
    done(false);
  }

  void find(std::string receipt_id, std::function<void(lookup_outcome)> done) override {
    enqueue_read([id = std::move(receipt_id), done = std::move(done)](storage_backend* db) {
      if (!db) return done({false, std::nullopt});
      done({true, db->find(id)});
    });
  }

  void device_chain(std::string device, std::int64_t after, std::size_t limit,
                    std::function<void(chain_outcome)> done) override {
    enqueue_read([device = std::move(device), after, limit, done = std::move(done)](storage_backend* db) {
      if (!db) return done({false, {}});
      done({true, db->chain(device, after, limit)});
    });
  }

  void check(std::function<void(bool)> done) override {
    enqueue_read([done = std::move(done)](storage_backend* db) {
      if (!db) return done(false);
      db->ping();
      done(true);
    });
  }

  storage_statistics statistics() const override {
    storage_statistics s;
    s.receipts_stored = stored_.load(std::memory_order_relaxed);
    s.errors = errors_.load(std::memory_order_relaxed);
    s.batches = batches_.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    s.queued = writes_.size();
    return s;
  }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    write_ready_.notify_all();
    read_ready_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (reader_.joinable()) reader_.join();
  }

 private:
  void enqueue_read(read_job job) {
    {
      std::lock_guard lock(mutex_);
      if (!stopping_ && reads_.size() < options_.max_queue) {
        reads_.push_back(std::move(job));
        read_ready_.notify_one();
        return;
      }
    }
    job(nullptr);
  }

  void write_loop() {
    std::vector<write_job> batch;
    std::vector<report_job> reports;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        write_ready_.wait(lock, [&] { return stopping_ || !writes_.empty() || !reports_.empty(); });
        if (writes_.empty() && reports_.empty()) return;  // stopping, and everything is answered
        const auto take = std::min(writes_.size(), options_.max_batch);
        batch.clear();
        for (std::size_t i = 0; i < take; ++i) {
          batch.push_back(std::move(writes_.front()));
          writes_.pop_front();
        }
        reports.clear();
        while (!reports_.empty()) {
          reports.push_back(std::move(reports_.front()));
          reports_.pop_front();
        }
      }
      std::vector<write_item*> items;
      std::vector<report_item*> report_items;
      for (auto& job : batch) items.push_back(&job.item);
      for (auto& job : reports) report_items.push_back(&job.item);
      const auto server_time = format_server_time(std::chrono::system_clock::now());
      try {
        write_db_->write(items, report_items, sign_, server_time);
        batches_.fetch_add(1, std::memory_order_relaxed);
      } catch (const std::exception& error) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        std::fprintf(stderr, "consentry-server: storage: %s\n", error.what());
        for (auto* item : items) item->outcome = {store_status::unavailable, std::nullopt, error.what()};
        for (auto* item : report_items) item->durable = false;
      }
      std::uint64_t created = 0;
      for (auto& job : batch) {
        if (job.item.outcome.status == store_status::created) ++created;
        job.done(std::move(job.item.outcome));
      }
      stored_.fetch_add(created, std::memory_order_relaxed);
      for (auto& job : reports) job.done(job.item.durable);
    }
  }

  void read_loop() {
    for (;;) {
      read_job job;
      {
        std::unique_lock lock(mutex_);
        read_ready_.wait(lock, [&] { return stopping_ || !reads_.empty(); });
        if (reads_.empty()) return;
        job = std::move(reads_.front());
        reads_.pop_front();
      }
      try {
        job(read_db_.get());
      } catch (const std::exception& error) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        std::fprintf(stderr, "consentry-server: storage: %s\n", error.what());
        job(nullptr);
      }
    }
  }

  std::unique_ptr<storage_backend> write_db_;
  std::unique_ptr<storage_backend> read_db_;
  countersigner sign_;
  storage_options options_;

  mutable std::mutex mutex_;
  std::condition_variable write_ready_;
  std::condition_variable read_ready_;
  std::deque<write_job> writes_;
  std::deque<report_job> reports_;
  std::deque<read_job> reads_;
  bool stopping_ = false;

  std::atomic<std::uint64_t> stored_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::thread writer_;
  std::thread reader_;
};

}  // namespace

result<std::unique_ptr<storage>, std::string> open_storage(const database_location& where, countersigner sign,
                                                         const storage_options& options) {
  try {
    std::unique_ptr<storage_backend> writer;
    std::unique_ptr<storage_backend> reader;
    if (where.kind == database_kind::sqlite) {
      writer = open_sqlite_backend(where.target, options);
      reader = open_sqlite_backend(where.target, options);
    } else {
      writer = open_postgres_backend(where.target, options);
      reader = open_postgres_backend(where.target, options);
    }
    std::unique_ptr<storage> opened =
        std::make_unique<queued_storage>(std::move(writer), std::move(reader), std::move(sign), options);
    return result<std::unique_ptr<storage>, std::string>(boost::system::in_place_value, std::move(opened));
  } catch (const std::exception& error) {
    return std::string(error.what());
  }
}

}  // namespace consentry::server
