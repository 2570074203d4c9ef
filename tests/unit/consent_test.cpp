// The consent engine's outputs: events for receipts, the stored format, Google Consent
// Mode payloads and times. The legal rules are in consent_rules_test.cpp.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "consent_fixture.hpp"
#include "consentry/consent.hpp"
#include "consentry/json_io.hpp"

using namespace consentry;
using namespace consentry::test;

namespace {

/// The state of tests/fixtures/consent/stored-v1.*: a choice of every kind.
run_result golden_run() {
  consent_state start;
  start.chain_head = "sha-256:3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  return run({accept_all(), grant_explicit(explicit_purpose), object("service-news"), gpc(true),
              set_purpose("advertising", true), set_purpose("personalisation", false)},
             start);
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("events: every decision leaves what a receipt needs, and no personal data") {
  REQUIRE(engine_policy() != nullptr);
  consent_state start;
  start.chain_head = "previous-receipt-hash";
  const auto result = run({accept_all(), set_purpose("analytics", false)}, start);
  REQUIRE(result.events.size() == 2);
  const auto& event = result.events[0];
  CHECK(event.policy == version_1);
  CHECK(event.language == "en");
  CHECK(event.method == collection_method::banner);
  CHECK(event.action == consent_action::accept_all);
  CHECK_FALSE(event.purpose.has_value());
  CHECK(event.time_ms == t0);
  CHECK(event.time == "2024-05-01T12:00:00.000Z");
  CHECK(event.expires_ms == t0 + 182 * day);
  CHECK(event.expires == std::optional<std::string>("2024-10-30T12:00:00.000Z"));
  CHECK(event.previous_chain_head == std::optional<std::string>("previous-receipt-hash"));
  REQUIRE(event.purposes.size() == engine_policy()->purposes.size());
  for (std::size_t i = 0; i < event.purposes.size(); ++i) {
    const auto& outcome = event.purposes[i];
    const auto& p = engine_policy()->purposes[i];
    CAPTURE(p.id);
    CHECK(outcome.purpose == p.id);  // in the policy's order
    CHECK(outcome.basis == p.basis);
    CHECK(outcome.active == (p.basis != legal_basis::explicit_consent));
    CHECK(outcome.status == (p.basis == legal_basis::consent ? purpose_status::granted : purpose_status::not_asked));
  }
  // The chain head is the receipts layer's to move; the engine carries it.
  CHECK(result.state.chain_head == std::optional<std::string>("previous-receipt-hash"));

  const auto& second = result.events[1];
  CHECK(second.action == consent_action::set_purpose);
  CHECK(second.method == collection_method::preferences);
  CHECK(second.purpose == std::optional<std::string>("analytics"));
  CHECK(second.time == "2024-05-01T12:01:00.000Z");

  // Its JSON has exactly these members: nothing about the person but their choices.
  const auto j = json_io::write(event);
  std::set<std::string> members;
  for (const auto& [key, value] : j.items()) members.insert(key);
  CHECK(members == std::set<std::string>{"policy", "language", "method", "action", "time_ms", "time", "expires_ms",
                                         "expires", "purposes", "signals", "under_minimum_age",
                                         "parental_confirmation", "previous_chain_head"});
  consent_event read_back;
  diagnostics found;
  REQUIRE(json_io::read_document(j, read_back, "event", found));
  CHECK(read_back == event);
}

TEST_CASE("events: a signal leaves an event only when it changes") {
  REQUIRE(engine_policy() != nullptr);
  const auto first = run({gpc(true)});
  REQUIRE(first.events.size() == 1);
  CHECK(first.events[0].expires_ms == 0);
  CHECK_FALSE(first.events[0].expires.has_value());
  CHECK_FALSE(has_decision(first.state));
  const auto again = apply_act(first.state, *engine_policy(), version_1, gpc(true), first.now);
  REQUIRE(again.has_value());
  CHECK_FALSE(again->event.has_value());
  CHECK(again->state == first.state);
  const auto absent = apply_act({}, *engine_policy(), version_1, gpc(false), t0);
  REQUIRE(absent.has_value());
  CHECK_FALSE(absent->event.has_value());
  CHECK(absent->state == consent_state{});
}

TEST_CASE("storage: the stored value is the golden one, and reads back as the same state") {
  REQUIRE(engine_policy() != nullptr);
  const auto golden = golden_run();
  REQUIRE_FALSE(golden.error.has_value());
  const auto value = encode_state(golden.state);
  CHECK(value == trimmed(read_file(source_dir() / "tests/fixtures/consent/stored-v1.txt")));
  // The payload is the positional JSON of the golden file, as the header documents it.
  const auto payload_json = parse_json(read_file(source_dir() / "tests/fixtures/consent/stored-v1.json"));
  REQUIRE(payload_json.has_value());
  CHECK(seal(payload_json->dump()) == value);

  const auto decoded = decode_state(value);
  CHECK(decoded.status == stored_state_status::ok);
  CHECK(decoded.reason.empty());
  CHECK(decoded.state == golden.state);
  CHECK(value.rfind("c1.", 0) == 0);
  CHECK(value.size() < 1024);  // well inside a cookie
  for (const char c : value) {
    const bool cookie_octet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                              c == '-' || c == '_' || c == '.';
    CHECK(cookie_octet);
  }
  // The value in an exact-size buffer: no read past its end.
  exact_buffer exact(value);
  CHECK(decode_state(exact.view()).state == golden.state);
  CHECK(encode_state(consent_state{}).empty());
}

TEST_CASE("storage: a damaged, foreign or future-version value is no decision, with the reason") {
  REQUIRE(engine_policy() != nullptr);
  const auto golden = golden_run();
  const auto value = encode_state(golden.state);
  const auto golden_parsed = parse_json(read_file(source_dir() / "tests/fixtures/consent/stored-v1.json"));
  REQUIRE(golden_parsed.has_value());
  const json& golden_json = *golden_parsed;
  const auto payload = value.substr(3, value.rfind('.') - 3);

  // Positions in the stored array (consent.hpp): 4 expires_ms, 5 purposes, 6 signals,
  // 7 changes_seen, 8 under_minimum_age; in a purpose, 0 is the status.
  auto flipped = value;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  auto bad_checksum = value;
  bad_checksum.back() = bad_checksum.back() == '0' ? '1' : '0';
  auto contract_granted = golden_json;
  contract_granted[5]["service"][0] = 1;
  auto child_granted = golden_json;
  child_granted[8] = 1;
  auto extra_member = golden_json;
  extra_member.push_back("192.0.2.1");
  auto missing_member = golden_json;
  missing_member.erase(10);
  auto honoured_without_signal = golden_json;
  honoured_without_signal[6][0] = 0;
  auto backwards = golden_json;
  backwards[4] = 1;
  auto bad_status = golden_json;
  bad_status[5]["analytics"][0] = 4;
  auto bad_boolean = golden_json;
  bad_boolean[7] = true;
  auto named = json_io::write(golden.state);  // the named JSON is not the stored form
  consent_state from_named;
  diagnostics found;
  REQUIRE(json_io::read_document(named, from_named, "state", found));  // but json_io reads it back
  CHECK(from_named == golden.state);

  struct row {
    const char* name;
    std::string stored;
    stored_state_status expected;
  };
  const std::vector<row> rows{
      {"empty", "", stored_state_status::absent},
      {"another tool's cookie", "GA1.2.123456789.1714564800", stored_state_status::foreign},
      {"no version", "c.abc.00000000", stored_state_status::foreign},
      {"upper case", "C1." + payload + ".00000000", stored_state_status::foreign},
      {"prefix only", "c1", stored_state_status::foreign},
      {"a future version", seal_payload(payload, "c2."), stored_state_status::unsupported_version},
      {"version 10", seal_payload(payload, "c10."), stored_state_status::unsupported_version},
      {"a changed character", flipped, stored_state_status::damaged},
      {"a changed checksum", bad_checksum, stored_state_status::damaged},
      {"cut short", value.substr(0, value.size() / 2), stored_state_status::damaged},
      {"no checksum", "c1." + payload, stored_state_status::damaged},
      {"padded base64", seal_payload(payload + "=="), stored_state_status::damaged},
      {"standard base64", seal_payload("ab+/"), stored_state_status::damaged},
      {"non-zero trailing bits", seal_payload("QR"), stored_state_status::damaged},
      {"too long", seal_payload(std::string(9000, 'A')), stored_state_status::damaged},
      {"not JSON", seal("not json"), stored_state_status::invalid},
      {"invalid UTF-8", seal("\"\xff\""), stored_state_status::invalid},
      {"a JSON array", seal("[1,2,3]"), stored_state_status::invalid},
      {"a granted contract purpose", seal(contract_granted.dump()), stored_state_status::invalid},
      {"a child's grant without a parent", seal(child_granted.dump()), stored_state_status::invalid},
      {"an extra member", seal(extra_member.dump()), stored_state_status::invalid},
      {"a boolean written true", seal(bad_boolean.dump()), stored_state_status::invalid},
      {"the named JSON", seal(named.dump()), stored_state_status::invalid},
      {"a missing member", seal(missing_member.dump()), stored_state_status::invalid},
      {"honoured without a signal", seal(honoured_without_signal.dump()), stored_state_status::invalid},
      {"expiring before the decision", seal(backwards.dump()), stored_state_status::invalid},
      {"an unknown status", seal(bad_status.dump()), stored_state_status::invalid},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    exact_buffer exact(r.stored);
    const auto decoded = decode_state(exact.view());
    CHECK(decoded.status == r.expected);
    CHECK(decoded.state == consent_state{});
    CHECK_FALSE(decoded.reason.empty());
    CHECK_FALSE(has_decision(decoded.state));
  }
  // The test's own sealing agrees with the core's: the golden JSON sealed here reads back.
  CHECK(seal(golden_json.dump()) == value);
  auto no_chain = golden_json;
  no_chain[10] = nullptr;
  const auto without_chain = decode_state(seal(no_chain.dump()));
  CHECK(without_chain.status == stored_state_status::ok);
  CHECK_FALSE(without_chain.state.chain_head.has_value());
  CHECK(status_of(without_chain.state, "service-news") == purpose_status::objected);  // index 3
  CHECK(without_chain.state.purposes.at("partner-sharing").method == collection_method::global_privacy_control);
}

TEST_CASE("Google Consent Mode v2: the default payloads deny everything and wait for the update") {
  REQUIRE(engine_policy() != nullptr);
  const auto defaults = consent_mode_defaults(*engine_policy());
  const auto expected = parse_json(R"([
    {"ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
     "analytics_storage": "denied", "functionality_storage": "denied", "personalization_storage": "denied",
     "security_storage": "denied", "wait_for_update": 500},
    {"ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
     "analytics_storage": "granted", "functionality_storage": "granted", "personalization_storage": "denied",
     "security_storage": "granted", "wait_for_update": 500, "region": ["US-CA", "US-CO"]}
  ])");
  REQUIRE(expected.has_value());
  CHECK(defaults == *expected);

  // An entry without regions is "everywhere else": it sets the global default.
  auto elsewhere = *engine_policy();
  elsewhere.consent.consent_mode_regions = {{{}, {consent_mode_type::security_storage}}};
  elsewhere.consent.wait_for_update_ms = 1500;
  const auto global = consent_mode_defaults(elsewhere);
  REQUIRE(global.size() == 1);
  CHECK(global[0]["security_storage"] == "granted");
  CHECK(global[0]["ad_storage"] == "denied");
  CHECK(global[0]["wait_for_update"] == 1500);
  CHECK_FALSE(global[0].contains("region"));
}

TEST_CASE("Google Consent Mode v2: a type is granted only when every purpose mapped to it is active") {
  REQUIRE(engine_policy() != nullptr);
  auto unmapped = *engine_policy();
  for (auto& p : unmapped.purposes) {
    if (p.id == "analytics") p.consent_mode.clear();
  }
  struct row {
    const char* name;
    std::vector<consent_act> acts;
    std::int64_t later;
    const policy* document;
    std::set<std::string> granted;
  };
  const std::set<std::string> necessary{"security_storage", "functionality_storage"};
  const std::set<std::string> everything{"security_storage", "functionality_storage", "analytics_storage",
                                         "ad_storage", "ad_user_data", "ad_personalization",
                                         "personalization_storage"};
  const std::vector<row> rows{
      {"no decision: only the contract and legitimate-interest types", {}, 0, engine_policy(), necessary},
      {"accept all", {accept_all()}, 0, engine_policy(), everything},
      {"reject all", {reject_all()}, 0, engine_policy(), necessary},
      {"advertising refused",
       {accept_all(), set_purpose("advertising", false)},
       0,
       engine_policy(),
       {"security_storage", "functionality_storage", "analytics_storage", "personalization_storage"}},
      {"an objection denies a shared type",
       {accept_all(), object("service-news")},
       0,
       engine_policy(),
       {"security_storage", "analytics_storage", "ad_storage", "ad_user_data", "ad_personalization",
        "personalization_storage"}},
      {"expired", {accept_all()}, 200 * day, engine_policy(), necessary},
      {"a type no purpose maps to",
       {accept_all()},
       0,
       &unmapped,
       {"security_storage", "functionality_storage", "ad_storage", "ad_user_data", "ad_personalization",
        "personalization_storage"}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    const auto result = run(r.acts);
    const auto update = consent_mode_update(result.state, *r.document, version_1, result.now + r.later);
    REQUIRE(update.size() == 7);
    std::set<std::string> granted;
    for (const auto& [type, value] : update.items()) {
      CHECK((value == "granted" || value == "denied"));
      if (value == "granted") granted.insert(type);
    }
    CHECK(granted == r.granted);
  }
}

TEST_CASE("format_utc_time: ISO 8601 UTC with milliseconds (RFC 3339 §5.6)") {
  struct row {
    std::int64_t ms;
    const char* text;
  };
  const std::vector<row> rows{
      {0, "1970-01-01T00:00:00.000Z"},
      {951782400000, "2000-02-29T00:00:00.000Z"},
      {1709251199999, "2024-02-29T23:59:59.999Z"},
      {1714564800123, "2024-05-01T12:00:00.123Z"},
      {max_time_ms, "9999-12-31T23:59:59.999Z"},
      {-1, ""},
      {max_time_ms + 1, ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.ms);
    CHECK(format_utc_time(r.ms) == r.text);
  }
}
