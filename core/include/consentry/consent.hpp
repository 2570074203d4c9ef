// The consent engine: a person's choices per purpose, the acts that change them, the
// event each act leaves for its receipt, whether to show the banner, and the Google
// Consent Mode payloads. Pure functions of (state, policy, act, time): no clock, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/describe.hpp>

#include "consentry/json_parse.hpp"
#include "consentry/policy.hpp"
#include "consentry/result.hpp"

namespace consentry {

/// Which policy a choice was made under. The hashes are computed by the build step
/// (`policy_hash` of the canonical document, `material_hash` of its purposes, legal
/// bases and vendors) and are opaque strings here: equal means unchanged.
struct policy_identity {
  std::string id;
  std::string version;
  std::string policy_hash;
  std::string material_hash;
  friend bool operator==(const policy_identity&, const policy_identity&) = default;
};
BOOST_DESCRIBE_STRUCT(policy_identity, (), (id, version, policy_hash, material_hash))

/// Where a purpose stands for the person.
///  - `not_asked`: no choice made. For a consent purpose this means off (GDPR Art. 4(11):
///    silence is not consent); for legitimate interest, in effect until objected; for
///    contract, legal obligation and vital interest it is the only status there is, since
///    they are never asked.
///  - `granted`, `denied`: the person's answer to a consent purpose.
///  - `objected`: the person objected to a legitimate interest (GDPR Art. 21).
enum class purpose_status { not_asked, granted, denied, objected };
BOOST_DESCRIBE_ENUM(purpose_status, not_asked, granted, denied, objected)

/// How a decision reached us: the Kantara Consent Receipt's `collectionMethod`.
enum class collection_method {
  banner,                  ///< the first layer shown on a page
  preferences,             ///< the detailed settings the person opened
  withdrawal,              ///< a "withdraw consent" link or page (GDPR Art. 7(3))
  global_privacy_control,  ///< the browser's Sec-GPC signal, no act of the person
  native_app,              ///< a mobile app's own screen, through the webview bridge
  phone,                   ///< recorded by the controller's staff during a call
  paper,                   ///< recorded by the controller from a signed form
};
BOOST_DESCRIBE_ENUM(collection_method, banner, preferences, withdrawal, global_privacy_control, native_app, phone,
                    paper)

/// What the person (or their browser) did.
enum class consent_action {
  accept_all,             ///< grants every consent purpose, never an explicit-consent one
  reject_all,             ///< denies every consent purpose, explicit ones included: one act
  set_purpose,            ///< `purpose` to `granted` (true) or denied (false)
  withdraw_all,           ///< denies every consent purpose already given: one act (Art. 7(3))
  withdraw_purpose,       ///< denies `purpose`
  object,                 ///< objects to the legitimate interest `purpose` (Art. 21)
  stop_objecting,         ///< lifts the objection to `purpose`
  grant_explicit,         ///< the separate explicit act a special-category `purpose` needs (Art. 9(2)(a))
  declare_age,            ///< the person says whether they are under the policy's minimum age
  parental_confirmation,  ///< a holder of parental responsibility confirms (Art. 8(1))
  renew,                  ///< the person confirms the choices shown to them again; restarts expiry
  acknowledge_changes,    ///< the person has seen the notice of an editorial change
  gpc_signal,             ///< the Global Privacy Control signal appeared or went away (`present`)
};
BOOST_DESCRIBE_ENUM(consent_action, accept_all, reject_all, set_purpose, withdraw_all, withdraw_purpose, object,
                    stop_objecting, grant_explicit, declare_age, parental_confirmation, renew, acknowledge_changes,
                    gpc_signal)

/// One act, as the interface (or `consentry receipt issue --decision`) describes it.
/// Only the member the action needs is read; giving one it does not need is an error,
/// so that a mistaken request is not silently taken for another.
struct consent_act {
  consent_action action = consent_action::accept_all;
  collection_method method = collection_method::banner;
  /// The purpose id, for set_purpose, withdraw_purpose, object, stop_objecting, grant_explicit.
  std::optional<std::string> purpose;
  /// set_purpose: the person's answer.
  std::optional<bool> granted;
  /// gpc_signal: whether the browser sends the signal now.
  std::optional<bool> present;
  /// declare_age: whether the person is under the policy's `age.minimum_age`.
  std::optional<bool> under_minimum_age;
  /// The language the notice was shown in (one of the policy's); else the policy's default.
  std::optional<std::string> language;
};
BOOST_DESCRIBE_STRUCT(consent_act, (), (action, method, purpose, granted, present, under_minimum_age, language))

/// One purpose of the state.
struct purpose_choice {
  purpose_status status = purpose_status::not_asked;
  /// The basis the purpose had when its status was last set; a change of basis is a
  /// material change of the policy and asks again.
  legal_basis basis = legal_basis::consent;
  std::int64_t time_ms = 0;  ///< when the status was last set; 0 = never
  collection_method method = collection_method::banner;
  /// Granted by the person while Global Privacy Control was present (CCPA Regs §7025(c)(3)).
  bool granted_over_signal = false;
  friend bool operator==(const purpose_choice&, const purpose_choice&) = default;
};
BOOST_DESCRIBE_STRUCT(purpose_choice, (), (status, basis, time_ms, method, granted_over_signal))

/// Browser signals as last seen by the engine.
struct signals_seen {
  /// Global Privacy Control (the Sec-GPC header, `navigator.globalPrivacyControl`).
  bool gpc_present = false;
  /// Every sale-or-sharing purpose was opted out when the signal was seen.
  bool gpc_honoured = false;
  friend bool operator==(const signals_seen&, const signals_seen&) = default;
};
BOOST_DESCRIBE_STRUCT(signals_seen, (), (gpc_present, gpc_honoured))

/// A person's consent on one device. A default-constructed state is "no decision".
struct consent_state {
  /// The policy of the last act; empty id = no decision yet.
  policy_identity policy;
  std::string language;
  collection_method method = collection_method::banner;  ///< of the last act
  /// The last act of the person (not of a signal); 0 = the person never decided.
  std::int64_t decided_ms = 0;
  /// `decided_ms` plus the policy's `consent.expiry_days`; 0 = never decided.
  std::int64_t expires_ms = 0;
  /// Purpose id → choice, for every purpose of `policy`.
  std::map<std::string, purpose_choice> purposes;
  signals_seen signals;
  /// False while an editorial change (same material hash, new policy hash) carried the
  /// choices over without the person having acknowledged its notice of changes.
  bool changes_seen = true;
  bool under_minimum_age = false;
  bool parental_confirmation = false;
  /// Hash of the last receipt of this device, set by the receipts layer after signing.
  std::optional<std::string> chain_head;
  friend bool operator==(const consent_state&, const consent_state&) = default;
};
BOOST_DESCRIBE_STRUCT(consent_state, (),
                      (policy, language, method, decided_ms, expires_ms, purposes, signals, changes_seen,
                       under_minimum_age, parental_confirmation, chain_head))

/// A purpose as it stands after an act, for the receipt (ISO/IEC TS 27560 purposes,
/// Kantara `purposes`).
struct purpose_outcome {
  std::string purpose;
  purpose_status status = purpose_status::not_asked;
  legal_basis basis = legal_basis::consent;
  /// Whether processing for the purpose may run now: a consent purpose granted (and not
  /// waiting for a parent), a legitimate interest not objected to, or a purpose that is
  /// not based on consent at all. Contract and legal-obligation purposes are active
  /// without ever being presented as consent.
  bool active = false;
  bool granted_over_signal = false;
  friend bool operator==(const purpose_outcome&, const purpose_outcome&) = default;
};
BOOST_DESCRIBE_STRUCT(purpose_outcome, (), (purpose, status, basis, active, granted_over_signal))

/// Everything a consent receipt needs about one decision, and no personal data.
struct consent_event {
  policy_identity policy;
  std::string language;
  collection_method method = collection_method::banner;
  consent_action action = consent_action::accept_all;
  /// The purpose the act named, for the per-purpose actions.
  std::optional<std::string> purpose;
  std::int64_t time_ms = 0;       ///< milliseconds since 1970-01-01T00:00:00Z
  std::string time;               ///< the same instant, ISO 8601 UTC: 2024-05-01T12:00:00.000Z
  std::int64_t expires_ms = 0;    ///< when the choices expire; 0 when the person never decided
  std::optional<std::string> expires;
  /// Every purpose of the policy after the act, in the policy's order.
  std::vector<purpose_outcome> purposes;
  signals_seen signals;
  bool under_minimum_age = false;
  bool parental_confirmation = false;
  /// The chain head of the state before the act: the previous receipt's hash.
  std::optional<std::string> previous_chain_head;
  friend bool operator==(const consent_event&, const consent_event&) = default;
};
BOOST_DESCRIBE_STRUCT(consent_event, (),
                      (policy, language, method, action, purpose, time_ms, time, expires_ms, expires, purposes,
                       signals, under_minimum_age, parental_confirmation, previous_chain_head))

}  // namespace consentry
