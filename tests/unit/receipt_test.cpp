#include "consentry/receipt.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "consentry/base64url.hpp"
#include "consentry/jcs.hpp"
#include "consentry/json_io.hpp"
#include "consentry/json_schema.hpp"
#include "receipt_fixture.hpp"

using namespace consentry;
using consentry::test::act;
using consentry::test::digest_signer;
using consentry::test::event_of;
using consentry::test::example_policy;
using consentry::test::march_2;

namespace {
const receipt_purpose* find(const receipt& r, std::string_view id) {
  if (r.services.empty()) return nullptr;
  for (const auto& p : r.services[0].purposes) {
    if (p.purpose == id) return &p;
  }
  return nullptr;
}

/// Re-signs `payload` (any bytes) under the header `key` would write: a receipt whose
/// signature is right and whose content is whatever the test wants.
std::string sign_payload(std::string_view payload, signer& key, std::string_view type = receipt_media_type) {
  auto compact = sign_compact_jws(payload, key, type);
  REQUIRE(compact.has_value());
  return *compact;
}
}  // namespace

TEST_CASE("receipts: UUID version 4 from random bytes, and the one time form") {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < 16; ++i) bytes[i] = static_cast<std::uint8_t>(0xf0 + i);
  CHECK(format_uuid_v4(bytes) == "f0f1f2f3-f4f5-46f7-b8f9-fafbfcfdfeff");
  bytes.fill(0);
  CHECK(format_uuid_v4(bytes) == "00000000-0000-4000-8000-000000000000");
  CHECK(is_uuid_v4("f0f1f2f3-f4f5-46f7-b8f9-fafbfcfdfeff"));
  CHECK_FALSE(is_uuid_v4("F0F1F2F3-F4F5-46F7-B8F9-FAFBFCFDFEFF"));
  CHECK_FALSE(is_uuid_v4("f0f1f2f3-f4f5-16f7-b8f9-fafbfcfdfeff"));  // version 1
  CHECK_FALSE(is_uuid_v4("f0f1f2f3-f4f5-46f7-c8f9-fafbfcfdfeff"));  // another variant
  CHECK_FALSE(is_uuid_v4("f0f1f2f3f4f546f7b8f9fafbfcfdfeff"));

  for (std::int64_t t : {std::int64_t{0}, march_2, march_2 + 999, std::int64_t{951782400000} /* 2000-02-29 */,
                         std::int64_t{4107542399999}, max_time_ms}) {
    CAPTURE(t);
    CHECK(parse_utc_time(format_utc_time(t)) == t);
  }
  for (const char* bad : {"2025-03-02T10:00:00Z", "2025-03-02T10:00:00.000z", "2025-03-02 10:00:00.000Z",
                          "2025-02-29T10:00:00.000Z", "2025-03-02T24:00:00.000Z", "2025-03-02T10:00:00.000+00:00",
                          "1969-12-31T23:59:59.999Z", "2025-13-01T10:00:00.000Z", "2025-03-02T10:00:60.000Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_utc_time(bad).has_value());
  }
}

TEST_CASE("receipts: built from a consent event, with the Kantara and ISO/IEC TS 27560 fields") {
  const auto& document = example_policy();
  auto french = act(consent_action::accept_all, collection_method::banner);
  french.language = "fr";
  const auto event = event_of(french);
  digest_signer key('a');
  const auto principal = jwk_thumbprint(key.public_key());
  auto built = build_receipt(event, document, test::uuid(1), principal);
  REQUIRE(built.has_value());
  const auto& r = *built;
  CHECK(r.version == "KI-CR-v1.1.0");
  CHECK(r.schema_version == "consentry-receipt-1");
  CHECK(r.consent_receipt_id == test::uuid(1));
  CHECK(r.consent_timestamp == march_2 / 1000);
  CHECK(r.event_time == "2025-03-02T10:00:00.000Z");
  CHECK(r.event_state == receipt_event_state::given);
  CHECK(r.collection_method == collection_method::banner);
  CHECK(r.language == "fr");
  CHECK(r.jurisdictions == std::vector<std::string>{"EU", "US-CA"});
  CHECK(r.pii_principal_id == principal);
  REQUIRE(r.pii_controllers.size() == 1);
  CHECK(r.pii_controllers[0].pii_controller == "Example Clinic");
  CHECK(r.notice == test::identity_of(document));
  CHECK(r.policy_url == "https://clinic.example/privacy");
  CHECK(r.validity.from == r.event_time);
  CHECK(r.validity.until == "2025-08-31T10:00:00.000Z");  // 182 days
  CHECK_FALSE(r.previous_receipt_hash.has_value());
  CHECK(r.sensitive);
  CHECK(r.sensitive_categories == std::vector<std::string>{"dpv-pd:HealthRecord"});

  REQUIRE(r.services.size() == 1);
  CHECK(r.services[0].service == "example-clinic");
  REQUIRE(r.services[0].purposes.size() == document.purposes.size());
  const auto* analytics = find(r, "analytics");
  REQUIRE(analytics != nullptr);
  CHECK(analytics->title == "Mesure d'audience");
  CHECK(analytics->status == purpose_status::granted);
  CHECK(analytics->active);
  CHECK(analytics->legal_basis == legal_basis::consent);
  CHECK(analytics->dpv_legal_basis == "eu-gdpr:A6-1-a");
  CHECK(analytics->consent_type == consent_type::expressed);
  CHECK(analytics->purpose_category == "dpv:ServiceOptimisation");
  CHECK(analytics->pii_categories == std::vector<std::string>{"dpv-pd:BrowsingBehaviour"});
  CHECK(analytics->third_party_disclosure);
  CHECK(analytics->third_party_names == std::vector<std::string>{"Stats Example Inc."});
  CHECK(analytics->retention_days == 395u);
  CHECK(analytics->termination == "P" + std::to_string(document.consent.expiry_days) + "D");
  CHECK(render_receipt_text(r, "").find("consent lasts " + std::to_string(document.consent.expiry_days) +
                                        " days from the choice that gave it (until " + *r.validity.until +
                                        "), unless renewed") != std::string::npos);

  // accept_all never grants an explicit-consent purpose (GDPR Art. 9(2)(a)).
  const auto* health = find(r, "health-matching");
  REQUIRE(health != nullptr);
  CHECK(health->status == purpose_status::not_asked);
  CHECK_FALSE(health->active);
  CHECK(health->consent_type == consent_type::explicitly_expressed);
  CHECK(health->dpv_legal_basis == "eu-gdpr:A9-2-a");
  CHECK_FALSE(health->termination.has_value());

  const auto* service = find(r, "service");
  REQUIRE(service != nullptr);
  CHECK(service->consent_type == consent_type::not_consent);
  CHECK(service->active);
  CHECK_FALSE(service->third_party_disclosure);
  CHECK(find(r, "security")->dpv_legal_basis == "eu-gdpr:A6-1-f");
}

TEST_CASE("receipts: the event state says what happened") {
  const struct {
    consent_act act;
    receipt_event_state state;
  } cases[] = {
      {act(consent_action::accept_all), receipt_event_state::given},
      {act(consent_action::reject_all), receipt_event_state::refused},
      {[] {
         auto a = act(consent_action::set_purpose);
         a.purpose = "analytics";
         a.granted = true;
         return a;
       }(),
       receipt_event_state::given},
      {[] {
         auto a = act(consent_action::set_purpose);
         a.purpose = "analytics";
         a.granted = false;
         return a;
       }(),
       receipt_event_state::refused},
      {[] {
         auto a = act(consent_action::object);
         a.purpose = "security";
         return a;
       }(),
       receipt_event_state::objected},
      {[] {
         auto a = act(consent_action::gpc_signal, collection_method::global_privacy_control);
         a.present = true;
         return a;
       }(),
       receipt_event_state::signal},
  };
  for (const auto& c : cases) {
    CAPTURE(json_io::enum_name(c.act.action));
    auto built = build_receipt(event_of(c.act), example_policy(), test::uuid(2), jwk_thumbprint(digest_signer('b').public_key()));
    REQUIRE(built.has_value());
    CHECK(built->event_state == c.state);
  }
}

TEST_CASE("receipts: what cannot be a receipt is refused when building") {
  const auto event = event_of(act(consent_action::accept_all));
  const auto principal = jwk_thumbprint(digest_signer('c').public_key());
  CHECK(build_receipt(event, example_policy(), test::uuid(1), principal).has_value());

  auto other = example_policy();
  other.version = "4.0.0";
  auto refused = build_receipt(event, other, test::uuid(1), principal);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("not of \"example-clinic\" version \"4.0.0\"") != std::string::npos);

  auto fake_hashes = event;
  fake_hashes.policy.policy_hash = "policy-hash-1";
  CHECK(build_receipt(fake_hashes, example_policy(), test::uuid(1), principal).error().message.find("hashes") !=
        std::string::npos);
  CHECK(build_receipt(event, example_policy(), "not-a-uuid", principal).error().message.find("UUID") !=
        std::string::npos);
  CHECK(build_receipt(event, example_policy(), test::uuid(1), "Alice").error().message.find("thumbprint") !=
        std::string::npos);
  auto unknown = event;
  unknown.purposes[0].purpose = "mind-reading";
  CHECK(build_receipt(unknown, example_policy(), test::uuid(1), principal).error().message.find("mind-reading") !=
        std::string::npos);
}

TEST_CASE("receipts: no personal data: no member for an IP address, a user agent or a person's name") {
  const auto schema = json_io::document_schema<receipt>("receipt");
  std::set<std::string> members;
  for (const auto& [name, definition] : schema["$defs"].items()) {
    for (const auto& [member, ignored] : definition["properties"].items()) members.insert(member);
  }
  REQUIRE(members.count("pii_principal_id") == 1);
  for (const char* forbidden : {"ip", "ip_address", "user_agent", "name", "first_name", "last_name", "full_name",
                                "person", "device", "fingerprint", "cookie_id", "location"}) {
    CAPTURE(forbidden);
    CHECK(members.count(forbidden) == 0);
  }
}

TEST_CASE("receipts: signed, the payload is the canonical receipt and checks out") {
  digest_signer key('d');
  const auto compact = test::signed_receipt(event_of(act(consent_action::reject_all)), key);
  test::exact_buffer input(compact);
  auto checked = check_receipt(input.view());
  REQUIRE(checked.has_value());
  CHECK(checked->hash == sha256_hex(compact));
  CHECK(checked->jws.algorithm == jws_algorithm::ed25519);
  CHECK(checked->jws.type == "consent-receipt+jws");
  auto canonical = canonical_receipt(checked->value);
  REQUIRE(canonical.has_value());
  CHECK(*canonical == checked->jws.payload);
  auto again = canonicalize(checked->jws.payload);
  REQUIRE(again.has_value());
  CHECK(*again == checked->jws.payload);

  digest_signer other('e');
  auto built = build_receipt(event_of(act(consent_action::reject_all)), example_policy(), test::uuid(3),
                             jwk_thumbprint(key.public_key()));
  REQUIRE(built.has_value());
  auto wrong_key = sign_receipt(*built, other);
  REQUIRE_FALSE(wrong_key.has_value());
  CHECK(wrong_key.error().message.find("is not the receipt's principal") != std::string::npos);
}

TEST_CASE("receipts: check_receipt refuses what is not exactly a receipt of this device") {
  digest_signer key('f');
  const auto compact = test::signed_receipt(event_of(act(consent_action::accept_all)), key);
  auto checked = check_receipt(compact);
  REQUIRE(checked.has_value());
  const auto payload = checked->jws.payload;
  auto document = parse_json(payload);
  REQUIRE(document.has_value());

  const auto with = [&](auto change) {
    auto copy = *document;
    change(copy);
    auto canonical = canonicalize_value(copy);
    REQUIRE(canonical.has_value());
    return *canonical;
  };
  const struct {
    std::string compact;
    const char* says;
  } cases[] = {
      {sign_payload(document->dump(1), key), "not in RFC 8785 canonical form"},
      {sign_payload(payload + " ", key), "not in RFC 8785 canonical form"},
      {sign_payload(payload.substr(0, payload.size() - 1), key), "not valid JSON"},
      {sign_payload(payload, key, "JWT"), "\"typ\" is \"JWT\""},
      {sign_payload(payload, key, ""), "\"typ\" is absent"},
      {sign_payload(payload, *std::make_unique<digest_signer>('g')), "is not the receipt's principal"},
      {sign_payload(with([](json& j) { j["ip_address"] = "192.0.2.1"; }), key), "unknown member \"ip_address\""},
      {sign_payload(with([](json& j) { j.erase("notice"); }), key), "missing required member \"notice\""},
      {sign_payload(with([](json& j) { j["schema_version"] = "consentry-receipt-2"; }), key), "this reader knows"},
      {sign_payload(with([](json& j) { j["consent_timestamp"] = 1; }), key), "consent_timestamp 1"},
      {sign_payload(with([](json& j) { j["event_time"] = "2025-03-02T10:00:00Z"; }), key), "is not of the form"},
      {sign_payload(with([](json& j) { j["consent_receipt_id"] = "1"; }), key), "not a version 4 UUID"},
      {sign_payload(with([](json& j) { j["notice"]["policy_hash"] = "abc"; }), key), "policy hashes"},
      {sign_payload(with([](json& j) { j["previous_receipt_hash"] = "ABC"; }), key), "previous receipt hash"},
      {sign_payload(with([](json& j) { j["validity"]["from"] = "2025-03-01T10:00:00.000Z"; }), key), "validity"},
      // Found by fuzz/receipt_verify.cpp: a state read from such a receipt is one the storage refuses.
      {sign_payload(with([](json& j) { j["services"][0]["purposes"][0]["purpose"] = "sec}rity"; }), key),
       "the purpose id \"sec}rity\" is not an id"},
      {sign_payload(with([](json& j) { j["notice"]["id"] = "Example Shop"; }), key), "the policy id \"Example Shop\" is not an id"},
      // Found by fuzz/receipt_verify.cpp too: a receipt must record a state the engine can be in.
      {sign_payload(with([](json& j) { j["language"] = "/en"; }), key), "language is not a BCP 47 language tag"},
      {sign_payload(with([](json& j) { j["parental_confirmation"] = true; }), key), "a parental confirmation for an adult"},
  };
  // A cache that knows the services of this receipt reads only the rest of each case's
  // payload, and must come to the same answer in the same words.
  receipt_check_cache cache;
  REQUIRE(check_receipt(compact, &cache).has_value());
  for (const auto& c : cases) {
    CAPTURE(c.says);
    test::exact_buffer input(c.compact);
    auto refused = check_receipt(input.view());
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find(c.says) != std::string::npos);
    auto refused_with_cache = check_receipt(input.view(), &cache);
    REQUIRE_FALSE(refused_with_cache.has_value());
    CHECK(refused_with_cache.error().message == refused.error().message);
  }
  CHECK(cache.counts().entries == 1);  // the services of the receipt above, no others
}

TEST_CASE("receipts: a check cache reads known services once, and changes nothing else") {
  digest_signer key('k');
  receipt_check_cache cache(2);
  // The same decision under the same policy: other ids and times, the same services.
  const auto first = test::signed_receipt(event_of(act(consent_action::accept_all)), key, 1);
  const auto second = test::signed_receipt(event_of(act(consent_action::accept_all), {}, march_2 + 5000), key, 2);
  for (const auto& compact : {first, second}) {
    auto plain = check_receipt(compact);
    auto cached = check_receipt(compact, &cache);
    REQUIRE(plain.has_value());
    REQUIRE(cached.has_value());
    CHECK(cached->hash == plain->hash);
    CHECK(json_io::write(cached->value) == json_io::write(plain->value));
    CHECK(*canonical_receipt(cached->value) == cached->jws.payload);
    CHECK(cached->value.services.at(0).purposes.size() == plain->value.services.at(0).purposes.size());
    // Where the services sit, for a store to keep them once: the canonical form of
    // what was read, at that place in the payload; not looked for without a cache.
    CHECK(cached->jws.payload.substr(cached->services_at, cached->services_size) ==
          *canonicalize_value(json_io::write(cached->value.services)));
    CHECK(cached->jws.payload.substr(cached->services_at - 11, 12) == "\"services\":[");
    CHECK(plain->services_at == 0);
    CHECK(plain->services_size == 0);
  }
  CHECK(cache.counts().misses == 1);
  CHECK(cache.counts().hits == 1);
  CHECK(cache.counts().entries == 1);

  // Known services inside a payload that is wrong elsewhere: refused as without the cache.
  auto document = *parse_json(check_receipt(second)->jws.payload);
  document["event_time"] = "2025-03-02T10:00:05Z";
  const auto broken = sign_payload(*canonicalize_value(document), key);
  auto refused = check_receipt(broken, &cache);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == check_receipt(broken).error().message);

  // Services that differ by one status are other bytes: a miss, read whole, and right.
  const auto rejected = test::signed_receipt(event_of(act(consent_action::reject_all)), key, 3);
  auto read = check_receipt(rejected, &cache);
  REQUIRE(read.has_value());
  CHECK(find(read->value, "analytics")->status == purpose_status::denied);
  CHECK(cache.counts().misses == 2);

  // Bounded: a third set of services pushes out the oldest.
  auto withdraw = act(consent_action::withdraw_purpose, collection_method::withdrawal);
  withdraw.purpose = "advertising";
  REQUIRE(check_receipt(test::signed_receipt(event_of(withdraw), key, 4), &cache).has_value());
  CHECK(cache.counts().entries == 2);
  CHECK(cache.counts().misses == 3);
  REQUIRE(check_receipt(first, &cache).has_value());
  CHECK(cache.counts().misses == 4);  // the accept_all services were the oldest
}

TEST_CASE("receipts: services found in any text: escapes and brackets inside strings, at every offset") {
  // The services are found by their structure alone (sixteen bytes at a time where the
  // processor allows): quotes, backslashes and brackets inside strings must not end
  // them, wherever they fall. Free text (titles, third parties) holding them, shifted by
  // one byte at a time, found where the canonical form of what was read sits.
  digest_signer key('s');
  const auto plain = check_receipt(test::signed_receipt(event_of(act(consent_action::accept_all)), key, 1));
  REQUIRE(plain.has_value());
  const auto original = *parse_json(plain->jws.payload);
  const std::string awkward[] = {"\\\"]}", "a\\\\\"[{\\\"", "]]]}}}", "\\\\\\\\", "{\"\\u00e9[\"}", "\u00e9]\\\""};
  receipt_check_cache cache(64);
  std::size_t checked = 0;
  for (std::size_t shift = 0; shift < 40; ++shift) {
    for (const auto& text : awkward) {
      auto document = original;
      auto& purpose = document["services"][0]["purposes"][0];
      purpose["title"] = std::string(shift, 'x') + text + std::string(40 - shift, 'y');
      purpose["third_party_names"] = json::array({text + std::string(shift, 'z'), text});
      const auto compact = sign_payload(*canonicalize_value(document), key);
      CAPTURE(shift);
      CAPTURE(text);
      for (int round = 0; round < 2; ++round) {  // a miss, then a hit
        auto cached = check_receipt(compact, &cache);
        REQUIRE(cached.has_value());
        CHECK(cached->jws.payload.substr(cached->services_at, cached->services_size) ==
              *canonicalize_value(json_io::write(cached->value.services)));
        CHECK(cached->value.services.at(0).purposes.at(0).title == purpose["title"].get<std::string>());
        ++checked;
      }
    }
  }
  CHECK(checked == 480);
  CHECK(cache.counts().hits == 240);
}

TEST_CASE("receipts: a device's receipts form a chain") {
  digest_signer key('h');
  const auto first_jws = test::signed_receipt(event_of(act(consent_action::accept_all)), key, 1);
  auto first = check_receipt(first_jws);
  REQUIRE(first.has_value());

  // The next decision continues from the state the first receipt records.
  auto withdraw = act(consent_action::withdraw_purpose, collection_method::withdrawal);
  withdraw.purpose = "advertising";
  const auto state = state_from_receipt(*first);
  CHECK(state.chain_head == first->hash);
  const auto second_event = event_of(withdraw, state, march_2 + 60000);
  CHECK(second_event.previous_chain_head == first->hash);
  const auto second_jws = test::signed_receipt(second_event, key, 2);
  auto second = check_receipt(second_jws);
  REQUIRE(second.has_value());
  CHECK(second->value.previous_receipt_hash == first->hash);
  CHECK(find(second->value, "analytics")->status == purpose_status::granted);  // carried over
  CHECK(find(second->value, "advertising")->status == purpose_status::denied);
  CHECK(second->value.event_state == receipt_event_state::withdrawn);

  CHECK_FALSE(check_chain_link(*first, *second).has_value());
  auto backwards = check_chain_link(*second, *first);
  REQUIRE(backwards.has_value());
  CHECK(backwards->find("starts a new chain") != std::string::npos);

  // Another first receipt of the same device does not link to the second.
  auto fork = check_receipt(test::signed_receipt(event_of(act(consent_action::reject_all), state, march_2 + 120000), key, 3));
  REQUIRE(fork.has_value());
  auto broken = check_chain_link(*second, *fork);
  REQUIRE(broken.has_value());
  CHECK(broken->find("names the previous receipt " + first->hash) != std::string::npos);

  // A link back in time.
  const auto earlier = check_receipt(test::signed_receipt(event_of(act(consent_action::reject_all), state, march_2 - 1), key, 4));
  REQUIRE(earlier.has_value());
  CHECK(check_chain_link(*first, *earlier)->find("is earlier than") != std::string::npos);

  // Another device's receipt.
  digest_signer other('i');
  auto foreign = check_receipt(test::signed_receipt(second_event, other, 5));
  REQUIRE(foreign.has_value());
  CHECK(check_chain_link(*first, *foreign)->find("another device") != std::string::npos);
}

TEST_CASE("receipts: the policy a receipt names is checked against the policy given") {
  digest_signer key('j');
  auto checked = check_receipt(test::signed_receipt(event_of(act(consent_action::accept_all)), key));
  REQUIRE(checked.has_value());
  const auto& document = example_policy();
  CHECK_FALSE(check_receipt_policy(checked->value, document, compute_policy_hashes(document)).has_value());
  auto reworded = document;
  reworded.summary.values["en"] = "Other words.";
  auto problem = check_receipt_policy(checked->value, reworded, compute_policy_hashes(reworded));
  REQUIRE(problem.has_value());
  CHECK(problem->find("policy_hash") != std::string::npos);
  auto newer = document;
  newer.version = "9";
  CHECK(check_receipt_policy(checked->value, newer, compute_policy_hashes(newer))->find("version") !=
        std::string::npos);
}

TEST_CASE("receipts: the proof shown to the person, as text and as escaped HTML") {
  auto document = example_policy();
  document.purposes[2].title.values["en"] = "<script>alert(1)</script> & \"more\"";
  const auto event = [&] {
    auto applied = apply_act({}, document, test::identity_of(document), act(consent_action::accept_all), march_2);
    REQUIRE(applied.has_value());
    return *applied->event;
  }();
  auto built = build_receipt(event, document, test::uuid(7), jwk_thumbprint(digest_signer('k').public_key()));
  REQUIRE(built.has_value());

  const auto text = render_receipt_text(*built, "Signature verified.");
  CHECK(text.find("Signature verified.") != std::string::npos);
  CHECK(text.find(built->consent_receipt_id) != std::string::npos);
  CHECK(text.find(built->notice.policy_hash) != std::string::npos);
  CHECK(text.find("<script>alert(1)</script> & \"more\" (analytics): granted") != std::string::npos);
  CHECK(text.find("Matching you with a consultant (health-matching): not asked (off)") != std::string::npos);
  CHECK(text.find("shared with: Stats Example Inc.") != std::string::npos);

  const auto html = render_receipt_html(*built, "<b>verified</b>");
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;") != std::string::npos);
  CHECK(html.find("&lt;b&gt;verified&lt;/b&gt;") != std::string::npos);
  CHECK(html.starts_with("<article class=\"consentry-receipt\" lang=\"en\">"));
}
