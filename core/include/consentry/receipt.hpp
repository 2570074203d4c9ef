// Consent receipts: the record of one decision that the person keeps and anyone can
// check. Built from the consent engine's `consent_event`, written as RFC 8785 canonical
// JSON, signed as a compact JWS by the device key, and chained to the device's previous
// receipt. The fields follow the Kantara Consent Receipt Specification v1.1 where they
// apply and the ISO/IEC TS 27560 consent record; names are snake_case like every
// Consentry document, each noting the field it stands for. No personal data: no IP
// address, no user agent, no name; the principal is the device key's thumbprint.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/describe.hpp>

#include "consentry/consent.hpp"
#include "consentry/hash.hpp"
#include "consentry/jws.hpp"
#include "consentry/policy.hpp"
#include "consentry/result.hpp"

namespace consentry {

/// Kantara `version`: the consent receipt specification followed.
inline constexpr std::string_view kantara_receipt_version = "KI-CR-v1.1.0";
/// ISO/IEC TS 27560 schema version: this receipt format. A reader refuses others.
inline constexpr std::string_view receipt_schema_version = "consentry-receipt-1";
/// The JWS `typ` of a receipt (RFC 7515 §4.1.9).
inline constexpr std::string_view receipt_media_type = "consent-receipt+jws";

/// Kantara `consentType`, in W3C DPV terms: how the person's agreement was given.
enum class consent_type {
  expressed,             ///< dpv:ExpressedConsent, by a clear affirmative act (GDPR Art. 4(11))
  explicitly_expressed,  ///< dpv:ExplicitlyExpressedConsent, a separate explicit act (Art. 9(2)(a))
  not_consent,           ///< the purpose rests on another legal basis
};
BOOST_DESCRIBE_ENUM(consent_type, expressed, explicitly_expressed, not_consent)

/// ISO/IEC TS 27560 event state: what this record says happened, in the words of the
/// DPV consent statuses where one applies.
enum class receipt_event_state {
  given,                ///< consent given (accept, set to granted, explicit grant, parent's confirmation)
  refused,              ///< consent refused
  withdrawn,            ///< consent withdrawn (GDPR Art. 7(3))
  objected,             ///< objection to a legitimate interest (Art. 21)
  objection_withdrawn,  ///< the objection lifted
  renewed,              ///< the person confirmed their choices again
  updated,              ///< a fact about the person changed (declared age)
  acknowledged,         ///< the person saw the notice of an editorial change
  signal,               ///< Global Privacy Control appeared or went away
};
BOOST_DESCRIBE_ENUM(receipt_event_state, given, refused, withdrawn, objected, objection_withdrawn, renewed, updated,
                    acknowledged, signal)

/// Kantara `piiControllers[]`: who is responsible, and how to reach them.
struct receipt_controller {
  std::string pii_controller;                     ///< Kantara `piiController`: the name
  std::optional<std::string> email;               ///< Kantara `email`
  std::optional<std::string> pii_controller_url;  ///< Kantara `piiControllerUrl`
  std::optional<std::string> contact_url;         ///< Kantara `contact`: a contact form
};
BOOST_DESCRIBE_STRUCT(receipt_controller, (), (pii_controller, email, pii_controller_url, contact_url))

/// Kantara `services[].purposes[]` with the ISO/IEC TS 27560 purpose fields.
struct receipt_purpose {
  std::string purpose;           ///< Kantara `purpose`: the policy's purpose id
  std::string title;             ///< the purpose's title in the receipt's language
  std::string purpose_category;  ///< Kantara `purposeCategory`: the W3C DPV purpose, e.g. dpv:ServiceProvision
  ::consentry::legal_basis legal_basis = legal_basis::consent;  ///< ISO/IEC TS 27560 legal basis
  std::string dpv_legal_basis;   ///< the same in the DPV GDPR extension: eu-gdpr:A6-1-a, A9-2-a, …
  ::consentry::consent_type consent_type = consent_type::expressed;  ///< Kantara `consentType`
  purpose_status status = purpose_status::not_asked;                 ///< after this event
  bool active = false;  ///< processing for the purpose may run (see consent.hpp, `purpose_outcome`)
  bool granted_over_signal = false;
  std::vector<std::string> pii_categories;  ///< Kantara `piiCategory`: W3C DPV personal-data terms
  std::optional<std::uint32_t> retention_days;
  /// Kantara `termination`, the condition on which a consent given here ends: for a
  /// granted consent, how long it lasts from the choice that gave it, an ISO 8601
  /// duration of the policy's `consent.expiry_days` ("P182D"); the date that comes to is
  /// the receipt's `validity.until`. A condition, not a date, so that every receipt of one
  /// policy version and one set of choices carries the same `services` bytes.
  std::optional<std::string> termination;
  bool third_party_disclosure = false;      ///< Kantara `thirdPartyDisclosure`
  std::vector<std::string> third_party_names;  ///< Kantara `thirdPartyName`
};
BOOST_DESCRIBE_STRUCT(receipt_purpose, (),
                      (purpose, title, purpose_category, legal_basis, dpv_legal_basis, consent_type, status, active,
                       granted_over_signal, pii_categories, retention_days, termination, third_party_disclosure,
                       third_party_names))

/// Kantara `services[]`: one service, the one the policy covers.
struct receipt_service {
  std::string service;  ///< Kantara `service`: the policy id
  std::vector<receipt_purpose> purposes;
};
BOOST_DESCRIBE_STRUCT(receipt_service, (), (service, purposes))

/// ISO/IEC TS 27560 validity: from the event until the choices expire, if they do.
struct receipt_validity {
  std::string from;                  ///< ISO 8601 UTC
  std::optional<std::string> until;  ///< ISO 8601 UTC; absent when the person never decided
};
BOOST_DESCRIBE_STRUCT(receipt_validity, (), (from, until))

struct receipt {
  std::string version;             ///< Kantara `version`: kantara_receipt_version
  std::string schema_version;      ///< ISO/IEC TS 27560 schema version: receipt_schema_version
  std::string consent_receipt_id;  ///< Kantara `consentReceiptID`: a random (version 4) UUID
  std::int64_t consent_timestamp = 0;  ///< Kantara `consentTimestamp`: seconds since the epoch
  std::string event_time;              ///< ISO/IEC TS 27560 event time: ISO 8601 UTC, milliseconds
  receipt_event_state event_state = receipt_event_state::given;  ///< ISO/IEC TS 27560 event state
  consent_action action = consent_action::accept_all;            ///< what was done
  std::optional<std::string> action_purpose;                     ///< the purpose it named, if one
  ::consentry::collection_method collection_method = collection_method::banner;  ///< Kantara `collectionMethod`
  std::vector<std::string> jurisdictions;  ///< Kantara `jurisdiction`: the policy's
  std::string language;                    ///< Kantara `language`: the notice's, BCP 47
  std::string pii_principal_id;  ///< Kantara `piiPrincipalId`: RFC 7638 thumbprint of the device key
  std::vector<receipt_controller> pii_controllers;  ///< Kantara `piiControllers`
  std::optional<std::string> policy_url;           ///< Kantara `policyUrl`
  policy_identity notice;  ///< ISO/IEC TS 27560 notice: policy id, version, policy_hash, material_hash
  std::vector<receipt_service> services;  ///< Kantara `services`
  bool sensitive = false;                 ///< Kantara `sensitive`: special-category data (GDPR Art. 9) involved
  std::vector<std::string> sensitive_categories;  ///< Kantara `spiCat`: their DPV terms
  receipt_validity validity;                      ///< ISO/IEC TS 27560 validity
  signals_seen signals;                           ///< Global Privacy Control as seen at the event
  bool under_minimum_age = false;
  bool parental_confirmation = false;
  /// The hash (hash.hpp form) of the compact JWS of this device's previous receipt;
  /// absent on its first.
  std::optional<std::string> previous_receipt_hash;
};
BOOST_DESCRIBE_STRUCT(receipt, (),
                      (version, schema_version, consent_receipt_id, consent_timestamp, event_time, event_state,
                       action, action_purpose, collection_method, jurisdictions, language, pii_principal_id,
                       pii_controllers, policy_url, notice, services, sensitive, sensitive_categories, validity,
                       signals, under_minimum_age, parental_confirmation, previous_receipt_hash))

struct receipt_error {
  std::string message;
};

/// A version 4 UUID (RFC 9562 §5.4) from 16 bytes of a cryptographic random source,
/// lower-case 8-4-4-4-12. The core has no randomness: the caller brings the bytes
/// (`crypto.getRandomValues`, OpenSSL's RAND_bytes).
std::string format_uuid_v4(std::span<const std::uint8_t, 16> random_bytes);
bool is_uuid_v4(std::string_view text) noexcept;

/// Reads the one time form receipts use, `2024-05-01T12:00:00.000Z` (what
/// `format_utc_time` writes), as milliseconds since the epoch.
std::optional<std::int64_t> parse_utc_time(std::string_view text) noexcept;

/// The receipt of `event`, an event of `document` (its id and version must match),
/// with the id `receipt_id` (`format_uuid_v4`) and the principal `principal_id`
/// (`jwk_thumbprint` of the device key). The policy hashes in the event must have the
/// hash form; the receipt takes them as they are.
result<receipt, receipt_error> build_receipt(const consent_event& event, const policy& document,
                                             std::string_view receipt_id, std::string_view principal_id);

/// The receipt as RFC 8785 canonical JSON: the JWS payload.
result<std::string, receipt_error> canonical_receipt(const receipt& value);

/// Signs the receipt: a compact JWS whose payload is `canonical_receipt`, whose header
/// carries the public key, and whose key must be the receipt's principal.
result<std::string, receipt_error> sign_receipt(const receipt& value, signer& key);

/// The hash of a receipt, which the next receipt of the device names as its previous:
/// SHA-256 of the compact JWS's ASCII bytes, so that it covers the signature too.
std::string receipt_hash(std::string_view compact_jws);

/// A receipt whose JWS has been checked as far as the core can without a signature
/// check (which `consentry_native` does with OpenSSL, and a browser with WebCrypto).
struct checked_receipt {
  receipt value;
  parsed_jws jws;
  std::string hash;  ///< receipt_hash of the compact JWS
  /// Where the `services` value sits in `jws.payload` (bytes), when `check_receipt`
  /// looked for it (it does with a cache); both 0 otherwise. The part of a receipt that
  /// thousands of others share byte for byte, which a store may keep once.
  std::size_t services_at = 0;
  std::size_t services_size = 0;
  /// `std::hash` of those bytes (this build's), which `check_receipt` computes to look
  /// them up: a store that keeps them once can find them by it without hashing again.
  std::size_t services_hash = 0;
};

/// Remembers the `services` of receipts that `check_receipt` accepted: every receipt made
/// under one policy version in one language with one set of choices carries the same
/// bytes there, about 10 of a receipt's 12 KB, and a server checks thousands of such
/// receipts a second. A receipt with bytes seen before has only the rest of its payload
/// parsed; the result is the same as without the cache (the fuzz target receipt_verify
/// compares the two on every input). Bounded: when full, the oldest entry makes way, so
/// receipts made to fill it cost a miss each and nothing else. Safe to share between threads.
class receipt_check_cache {
 public:
  explicit receipt_check_cache(std::size_t capacity = 64);
  ~receipt_check_cache();
  receipt_check_cache(const receipt_check_cache&) = delete;
  receipt_check_cache& operator=(const receipt_check_cache&) = delete;

  struct statistics {
    std::uint64_t hits = 0;    ///< receipts whose services were found
    std::uint64_t misses = 0;  ///< receipts read whole (then remembered)
    std::size_t entries = 0;
  };
  statistics counts() const;

 private:
  struct state;
  std::unique_ptr<state> state_;
  friend result<checked_receipt, receipt_error> check_receipt(std::string_view, receipt_check_cache*);
};
/// Everything but the signature: the compact JWS is strict (`parse_compact_jws`), the
/// payload is byte for byte its own RFC 8785 canonical form and a receipt of this
/// schema version with no unknown member, the header's key is the receipt's principal
/// (RFC 7638 thumbprint), and the receipt agrees with itself (times, ids, hash forms).
///
/// With a `cache`, a receipt whose `services` bytes are those of a receipt already checked
/// skips reading them again (see `receipt_check_cache`); what is accepted and returned is
/// the same either way.
result<checked_receipt, receipt_error> check_receipt(std::string_view compact_jws,
                                                     receipt_check_cache* cache = nullptr);

/// Why `next` does not follow `previous` in one device's chain, or nothing when it does:
/// the same principal, `next.previous_receipt_hash` naming `previous`, and no going back in time.
std::optional<std::string> check_chain_link(const checked_receipt& previous, const checked_receipt& next);

/// Why `value` was not made under `document`, whose hashes are `hashes`, or nothing
/// when it was: same id, version, policy hash and material hash.
std::optional<std::string> check_receipt_policy(const receipt& value, const policy& document,
                                                const policy_hashes& hashes);

/// The consent state a receipt records, to continue the device's chain from it (how
/// `consentry receipt issue --previous` records a later decision). Per-purpose times
/// are the receipt's event time, which is all a receipt says of them.
consent_state state_from_receipt(const checked_receipt& previous);

/// What the person sees as their proof, as plain text and as an HTML fragment (every
/// string escaped). `verification` is one sentence on the signature check, shown first.
std::string render_receipt_text(const receipt& value, std::string_view verification);
std::string render_receipt_html(const receipt& value, std::string_view verification);

}  // namespace consentry
