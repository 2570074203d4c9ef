// Language negotiation (RFC 4647 §3.4 lookup) and the interface text table. The
// table is here, in the core, so that the browser, the preview and the command line
// say the same words.
#include "consentry/language.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace consentry {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// A language range of RFC 4647 §2.1: alphanumeric subtags of 1–8 characters, the first alphabetic.
bool is_language_range(std::string_view range) {
  if (range == "*") return true;
  std::size_t length = 0;
  bool first = true;
  for (std::size_t i = 0; i <= range.size(); ++i) {
    if (i == range.size() || range[i] == '-') {
      if (length == 0 || length > 8) return false;
      length = 0;
      first = false;
      continue;
    }
    const auto c = static_cast<unsigned char>(range[i]);
    if (!(std::isalpha(c) || (!first && std::isdigit(c)))) return false;
    ++length;
  }
  return true;
}

/// The weight of `;q=…` (RFC 9110 §12.4.2): 0 to 1 with at most three decimals; nullopt if malformed.
std::optional<int> quality(std::string_view parameters) {
  int weight = 1000;
  while (!parameters.empty()) {
    const auto semicolon = parameters.find(';');
    auto parameter = trim(parameters.substr(0, semicolon));
    parameters = semicolon == std::string_view::npos ? std::string_view() : parameters.substr(semicolon + 1);
    if (parameter.empty()) continue;
    if (parameter.size() < 3 || (parameter[0] != 'q' && parameter[0] != 'Q') || parameter[1] != '=') continue;
    const auto value = parameter.substr(2);
    if (value.empty() || (value[0] != '0' && value[0] != '1')) return std::nullopt;
    if (value.size() > 1 && (value[1] != '.' || value.size() > 5)) return std::nullopt;
    int thousandths = (value[0] - '0') * 1000;
    int scale = 100;
    for (std::size_t i = 2; i < value.size(); ++i, scale /= 10) {
      if (!std::isdigit(static_cast<unsigned char>(value[i]))) return std::nullopt;
      thousandths += (value[i] - '0') * scale;
    }
    if (thousandths > 1000) return std::nullopt;
    weight = thousandths;
  }
  return weight;
}

struct weighted_range {
  std::string range;  // lower case
  int weight;
};

std::vector<weighted_range> parse_ranges(std::string_view header) {
  std::vector<weighted_range> ranges;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const auto semicolon = element.find(';');
    const auto range = trim(element.substr(0, semicolon));
    if (range.empty() || !is_language_range(range)) continue;
    const auto weight = semicolon == std::string_view::npos ? std::optional<int>(1000)
                                                            : quality(element.substr(semicolon + 1));
    if (!weight) continue;
    ranges.push_back({lower(range), *weight});
  }
  std::stable_sort(ranges.begin(), ranges.end(),
                   [](const weighted_range& a, const weighted_range& b) { return a.weight > b.weight; });
  return ranges;
}

/// RFC 4647 §3.4: drop the last subtag, and a single-character subtag left before it.
bool truncate(std::string& tag) {
  auto dash = tag.rfind('-');
  if (dash == std::string::npos) return false;
  tag.resize(dash);
  dash = tag.rfind('-');
  if (dash != std::string::npos && tag.size() - dash == 2) tag.resize(dash);
  return true;
}

struct ui_entry {
  ui_key key;
  std::string_view en, fr, de;
};

// clang-format off
constexpr std::array ui_table{
  ui_entry{ui_key::banner_title,
    "Your privacy choices at {controller}",
    "Vos choix de confidentialité chez {controller}",
    "Ihre Datenschutz-Entscheidungen bei {controller}"},
  ui_entry{ui_key::banner_purposes_intro,
    "We ask for your consent to:",
    "Nous vous demandons votre consentement pour :",
    "Wir bitten um Ihre Einwilligung für:"},
  ui_entry{ui_key::banner_special_note,
    "Uses of health data and other sensitive data are asked about separately and are never part of “Accept all”.",
    "Les usages de données de santé et d’autres données sensibles sont demandés séparément et ne font jamais partie de « Tout accepter ».",
    "Die Verwendung von Gesundheitsdaten und anderen sensiblen Daten wird gesondert erfragt und ist nie Teil von „Alle akzeptieren“."},
  ui_entry{ui_key::accept_all, "Accept all", "Tout accepter", "Alle akzeptieren"},
  ui_entry{ui_key::reject_all, "Reject all", "Tout refuser", "Alle ablehnen"},
  ui_entry{ui_key::choose, "Choose", "Choisir", "Auswählen"},
  ui_entry{ui_key::save_choices, "Save my choices", "Enregistrer mes choix", "Meine Auswahl speichern"},
  ui_entry{ui_key::read_notice,
    "Read the full privacy notice",
    "Lire la politique de confidentialité complète",
    "Vollständige Datenschutzerklärung lesen"},
  ui_entry{ui_key::actions_label, "Your choice", "Votre choix", "Ihre Entscheidung"},
  ui_entry{ui_key::preferences_title, "Privacy preferences", "Préférences de confidentialité", "Datenschutz-Einstellungen"},
  ui_entry{ui_key::preferences_intro,
    "Choose which uses of your data you allow. You can change your mind at any time: withdrawing is as easy as agreeing.",
    "Choisissez les usages de vos données que vous autorisez. Vous pouvez changer d’avis à tout moment : retirer son accord est aussi simple que le donner.",
    "Wählen Sie, welche Verwendungen Ihrer Daten Sie erlauben. Sie können Ihre Entscheidung jederzeit ändern: Der Widerruf ist so einfach wie die Einwilligung."},
  ui_entry{ui_key::basis_label, "Why we may do this:", "Pourquoi nous pouvons le faire :", "Warum wir das dürfen:"},
  ui_entry{ui_key::basis_consent,
    "Only with your consent. You can withdraw it at any time.",
    "Uniquement avec votre consentement. Vous pouvez le retirer à tout moment.",
    "Nur mit Ihrer Einwilligung. Sie können sie jederzeit widerrufen."},
  ui_entry{ui_key::basis_explicit_consent,
    "Only with your explicit consent, because it uses sensitive data such as health data. You can withdraw it at any time.",
    "Uniquement avec votre consentement explicite, car cela utilise des données sensibles comme des données de santé. Vous pouvez le retirer à tout moment.",
    "Nur mit Ihrer ausdrücklichen Einwilligung, weil dabei sensible Daten wie Gesundheitsdaten verwendet werden. Sie können sie jederzeit widerrufen."},
  ui_entry{ui_key::basis_contract,
    "Needed to provide the service you asked for, so it cannot be switched off.",
    "Nécessaire pour fournir le service que vous avez demandé ; cela ne peut donc pas être désactivé.",
    "Erforderlich, um den von Ihnen gewünschten Dienst zu erbringen; daher nicht abschaltbar."},
  ui_entry{ui_key::basis_legal_obligation,
    "Required by law, so it cannot be switched off.",
    "Exigé par la loi ; cela ne peut donc pas être désactivé.",
    "Gesetzlich vorgeschrieben; daher nicht abschaltbar."},
  ui_entry{ui_key::basis_vital_interest,
    "Needed to protect someone’s life or health, so it cannot be switched off.",
    "Nécessaire pour protéger la vie ou la santé d’une personne ; cela ne peut donc pas être désactivé.",
    "Erforderlich, um Leben oder Gesundheit eines Menschen zu schützen; daher nicht abschaltbar."},
  ui_entry{ui_key::basis_legitimate_interest,
    "Based on our legitimate interest: we do it unless you object, and you can object at any time.",
    "Fondé sur notre intérêt légitime : nous le faisons sauf si vous vous y opposez, ce que vous pouvez faire à tout moment.",
    "Auf Grundlage unseres berechtigten Interesses: Wir tun es, solange Sie nicht widersprechen, und Sie können jederzeit widersprechen."},
  ui_entry{ui_key::switch_allow, "Allow", "Autoriser", "Erlauben"},
  ui_entry{ui_key::switch_object, "Object", "M’y opposer", "Widersprechen"},
  ui_entry{ui_key::switch_locked, "Always on", "Toujours actif", "Immer aktiv"},
  ui_entry{ui_key::explicit_title,
    "Sensitive data: a separate choice",
    "Données sensibles : un choix séparé",
    "Sensible Daten: eine gesonderte Entscheidung"},
  ui_entry{ui_key::explicit_intro,
    "These uses involve special categories of data, such as health data. They are never included in “Accept all”: each needs your explicit consent, given here.",
    "Ces usages concernent des catégories particulières de données, comme les données de santé. Ils ne sont jamais inclus dans « Tout accepter » : chacun exige votre consentement explicite, donné ici.",
    "Diese Verwendungen betreffen besondere Kategorien von Daten, etwa Gesundheitsdaten. Sie sind nie in „Alle akzeptieren“ enthalten: Jede erfordert Ihre ausdrückliche Einwilligung, die Sie hier geben."},
  ui_entry{ui_key::explicit_statement,
    "I explicitly consent to this use of my data.",
    "Je consens explicitement à cet usage de mes données.",
    "Ich willige ausdrücklich in diese Verwendung meiner Daten ein."},
  ui_entry{ui_key::data_used, "Data used", "Données utilisées", "Verwendete Daten"},
  ui_entry{ui_key::special_category, "special category", "catégorie particulière", "besondere Kategorie"},
  ui_entry{ui_key::recipients, "Who receives it", "Destinataires", "Empfänger"},
  ui_entry{ui_key::retention, "How long it is kept", "Durée de conservation", "Speicherdauer"},
  ui_entry{ui_key::cookies, "Cookies and storage", "Cookies et stockage", "Cookies und Speicher"},
  ui_entry{ui_key::transfer_country, "data sent to {country}", "données envoyées vers : {country}", "Daten gehen nach: {country}"},
  ui_entry{ui_key::privacy_policy, "privacy policy", "politique de confidentialité", "Datenschutzerklärung"},
  ui_entry{ui_key::contents, "Contents", "Sommaire", "Inhalt"},
  ui_entry{ui_key::contact, "Contact", "Contact", "Kontakt"},
  ui_entry{ui_key::effective_date, "Effective from {date}", "En vigueur depuis le {date}", "Gültig ab {date}"},
  ui_entry{ui_key::revision_date, "Last revised {date}", "Dernière révision : {date}", "Zuletzt überarbeitet: {date}"},
  ui_entry{ui_key::purposes_label, "Purposes", "Finalités", "Zwecke"},
  ui_entry{ui_key::no_choice_needed,
    "Nothing here needs your consent: you can still review how your data is used.",
    "Rien ici ne nécessite votre consentement : vous pouvez tout de même voir comment vos données sont utilisées.",
    "Hier ist keine Einwilligung nötig: Sie können dennoch nachsehen, wie Ihre Daten verwendet werden."},
};
// clang-format on

constexpr bool table_in_key_order() {
  for (std::size_t i = 0; i < ui_table.size(); ++i) {
    if (static_cast<std::size_t>(ui_table[i].key) != i) return false;
  }
  return ui_table.size() == static_cast<std::size_t>(ui_key::no_choice_needed) + 1;
}
static_assert(table_in_key_order(), "ui_table must list every ui_key once, in declaration order");

}  // namespace

std::string negotiate_language(std::string_view accept_language, const std::vector<std::string>& available,
                               std::string_view default_language) {
  const auto ranges = parse_ranges(accept_language);
  std::vector<std::string> excluded;
  for (const auto& r : ranges) {
    if (r.weight == 0) excluded.push_back(r.range);
  }
  auto find = [&](const std::string& tag) -> const std::string* {
    if (std::find(excluded.begin(), excluded.end(), tag) != excluded.end()) return nullptr;
    for (const auto& candidate : available) {
      if (lower(candidate) == tag) return &candidate;
    }
    return nullptr;
  };
  for (const auto& r : ranges) {
    if (r.weight == 0 || r.range == "*") continue;
    auto tag = r.range;
    do {
      if (const auto* found = find(tag)) return *found;
    } while (truncate(tag));
  }
  return std::string(default_language);
}

const std::vector<std::string>& ui_languages() {
  static const std::vector<std::string> languages{"en", "fr", "de"};
  return languages;
}

std::string ui_language(std::string_view language) { return negotiate_language(language, ui_languages(), "en"); }

std::string_view ui_text(ui_key key, std::string_view language) {
  const auto& entry = ui_table[static_cast<std::size_t>(key)];
  const auto chosen = ui_language(language);
  if (chosen == "fr") return entry.fr;
  if (chosen == "de") return entry.de;
  return entry.en;
}

std::string fill(std::string_view text, std::string_view name, std::string_view value) {
  std::string out;
  const std::string placeholder = "{" + std::string(name) + "}";
  std::size_t from = 0;
  for (auto at = text.find(placeholder); at != std::string_view::npos; at = text.find(placeholder, from)) {
    out.append(text.substr(from, at - from));
    out.append(value);
    from = at + placeholder.size();
  }
  out.append(text.substr(from));
  return out;
}

}  // namespace consentry
