// Receipts: built from a consent event, canonical, signed through the `signer`
// interface, and checked (all but the signature, which needs a crypto library).
#include "consentry/receipt.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "consentry/base64url.hpp"
#include "consentry/jcs.hpp"
#include "consentry/json_io.hpp"
#include "consentry/notice.hpp"
#include "detail/text.hpp"

namespace consentry {
namespace {

using receipt_result = result<receipt, receipt_error>;
using text_result = result<std::string, receipt_error>;
using checked_result = result<checked_receipt, receipt_error>;

receipt_error fail(std::string message) { return receipt_error{std::move(message)}; }

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

/// The legal basis as a term of the W3C DPV GDPR extension (https://w3id.org/dpv/legal/eu/gdpr).
std::string dpv_legal_basis(legal_basis basis) {
  switch (basis) {
    case legal_basis::consent: return "eu-gdpr:A6-1-a";
    case legal_basis::explicit_consent: return "eu-gdpr:A9-2-a";
    case legal_basis::contract: return "eu-gdpr:A6-1-b";
    case legal_basis::legal_obligation: return "eu-gdpr:A6-1-c";
    case legal_basis::vital_interest: return "eu-gdpr:A6-1-d";
    case legal_basis::legitimate_interest: return "eu-gdpr:A6-1-f";
  }
  return "";
}

consent_type consent_type_of(legal_basis basis) {
  if (basis == legal_basis::consent) return consent_type::expressed;
  if (basis == legal_basis::explicit_consent) return consent_type::explicitly_expressed;
  return consent_type::not_consent;
}

receipt_event_state event_state_of(const consent_event& event) {
  switch (event.action) {
    case consent_action::accept_all:
    case consent_action::grant_explicit:
    case consent_action::parental_confirmation: return receipt_event_state::given;
    case consent_action::reject_all: return receipt_event_state::refused;
    case consent_action::set_purpose:
      for (const auto& outcome : event.purposes) {
        if (event.purpose && outcome.purpose == *event.purpose) {
          return outcome.status == purpose_status::granted ? receipt_event_state::given : receipt_event_state::refused;
        }
      }
      return receipt_event_state::refused;
    case consent_action::withdraw_all:
    case consent_action::withdraw_purpose: return receipt_event_state::withdrawn;
    case consent_action::object: return receipt_event_state::objected;
    case consent_action::stop_objecting: return receipt_event_state::objection_withdrawn;
    case consent_action::declare_age: return receipt_event_state::updated;
    case consent_action::renew: return receipt_event_state::renewed;
    case consent_action::acknowledge_changes: return receipt_event_state::acknowledged;
    case consent_action::gpc_signal: return receipt_event_state::signal;
  }
  return receipt_event_state::updated;
}

bool is_thumbprint(std::string_view text) {
  if (text.size() != 43) return false;
  auto decoded = base64url_decode(text);
  return decoded && decoded->size() == 32;
}

std::string first_error(const diagnostics& found) {
  for (const auto& d : found) {
    if (d.level == severity::error) return (d.location.empty() ? "" : d.location + ": ") + d.message;
  }
  return "unknown error";
}

}  // namespace

std::string format_uuid_v4(std::span<const std::uint8_t, 16> random_bytes) {
  std::array<std::uint8_t, 16> bytes;
  std::copy(random_bytes.begin(), random_bytes.end(), bytes.begin());
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // variant 10 (RFC 9562 §4.1)
  const auto hex = to_hex(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

bool is_uuid_v4(std::string_view text) noexcept {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return text[14] == '4' && (text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b');
}

std::optional<std::int64_t> parse_utc_time(std::string_view text) noexcept {
  // YYYY-MM-DDTHH:MM:SS.mmmZ, nothing else: one spelling per instant.
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z') {
    return std::nullopt;
  }
  const auto number = [&](std::size_t at, std::size_t length) -> std::int64_t {
    std::int64_t value = 0;
    for (std::size_t i = at; i < at + length; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  const auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2), milli = number(20, 3);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59 || milli < 0) {
    return std::nullopt;
  }
  constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > month_days[month - 1] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
  // Days from the civil date (H. Hinnant's algorithm), valid for the proleptic Gregorian calendar.
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = y / 400;
  const std::int64_t year_of_era = y - era * 400;
  const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const std::int64_t days = era * 146097 + day_of_era - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60000 + second * 1000 + milli;
}

result<receipt, receipt_error> build_receipt(const consent_event& event, const policy& document,
                                             std::string_view receipt_id, std::string_view principal_id) {
  if (event.policy.id != document.id || event.policy.version != document.version) {
    return fail("the event is of policy " + in_quotes(event.policy.id) + " version " + in_quotes(event.policy.version) +
                ", not of " + in_quotes(document.id) + " version " + in_quotes(document.version));
  }
  if (!is_sha256_hex(event.policy.policy_hash) || !is_sha256_hex(event.policy.material_hash)) {
    return fail("the event's policy hashes are not SHA-256 hashes in lower-case hex (compute_policy_hashes)");
  }
  if (event.previous_chain_head && !is_sha256_hex(*event.previous_chain_head)) {
    return fail("the previous receipt hash " + in_quotes(*event.previous_chain_head) + " is not a SHA-256 hash");
  }
  if (!is_uuid_v4(receipt_id)) return fail("the receipt id " + in_quotes(receipt_id) + " is not a version 4 UUID");
  if (!is_thumbprint(principal_id)) {
    return fail("the principal id " + in_quotes(principal_id) + " is not an RFC 7638 SHA-256 thumbprint");
  }
  if (parse_utc_time(event.time) != event.time_ms) {
    return fail("the event time " + in_quotes(event.time) + " is not the ISO 8601 form of " + std::to_string(event.time_ms));
  }

  receipt out;
  out.version = kantara_receipt_version;
  out.schema_version = receipt_schema_version;
  out.consent_receipt_id = receipt_id;
  out.consent_timestamp = event.time_ms / 1000;
  out.event_time = event.time;
  out.event_state = event_state_of(event);
  out.action = event.action;
  out.action_purpose = event.purpose;
  out.collection_method = event.method;
  out.jurisdictions = document.jurisdictions;
  out.language = event.language.empty() ? document.default_language : event.language;
  out.pii_principal_id = principal_id;
  out.pii_controllers.push_back(
      {document.controller.name, document.controller.email, document.controller.website, document.controller.contact_url});
  out.policy_url = document.policy_url;
  out.notice = event.policy;

  receipt_service service;
  service.service = document.id;
  std::set<std::string> sensitive;
  for (const auto& outcome : event.purposes) {
    const auto* p = find_purpose(document, outcome.purpose);
    if (!p) return fail("the event names the purpose " + in_quotes(outcome.purpose) + ", which the policy does not have");
    receipt_purpose item;
    item.purpose = p->id;
    item.title = p->title.in(out.language, document.default_language);
    item.purpose_category = p->dpv_purpose;
    item.legal_basis = outcome.basis;
    item.dpv_legal_basis = dpv_legal_basis(outcome.basis);
    item.consent_type = consent_type_of(outcome.basis);
    item.status = outcome.status;
    item.active = outcome.active;
    item.granted_over_signal = outcome.granted_over_signal;
    std::set<std::string> categories;
    for (const auto& id : p->data_categories) {
      const auto* category = find_data_category(document, id);
      if (!category) return fail("purpose " + in_quotes(p->id) + " names the unknown data category " + in_quotes(id));
      categories.insert(category->dpv_category);
      if (category->special) sensitive.insert(category->dpv_category);
    }
    item.pii_categories.assign(categories.begin(), categories.end());
    item.retention_days = p->retention.days;
    // The policy's condition, the same in every receipt of this policy (the date it comes
    // to is the receipt's validity.until): receipts of one decision share their services.
    if (needs_consent(outcome.basis) && outcome.status == purpose_status::granted) {
      item.termination = "P" + std::to_string(document.consent.expiry_days) + "D";
    }
    for (const auto& id : p->vendors) {
      const auto* v = find_vendor(document, id);
      if (!v) return fail("purpose " + in_quotes(p->id) + " names the unknown vendor " + in_quotes(id));
      item.third_party_names.push_back(v->name);
    }
    item.third_party_disclosure = !item.third_party_names.empty();
    service.purposes.push_back(std::move(item));
  }
  out.services.push_back(std::move(service));
  out.sensitive = !sensitive.empty();
  out.sensitive_categories.assign(sensitive.begin(), sensitive.end());
  out.validity = {event.time, event.expires};
  out.signals = event.signals;
  out.under_minimum_age = event.under_minimum_age;
  out.parental_confirmation = event.parental_confirmation;
  out.previous_receipt_hash = event.previous_chain_head;
  return receipt_result(boost::system::in_place_value, std::move(out));
}

result<std::string, receipt_error> canonical_receipt(const receipt& value) {
  auto canonical = canonicalize_value(json_io::write(value));
  if (!canonical) return fail("the receipt has no canonical form: " + canonical.error().pointer + ": " + canonical.error().message);
  return text_result(boost::system::in_place_value, std::move(*canonical));
}

result<std::string, receipt_error> sign_receipt(const receipt& value, signer& key) {
  const auto thumbprint = jwk_thumbprint(key.public_key());
  if (thumbprint != value.pii_principal_id) {
    return fail("the signing key (thumbprint " + thumbprint + ") is not the receipt's principal " +
                value.pii_principal_id);
  }
  auto payload = canonical_receipt(value);
  if (!payload) return payload.error();
  auto signed_receipt = sign_compact_jws(*payload, key, receipt_media_type);
  if (!signed_receipt) return fail("signing failed: " + signed_receipt.error().message);
  return text_result(boost::system::in_place_value, std::move(*signed_receipt));
}

std::string receipt_hash(std::string_view compact_jws) { return sha256_hex(compact_jws); }

namespace {

/// Reads a JWS payload as a receipt: byte for byte its own RFC 8785 canonical form,
/// then the receipt model, of this reader's versions.
receipt_result read_receipt_payload(std::string_view payload) {
  // One parse serves both the canonical-form check and the reading: a receipt is
  // about 12 KB of JSON, and the server checks thousands a second.
  auto parsed = parse_json(payload);
  if (!parsed) {
    return fail("the payload is not valid JSON: " + parsed.error().location() + ": " + parsed.error().message);
  }
  auto canonical = canonicalize_value(*parsed);
  if (!canonical) {
    return fail("the payload is not valid JSON: " + canonical.error().location() + ": " + canonical.error().message);
  }
  if (*canonical != payload) {
    std::size_t at = 0;
    while (at < canonical->size() && at < payload.size() && (*canonical)[at] == payload[at]) ++at;
    return fail("the payload is not in RFC 8785 canonical form (it first differs at byte " + std::to_string(at) + ")");
  }
  receipt out;
  diagnostics found;
  if (!json_io::read_document(*parsed, out, "payload", found)) {
    return fail("the payload is not a receipt: " + first_error(found));
  }
  if (out.version != kantara_receipt_version || out.schema_version != receipt_schema_version) {
    return fail("the receipt is of version " + in_quotes(out.version) + " and schema " + in_quotes(out.schema_version) +
                "; this reader knows " + in_quotes(kantara_receipt_version) + " and " + in_quotes(receipt_schema_version));
  }
  return receipt_result(boost::system::in_place_value, std::move(out));
}

/// Everything a receipt must say consistently, with itself and with its JWS.
std::optional<receipt_error> check_consistency(const receipt& r, const parsed_jws& jws) {
  const auto thumbprint = jwk_thumbprint(jws.key);
  if (thumbprint != r.pii_principal_id) {
    return fail("the header's key (thumbprint " + thumbprint + ") is not the receipt's principal " + r.pii_principal_id);
  }
  if (!is_uuid_v4(r.consent_receipt_id)) return fail("the receipt id " + in_quotes(r.consent_receipt_id) + " is not a version 4 UUID");
  const auto time = parse_utc_time(r.event_time);
  if (!time) return fail("the event time " + in_quotes(r.event_time) + " is not of the form 2024-05-01T12:00:00.000Z");
  if (r.consent_timestamp != *time / 1000) {
    return fail("consent_timestamp " + std::to_string(r.consent_timestamp) + " is not the event time " + r.event_time);
  }
  if (r.validity.from != r.event_time) return fail("the validity does not start at the event time");
  if (r.validity.until && (!parse_utc_time(*r.validity.until) || *parse_utc_time(*r.validity.until) < *time)) {
    return fail("the validity ends before it starts, or not in the ISO 8601 form");
  }
  if (!is_sha256_hex(r.notice.policy_hash) || !is_sha256_hex(r.notice.material_hash)) {
    return fail("the policy hashes are not SHA-256 hashes in lower-case hex");
  }
  if (r.previous_receipt_hash && !is_sha256_hex(*r.previous_receipt_hash)) {
    return fail("the previous receipt hash is not a SHA-256 hash in lower-case hex");
  }
  // Ids are the policy's, and a device's next state is read from them: the same syntax as
  // in a policy, or the receipt names something no policy can have (found by fuzzing).
  if (!detail::is_identifier(r.notice.id)) return fail("the policy id " + in_quotes(r.notice.id) + " is not an id");
  for (const auto& service : r.services) {
    for (const auto& p : service.purposes) {
      if (!detail::is_identifier(p.purpose)) return fail("the purpose id " + in_quotes(p.purpose) + " is not an id");
    }
  }
  return std::nullopt;
}

/// The end of the JSON string that opens at `at` (a quote), just past its closing quote;
/// `npos` when it does not close.
std::size_t skip_string(std::string_view text, std::size_t at) {
  const auto open = at;
  for (++at;;) {
    const auto quote = text.find('"', at);
    if (quote == std::string_view::npos) return quote;
    // Escaped when an odd number of backslashes comes before it.
    std::size_t backslashes = 0;
    while (quote - backslashes - 1 > open && text[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote + 1;
    at = quote + 1;
  }
}

/// Where an object or array that opens at `at` closes (one past it), read for its
/// structure only: strings, their escapes, and nesting; `npos` when the text ends first.
/// Only six characters matter (the quote, the backslash and the four brackets); with SSE2, sixteen
/// bytes at a time are compared with them and only those found are looked at (the
/// services of a receipt, 11 KB of short strings, took about 15 instructions a byte
/// one character at a time).
class structure_scanner {
 public:
  explicit structure_scanner(std::string_view text) : text_(text) {}

  std::size_t closing(std::size_t at) {
    std::size_t p = at;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    // '{' and '[' differ only in bit 0x20, as do '}' and ']'.
    const __m128i case_bit = _mm_set1_epi8(0x20);
    const __m128i opening = _mm_set1_epi8('{');
    const __m128i closing = _mm_set1_epi8('}');
    for (; p + 16 <= text_.size(); p += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text_.data() + p));
      const __m128i folded = _mm_or_si128(bytes, case_bit);
      const __m128i found = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                                         _mm_or_si128(_mm_cmpeq_epi8(folded, opening), _mm_cmpeq_epi8(folded, closing)));
      for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(found)); mask != 0; mask &= mask - 1) {
        if (step(p + static_cast<std::size_t>(__builtin_ctz(mask)))) return end_;
      }
    }
#endif
    for (; p < text_.size(); ++p) {
      if (step(p)) return end_;
    }
    return std::string_view::npos;
  }

 private:
  /// One character; true once the value has closed. Others than the six change nothing.
  bool step(std::size_t p) {
    if (p == escaped_) return false;  // the character after a backslash, whatever it is
    const char c = text_[p];
    if (in_string_) {
      if (c == '\\') {
        escaped_ = p + 1;
      } else if (c == '"') {
        in_string_ = false;
      }
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if ((c == '}' || c == ']') && --depth_ == 0) {
      end_ = p + 1;
      return true;
    }
    return false;
  }

  std::string_view text_;
  std::size_t depth_ = 0;
  std::size_t escaped_ = std::string_view::npos;
  std::size_t end_ = std::string_view::npos;
  bool in_string_ = false;
};

/// The end of the JSON value that starts at `at`, read for its structure only (strings
/// and nesting); `npos` when the text ends first.
std::size_t skip_value(std::string_view text, std::size_t at) {
  if (at >= text.size()) return std::string_view::npos;
  if (text[at] == '"') return skip_string(text, at);
  if (text[at] != '{' && text[at] != '[') {
    const auto end = text.find_first_of(",}]", at);
    return end == std::string_view::npos ? text.size() : end;
  }
  return structure_scanner(text).closing(at);
}

/// The value of the top-level member `name` of `text`, an object written without
/// whitespace (as canonical JSON is), as a view into `text`; an empty view when the
/// text is not of that shape. This reads structure only; whatever is made of the
/// answer is parsed properly afterwards.
std::string_view find_member_value(std::string_view text, std::string_view name) {
  if (text.empty() || text[0] != '{') return {};
  std::size_t at = 1;
  while (at < text.size() && text[at] == '"') {
    const auto key_end = skip_string(text, at);
    if (key_end == std::string_view::npos || key_end >= text.size() || text[key_end] != ':') return {};
    const auto value_start = key_end + 1;
    const auto value_end = skip_value(text, value_start);
    if (value_end == std::string_view::npos || value_end <= value_start) return {};
    if (text.substr(at + 1, key_end - at - 2) == name) return text.substr(value_start, value_end - value_start);
    if (value_end >= text.size() || text[value_end] != ',') return {};
    at = value_end + 1;
  }
  return {};
}

}  // namespace

/// The remembered `services` values: the bytes exactly as a checked receipt carried
/// them, and what they were read as. Found by a hash of the bytes, then compared whole.
struct receipt_check_cache::state {
  struct entry {
    std::string bytes;
    std::vector<receipt_service> services;
  };
  std::mutex mutex;
  std::unordered_multimap<std::size_t, std::shared_ptr<const entry>> entries;
  std::deque<std::pair<std::size_t, const entry*>> order;  ///< oldest first: who makes way
  std::size_t capacity = 0;
  std::atomic<std::uint64_t> hits{0};
  std::atomic<std::uint64_t> misses{0};

  std::shared_ptr<const entry> find(std::size_t hash, std::string_view bytes) {
    std::lock_guard lock(mutex);
    const auto [first, last] = entries.equal_range(hash);
    for (auto it = first; it != last; ++it) {
      if (it->second->bytes == bytes) return it->second;
    }
    return nullptr;
  }

  void remember(std::size_t hash, std::string_view bytes, const std::vector<receipt_service>& services) {
    if (capacity == 0) return;
    auto made = std::make_shared<const entry>(entry{std::string(bytes), services});
    std::lock_guard lock(mutex);
    const auto [first, last] = entries.equal_range(hash);
    for (auto it = first; it != last; ++it) {
      if (it->second->bytes == bytes) return;  // another thread was first
    }
    if (order.size() == capacity) {
      const auto [oldest_hash, oldest] = order.front();
      order.pop_front();
      const auto [from, to] = entries.equal_range(oldest_hash);
      for (auto it = from; it != to; ++it) {
        if (it->second.get() == oldest) {
          entries.erase(it);
          break;
        }
      }
    }
    order.emplace_back(hash, made.get());
    entries.emplace(hash, std::move(made));
  }
};

receipt_check_cache::receipt_check_cache(std::size_t capacity) : state_(std::make_unique<state>()) {
  state_->capacity = capacity;
}
receipt_check_cache::~receipt_check_cache() = default;

receipt_check_cache::statistics receipt_check_cache::counts() const {
  statistics out;
  out.hits = state_->hits.load(std::memory_order_relaxed);
  out.misses = state_->misses.load(std::memory_order_relaxed);
  std::lock_guard lock(state_->mutex);
  out.entries = state_->entries.size();
  return out;
}

result<checked_receipt, receipt_error> check_receipt(std::string_view compact_jws, receipt_check_cache* cache) {
  auto jws = parse_compact_jws(compact_jws);
  if (!jws) return fail(jws.error().message);
  if (jws->type != receipt_media_type) {
    return fail("the header's \"typ\" is " + (jws->type ? in_quotes(*jws->type) : std::string("absent")) +
                ", not " + in_quotes(receipt_media_type));
  }
  const std::string_view payload = jws->payload;
  const auto services_bytes = cache ? find_member_value(payload, "services") : std::string_view();
  const bool services = !services_bytes.empty();
  // Only with services found (a view into the payload) is there a place and a hash.
  const auto services_at = services ? static_cast<std::size_t>(services_bytes.data() - payload.data()) : 0;
  const auto services_hash = services ? std::hash<std::string_view>{}(services_bytes) : 0;

  checked_receipt out;
  bool read = false;
  if (services) {
    // The same services bytes as a receipt already checked: they are canonical, and
    // read as they were then. The rest of the payload, with `[]` in their place, is
    // read as usual; its prefix up to the value is the payload's, so the value sits
    // where the services go, and the payload is canonical if and only if that is.
    // Anything the short way cannot accept goes the whole way, which says why.
    if (auto known = cache->state_->find(services_hash, services_bytes)) {
      std::string rest;
      rest.reserve(payload.size() - services_bytes.size() + 2);
      rest.append(payload.substr(0, services_at)).append("[]").append(payload.substr(services_at + services_bytes.size()));
      auto value = read_receipt_payload(rest);
      if (value && value->services.empty()) {
        value->services = known->services;
        if (!check_consistency(*value, *jws)) {
          out.value = std::move(*value);
          read = true;
          cache->state_->hits.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
  }
  if (!read) {
    auto value = read_receipt_payload(payload);
    if (!value) return value.error();
    if (auto inconsistent = check_consistency(*value, *jws)) return *inconsistent;
    out.value = std::move(*value);
    if (services) {
      cache->state_->misses.fetch_add(1, std::memory_order_relaxed);
      // Remembered only when the bytes found are exactly the canonical form of what was
      // read: a check of the structural reading above, on a miss only.
      if (auto canonical = canonicalize_value(json_io::write(out.value.services)); canonical && *canonical == services_bytes) {
        cache->state_->remember(services_hash, services_bytes, out.value.services);
      }
    }
  }
  out.jws = std::move(*jws);
  out.hash = receipt_hash(compact_jws);
  out.services_at = services_at;
  out.services_size = services_bytes.size();
  out.services_hash = services_hash;
  // The device's next decision continues from the state its last receipt records
  // (`state_from_receipt`): a receipt must record a state the engine can be in, or the
  // chain could not go on from it (found by fuzzing: a language that is no tag).
  if (auto impossible = check_consent_state(state_from_receipt(out))) {
    return fail("the receipt records a consent state no engine is in: " + *impossible);
  }
  return checked_result(boost::system::in_place_value, std::move(out));
}

std::optional<std::string> check_chain_link(const checked_receipt& previous, const checked_receipt& next) {
  const auto& p = previous.value;
  const auto& n = next.value;
  if (n.pii_principal_id != p.pii_principal_id) {
    return "receipt " + n.consent_receipt_id + " is of another device than the receipt before it";
  }
  if (!n.previous_receipt_hash) {
    return "receipt " + n.consent_receipt_id + " starts a new chain, but follows receipt " + p.consent_receipt_id +
           " of the same device";
  }
  if (*n.previous_receipt_hash != previous.hash) {
    return "receipt " + n.consent_receipt_id + " names the previous receipt " + *n.previous_receipt_hash +
           ", but the receipt before it (" + p.consent_receipt_id + ") is " + previous.hash;
  }
  if (parse_utc_time(n.event_time) < parse_utc_time(p.event_time)) {
    return "receipt " + n.consent_receipt_id + " (" + n.event_time + ") is earlier than the receipt before it (" +
           p.event_time + ")";
  }
  return std::nullopt;
}

std::optional<std::string> check_receipt_policy(const receipt& value, const policy& document,
                                                const policy_hashes& hashes) {
  const auto& n = value.notice;
  if (n.id != document.id) return "the receipt is of policy " + in_quotes(n.id) + ", not " + in_quotes(document.id);
  if (n.version != document.version) {
    return "the receipt is of version " + in_quotes(n.version) + " of the policy, not " + in_quotes(document.version);
  }
  if (n.material_hash != hashes.material_hash) {
    return "the receipt's material_hash " + n.material_hash + " is not the policy's " + hashes.material_hash +
           ": what was agreed to has changed";
  }
  if (n.policy_hash != hashes.policy_hash) {
    return "the receipt's policy_hash " + n.policy_hash + " is not the policy's " + hashes.policy_hash +
           ": the wording has changed";
  }
  return std::nullopt;
}

consent_state state_from_receipt(const checked_receipt& previous) {
  const auto& r = previous.value;
  const auto time = parse_utc_time(r.event_time).value_or(0);
  consent_state state;
  state.policy = r.notice;
  state.language = r.language;
  state.method = r.collection_method;
  if (r.validity.until) {
    state.decided_ms = time;
    state.expires_ms = parse_utc_time(*r.validity.until).value_or(0);
  }
  for (const auto& service : r.services) {
    for (const auto& p : service.purposes) {
      state.purposes[p.purpose] = {p.status, p.legal_basis, p.status == purpose_status::not_asked ? 0 : time,
                                   r.collection_method, p.granted_over_signal};
    }
  }
  state.signals = r.signals;
  state.under_minimum_age = r.under_minimum_age;
  state.parental_confirmation = r.parental_confirmation;
  state.chain_head = previous.hash;
  return state;
}

namespace {

std::string words(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string status_text(const receipt_purpose& p) {
  switch (p.status) {
    case purpose_status::granted: return "granted";
    case purpose_status::denied: return "refused";
    case purpose_status::objected: return "objected to";
    case purpose_status::not_asked:
      if (p.consent_type == consent_type::not_consent) return p.active ? "in effect" : "not in effect";
      return "not asked (off)";
  }
  return "";
}

/// Kantara `termination` in words: "P182D" (what Consentry writes) is the time a consent
/// lasts from the choice that gave it; anything else a receipt says is shown as it is.
std::string termination_words(const std::string& termination, const std::optional<std::string>& until) {
  const bool days = termination.size() > 2 && termination.front() == 'P' && termination.back() == 'D' &&
                    std::all_of(termination.begin() + 1, termination.end() - 1,
                                [](char c) { return c >= '0' && c <= '9'; });
  std::string text = days ? "consent lasts " + termination.substr(1, termination.size() - 2) +
                                " days from the choice that gave it"
                          : "consent ends: " + termination;
  if (until) text += " (until " + *until + ")";
  return text + ", unless renewed";
}

/// The receipt as label/value lines, shared by the text and HTML forms.
struct receipt_lines {
  std::vector<std::pair<std::string, std::string>> facts;
  struct purpose_line {
    std::string heading;
    std::vector<std::string> details;
  };
  std::vector<purpose_line> purposes;
};

receipt_lines lines_of(const receipt& r) {
  receipt_lines out;
  auto& f = out.facts;
  f.emplace_back("Receipt", r.consent_receipt_id);
  f.emplace_back("Recorded", r.event_time + " (" + words(json_io::enum_name(r.event_state)) + ", by " +
                                 words(json_io::enum_name(r.collection_method)) + ": " +
                                 words(json_io::enum_name(r.action)) +
                                 (r.action_purpose ? " " + *r.action_purpose : std::string()) + ")");
  f.emplace_back("Valid until", r.validity.until ? *r.validity.until : std::string("no choice was made"));
  for (const auto& c : r.pii_controllers) {
    std::string contact;
    for (const auto* item : {&c.email, &c.pii_controller_url, &c.contact_url}) {
      if (*item) contact += (contact.empty() ? "" : ", ") + **item;
    }
    f.emplace_back("Controller", c.pii_controller + (contact.empty() ? "" : " (" + contact + ")"));
  }
  f.emplace_back("Policy", r.notice.id + ", version " + r.notice.version +
                               (r.policy_url ? " (" + *r.policy_url + ")" : std::string()));
  f.emplace_back("Policy hash", r.notice.policy_hash);
  f.emplace_back("Material hash", r.notice.material_hash);
  std::string jurisdictions;
  for (const auto& j : r.jurisdictions) jurisdictions += (jurisdictions.empty() ? "" : ", ") + j;
  if (!jurisdictions.empty()) f.emplace_back("Jurisdictions", jurisdictions);
  f.emplace_back("Language", r.language);
  f.emplace_back("Device key", r.pii_principal_id + " (the RFC 7638 thumbprint of the key that signed; no personal data)");
  f.emplace_back("Previous receipt", r.previous_receipt_hash ? *r.previous_receipt_hash
                                                            : std::string("none: the first receipt of this device"));
  f.emplace_back("Global Privacy Control", r.signals.gpc_present
                                               ? std::string(r.signals.gpc_honoured ? "sent, and honoured" : "sent")
                                               : std::string("not sent"));
  if (r.under_minimum_age) {
    f.emplace_back("Age", r.parental_confirmation ? "under the minimum age; a parent confirmed"
                                                  : "under the minimum age; no parent has confirmed");
  }
  if (r.sensitive) {
    std::string categories;
    for (const auto& c : r.sensitive_categories) categories += (categories.empty() ? "" : ", ") + c;
    f.emplace_back("Special categories", categories);
  }
  for (const auto& service : r.services) {
    for (const auto& p : service.purposes) {
      receipt_lines::purpose_line line;
      line.heading = p.title + " (" + p.purpose + "): " + status_text(p);
      line.details.push_back("legal basis: " + words(json_io::enum_name(p.legal_basis)) + " (" + p.dpv_legal_basis +
                             "), " + p.purpose_category);
      if (p.granted_over_signal) line.details.push_back("granted by the person over the Global Privacy Control signal");
      if (!p.pii_categories.empty()) {
        std::string categories;
        for (const auto& c : p.pii_categories) categories += (categories.empty() ? "" : ", ") + c;
        line.details.push_back("data: " + categories);
      }
      if (p.third_party_disclosure) {
        std::string names;
        for (const auto& n : p.third_party_names) names += (names.empty() ? "" : ", ") + n;
        line.details.push_back("shared with: " + names);
      }
      if (p.retention_days) line.details.push_back("kept for " + std::to_string(*p.retention_days) + " days");
      if (p.termination) line.details.push_back(termination_words(*p.termination, r.validity.until));
      out.purposes.push_back(std::move(line));
    }
  }
  return out;
}

}  // namespace

std::string render_receipt_text(const receipt& value, std::string_view verification) {
  const auto lines = lines_of(value);
  std::string out = "Consent receipt\n" + std::string(verification) + "\n\n";
  std::size_t width = 0;
  for (const auto& [label, text] : lines.facts) width = std::max(width, label.size());
  for (const auto& [label, text] : lines.facts) {
    out += label + ":" + std::string(width + 2 - label.size(), ' ') + text + "\n";
  }
  out += "\nPurposes\n";
  for (const auto& p : lines.purposes) {
    out += "  - " + p.heading + "\n";
    for (const auto& d : p.details) out += "      " + d + "\n";
  }
  return out;
}

std::string render_receipt_html(const receipt& value, std::string_view verification) {
  const auto lines = lines_of(value);
  std::string out = "<article class=\"consentry-receipt\" lang=\"" + escape_html(value.language) + "\">\n";
  out += "<h1>Consent receipt</h1>\n<p class=\"verification\">" + escape_html(verification) + "</p>\n<dl>\n";
  for (const auto& [label, text] : lines.facts) {
    out += "<dt>" + escape_html(label) + "</dt><dd>" + escape_html(text) + "</dd>\n";
  }
  out += "</dl>\n<h2>Purposes</h2>\n<ul>\n";
  for (const auto& p : lines.purposes) {
    out += "<li><strong>" + escape_html(p.heading) + "</strong>";
    if (!p.details.empty()) {
      out += "<ul>";
      for (const auto& d : p.details) out += "<li>" + escape_html(d) + "</li>";
      out += "</ul>";
    }
    out += "</li>\n";
  }
  out += "</ul>\n</article>\n";
  return out;
}

}  // namespace consentry
