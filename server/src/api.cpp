#include "api.hpp"

#include <algorithm>
#include <charconv>

#include "consentry/json_io.hpp"
#include "consentry/json_parse.hpp"
#include "device_auth.hpp"

namespace consentry::server {
namespace {

constexpr std::string_view server_name = "consentry-server";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// The media type of a Content-Type value, without parameters, in lower case.
std::string media_type(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return lower(value);
}

/// Identifiers and hashes are stored and echoed: printable ASCII without quotes or
/// backslashes, and not too long, whatever the verifier let through.
bool plain_token(std::string_view text, std::size_t max_length = 256) {
  if (text.empty() || text.size() > max_length) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/'; });
}

std::optional<std::int64_t> query_integer(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos || pair.substr(0, equals) != name) continue;
    const auto value = pair.substr(equals + 1);
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return number;
  }
  return std::nullopt;
}

nlohmann::json stored_summary(const stored_receipt& s) {
  return {{"receipt_id", s.record.receipt_id},
          {"sequence", s.sequence},
          {"server_time", s.server_time},
          {"receipt_hash", s.record.receipt_hash},
          {"countersignature", s.countersignature}};
}

nlohmann::json stored_detail(const stored_receipt& s) {
  auto body = stored_summary(s);
  body["device"] = s.record.device;
  body["previous_hash"] = s.record.previous_hash ? nlohmann::json(*s.record.previous_hash) : nlohmann::json(nullptr);
  body["policy_id"] = s.record.policy_id;
  body["policy_hash"] = s.record.policy_hash;
  body["receipt"] = s.record.jws;
  return body;
}

bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

}  // namespace

countersigner make_countersigner(const server_key& key) {
  return [&key](const receipt_record& r, std::int64_t sequence, const std::string& server_time) {
    // RFC 8785 form of {receipt_hash, sequence, server_time}: members sorted, no
    // spaces, and no string needs escaping (checked tokens, RFC 3339 time).
    const std::string payload = R"({"receipt_hash":")" + r.receipt_hash + R"(","sequence":)" +
                                std::to_string(sequence) + R"(,"server_time":")" + server_time + "\"}";
    return key.sign_compact(payload, "JOSE");
  };
}

api::api(const server_options& options, const receipt_checker& checker, storage& store, const server_key& key,
         metrics& counters, const static_files* files)
    : options_(options),
      checker_(checker),
      store_(store),
      key_(key),
      metrics_(counters),
      files_(files),
      device_limiter_(options.device_rate, std::max(10.0, options.device_rate * 2)),
      client_limiter_(options.client_rate, std::max(20.0, options.client_rate * 2)),
      jwks_(R"({"keys":[)" + key.public_jwk_json() + "]}") {}

bool api::origin_allowed(std::string_view origin) const {
  return !origin.empty() &&
         std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(), origin) !=
             options_.allowed_origins.end();
}

template <class Message>
void api::decorate(Message& answer, std::string_view origin) const {
  answer.set(http::field::server, server_name);
  if (!options_.allowed_origins.empty()) answer.set(http::field::vary, "Origin");
  if (origin_allowed(origin)) {
    answer.set(http::field::access_control_allow_origin, origin);
    answer.set(http::field::access_control_expose_headers, "Location, Retry-After");
  }
}

void api::send(const reply_context& context, response answer) const {
  decorate(answer, context.origin);
  if (context.head) answer.body().clear();  // Content-Length stays that of the GET answer
  answer.keep_alive(context.keep_alive && answer.keep_alive());
  const auto status = answer.result_int();
  context.reply(status, http::message_generator(std::move(answer)));
}

void api::send_json(const reply_context& context, http::status status, const nlohmann::json& body) const {
  send(context, json_response(status, body, context.version, context.keep_alive));
}

void api::send_problem(const reply_context& context, http::status status, std::string_view kind,
                       std::string_view detail) const {
  auto answer = problem_response(status, kind, detail, context.version, context.keep_alive);
  if (status == http::status::service_unavailable) answer.set(http::field::retry_after, "2");
  send(context, std::move(answer));
}

void api::handle(request&& req, const std::string& client_address, reply_function reply) {
  reply_context context{req.version(), req.keep_alive(), std::string(req[http::field::origin]), std::move(reply),
                       req.method() == http::verb::head};
  const auto target = std::string_view(req.target());
  const auto path = target.substr(0, target.find('?'));
  const auto method = req.method();
  const bool get = method == http::verb::get;
  const bool post = method == http::verb::post;

  auto not_allowed = [&](const char* allow) {
    auto answer = problem_response(http::status::method_not_allowed, "method-not-allowed",
                                   std::string(req.method_string()) + " is not allowed here; allowed: " + allow,
                                   context.version, context.keep_alive);
    answer.set(http::field::allow, allow);
    send(context, std::move(answer));
  };

  if (method == http::verb::options && path.starts_with("/v1/")) return preflight(req, std::move(context));

  if (path == "/v1/receipts") {
    if (!post) return not_allowed("POST, OPTIONS");
    return post_receipt(std::move(req), client_address, std::move(context));
  }
  if (path == "/v1/reports") {
    if (!post) return not_allowed("POST, OPTIONS");
    return post_reports(std::move(req), client_address, std::move(context));
  }
  if (path.starts_with("/v1/receipts/")) {
    if (!get) return not_allowed("GET, OPTIONS");
    return get_receipt(path.substr(13), std::move(context));
  }
  if (path.starts_with("/v1/devices/") && path.ends_with("/receipts")) {
    if (!get) return not_allowed("GET, OPTIONS");
    const auto device = path.substr(12, path.size() - 12 - 9);
    if (!within_rate(client_limiter_, client_address, "requests from this client", context)) return;
    return get_device_chain(req, device, std::move(context));
  }
  if (path == "/v1/policies") {
    if (!get) return not_allowed("GET, OPTIONS");
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : checker_.policies())
      list.push_back({{"id", p.id}, {"version", p.version}, {"hash", p.hash}});
    return send_json(context, http::status::ok, {{"policies", std::move(list)}});
  }
  if (path == "/healthz") {
    if (!get) return not_allowed("GET");
    return store_.check([this, context = std::move(context)](bool healthy) {
      if (healthy) return send_json(context, http::status::ok, {{"status", "ok"}});
      send_problem(context, http::status::service_unavailable, "storage-unavailable", "the database does not answer");
    });
  }
  if (path == "/metrics") {
    if (!get) return not_allowed("GET");
    response answer(http::status::ok, context.version);
    answer.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    answer.body() = metrics_.render(store_.statistics(), checker_.cache_counts());
    answer.prepare_payload();
    return send(context, std::move(answer));
  }
  if (path == "/.well-known/jwks.json") {
    if (!get) return not_allowed("GET");
    response answer(http::status::ok, context.version);
    answer.set(http::field::content_type, "application/jwk-set+json");
    answer.set(http::field::cache_control, "max-age=300");
    answer.body() = jwks_;
    answer.prepare_payload();
    return send(context, std::move(answer));
  }
  if (path.starts_with("/v1/") || path == "/v1")
    return send_problem(context, http::status::not_found, "not-found", "there is no API at " + std::string(path));

  if (files_) {
    if (!get && method != http::verb::head) return not_allowed("GET, HEAD");
    auto served = files_->serve(req);
    if (auto* file = std::get_if<file_response>(&served)) {
      decorate(*file, {});
      const auto size = file->payload_size();
      if (method == http::verb::head) {
        response head(http::status::ok, context.version);
        head.base() = file->base();
        head.keep_alive(context.keep_alive);
        head.content_length(size);
        return context.reply(200, http::message_generator(std::move(head)));
      }
      return context.reply(200, http::message_generator(std::move(*file)));
    }
    auto& answer = std::get<response>(served);
    const auto status = answer.result_int();
    decorate(answer, {});
    if (context.head) answer.body().clear();
    return context.reply(status, http::message_generator(std::move(answer)));
  }
  send_problem(context, http::status::not_found, "not-found", "there is nothing at " + std::string(path));
}

void api::preflight(const request& req, reply_context context) {
  const auto origin = req[http::field::origin];
  if (!origin_allowed(origin))
    return send_problem(context, http::status::forbidden, "origin-not-allowed",
                        "cross-origin calls are not allowed from " + std::string(origin.empty() ? "here" : origin));
  response answer(http::status::no_content, context.version);
  answer.set(http::field::access_control_allow_methods, "GET, POST, OPTIONS");
  answer.set(http::field::access_control_allow_headers, "Authorization, Content-Type");
  answer.set(http::field::access_control_max_age, "600");
  answer.keep_alive(context.keep_alive);
  send(context, std::move(answer));
}

bool api::within_rate(rate_limiter& limiter, const std::string& key, std::string_view what,
                      const reply_context& context) {
  const auto limited = limiter.take(key, std::chrono::steady_clock::now());
  if (!limited) return true;
  auto answer = problem_response(http::status::too_many_requests, "rate-limited",
                                 "too many " + std::string(what) + "; retry after the time in Retry-After",
                                 context.version, context.keep_alive);
  answer.set(http::field::retry_after, std::to_string(*limited));
  send(context, std::move(answer));
  return false;
}

bool api::accepts_type(const request& req, std::string_view expected, std::string_view what,
                       const reply_context& context) const {
  // text/plain too: navigator.sendBeacon on page hide can only send CORS-safelisted types.
  const auto type = media_type(req[http::field::content_type]);
  if (type == expected || type == "text/plain") return true;
  auto answer = problem_response(http::status::unsupported_media_type, "unsupported-media-type",
                                 "send " + std::string(what) + " as " + std::string(expected) + " (or text/plain), not " +
                                     (type.empty() ? std::string("without a Content-Type") : std::string(type)),
                                 context.version, context.keep_alive);
  answer.set("Accept-Post", std::string(expected) + ", text/plain");
  send(context, std::move(answer));
  return false;
}

void api::post_receipt(request&& req, const std::string& client, reply_context context) {
  // application/jose: RFC 7515 §9.2.1.
  if (!accepts_type(req, "application/jose", "the receipt's JWS", context)) return;
  if (!within_rate(client_limiter_, client, "requests from this client", context)) return;
  auto jws = std::move(req.body());
  // A trailing newline (curl --data-binary @file) is not part of the JWS.
  while (!jws.empty() && (jws.back() == '\n' || jws.back() == '\r')) jws.pop_back();
  if (jws.empty()) return send_problem(context, http::status::bad_request, "malformed-receipt", "the body is empty");

  auto verified = checker_.verify(jws);
  if (!verified) {
    const auto& why = verified.error();
    return send_problem(context, static_cast<http::status>(why.status), why.kind, why.reason);
  }
  const auto& r = *verified;
  if (!plain_token(r.receipt_id) || !plain_token(r.device) || !plain_token(r.receipt_hash) ||
      !plain_token(r.policy_id) || !plain_token(r.policy_hash) || (r.previous_hash && !plain_token(*r.previous_hash)))
    return send_problem(context, http::status::unprocessable_entity, "invalid-receipt",
                        "an identifier or hash of the receipt has characters the server does not store");

  const auto now = std::chrono::system_clock::now();
  if (r.timestamp > now + options_.max_future_skew)
    return send_problem(context, http::status::unprocessable_entity, "timestamp-out-of-window",
                        "the receipt is dated in the future, beyond the allowed clock skew of " +
                            std::to_string(options_.max_future_skew.count()) + " s; check the device's clock");
  if (r.timestamp < now - options_.max_age) {
    // Too old to be stored now, but the same bytes stored earlier are still answered,
    // so that a client retrying late gets its countersignature.
    auto id = r.receipt_id;
    return store_.find(std::move(id), [this, jws = std::move(jws), context = std::move(context)](lookup_outcome found) {
      if (!found.available)
        return send_problem(context, http::status::service_unavailable, "storage-unavailable",
                            "the database is unavailable; nothing was stored, retry later");
      if (found.found && found.found->record.jws == jws)
        return send_json(context, http::status::ok, stored_summary(*found.found));
      if (found.found)
        return send_problem(context, http::status::conflict, "receipt-id-conflict",
                            "another receipt is already stored under this receipt id");
      send_problem(context, http::status::unprocessable_entity, "timestamp-out-of-window",
                   "the receipt is older than the server accepts (" + std::to_string(options_.max_age.count()) +
                       " s)");
    });
  }
  if (!within_rate(device_limiter_, r.device, "receipts from this device", context)) return;
  store_receipt(std::move(*verified), std::move(jws), std::move(context));
}

void api::store_receipt(verified_receipt receipt, std::string jws, reply_context context) {
  receipt_record record{std::move(receipt.receipt_id),    std::move(receipt.device),      std::move(receipt.receipt_hash),
                        std::move(receipt.previous_hash), std::move(receipt.policy_id), std::move(receipt.policy_hash),
                        std::move(jws),                   receipt.shared_begin,           receipt.shared_end,
                        receipt.shared_fingerprint};
  store_.store(std::move(record), [this, context = std::move(context)](store_outcome outcome) {
    switch (outcome.status) {
      case store_status::created: {
        auto answer = json_response(http::status::created, stored_summary(*outcome.stored), context.version,
                                    context.keep_alive);
        answer.set(http::field::location, "/v1/receipts/" + outcome.stored->record.receipt_id);
        return send(context, std::move(answer));
      }
      case store_status::replayed:
        return send_json(context, http::status::ok, stored_summary(*outcome.stored));
      case store_status::id_conflict:
        return send_problem(context, http::status::conflict, "receipt-id-conflict",
                            "another receipt is already stored under this receipt id; an id is used once");
      case store_status::chain_fork:
        return send_problem(context, http::status::unprocessable_entity, "chain-fork",
                            "the receipt this one follows already has a successor (or the device already has a "
                            "first receipt): a device's receipts form one chain");
      case store_status::chain_gap:
        return send_problem(context, http::status::unprocessable_entity, "chain-gap",
                            "the previous receipt this one names is not stored here yet; send a device's "
                            "receipts in order");
      case store_status::unavailable:
        return send_problem(context, http::status::service_unavailable, "storage-unavailable",
                            "the receipt could not be stored durably, so it is not acknowledged; retry later");
    }
  });
}

void api::get_receipt(std::string_view id, reply_context context) {
  if (!plain_token(id))
    return send_problem(context, http::status::bad_request, "bad-receipt-id", "that is not a receipt id");
  store_.find(std::string(id), [this, id = std::string(id), context = std::move(context)](lookup_outcome found) {
    if (!found.available)
      return send_problem(context, http::status::service_unavailable, "storage-unavailable",
                          "the database is unavailable; retry later");
    if (!found.found)
      return send_problem(context, http::status::not_found, "not-found", "no receipt is stored under id " + id);
    send_json(context, http::status::ok, stored_detail(*found.found));
  });
}

void api::get_device_chain(const request& req, std::string_view device, reply_context context) {
  if (!plain_token(device))
    return send_problem(context, http::status::bad_request, "bad-device", "that is not a key thumbprint");
  auto checked = check_device_signature(req[http::field::authorization], req.method_string(), req.target(), device,
                                        std::chrono::system_clock::now());
  if (!checked) {
    auto answer = problem_response(static_cast<http::status>(checked.error().status), checked.error().kind,
                                   checked.error().reason, context.version, context.keep_alive);
    if (checked.error().status == 401) answer.set(http::field::www_authenticate, device_auth_scheme);
    return send(context, std::move(answer));
  }
  const auto target = std::string_view(req.target());
  const auto question = target.find('?');
  const auto query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  const auto after = query_integer(query, "after").value_or(0);
  const auto limit = std::clamp<std::int64_t>(query_integer(query, "limit").value_or(100), 1, 1000);
  store_.device_chain(std::string(device), after, static_cast<std::size_t>(limit),
                      [this, device = std::string(device), limit, context = std::move(context)](chain_outcome chain) {
                        if (!chain.available)
                          return send_problem(context, http::status::service_unavailable, "storage-unavailable",
                                              "the database is unavailable; retry later");
                        nlohmann::json list = nlohmann::json::array();
                        for (const auto& s : chain.receipts) list.push_back(stored_detail(s));
                        nlohmann::json body{{"device", device}, {"receipts", std::move(list)}};
                        if (static_cast<std::int64_t>(chain.receipts.size()) == limit)
                          body["next_after"] = chain.receipts.back().sequence;
                        send_json(context, http::status::ok, body);
                      });
}

void api::post_reports(request&& req, const std::string& client, reply_context context) {
  if (!accepts_type(req, "application/json", "the report", context)) return;
  if (!within_rate(client_limiter_, client, "requests from this client", context)) return;
  auto parsed = parse_json(req.body());
  if (!parsed)
    return send_problem(context, http::status::bad_request, "malformed-report",
                        "the report is not JSON: " + parsed.error().location() + ": " + parsed.error().message);
  tracker_report report;
  diagnostics problems;
  if (!json_io::read_document(*parsed, report, "report", problems)) {
    std::string detail = "the report does not have the expected shape:";
    for (const auto& d : problems) detail += " " + d.location + ": " + d.message + ";";
    return send_problem(context, http::status::unprocessable_entity, "invalid-report", detail);
  }
  const auto& known = checker_.policies();
  if (std::none_of(known.begin(), known.end(), [&](const known_policy& p) { return p.id == report.policy_id; }))
    return send_problem(context, http::status::unprocessable_entity, "unknown-policy",
                        "policy \"" + report.policy_id + "\" is not known here");
  if (report.trackers.size() > 1000)
    return send_problem(context, http::status::unprocessable_entity, "invalid-report",
                        "a report holds at most 1000 lines");
  std::vector<tracker_count> counts;
  for (std::size_t i = 0; i < report.trackers.size(); ++i) {
    const auto& entry = report.trackers[i];
    const auto where = "/trackers/" + std::to_string(i);
    if (!valid_host(entry.host))
      return send_problem(context, http::status::unprocessable_entity, "invalid-report",
                          where + "/host: a host name in lower case (letters, digits, dots, hyphens)");
    // A query string or fragment may carry personal data; only the path is counted.
    if (!entry.page_path.starts_with('/') || entry.page_path.size() > 1024 ||
        entry.page_path.find_first_of("?#") != std::string::npos ||
        std::any_of(entry.page_path.begin(), entry.page_path.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x21 || c == 0x7f; }))
      return send_problem(context, http::status::unprocessable_entity, "invalid-report",
                          where + "/page_path: a path starting with / without query string or fragment");
    if (entry.count == 0 || entry.count > 1'000'000)
      return send_problem(context, http::status::unprocessable_entity, "invalid-report",
                          where + "/count: between 1 and 1000000");
    counts.push_back({report.policy_id, entry.host, entry.page_path, entry.count});
  }
  const auto lines = counts.size();
  store_.add_reports(std::move(counts), [this, lines, context = std::move(context)](bool durable) {
    if (!durable)
      return send_problem(context, http::status::service_unavailable, "storage-unavailable",
                          "the report could not be stored; retry later");
    send_json(context, http::status::ok, {{"stored", lines}});
  });
}

}  // namespace consentry::server
