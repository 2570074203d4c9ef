// The server's command line: what it listens on, where it stores, which policies it
// accepts, and the limits that protect it. Parsing is separate from start-up so that a
// bad flag is reported before anything is opened.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "consentry/result.hpp"

namespace consentry::server {

enum class database_kind { sqlite, postgresql };

/// `sqlite:PATH` or a libpq URL (`postgresql://user@host:port/db`, `postgres://…`).
struct database_location {
  database_kind kind = database_kind::sqlite;
  std::string target = "var/receipts.db";  ///< the file, or the whole URL for libpq
};

struct server_options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;  ///< 0 picks a free port, printed at start-up
  database_location database;
  std::vector<std::string> policy_directories;
  std::string key_file = "var/server-key.pem";
  std::optional<std::string> static_directory;
  std::vector<std::string> allowed_origins;

  unsigned threads = 0;  ///< 0: one per core
  std::size_t max_connections = 1024;
  std::chrono::milliseconds request_timeout{10'000};  ///< for a whole request, headers and body
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  double device_rate = 2;    ///< receipts per second per device key; 0 = no limit
  double client_rate = 50;   ///< requests per second per client address; 0 = no limit
  std::chrono::seconds max_future_skew{300};
  std::chrono::seconds max_age{std::chrono::hours(24 * 30)};
  std::size_t max_queue = 20'000;  ///< receipts waiting for storage before 503
  std::chrono::milliseconds busy_timeout{5'000};  ///< SQLite: wait for another writer's lock
  std::string content_security_policy =
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
      "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
};

/// Parses the arguments after the program name. The error is one line saying which
/// flag is wrong and why.
result<server_options, std::string> parse_options(std::span<const std::string> args);

/// Parses `sqlite:PATH`, `postgresql://…` or `postgres://…`.
result<database_location, std::string> parse_database_location(std::string_view text);

/// The --help text.
std::string usage_text();

}  // namespace consentry::server
