// The consent engine's test fixture: a generic policy (tests/fixtures/policies/engine)
// with a purpose of every legal basis, its identities, and short ways to write acts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "consentry/consent.hpp"
#include "fixtures.hpp"

namespace consentry::test {

inline std::optional<policy> load_engine_policy() {
  const auto path = source_dir() / "tests/fixtures/policies/engine/policy.json";
  auto loaded = load_policy(read_file(path), path.string());
  if (!loaded) return std::nullopt;
  return *loaded;
}

/// The fixture policy, loaded once; every test REQUIREs it.
inline const policy* engine_policy() {
  static const std::optional<policy> loaded = load_engine_policy();
  return loaded ? &*loaded : nullptr;
}

/// The policy as published, an editorial revision of it, and a material one.
inline const policy_identity version_1{"example-engine", "2024-05-01", "policy-hash-1", "material-hash-1"};
inline const policy_identity version_1_reworded{"example-engine", "2024-06-01", "policy-hash-2", "material-hash-1"};
inline const policy_identity version_2{"example-engine", "2024-09-01", "policy-hash-3", "material-hash-2"};

inline constexpr std::int64_t t0 = 1714564800000;  // 2024-05-01T12:00:00.000Z
inline constexpr std::int64_t minute = 60000;
inline constexpr std::int64_t day = ms_per_day;

// Consent purposes of the fixture, by basis.
inline const std::vector<std::string> consent_purposes{"analytics", "advertising", "personalisation"};
inline const std::string explicit_purpose = "health-matching";
inline const std::vector<std::string> unrefusable_purposes{"service", "bookkeeping"};
inline const std::vector<std::string> interest_purposes{"service-news", "partner-sharing"};

inline consent_act make_act(consent_action action, collection_method method = collection_method::banner) {
  consent_act act;
  act.action = action;
  act.method = method;
  return act;
}
inline consent_act accept_all() { return make_act(consent_action::accept_all); }
inline consent_act reject_all() { return make_act(consent_action::reject_all); }
inline consent_act withdraw_all() { return make_act(consent_action::withdraw_all, collection_method::withdrawal); }
inline consent_act renew() { return make_act(consent_action::renew); }
inline consent_act acknowledge_changes() { return make_act(consent_action::acknowledge_changes); }
inline consent_act parental_confirmation() { return make_act(consent_action::parental_confirmation); }
inline consent_act on_purpose(consent_action action, std::string purpose,
                              collection_method method = collection_method::preferences) {
  auto act = make_act(action, method);
  act.purpose = std::move(purpose);
  return act;
}
inline consent_act set_purpose(std::string purpose, bool granted) {
  auto act = on_purpose(consent_action::set_purpose, std::move(purpose));
  act.granted = granted;
  return act;
}
inline consent_act grant_explicit(std::string purpose) {
  return on_purpose(consent_action::grant_explicit, std::move(purpose));
}
inline consent_act withdraw(std::string purpose) {
  return on_purpose(consent_action::withdraw_purpose, std::move(purpose), collection_method::withdrawal);
}
inline consent_act object(std::string purpose) { return on_purpose(consent_action::object, std::move(purpose)); }
inline consent_act stop_objecting(std::string purpose) {
  return on_purpose(consent_action::stop_objecting, std::move(purpose));
}
inline consent_act declare_age(bool under) {
  auto act = make_act(consent_action::declare_age);
  act.under_minimum_age = under;
  return act;
}
inline consent_act gpc(bool present) {
  auto act = make_act(consent_action::gpc_signal, collection_method::global_privacy_control);
  act.present = present;
  return act;
}

/// Applies acts in turn, one minute apart, under `identity`; the first refusal is kept.
struct run_result {
  consent_state state;
  std::vector<consent_event> events;
  std::optional<act_error> error;
  std::int64_t now = t0;
};
inline run_result run(const std::vector<consent_act>& acts, consent_state state = {},
                      const policy_identity& identity = version_1, std::int64_t now = t0) {
  run_result out;
  out.state = std::move(state);
  const auto* document = engine_policy();
  REQUIRE(document != nullptr);
  for (const auto& act : acts) {
    auto next = apply_act(out.state, *document, identity, act, now);
    if (!next) {
      out.error = next.error();
      break;
    }
    out.state = next->state;
    if (next->event) out.events.push_back(*next->event);
    now += minute;
  }
  out.now = now;
  return out;
}

inline purpose_status status_of(const consent_state& state, const std::string& purpose) {
  const auto found = state.purposes.find(purpose);
  return found == state.purposes.end() ? purpose_status::not_asked : found->second.status;
}

inline bool active(const consent_state& state, const std::string& purpose, std::int64_t now,
                   const policy_identity& identity = version_1) {
  const auto* p = find_purpose(*engine_policy(), purpose);
  REQUIRE(p != nullptr);
  return is_active(state, identity, *p, now);
}

// The stored format written a second way, from its description in consent.hpp, so that
// tests can seal payloads of their choosing and check the core against the spec.
inline std::string crc32_hex(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFU;
  for (const char ch : bytes) {
    crc ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
  }
  crc ^= 0xFFFFFFFFU;
  std::string out;
  for (int shift = 28; shift >= 0; shift -= 4) out += "0123456789abcdef"[(crc >> shift) & 0xFU];
  return out;
}

inline std::string base64url(std::string_view bytes) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char ch : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(buffer >> bits) & 0x3FU];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (6 - bits)) & 0x3FU];
  return out;
}

/// A stored value of version `prefix` around an arbitrary payload, with a right checksum.
inline std::string seal_payload(std::string_view payload_base64, std::string_view prefix = "c1.") {
  std::string value(prefix);
  value += payload_base64;
  return value + "." + crc32_hex(value);
}
inline std::string seal(std::string_view json_text, std::string_view prefix = "c1.") {
  return seal_payload(base64url(json_text), prefix);
}

}  // namespace consentry::test
