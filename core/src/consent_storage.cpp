// The stored form of the consent state (format "c1", specified in consent.hpp): written
// by the core, read by the core and by the page's bootstrap. Reading trusts nothing: a
// value that is not exactly what encode_state writes is "no decision".
#include <array>
#include <cstdint>

#include "consentry/consent.hpp"
#include "consentry/json_io.hpp"
#include "detail/compact_json.hpp"
#include "detail/text.hpp"

namespace consentry {

namespace {

constexpr std::size_t max_stored_size = 8192;  // twice a cookie's 4096 bytes (RFC 6265 §6.1)

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}
constexpr auto crc_table = make_crc_table();

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFU;
  for (const char ch : bytes) crc = crc_table[(crc ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFU;
}

std::string hex32(std::uint32_t value) {
  constexpr char digits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (std::size_t i = 8; i-- > 0; value >>= 4) out[i] = digits[value & 0xFU];
  return out;
}

constexpr char base64url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out += base64url_alphabet[(n >> shift) & 0x3FU];
  }
  if (const auto rest = bytes.size() - i; rest > 0) {
    const std::uint32_t n = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0U);
    out += base64url_alphabet[(n >> 18) & 0x3FU];
    out += base64url_alphabet[(n >> 12) & 0x3FU];
    if (rest == 2) out += base64url_alphabet[(n >> 6) & 0x3FU];
  }
  return out;
}

int base64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

/// Strict: the alphabet of RFC 4648 §5, no padding, and unused trailing bits zero, so
/// that every byte string has exactly one encoding.
std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = base64url_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFFU);
    }
  }
  if ((buffer & ((1U << bits) - 1U)) != 0) return std::nullopt;
  return out;
}

decoded_state refused(stored_state_status status, std::string reason) {
  return decoded_state{consent_state{}, status, std::move(reason)};
}

/// What json_io cannot say: the shape of ids and tags, times, and the combinations the
/// engine never writes. Returns the first problem found.
std::optional<std::string> check_state(const consent_state& state) {
  const auto bad_time = [](std::int64_t ms) { return ms < 0 || ms > max_time_ms; };
  if (!detail::is_identifier(state.policy.id)) return "policy.id is not an id";
  if (!detail::is_language_tag(state.language)) return "language is not a BCP 47 language tag";
  if (bad_time(state.decided_ms)) return "decided_ms is out of range";
  if (state.expires_ms < state.decided_ms || state.expires_ms < 0) return "expires_ms is before decided_ms";
  if (state.decided_ms == 0 && state.expires_ms != 0) return "expires_ms without a decision";
  if (state.parental_confirmation && !state.under_minimum_age) return "a parental confirmation for an adult";
  if (state.signals.gpc_honoured && !state.signals.gpc_present) return "gpc_honoured without gpc_present";
  for (const auto& [id, choice] : state.purposes) {
    const auto where = "purposes/" + id + ": ";
    if (!detail::is_identifier(id)) return where + "not a purpose id";
    if (bad_time(choice.time_ms)) return where + "time_ms is out of range";
    const bool consent = needs_consent(choice.basis);
    const bool objectionable = choice.basis == legal_basis::legitimate_interest;
    switch (choice.status) {
      case purpose_status::not_asked: break;
      case purpose_status::granted:
      case purpose_status::denied:
        if (!consent) return where + "only a consent purpose is granted or denied";
        break;
      case purpose_status::objected:
        if (!objectionable) return where + "only a legitimate interest is objected to";
        break;
    }
    if (choice.status == purpose_status::granted) {
      if (state.decided_ms == 0) return where + "granted without a decision";
      if (state.under_minimum_age && !state.parental_confirmation)
        return where + "granted under age without a parent's confirmation";
    }
    const bool lifted = choice.status == purpose_status::granted ||
                        (objectionable && choice.status == purpose_status::not_asked);
    if (choice.granted_over_signal && !lifted) return where + "granted_over_signal on a purpose still opted out";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_consent_state(const consent_state& state) { return check_state(state); }

std::string encode_state(const consent_state& state) {
  if (state.policy.id.empty()) return {};
  const auto payload = base64url_encode(detail::compact::write(state).dump());
  std::string value(stored_state_prefix);
  value += payload;
  const auto checksum = hex32(crc32(value));
  value += '.';
  value += checksum;
  return value;
}

decoded_state decode_state(std::string_view stored) {
  if (stored.empty()) return refused(stored_state_status::absent, "nothing is stored");
  if (stored.size() > max_stored_size) {
    return refused(stored_state_status::damaged,
                   "the value is " + std::to_string(stored.size()) + " bytes, more than a consent state can be");
  }
  // "c" version "." — anything else was written by someone else.
  std::size_t version_end = 1;
  while (version_end < stored.size() && stored[version_end] >= '0' && stored[version_end] <= '9') ++version_end;
  if (stored[0] != 'c' || version_end == 1 || version_end >= stored.size() || stored[version_end] != '.') {
    return refused(stored_state_status::foreign, "the value is not a Consentry consent state");
  }
  const auto prefix = stored.substr(0, version_end + 1);
  if (prefix != stored_state_prefix) {
    return refused(stored_state_status::unsupported_version,
                   "the value is in format " + std::string(stored.substr(0, version_end)) +
                       ", which this reader does not know; it reads c1");
  }
  const auto dot = stored.rfind('.');
  if (dot < prefix.size() || stored.size() - dot - 1 != 8) {
    return refused(stored_state_status::damaged, "the value does not end with an 8-digit checksum");
  }
  const auto signed_part = stored.substr(0, dot);
  if (stored.substr(dot + 1) != hex32(crc32(signed_part))) {
    return refused(stored_state_status::damaged, "the checksum does not match: the value was altered or cut");
  }
  const auto payload = base64url_decode(signed_part.substr(prefix.size()));
  if (!payload) return refused(stored_state_status::damaged, "the payload is not base64url");

  auto parsed = parse_json(*payload, json_parse_options{16, max_stored_size});
  if (!parsed) {
    return refused(stored_state_status::invalid, "the payload is not JSON: " + parsed.error().message + " at " +
                                                     parsed.error().location());
  }
  consent_state state;
  std::string problem;
  if (!detail::compact::read(*parsed, state, problem)) {
    return refused(stored_state_status::invalid, "the payload is not a consent state: at " + problem);
  }
  if (auto wrong = check_state(state)) {
    return refused(stored_state_status::invalid, "the payload is not a state the engine writes: " + *wrong);
  }
  return decoded_state{std::move(state), stored_state_status::ok, {}};
}

}  // namespace consentry
