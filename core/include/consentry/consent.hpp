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
  /// Granted (for a legitimate interest: its objection lifted) by the person's own act
  /// for this purpose while Global Privacy Control was present (CCPA Regs §7025(c)(3)).
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

/// Why an act was refused. A refused act changes nothing and leaves no event.
enum class act_error_code {
  invalid_time,                  ///< `now_ms` before 1970 or after 9999
  missing_member,                ///< the action needs a member the act lacks
  unexpected_member,             ///< the act gives a member its action does not read
  wrong_method,                  ///< gpc_signal is collected by the signal, and only it
  unknown_purpose,               ///< no such purpose in the policy
  unknown_language,              ///< not one of the policy's languages
  not_refusable,                 ///< contract, legal obligation and vital interest cannot be refused
  not_consent_based,             ///< only consent purposes are granted or withdrawn
  needs_explicit_act,            ///< a special-category purpose is granted only by grant_explicit
  not_explicit_consent,          ///< grant_explicit is for explicit-consent purposes only
  not_objectionable,             ///< only a legitimate interest can be objected to (Art. 21)
  needs_parental_confirmation,   ///< under the policy's age, a parent must confirm first (Art. 8(1))
  parental_consent_not_offered,  ///< the policy's age rule lets no one under its age consent
  not_under_minimum_age,         ///< a parental confirmation for a person not declared under age
  no_decision,                   ///< renew or acknowledge_changes before any choice
  asked_again,                   ///< the policy changed materially: the choices must be asked again
};
BOOST_DESCRIBE_ENUM(act_error_code, invalid_time, missing_member, unexpected_member, wrong_method, unknown_purpose,
                    unknown_language, not_refusable, not_consent_based, needs_explicit_act, not_explicit_consent,
                    not_objectionable, needs_parental_confirmation, parental_consent_not_offered,
                    not_under_minimum_age, no_decision, asked_again)

struct act_error {
  act_error_code code = act_error_code::missing_member;
  std::optional<std::string> purpose;
  std::string message;  ///< what was wrong and the rule behind it, in English, for logs and developers
};
BOOST_DESCRIBE_STRUCT(act_error, (), (code, purpose, message))

/// The state after an act, and the event it leaves. `event` is absent only when a
/// signal act changed nothing (the signal had already been seen).
struct transition {
  consent_state state;
  std::optional<consent_event> event;
};

/// Applies one act of the person, or of their browser's signal, under the policy
/// `document` whose hashes are `identity`, at `now_ms` (milliseconds since the epoch;
/// the core has no clock). The rules, each tested under its source in
/// tests/unit/consent_rules_test.cpp:
///  - nothing consent-based is granted without the person's own act; no status starts
///    granted (GDPR Art. 4(11), Recital 32; CJEU C-673/17 Planet49);
///  - contract, legal-obligation and vital-interest purposes are never asked, never
///    refused, never shown as consent (GDPR Art. 6(1)(b)-(d), Art. 7(4));
///  - accept_all, reject_all and withdraw_all are each one act (CNIL SAN-2021-023;
///    GDPR Art. 7(3));
///  - an explicit-consent purpose (special category) is granted only by its own
///    grant_explicit act, never by accept_all (GDPR Art. 9(2)(a));
///  - a person declared under the policy's `age.minimum_age` grants nothing until a
///    parent has confirmed, and declaring it voids grants made without (GDPR Art. 8(1));
///  - Global Privacy Control opts every sale-or-sharing purpose out (denied, or objected
///    for a legitimate interest) when it appears, and, while present, every such purpose
///    a new policy version adds; only the person's own act for that purpose (a grant, or
///    lifting the objection) lets it run again, recorded as `granted_over_signal`;
///    accept_all does not override the signal (CCPA Regs, 11 CCR §7025(c)(1), (c)(3));
///  - an objection to a legitimate interest holds until lifted, through expiry and
///    policy changes (GDPR Art. 21(1), 21(3));
///  - choices expire `consent.expiry_days` after the last choice, refusals included
///    (CNIL recommendation 2020-092); a choice after expiry starts from nothing asked,
///    except `renew`, by which the person confirms the choices shown to them;
///  - a material change (another `material_hash`) voids every consent answer: the next
///    choice starts from nothing asked and `renew` is refused (GDPR Art. 4(11)
///    "specific", Art. 13(3)); an editorial change keeps them and sets `changes_seen`
///    false until `acknowledge_changes` (WP29 Guidelines on transparency, WP260 rev.01).
/// A state of another policy id is treated as no decision. `chain_head` is kept.
result<transition, act_error> apply_act(const consent_state& state, const policy& document,
                                        const policy_identity& identity, const consent_act& act,
                                        std::int64_t now_ms);

/// Whether processing for `purpose` may run now. Consent purposes: granted under the
/// current material hash, not expired, and not waiting for a parent. Legitimate
/// interests: unless objected. Contract, legal obligation, vital interest: always.
/// Under Global Privacy Control, a sale-or-sharing purpose only after the person's own
/// act for it. Apply a changed browser signal (gpc_signal) before asking.
bool is_active(const consent_state& state, const policy_identity& identity, const purpose& purpose,
               std::int64_t now_ms);

/// Every purpose of `document` as it stands in `state`, in the policy's order.
std::vector<purpose_outcome> purpose_outcomes(const consent_state& state, const policy& document,
                                              const policy_identity& identity, std::int64_t now_ms);

/// Whether the person has made a choice (a signal alone is not one).
constexpr bool has_decision(const consent_state& state) noexcept { return state.decided_ms != 0; }

// ---------------------------------------------------------------------------------
// Whether to show the banner

/// The browser's signals on this page load.
struct browser_signals {
  bool gpc = false;  ///< Sec-GPC: 1, or navigator.globalPrivacyControl === true
};
BOOST_DESCRIBE_STRUCT(browser_signals, (), (gpc))

enum class banner_reason {
  none,                     ///< the stored choices stand
  first_visit,              ///< no choice yet, or a choice made for another policy
  expired,                  ///< the choices are older than the policy's expiry period
  material_change,          ///< purposes, legal bases or vendors changed: ask again
  new_purpose,              ///< the policy has a purpose the person was never asked about
  signal_changed,           ///< Global Privacy Control appeared or went away since the last visit
  editorial_change_unseen,  ///< the wording changed; show the notice of changes, choices stand
};
BOOST_DESCRIBE_ENUM(banner_reason, none, first_visit, expired, material_change, new_purpose, signal_changed,
                    editorial_change_unseen)

struct banner_decision {
  bool show = false;
  /// Whether the person's choices must be asked (first visit, expiry, material change,
  /// new purpose); otherwise the banner only informs (a signal, a notice of changes).
  bool ask = false;
  banner_reason reason = banner_reason::none;
  /// The purposes concerned: the new ones for `new_purpose`, the sale-or-sharing ones
  /// for `signal_changed`.
  std::vector<std::string> purposes;
  /// One English sentence for developers and logs; the interface words `reason` itself.
  std::string explanation;
};
BOOST_DESCRIBE_STRUCT(banner_decision, (), (show, ask, reason, purposes, explanation))

/// Decides whether the banner shows on this page load and why, checking in this order:
/// first visit, expired, material change (new purpose when the change adds one), a
/// changed signal, an unseen editorial change. Call it before applying a changed
/// signal with `apply_act`, or the `signal_changed` reason is gone.
banner_decision should_show_banner(const consent_state& state, const policy& document,
                                   const policy_identity& identity, std::int64_t now_ms,
                                   const browser_signals& signals);

// ---------------------------------------------------------------------------------
// First-party storage

/// Format of the stored value, version 1, written to a first-party cookie or
/// localStorage and read synchronously at page start by a bootstrap that has no wasm:
///
///     value    = "c1." payload "." checksum
///     payload  = base64url, no padding (RFC 4648 §5), of the UTF-8 JSON below
///     checksum = CRC-32 (ISO-HDLC, the one of zlib and PNG) of the ASCII bytes of
///                "c1." payload, as 8 lower-case hexadecimal digits
///
/// Every character is a cookie-octet (RFC 6265 §4.1.1). Any other prefix is foreign;
/// "c<digits>." with other digits is a version this reader does not know.
/// The JSON is the consent_state, positional to stay small (a cookie holds 4096 bytes,
/// RFC 6265 §6.1), members in the order of its BOOST_DESCRIBE_STRUCT:
///
///     [policy, language, method, decided_ms, expires_ms, purposes, signals,
///      changes_seen, under_minimum_age, parental_confirmation, chain_head]
///     policy   = [id, version, policy_hash, material_hash]
///     purposes = {"<purpose id>": [status, basis, time_ms, method, granted_over_signal]}
///     signals  = [gpc_present, gpc_honoured]
///
/// Times are integers (ms since the epoch), booleans 0 or 1, chain_head a string or
/// null, and enumerations their index:
///
///     status  0 not_asked, 1 granted, 2 denied, 3 objected
///     basis   0 consent, 1 explicit_consent, 2 contract, 3 legal_obligation,
///             4 vital_interest, 5 legitimate_interest
///     method  0 banner, 1 preferences, 2 withdrawal, 3 global_privacy_control,
///             4 native_app, 5 phone, 6 paper
///
/// A bootstrap lets a purpose run only when all of these hold, and otherwise parks it
/// until the core has loaded:
///  - the value has the "c1." prefix, its checksum matches and its payload parses;
///  - if the page states the current material hash, it equals policy[3];
///  - basis is 2, 3 or 4 (contract, legal obligation, vital interest); or basis is 5
///    (legitimate interest) and status is not 3 (objected); or basis is 0 or 1
///    (consent), status is 1 (granted), Date.now() < expires_ms, and not
///    (under_minimum_age and not parental_confirmation);
///  - if the browser sends Global Privacy Control and gpc_present is 0, nothing runs
///    until the core has applied the signal.
/// tests/node/stored_consent.test.mjs holds such a reader, and checks it on the
/// golden value tests/fixtures/consent/stored-v1.txt.
inline constexpr std::string_view stored_state_prefix = "c1.";

/// The stored value of `state`; the empty string for a state with no policy (nothing to store).
std::string encode_state(const consent_state& state);

enum class stored_state_status {
  ok,
  absent,               ///< nothing stored
  foreign,              ///< not a Consentry value
  unsupported_version,  ///< a Consentry value of another format version
  damaged,              ///< not base64url, or the checksum does not match
  invalid,              ///< intact, but not a state this engine writes
};
BOOST_DESCRIBE_ENUM(stored_state_status, ok, absent, foreign, unsupported_version, damaged, invalid)

/// The state read from storage. Unless `status` is ok, `state` is "no decision"
/// (default-constructed) and `reason` says why: a bad value is never read as consent.
struct decoded_state {
  consent_state state;
  stored_state_status status = stored_state_status::absent;
  std::string reason;
};

/// Reads a stored value. Never fails and never grants on a value it cannot trust.
decoded_state decode_state(std::string_view stored);

/// Why `state` is not one the engine writes (ids and tags of the wrong shape, times out
/// of range, combinations such as a consent granted under age without a parent), or
/// nothing when it is one: the check `decode_state` makes of what it reads, and
/// `check_receipt` of the state a receipt records.
std::optional<std::string> check_consent_state(const consent_state& state);

// ---------------------------------------------------------------------------------
// Google Consent Mode v2

/// The payloads of `gtag('consent', 'default', payload)`, in the order to call them:
/// first the global default, every one of the seven types "denied" (except what a
/// `consent.consent_mode_regions` entry without regions grants) with `wait_for_update`
/// from the policy; then one per entry that names regions, with its `region` list.
json consent_mode_defaults(const policy& document);

/// The payload of `gtag('consent', 'update', payload)`: each of the seven types
/// "granted" or "denied". A type is granted only when at least one purpose maps to it
/// in the policy (`purpose.consent_mode`) and every purpose mapping to it is active
/// (`is_active`): a Google tag cannot tell which purpose it stores for, so one denied
/// purpose behind a type denies it. A type no purpose maps to stays denied; map the
/// necessary purposes (contract, legal obligation) to security_storage and
/// functionality_storage to have them granted.
json consent_mode_update(const consent_state& state, const policy& document, const policy_identity& identity,
                         std::int64_t now_ms);

// ---------------------------------------------------------------------------------
// Time

/// `unix_ms` as ISO 8601 UTC with milliseconds, `2024-05-01T12:00:00.000Z` (RFC 3339 §5.6).
/// Years 1970 to 9999; other values give an empty string.
std::string format_utc_time(std::int64_t unix_ms);

inline constexpr std::int64_t max_time_ms = 253402300799999;  ///< 9999-12-31T23:59:59.999Z
inline constexpr std::int64_t ms_per_day = 86400000;

}  // namespace consentry
