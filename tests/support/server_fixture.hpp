// The receipt server's API without a socket or a database, for tests/native and the
// fuzz target fuzz/server_request.cpp: an in-memory, synchronous storage, and a server
// key, the test policy and a static folder in a temporary directory.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/http.hpp>

#include "api.hpp"

namespace consentry::test {

/// The storage interface in memory. Every answer is given before the call returns, so
/// that one request is one deterministic run; the constraints are those of storage.hpp.
class memory_storage final : public server::storage {
 public:
  explicit memory_storage(server::countersigner sign) : sign_(std::move(sign)) {}

  void store(server::receipt_record record, std::function<void(server::store_outcome)> done) override {
    using server::store_status;
    if (auto found = by_id_.find(record.receipt_id); found != by_id_.end()) {
      const auto& stored = receipts_[found->second];
      if (stored.record.jws == record.jws) return done({store_status::replayed, stored, {}});
      return done({store_status::id_conflict, std::nullopt, {}});
    }
    for (const auto& s : receipts_) {
      if (s.record.device == record.device && s.record.previous_hash == record.previous_hash)
        return done({store_status::chain_fork, std::nullopt, {}});
    }
    if (record.previous_hash) {
      bool found = false;
      for (const auto& s : receipts_)
        found = found || (s.record.device == record.device && s.record.receipt_hash == *record.previous_hash);
      if (!found) return done({store_status::chain_gap, std::nullopt, {}});
    }
    server::stored_receipt stored{std::move(record), static_cast<std::int64_t>(receipts_.size() + 1),
                                  "2025-05-01T12:00:00.000Z", {}};
    stored.countersignature = sign_(stored.record, stored.sequence, stored.server_time);
    by_id_[stored.record.receipt_id] = receipts_.size();
    receipts_.push_back(stored);
    done({store_status::created, std::move(stored), {}});
  }
  void find(std::string receipt_id, std::function<void(server::lookup_outcome)> done) override {
    server::lookup_outcome outcome;
    if (auto found = by_id_.find(receipt_id); found != by_id_.end()) outcome.found = receipts_[found->second];
    done(std::move(outcome));
  }
  void device_chain(std::string device, std::int64_t after, std::size_t limit,
                    std::function<void(server::chain_outcome)> done) override {
    server::chain_outcome outcome;
    for (const auto& s : receipts_) {
      if (s.record.device == device && s.sequence > after && outcome.receipts.size() < limit)
        outcome.receipts.push_back(s);
    }
    done(std::move(outcome));
  }
  void add_reports(std::vector<server::tracker_count> counts, std::function<void(bool)> done) override {
    reports_ += counts.size();
    done(true);
  }
  void check(std::function<void(bool)> done) override { done(true); }
  server::storage_statistics statistics() const override { return {receipts_.size(), 0, 0, 0}; }
  void stop() override {}

 private:
  server::countersigner sign_;
  std::vector<server::stored_receipt> receipts_;
  std::map<std::string, std::size_t> by_id_;
  std::size_t reports_ = 0;
};

/// What an `api` needs, made once: a temporary directory holding the server key and a
/// static folder (`site/`: index.html, js/app.js, a dot-file, and a link `escape` to
/// the directory above it), and beside the folder `secret.txt`, which no request may
/// read. `secret` is the text of the files that must never be served.
struct server_environment {
  static constexpr std::string_view secret = "CONSENTRY-TEST-SECRET-5f1c";

  std::filesystem::path directory;
  server::server_options options;
  std::optional<server::server_key> key;
  std::optional<server::receipt_checker> checker;
  std::optional<server::static_files> files;
  server::metrics counters;
  std::string error;  ///< why the environment could not be made; empty when it was

  /// `policy_directory`: the policy the server accepts receipts for.
  explicit server_environment(const std::string& policy_directory) {
    char pattern[] = "/tmp/consentry-server-test-XXXXXX";
    if (!mkdtemp(pattern)) {
      error = "cannot create a temporary folder";
      return;
    }
    directory = pattern;
    const auto site = directory / "site";
    write(site / "index.html", "<!doctype html><title>demo</title>");
    write(site / "js" / "app.js", "export const ok = true;\n");
    write(site / ".env", secret);
    write(directory / "secret.txt", secret);
    std::error_code ignored;
    std::filesystem::create_directory_symlink(directory, site / "escape", ignored);

    auto loaded_key = server::server_key::load_or_create((directory / "server-key.pem").string());
    if (!loaded_key) {
      error = loaded_key.error();
      return;
    }
    key.emplace(std::move(*loaded_key));
    auto policies = server::load_known_policies({policy_directory});
    if (!policies) {
      error = policies.error();
      return;
    }
    checker.emplace(std::move(*policies));
    auto opened = server::static_files::open(site.string(), options.content_security_policy);
    if (!opened) {
      error = opened.error();
      return;
    }
    files.emplace(std::move(*opened));
    options.allowed_origins = {"https://shop.example"};
  }
  ~server_environment() {
    std::error_code ignored;
    if (!directory.empty()) std::filesystem::remove_all(directory, ignored);
  }
  server_environment(const server_environment&) = delete;
  server_environment& operator=(const server_environment&) = delete;

 private:
  static void write(const std::filesystem::path& path, std::string_view text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
};

/// An answer as the bytes a client receives, whatever its body (string or file).
inline std::string serialise(boost::beast::http::message_generator& answer) {
  std::string out;
  boost::beast::error_code ec;
  while (!answer.is_done()) {
    const auto buffers = answer.prepare(ec);
    if (ec) break;
    std::size_t taken = 0;
    for (const auto& buffer : buffers) {
      out.append(static_cast<const char*>(buffer.data()), buffer.size());
      taken += buffer.size();
    }
    answer.consume(taken);
  }
  return out;
}

}  // namespace consentry::test
