// Languages: which of a policy's languages a person gets (RFC 4647 lookup over an
// Accept-Language list), and the interface's own words in English, French and German.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace consentry {

/// The best of `available` for an `Accept-Language`-style list (RFC 9110 §12.5.4:
/// `fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5`), by the "lookup" scheme of RFC 4647 §3.4:
/// ranges in order of quality (ties keep their order), each truncated subtag by subtag
/// (`de-CH-1996` → `de-CH` → `de`, a single-letter subtag dropped with the one after it)
/// until a tag of `available` matches, case-insensitively. Ranges of quality 0 exclude
/// their tag; `*` and malformed ranges are skipped. Nothing matches: `default_language`.
/// The result is spelled as in `available`.
std::string negotiate_language(std::string_view accept_language, const std::vector<std::string>& available,
                               std::string_view default_language);

/// The languages the interface text exists in: "en", "fr", "de".
const std::vector<std::string>& ui_languages();

/// Which interface language serves `language`: its best match among `ui_languages()`, else English.
std::string ui_language(std::string_view language);

/// Every piece of interface text the renderers use. A key names a role, not a wording.
enum class ui_key {
  banner_title,          ///< {controller}
  banner_purposes_intro,
  banner_special_note,
  accept_all,
  reject_all,
  choose,
  save_choices,
  read_notice,
  actions_label,
  preferences_title,
  preferences_intro,
  basis_label,
  basis_consent,
  basis_explicit_consent,
  basis_contract,
  basis_legal_obligation,
  basis_vital_interest,
  basis_legitimate_interest,
  switch_allow,
  switch_object,
  switch_locked,
  explicit_title,
  explicit_intro,
  explicit_statement,
  data_used,
  special_category,
  recipients,
  retention,
  cookies,
  transfer_country,  ///< {country}
  privacy_policy,
  contents,
  contact,
  effective_date,    ///< {date}
  revision_date,     ///< {date}
  purposes_label,
  no_choice_needed,
};

/// The text for `key` in `language`'s interface language (see `ui_language`).
std::string_view ui_text(ui_key key, std::string_view language);

/// `text` with `{name}` replaced by `value`.
std::string fill(std::string_view text, std::string_view name, std::string_view value);

}  // namespace consentry
