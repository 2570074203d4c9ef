// The policy document: an organisation's privacy notice and the machine-readable
// facts it states. Every struct is described once with Boost.Describe; its JSON,
// its JSON Schema (policy-data/schema/) and its bindings follow that description.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/describe.hpp>

#include "consentry/diagnostic.hpp"
#include "consentry/json_parse.hpp"
#include "consentry/result.hpp"

namespace consentry {

/// A user-visible string in one or more languages, keyed by BCP 47 language tag
/// (`{"en": "…", "fr": "…"}`). Which language is shown is decided by the caller,
/// falling back to the policy's default language.
struct localized_text {
  std::map<std::string, std::string> values;

  /// The text in `language`, else in `fallback`, else the first one there is.
  const std::string& in(std::string_view language, std::string_view fallback) const;
  bool empty() const noexcept { return values.empty(); }
  friend bool operator==(const localized_text&, const localized_text&) = default;
};

namespace json_io {
class read_context;
}
/// `localized_text` reads from and writes to a JSON object of language tag → text.
void read_json(const json& j, localized_text& out, json_io::read_context& context);
json to_json_value(const localized_text& text);
json json_schema_of(const localized_text*);

/// The lawful bases of GDPR Art. 6(1) and, for special categories, Art. 9(2)(a).
enum class legal_basis {
  consent,              ///< Art. 6(1)(a)
  explicit_consent,     ///< Art. 9(2)(a): special-category data, its own explicit act
  contract,             ///< Art. 6(1)(b)
  legal_obligation,     ///< Art. 6(1)(c)
  vital_interest,       ///< Art. 6(1)(d)
  legitimate_interest,  ///< Art. 6(1)(f): the person may object, Art. 21
};
BOOST_DESCRIBE_ENUM(legal_basis, consent, explicit_consent, contract, legal_obligation, vital_interest,
                    legitimate_interest)

/// True for the bases that need an act of the person before processing starts.
constexpr bool needs_consent(legal_basis basis) noexcept {
  return basis == legal_basis::consent || basis == legal_basis::explicit_consent;
}

/// The seven consent types of Google Consent Mode v2.
enum class consent_mode_type {
  ad_storage,
  ad_user_data,
  ad_personalization,
  analytics_storage,
  functionality_storage,
  personalization_storage,
  security_storage,
};
BOOST_DESCRIBE_ENUM(consent_mode_type, ad_storage, ad_user_data, ad_personalization, analytics_storage,
                    functionality_storage, personalization_storage, security_storage)

enum class block_kind { paragraph, list };
BOOST_DESCRIBE_ENUM(block_kind, paragraph, list)

/// One item of a notice list; an item may open a nested list of its own.
struct list_item {
  localized_text text;
  std::vector<list_item> items;
};
BOOST_DESCRIBE_STRUCT(list_item, (), (text, items))

/// A paragraph (`text`) or a list (`items`), in the order the notice gives them.
struct block {
  block_kind kind = block_kind::paragraph;
  std::optional<localized_text> text;
  std::vector<list_item> items;
};
BOOST_DESCRIBE_STRUCT(block, (), (kind, text, items))

/// A section of the notice: a heading, its blocks, and its subsections. `id` is the
/// stable anchor that links, diffs and tables of contents use.
struct section {
  std::string id;
  localized_text heading;
  std::vector<block> blocks;
  std::vector<section> sections;
};
BOOST_DESCRIBE_STRUCT(section, (), (id, heading, blocks, sections))

/// The notice as people read it: every sentence of the organisation's text, in order.
struct notice {
  localized_text title;
  std::vector<section> sections;
};
BOOST_DESCRIBE_STRUCT(notice, (), (title, sections))

struct controller {
  std::string name;
  std::optional<std::string> legal_name;
  std::optional<std::string> email;
  std::optional<std::string> website;
  std::optional<std::string> contact_url;  ///< a contact form, when the notice points to one
  std::optional<localized_text> address;
};
BOOST_DESCRIBE_STRUCT(controller, (), (name, legal_name, email, website, contact_url, address))

/// How long data kept for a purpose lives. `days` is absent when the notice gives
/// no period ("as long as your account exists"); the description says it in words.
struct retention {
  std::optional<std::uint32_t> days;
  localized_text description;
};
BOOST_DESCRIBE_STRUCT(retention, (), (days, description))

struct purpose {
  std::string id;
  localized_text title;
  localized_text description;
  legal_basis basis = legal_basis::consent;
  /// Whether the person can refuse or object. Consent purposes must be refusable
  /// (GDPR Art. 7(3)); contract and legal-obligation purposes are not.
  bool refusable = true;
  std::vector<std::string> data_categories;
  std::vector<std::string> vendors;
  ::consentry::retention retention;
  /// Counts as "sale" or "sharing" (CCPA §1798.140): Global Privacy Control opts out of it.
  bool sale_or_sharing = false;
  std::vector<consent_mode_type> consent_mode;
  /// The W3C Data Privacy Vocabulary purpose, e.g. `dpv:ServiceProvision`.
  std::string dpv_purpose;
  /// Sections of the notice that speak of this purpose.
  std::vector<std::string> sections;
};
BOOST_DESCRIBE_STRUCT(purpose, (),
                      (id, title, description, basis, refusable, data_categories, vendors, retention,
                       sale_or_sharing, consent_mode, dpv_purpose, sections))

struct data_category {
  std::string id;
  localized_text title;
  localized_text description;
  /// A special category of GDPR Art. 9(1) (health, among others): only explicit consent.
  bool special = false;
  /// The W3C DPV personal-data term, e.g. `dpv-pd:HealthRecord`.
  std::string dpv_category;
};
BOOST_DESCRIBE_STRUCT(data_category, (), (id, title, description, special, dpv_category))

struct cookie {
  /// The cookie's name, or a prefix ending in `*` (`_ga_*`).
  std::string name;
  std::string domain;
  localized_text lifetime;
  std::optional<std::uint32_t> max_age_days;
  bool first_party = true;
};
BOOST_DESCRIBE_STRUCT(cookie, (), (name, domain, lifetime, max_age_days, first_party))

struct vendor {
  std::string id;
  std::string name;
  std::vector<std::string> purposes;
  /// Host names the vendor loads from; a request to one of them or a subdomain matches.
  std::vector<std::string> hosts;
  /// Adblock-style URL patterns, for vendors that share a host with others.
  std::vector<std::string> url_patterns;
  std::vector<cookie> cookies;
  /// localStorage and sessionStorage keys the vendor writes.
  std::vector<std::string> storage_keys;
  std::string privacy_policy_url;
  /// ISO 3166-1 alpha-2 code of the country the data goes to.
  std::string transfer_country;
};
BOOST_DESCRIBE_STRUCT(vendor, (),
                      (id, name, purposes, hosts, url_patterns, cookies, storage_keys, privacy_policy_url,
                       transfer_country))

enum class right_kind {
  access,
  rectification,
  erasure,
  restriction,
  portability,
  object,
  withdraw_consent,
  opt_out_of_marketing,
  opt_out_of_sale,
  non_discrimination,
  complaint,
};
BOOST_DESCRIBE_ENUM(right_kind, access, rectification, erasure, restriction, portability, object,
                    withdraw_consent, opt_out_of_marketing, opt_out_of_sale, non_discrimination, complaint)

struct right {
  right_kind kind = right_kind::access;
  localized_text title;
  localized_text how;
  std::optional<std::string> email;
  std::optional<std::string> url;
  std::optional<std::uint32_t> response_business_days;
  /// When the organisation may decline (e.g. the exceptions to deletion).
  std::vector<localized_text> exceptions;
};
BOOST_DESCRIBE_STRUCT(right, (), (kind, title, how, email, url, response_business_days, exceptions))

/// Under `minimum_age`, consent purposes need a parent's confirmation (GDPR Art. 8).
struct age_rule {
  std::uint32_t minimum_age = 16;
  bool parental_consent = true;
  localized_text description;
};
BOOST_DESCRIBE_STRUCT(age_rule, (), (minimum_age, parental_consent, description))

/// Google Consent Mode defaults for a set of regions (ISO 3166 codes; empty = everywhere else).
struct consent_mode_region {
  std::vector<std::string> regions;
  std::vector<consent_mode_type> granted;
};
BOOST_DESCRIBE_STRUCT(consent_mode_region, (), (regions, granted))

struct consent_settings {
  /// How long a choice, refusals included, holds before it is asked again.
  std::uint32_t expiry_days = 182;
  std::uint32_t wait_for_update_ms = 500;
  std::vector<consent_mode_region> consent_mode_regions;
};
BOOST_DESCRIBE_STRUCT(consent_settings, (), (expiry_days, wait_for_update_ms, consent_mode_regions))

struct policy {
  /// Format version of this document; readers refuse versions they do not know.
  std::uint32_t format = 1;
  std::string id;
  std::string version;
  std::string effective_date;  ///< ISO 8601 calendar date
  std::optional<std::string> revision_date;
  std::string default_language;
  std::vector<std::string> languages;
  std::vector<std::string> jurisdictions;
  std::optional<std::string> policy_url;
  ::consentry::controller controller;
  localized_text summary;  ///< the two lines a banner shows
  ::consentry::notice notice;
  std::vector<purpose> purposes;
  std::vector<data_category> data_categories;
  std::vector<vendor> vendors;
  std::vector<right> rights;
  age_rule age;
  consent_settings consent;
};
BOOST_DESCRIBE_STRUCT(policy, (),
                      (format, id, version, effective_date, revision_date, default_language, languages,
                       jurisdictions, policy_url, controller, summary, notice, purposes, data_categories, vendors,
                       rights, age, consent))

inline constexpr std::uint32_t policy_format_version = 1;

/// Reads a policy document from JSON text. Every problem in it is reported with
/// `file` and a JSON pointer, not only the first; the result holds the policy only
/// when there is no error, and `warnings` receives what is worth saying but not fatal.
result<policy> load_policy(std::string_view text, std::string_view file);

/// Checks a loaded policy for consistency: references resolve, consent purposes can
/// be refused, no duplicate ids, no duplicate or near-duplicate sections and lists,
/// and the promises the text makes are kept by the data.
diagnostics lint_policy(const policy& document, std::string_view file);

/// The policy as JSON, in the form `load_policy` reads.
json to_json(const policy& document);

const purpose* find_purpose(const policy& document, std::string_view id) noexcept;
const vendor* find_vendor(const policy& document, std::string_view id) noexcept;
const data_category* find_data_category(const policy& document, std::string_view id) noexcept;

}  // namespace consentry
