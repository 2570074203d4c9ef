// The legal rules of the consent engine, one table-driven test per rule, each named
// after its source. Run natively and in wasm under Node.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "consent_fixture.hpp"
#include "consentry/consent.hpp"
#include "consentry/json_io.hpp"

using namespace consentry;
using namespace consentry::test;

namespace {

std::string name_of(const consent_act& act) {
  std::string name(json_io::enum_name(act.action));
  if (act.purpose) name += "(" + *act.purpose + ")";
  if (act.granted) name += *act.granted ? "=granted" : "=denied";
  if (act.present) name += *act.present ? "=present" : "=absent";
  if (act.under_minimum_age) name += *act.under_minimum_age ? "=under" : "=adult";
  return name;
}

std::string describe(const std::vector<consent_act>& acts) {
  std::string out;
  for (const auto& act : acts) out += (out.empty() ? "" : ", ") + name_of(act);
  return out.empty() ? "(no act)" : out;
}

bool any_consent_active(const consent_state& state, std::int64_t now) {
  for (const auto& p : engine_policy()->purposes) {
    if (needs_consent(p.basis) && is_active(state, version_1, *find_purpose(*engine_policy(), p.id), now)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("GDPR Art. 4(11), Recital 32, CJEU C-673/17 Planet49: nothing consent-based is granted without the person's act; no default is granted") {
  REQUIRE(engine_policy() != nullptr);
  struct row {
    std::vector<consent_act> acts;
  };
  const std::vector<row> rows{
      {{}},
      {{reject_all()}},
      {{withdraw_all()}},
      {{set_purpose("analytics", false)}},
      {{withdraw("advertising")}},
      {{object("service-news")}},
      {{stop_objecting("partner-sharing")}},
      {{declare_age(false)}},
      {{declare_age(true), parental_confirmation()}},
      {{gpc(true)}},
      {{gpc(true), gpc(false)}},
      {{renew()}},                // refused: nothing to renew
      {{acknowledge_changes()}},  // refused: nothing to carry over
  };
  for (const auto& r : rows) {
    CAPTURE(describe(r.acts));
    const auto result = run(r.acts);
    for (const auto& entry : result.state.purposes) {
      CAPTURE(entry.first);
      CHECK(entry.second.status != purpose_status::granted);
    }
    CHECK_FALSE(any_consent_active(result.state, result.now));
    for (const auto& event : result.events) {
      for (const auto& outcome : event.purposes) {
        if (needs_consent(outcome.basis)) CHECK_FALSE(outcome.active);
      }
    }
  }
  // A purpose's default status in the model is not_asked, never granted.
  CHECK(purpose_choice{}.status == purpose_status::not_asked);
  CHECK_FALSE(has_decision(consent_state{}));
}

TEST_CASE("GDPR Art. 6(1)(b)-(c) and Art. 7(4): contract and legal-obligation purposes cannot be refused and are never asked as consent") {
  REQUIRE(engine_policy() != nullptr);
  struct row {
    consent_act act;
    act_error_code expected;
  };
  const std::vector<row> rows{
      {set_purpose("service", false), act_error_code::not_refusable},
      {withdraw("service"), act_error_code::not_refusable},
      {withdraw("bookkeeping"), act_error_code::not_refusable},
      {set_purpose("bookkeeping", true), act_error_code::not_consent_based},
      {grant_explicit("service"), act_error_code::not_consent_based},
      {object("service"), act_error_code::not_objectionable},
      {object("bookkeeping"), act_error_code::not_objectionable},
  };
  for (const auto& r : rows) {
    CAPTURE(name_of(r.act));
    const auto result = run({accept_all(), r.act});
    REQUIRE(result.error.has_value());
    CHECK(result.error->code == r.expected);
    CHECK(result.error->purpose == r.act.purpose);
    CHECK(result.events.size() == 1);  // the refused act left nothing
  }
  // Whatever the person does, they stay in effect and are never "granted" or "denied".
  for (const auto& acts : std::vector<std::vector<consent_act>>{{accept_all()}, {reject_all()}, {withdraw_all()}}) {
    CAPTURE(describe(acts));
    const auto result = run(acts);
    for (const auto& id : unrefusable_purposes) {
      CAPTURE(id);
      CHECK(status_of(result.state, id) == purpose_status::not_asked);
      CHECK(active(result.state, id, result.now));
    }
  }
}

TEST_CASE("CNIL SAN-2021-023 and GDPR Art. 7(3): rejecting all and withdrawing all are one act each, as easy as accepting all") {
  REQUIRE(engine_policy() != nullptr);
  struct row {
    std::vector<consent_act> before;
    consent_act act;
    purpose_status expected;
  };
  const std::vector<row> rows{
      {{}, accept_all(), purpose_status::granted},
      {{}, reject_all(), purpose_status::denied},
      {{accept_all()}, reject_all(), purpose_status::denied},
      {{accept_all(), grant_explicit(explicit_purpose)}, withdraw_all(), purpose_status::denied},
      {{set_purpose("analytics", true), grant_explicit(explicit_purpose)}, reject_all(), purpose_status::denied},
  };
  for (const auto& r : rows) {
    CAPTURE(describe(r.before) + " then " + name_of(r.act));
    const auto before = run(r.before);
    REQUIRE_FALSE(before.error.has_value());
    const auto after = apply_act(before.state, *engine_policy(), version_1, r.act, before.now);
    REQUIRE(after.has_value());
    REQUIRE(after->event.has_value());  // one act, one event
    for (const auto& id : consent_purposes) {
      CAPTURE(id);
      CHECK(status_of(after->state, id) == r.expected);
      CHECK(active(after->state, id, before.now) == (r.expected == purpose_status::granted));
    }
    if (r.expected == purpose_status::denied) {
      CHECK(status_of(after->state, explicit_purpose) == purpose_status::denied);
    }
  }
}

TEST_CASE("GDPR Art. 9(2)(a): health data needs its own explicit act and is never granted by accept all") {
  REQUIRE(engine_policy() != nullptr);
  struct row {
    std::vector<consent_act> acts;
    purpose_status expected;
    std::optional<act_error_code> error;
  };
  const std::vector<row> rows{
      {{accept_all()}, purpose_status::not_asked, {}},
      {{set_purpose(explicit_purpose, true)}, purpose_status::not_asked, act_error_code::needs_explicit_act},
      {{accept_all(), set_purpose(explicit_purpose, true)}, purpose_status::not_asked,
       act_error_code::needs_explicit_act},
      {{grant_explicit(explicit_purpose)}, purpose_status::granted, {}},
      {{grant_explicit("analytics")}, purpose_status::not_asked, act_error_code::not_explicit_consent},
      {{grant_explicit(explicit_purpose), accept_all()}, purpose_status::granted, {}},
      {{grant_explicit(explicit_purpose), reject_all()}, purpose_status::denied, {}},
      {{grant_explicit(explicit_purpose), set_purpose(explicit_purpose, false)}, purpose_status::denied, {}},
      {{grant_explicit(explicit_purpose), withdraw(explicit_purpose)}, purpose_status::denied, {}},
  };
  for (const auto& r : rows) {
    CAPTURE(describe(r.acts));
    const auto result = run(r.acts);
    CHECK(result.error.has_value() == r.error.has_value());
    if (result.error && r.error) CHECK(result.error->code == *r.error);
    CHECK(status_of(result.state, explicit_purpose) == r.expected);
    CHECK(active(result.state, explicit_purpose, result.now) == (r.expected == purpose_status::granted));
  }
}

TEST_CASE("GDPR Art. 8(1): under the policy's age (18 in the fixture), consent needs a parent's confirmation") {
  REQUIRE(engine_policy() != nullptr);
  REQUIRE(engine_policy()->age.minimum_age == 18);
  struct row {
    std::vector<consent_act> acts;
    bool analytics_granted;
    std::optional<act_error_code> error;
  };
  const std::vector<row> rows{
      {{declare_age(true), accept_all()}, false, act_error_code::needs_parental_confirmation},
      {{declare_age(true), set_purpose("analytics", true)}, false, act_error_code::needs_parental_confirmation},
      {{declare_age(true), grant_explicit(explicit_purpose)}, false, act_error_code::needs_parental_confirmation},
      {{declare_age(true), parental_confirmation(), accept_all()}, true, {}},
      {{declare_age(false), accept_all()}, true, {}},
      // Grants made before the person said they were under age were never valid.
      {{accept_all(), declare_age(true)}, false, {}},
      {{declare_age(true), parental_confirmation(), accept_all(), declare_age(false), declare_age(true)}, false, {}},
      // Refusing needs no parent.
      {{declare_age(true), reject_all()}, false, {}},
      {{parental_confirmation()}, false, act_error_code::not_under_minimum_age},
  };
  for (const auto& r : rows) {
    CAPTURE(describe(r.acts));
    const auto result = run(r.acts);
    CHECK(result.error.has_value() == r.error.has_value());
    if (result.error && r.error) {
      CHECK(result.error->code == *r.error);
      if (*r.error == act_error_code::needs_parental_confirmation) {
        CHECK(result.error->message.find("18") != std::string::npos);
      }
    }
    CHECK((status_of(result.state, "analytics") == purpose_status::granted) == r.analytics_granted);
    CHECK(active(result.state, "analytics", result.now) == r.analytics_granted);
  }

  // A policy whose age rule offers no parental route lets no one under age consent.
  auto no_parents = *engine_policy();
  no_parents.age.parental_consent = false;
  for (const auto& act : {accept_all(), parental_confirmation()}) {
    CAPTURE(name_of(act));
    auto state = apply_act({}, no_parents, version_1, declare_age(true), t0);
    REQUIRE(state.has_value());
    const auto refused = apply_act(state->state, no_parents, version_1, act, t0 + minute);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == act_error_code::parental_consent_not_offered);
  }
}

TEST_CASE("CCPA Regs 11 CCR §7025(c)(1): Global Privacy Control opts out of every sale or sharing purpose, before any tag runs") {
  REQUIRE(engine_policy() != nullptr);
  struct row {
    std::vector<consent_act> before;
  };
  const std::vector<row> rows{
      {{}}, {{accept_all()}}, {{set_purpose("advertising", true)}}, {{stop_objecting("partner-sharing")}}};
  for (const auto& r : rows) {
    CAPTURE(describe(r.before));
    const auto before = run(r.before);
    const auto after = apply_act(before.state, *engine_policy(), version_1, gpc(true), before.now);
    REQUIRE(after.has_value());
    REQUIRE(after->event.has_value());
    const auto& state = after->state;
    CHECK(status_of(state, "advertising") == purpose_status::denied);
    CHECK(state.purposes.at("advertising").method == collection_method::global_privacy_control);
    CHECK(status_of(state, "partner-sharing") == purpose_status::objected);
    CHECK_FALSE(active(state, "advertising", before.now));
    CHECK_FALSE(active(state, "partner-sharing", before.now));
    // Purposes that are not sale or sharing are left as they were.
    CHECK(status_of(state, "analytics") == status_of(before.state, "analytics"));
    CHECK(state.signals.gpc_present);
    CHECK(state.signals.gpc_honoured);
    CHECK(after->event->signals.gpc_honoured);
    CHECK(after->event->method == collection_method::global_privacy_control);
    const auto update = consent_mode_update(state, *engine_policy(), version_1, before.now);
    CHECK(update["ad_storage"] == "denied");
    CHECK(update["ad_user_data"] == "denied");
    CHECK(update["ad_personalization"] == "denied");
  }
}

TEST_CASE("CCPA Regs 11 CCR §7025(c)(3): after the signal, only the person's own act for a purpose grants sale or sharing, and is recorded as such") {
  REQUIRE(engine_policy() != nullptr);
  struct row {
    std::vector<consent_act> acts;
    purpose_status advertising;
    bool over_signal;
    std::size_t events;
  };
  const std::vector<row> rows{
      {{gpc(true), accept_all()}, purpose_status::denied, false, 2},
      {{gpc(true), set_purpose("advertising", true)}, purpose_status::granted, true, 2},
      {{accept_all(), gpc(true), set_purpose("advertising", true)}, purpose_status::granted, true, 3},
      // The same signal seen again is no new act: no event, no change.
      {{gpc(true), set_purpose("advertising", true), gpc(true)}, purpose_status::granted, true, 2},
      // The signal going away grants nothing back.
      {{accept_all(), gpc(true), gpc(false)}, purpose_status::denied, false, 3},
      // Turned on again, it is honoured again.
      {{gpc(true), set_purpose("advertising", true), gpc(false), gpc(true)}, purpose_status::denied, false, 4},
  };
  for (const auto& r : rows) {
    CAPTURE(describe(r.acts));
    const auto result = run(r.acts);
    REQUIRE_FALSE(result.error.has_value());
    CHECK(result.events.size() == r.events);
    CHECK(status_of(result.state, "advertising") == r.advertising);
    CHECK(result.state.purposes.at("advertising").granted_over_signal == r.over_signal);
    if (result.state.signals.gpc_present) CHECK(result.state.signals.gpc_honoured);
    const auto& last = result.events.back();
    for (const auto& outcome : last.purposes) {
      if (outcome.purpose == "advertising") CHECK(outcome.granted_over_signal == r.over_signal);
    }
  }
}

TEST_CASE("CNIL recommendation 2020-092 (cookies): choices, refusals included, expire after the policy's period, six months by default") {
  REQUIRE(engine_policy() != nullptr);
  CHECK(consent_settings{}.expiry_days == 182);
  const auto period = static_cast<std::int64_t>(engine_policy()->consent.expiry_days) * day;
  struct row {
    consent_act decision;
    std::int64_t elapsed;
    banner_reason reason;
  };
  const std::vector<row> rows{
      {accept_all(), period - 1, banner_reason::none},
      {accept_all(), period, banner_reason::expired},
      {reject_all(), period - 1, banner_reason::none},
      {reject_all(), period, banner_reason::expired},
      {set_purpose("analytics", true), 400 * day, banner_reason::expired},
  };
  for (const auto& r : rows) {
    CAPTURE(name_of(r.decision));
    CAPTURE(r.elapsed);
    const auto decided = run({r.decision});
    const auto now = t0 + r.elapsed;
    const auto banner = should_show_banner(decided.state, *engine_policy(), version_1, now, {});
    CHECK(banner.reason == r.reason);
    CHECK(banner.show == (r.reason != banner_reason::none));
    CHECK(banner.ask == (r.reason != banner_reason::none));
    if (r.reason == banner_reason::expired) CHECK_FALSE(any_consent_active(decided.state, now));
  }

  // After expiry a choice starts from nothing asked; renew confirms the choices shown.
  const auto decided = run({accept_all()});
  const auto later = t0 + period + day;
  auto one = apply_act(decided.state, *engine_policy(), version_1, set_purpose("personalisation", true), later);
  REQUIRE(one.has_value());
  CHECK(status_of(one->state, "analytics") == purpose_status::not_asked);
  CHECK(active(one->state, "personalisation", later));
  CHECK(one->state.expires_ms == later + period);
  auto renewed = apply_act(decided.state, *engine_policy(), version_1, renew(), later);
  REQUIRE(renewed.has_value());
  CHECK(active(renewed->state, "analytics", later));
  CHECK(renewed->state.expires_ms == later + period);
  CHECK(renewed->event->expires == format_utc_time(later + period));
}

TEST_CASE("GDPR Art. 4(11) 'specific' and Art. 13(3): a material policy change or a new purpose asks again") {
  REQUIRE(engine_policy() != nullptr);
  const auto decided = run({accept_all(), grant_explicit(explicit_purpose), object("service-news")});
  const auto now = decided.now;

  // The same document under a new material hash: answers lapse, the banner asks.
  auto banner = should_show_banner(decided.state, *engine_policy(), version_2, now, {});
  CHECK(banner.reason == banner_reason::material_change);
  CHECK(banner.ask);
  for (const auto& id : consent_purposes) CHECK_FALSE(active(decided.state, id, now, version_2));
  CHECK_FALSE(active(decided.state, explicit_purpose, now, version_2));

  auto renewed = apply_act(decided.state, *engine_policy(), version_2, renew(), now);
  REQUIRE_FALSE(renewed.has_value());
  CHECK(renewed.error().code == act_error_code::asked_again);
  auto acknowledged = apply_act(decided.state, *engine_policy(), version_2, acknowledge_changes(), now);
  REQUIRE_FALSE(acknowledged.has_value());
  CHECK(acknowledged.error().code == act_error_code::asked_again);

  auto next = apply_act(decided.state, *engine_policy(), version_2, set_purpose("analytics", true), now);
  REQUIRE(next.has_value());
  CHECK(status_of(next->state, "analytics") == purpose_status::granted);
  CHECK(status_of(next->state, "advertising") == purpose_status::not_asked);
  CHECK(status_of(next->state, explicit_purpose) == purpose_status::not_asked);
  CHECK(status_of(next->state, "service-news") == purpose_status::objected);  // an objection is not an answer to renew
  CHECK(next->state.policy == version_2);

  // A policy with a purpose the person was never asked about names it.
  auto grown = *engine_policy();
  auto added = *find_purpose(grown, "personalisation");
  added.id = "recommendations";
  grown.purposes.push_back(added);
  banner = should_show_banner(decided.state, grown, version_2, now, {});
  CHECK(banner.reason == banner_reason::new_purpose);
  CHECK(banner.purposes == std::vector<std::string>{"recommendations"});
  CHECK(banner.ask);
}

TEST_CASE("WP29 Guidelines on transparency (WP260 rev.01): an editorial change keeps the choices and records whether the person saw it") {
  REQUIRE(engine_policy() != nullptr);
  const auto decided = run({accept_all()});
  const auto now = decided.now;

  auto banner = should_show_banner(decided.state, *engine_policy(), version_1_reworded, now, {});
  CHECK(banner.reason == banner_reason::editorial_change_unseen);
  CHECK(banner.show);
  CHECK_FALSE(banner.ask);
  CHECK(active(decided.state, "analytics", now, version_1_reworded));

  struct row {
    std::vector<consent_act> acts;
    bool changes_seen;
    banner_reason reason;
  };
  const std::vector<row> rows{
      {{acknowledge_changes()}, true, banner_reason::none},
      {{set_purpose("advertising", false)}, false, banner_reason::editorial_change_unseen},
      {{set_purpose("advertising", false), acknowledge_changes()}, true, banner_reason::none},
      {{renew(), acknowledge_changes()}, true, banner_reason::none},
  };
  for (const auto& r : rows) {
    CAPTURE(describe(r.acts));
    const auto result = run(r.acts, decided.state, version_1_reworded, now);
    REQUIRE_FALSE(result.error.has_value());
    CHECK(result.state.changes_seen == r.changes_seen);
    CHECK(should_show_banner(result.state, *engine_policy(), version_1_reworded, result.now, {}).reason == r.reason);
    CHECK(status_of(result.state, "analytics") == purpose_status::granted);  // the choices stand
    CHECK(result.events.back().policy == version_1_reworded);
  }
}

TEST_CASE("GDPR Art. 21(1) and 21(3): the person can object to a legitimate interest, and the objection holds") {
  REQUIRE(engine_policy() != nullptr);
  const auto period = static_cast<std::int64_t>(engine_policy()->consent.expiry_days) * day;
  struct row {
    std::vector<consent_act> acts;
    policy_identity identity;
    std::int64_t later;
    bool news_active;
    std::optional<act_error_code> error;
  };
  const std::vector<row> rows{
      {{}, version_1, 0, true, {}},
      {{object("service-news")}, version_1, 0, false, {}},
      {{object("service-news"), stop_objecting("service-news")}, version_1, 0, true, {}},
      {{object("service-news"), reject_all(), accept_all()}, version_1, 0, false, {}},
      {{object("service-news")}, version_1, period + day, false, {}},  // through expiry
      {{object("service-news")}, version_2, 0, false, {}},             // through a material change
      {{set_purpose("service-news", false)}, version_1, 0, true, act_error_code::not_consent_based},
      {{withdraw("service-news")}, version_1, 0, true, act_error_code::not_consent_based},
      {{object("analytics")}, version_1, 0, true, act_error_code::not_objectionable},
  };
  for (const auto& r : rows) {
    CAPTURE(describe(r.acts));
    auto result = run(r.acts);
    CHECK(result.error.has_value() == r.error.has_value());
    if (result.error && r.error) CHECK(result.error->code == *r.error);
    const auto now = result.now + r.later;
    if (!(r.identity == version_1) || r.later > 0) {
      // The next choice, under the new policy or after expiry, keeps the objection.
      auto next = apply_act(result.state, *engine_policy(), r.identity, accept_all(), now);
      REQUIRE(next.has_value());
      result.state = next->state;
    }
    CHECK(active(result.state, "service-news", now, r.identity) == r.news_active);
  }
}

TEST_CASE("should_show_banner: first visit, expired, material change, new purpose, signal changed, editorial change, in that order") {
  REQUIRE(engine_policy() != nullptr);
  const auto decided = run({accept_all()});
  const auto now = decided.now;
  const auto period = static_cast<std::int64_t>(engine_policy()->consent.expiry_days) * day;
  auto other_policy = version_1;
  other_policy.id = "another-policy";
  const auto signal_only = run({gpc(true)});
  struct row {
    const char* name;
    consent_state state;
    policy_identity identity;
    std::int64_t now;
    bool gpc;
    banner_reason reason;
    bool ask;
  };
  const std::vector<row> rows{
      {"nothing stored", {}, version_1, now, false, banner_reason::first_visit, true},
      {"a signal is no choice", signal_only.state, version_1, now, true, banner_reason::first_visit, true},
      {"another policy's state", decided.state, other_policy, now, false, banner_reason::first_visit, true},
      {"expired and changed", decided.state, version_2, now + period, false, banner_reason::expired, true},
      {"material change", decided.state, version_2, now, true, banner_reason::material_change, true},
      {"signal appeared", decided.state, version_1_reworded, now, true, banner_reason::signal_changed, false},
      {"editorial change", decided.state, version_1_reworded, now, false, banner_reason::editorial_change_unseen,
       false},
      {"nothing changed", decided.state, version_1, now, false, banner_reason::none, false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    const auto banner = should_show_banner(r.state, *engine_policy(), r.identity, r.now, browser_signals{r.gpc});
    CHECK(banner.reason == r.reason);
    CHECK(banner.ask == r.ask);
    CHECK(banner.show == (r.reason != banner_reason::none));
    CHECK_FALSE(banner.explanation.empty());
  }
  const auto signal = should_show_banner(decided.state, *engine_policy(), version_1, now, browser_signals{true});
  CHECK(signal.purposes == std::vector<std::string>{"advertising", "partner-sharing"});
}

TEST_CASE("acts: a malformed act is refused with the rule it breaks, and changes nothing") {
  REQUIRE(engine_policy() != nullptr);
  auto no_purpose = make_act(consent_action::set_purpose);
  no_purpose.granted = true;
  auto extra = accept_all();
  extra.purpose = "analytics";
  auto no_granted = on_purpose(consent_action::set_purpose, "analytics");
  auto gpc_by_banner = gpc(true);
  gpc_by_banner.method = collection_method::banner;
  auto person_as_signal = accept_all();
  person_as_signal.method = collection_method::global_privacy_control;
  auto in_german = accept_all();
  in_german.language = "de";
  struct row {
    consent_act act;
    std::int64_t now;
    act_error_code expected;
  };
  const std::vector<row> rows{
      {no_purpose, t0, act_error_code::missing_member},
      {no_granted, t0, act_error_code::missing_member},
      {extra, t0, act_error_code::unexpected_member},
      {gpc_by_banner, t0, act_error_code::wrong_method},
      {person_as_signal, t0, act_error_code::wrong_method},
      {set_purpose("no-such-purpose", true), t0, act_error_code::unknown_purpose},
      {in_german, t0, act_error_code::unknown_language},
      {accept_all(), -1, act_error_code::invalid_time},
      {accept_all(), max_time_ms + 1, act_error_code::invalid_time},
  };
  const auto before = run({reject_all()});
  for (const auto& r : rows) {
    CAPTURE(name_of(r.act));
    const auto result = apply_act(before.state, *engine_policy(), version_1, r.act, r.now);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == r.expected);
    CHECK_FALSE(result.error().message.empty());
  }
  auto in_french = accept_all();
  in_french.language = "fr";
  const auto french = apply_act(before.state, *engine_policy(), version_1, in_french, before.now);
  REQUIRE(french.has_value());
  CHECK(french->state.language == "fr");
  CHECK(french->event->language == "fr");
}

TEST_CASE("acts read from JSON with json_io, as a controller or the browser sends them") {
  const auto parsed =
      parse_json(R"({"action": "set_purpose", "method": "phone", "purpose": "analytics", "granted": true})");
  REQUIRE(parsed.has_value());
  consent_act act;
  diagnostics found;
  REQUIRE(json_io::read_document(*parsed, act, "act.json", found));
  CHECK(act.action == consent_action::set_purpose);
  CHECK(act.method == collection_method::phone);
  CHECK(act.purpose == std::optional<std::string>("analytics"));
  CHECK(act.granted == std::optional<bool>(true));

  const auto wrong = parse_json(R"({"action": "accept_al", "method": "banner"})");
  REQUIRE(wrong.has_value());
  CHECK_FALSE(json_io::read_document(*wrong, act, "act.json", found));
  CHECK(found.back().message.find("did you mean \"accept_all\"") != std::string::npos);
}
