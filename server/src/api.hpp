// The receipt API: routes a complete request to its handler and answers through a
// callback, which may be called from a storage thread. The connection layer
// (http_server) knows nothing of receipts; this file knows nothing of sockets.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/beast/http/message_generator.hpp>
#include <boost/describe.hpp>

#include "metrics.hpp"
#include "options.hpp"
#include "problem.hpp"
#include "rate_limiter.hpp"
#include "receipt_check.hpp"
#include "server_key.hpp"
#include "static_files.hpp"
#include "storage.hpp"

namespace consentry::server {

/// Sends an answer (its status first, for the metrics). Callable from any thread, once.
using reply_function = std::function<void(unsigned status, http::message_generator answer)>;

/// An undisclosed tracker the engine saw: a host and the page it was seen on.
struct tracker_report_entry {
  std::string host;
  std::string page_path;
  std::uint64_t count = 0;
};
BOOST_DESCRIBE_STRUCT(tracker_report_entry, (), (host, page_path, count))

/// The body of POST /v1/reports: counts only, no personal data (no address, no
/// user agent, no query string, no time finer than the day it is stored under).
struct tracker_report {
  std::string policy_id;
  std::vector<tracker_report_entry> trackers;
};
BOOST_DESCRIBE_STRUCT(tracker_report, (), (policy_id, trackers))

/// What an answer needs of its request once the request itself is gone.
struct reply_context {
  unsigned version = 11;
  bool keep_alive = true;
  std::string origin;
  reply_function reply;
  /// A HEAD request: its answer has the headers of the GET answer and no content
  /// (RFC 9110 §9.3.2), or a client keeping the connection would read the body as
  /// the start of the next answer.
  bool head = false;
};

/// Countersigns with the server key: a JWS over the RFC 8785 form of
/// {"receipt_hash", "sequence", "server_time"}.
countersigner make_countersigner(const server_key& key);

class api {
 public:
  api(const server_options& options, const receipt_checker& checker, storage& store, const server_key& key,
      metrics& counters, const static_files* files);

  void handle(request&& req, const std::string& client_address, reply_function reply);

 private:
  void post_receipt(request&& req, const std::string& client, reply_context context);
  void store_receipt(verified_receipt receipt, std::string jws, reply_context context);
  void get_receipt(std::string_view id, reply_context context);
  void get_device_chain(const request& req, std::string_view device, reply_context context);
  void post_reports(request&& req, const std::string& client, reply_context context);
  void preflight(const request& req, reply_context context);

  /// CORS and the Server header, on every answer of the API.
  template <class Message>
  void decorate(Message& answer, std::string_view origin) const;
  void send(const reply_context& context, response answer) const;
  void send_json(const reply_context& context, http::status status, const nlohmann::json& body) const;
  void send_problem(const reply_context& context, http::status status, std::string_view kind,
                    std::string_view detail) const;
  bool origin_allowed(std::string_view origin) const;
  /// True when `key` is within `limiter`'s rate; otherwise answers 429 with Retry-After,
  /// saying "too many `what`", and returns false.
  bool within_rate(rate_limiter& limiter, const std::string& key, std::string_view what, const reply_context& context);
  /// True when the body's Content-Type is `expected` or text/plain (what navigator.sendBeacon
  /// can send); otherwise answers 415 with Accept-Post, naming `what` is sent, and returns false.
  bool accepts_type(const request& req, std::string_view expected, std::string_view what,
                    const reply_context& context) const;

  const server_options& options_;
  const receipt_checker& checker_;
  storage& store_;
  const server_key& key_;
  metrics& metrics_;
  const static_files* files_;
  rate_limiter device_limiter_;
  rate_limiter client_limiter_;
  std::string jwks_;
};

}  // namespace consentry::server
