// Loading and validating the policy document. The reading itself is generic
// (json_io); what is here is what a schema cannot say: references between parts,
// ids, dates, language tags, and the legal constraints on bases.
#include "consentry/policy.hpp"

#include <algorithm>
#include <set>

#include "consentry/json_io.hpp"
#include "detail/text.hpp"

namespace consentry {

const std::string& localized_text::in(std::string_view language, std::string_view fallback) const {
  static const std::string empty;
  if (auto it = values.find(std::string(language)); it != values.end()) return it->second;
  if (auto it = values.find(std::string(fallback)); it != values.end()) return it->second;
  return values.empty() ? empty : values.begin()->second;
}

void read_json(const json& j, localized_text& out, json_io::read_context& context) {
  if (!j.is_object()) {
    return context.error(std::string("expected an object of language tag to text, such as {\"en\": \"…\"}, found ") +
                         json_io::detail::type_name(j));
  }
  if (j.empty()) context.error("expected at least one language");
  out.values.clear();
  for (const auto& [language, text] : j.items()) {
    if (context.saturated()) break;
    json_io::read_context::scope at(context, language);
    if (!detail::is_language_tag(language)) {
      context.error("\"" + language + "\" is not a BCP 47 language tag such as \"en\" or \"fr-CA\"");
      continue;
    }
    json_io::read(text, out.values[language], context);
  }
}

json to_json_value(const localized_text& text) { return json(text.values); }

json json_schema_of(const localized_text*) {
  return {{"type", "object"},
          {"description", "Text by BCP 47 language tag, such as {\"en\": \"…\", \"fr\": \"…\"}"},
          {"minProperties", 1},
          {"propertyNames", {{"pattern", "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"}}},
          {"additionalProperties", {{"type", "string"}, {"minLength", 1}}}};
}

json to_json(const policy& document) { return json_io::write(document); }

const purpose* find_purpose(const policy& document, std::string_view id) noexcept {
  for (const auto& p : document.purposes) {
    if (p.id == id) return &p;
  }
  return nullptr;
}
const vendor* find_vendor(const policy& document, std::string_view id) noexcept {
  for (const auto& v : document.vendors) {
    if (v.id == id) return &v;
  }
  return nullptr;
}
const data_category* find_data_category(const policy& document, std::string_view id) noexcept {
  for (const auto& c : document.data_categories) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

namespace {

/// Validation of a loaded document; every check reports with the JSON pointer of
/// the value at fault.
class validator {
 public:
  validator(const policy& document, std::string_view file, diagnostics& sink)
      : doc_(document), file_(file), sink_(sink) {}

  void run() {
    check_languages();
    check_dates();
    check_controller();
    collect_section_ids(doc_.notice.sections, "/notice/sections");
    check_ids();
    check_purposes();
    check_vendors();
    check_rights();
    check_texts();
  }

 private:
  // Capped as the reader's are: a document can repeat one mistake a million times.
  void error(std::string pointer, std::string message) {
    if (errors_ >= max_errors_reported) return;
    sink_.push_back({std::string(file_), std::move(pointer), severity::error, std::move(message)});
    if (++errors_ == max_errors_reported) {
      sink_.push_back({std::string(file_), "", severity::error,
                       "stopped after " + std::to_string(max_errors_reported) + " errors"});
    }
  }
  void warning(std::string pointer, std::string message) {
    sink_.push_back({std::string(file_), std::move(pointer), severity::warning, std::move(message)});
  }

  void check_languages() {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < doc_.languages.size(); ++i) {
      const auto& tag = doc_.languages[i];
      const auto at = "/languages/" + std::to_string(i);
      if (!detail::is_language_tag(tag)) error(at, "\"" + tag + "\" is not a BCP 47 language tag");
      if (!seen.insert(tag).second) error(at, "language \"" + tag + "\" is listed twice");
    }
    if (!detail::is_language_tag(doc_.default_language)) {
      error("/default_language", "\"" + doc_.default_language + "\" is not a BCP 47 language tag");
    } else if (!seen.count(doc_.default_language)) {
      error("/default_language", "the default language \"" + doc_.default_language +
                                     "\" must be one of \"languages\"");
    }
  }

  void check_dates() {
    if (!detail::is_iso_date(doc_.effective_date)) {
      error("/effective_date", "\"" + doc_.effective_date + "\" is not a calendar date in the form YYYY-MM-DD");
    }
    if (doc_.revision_date && !detail::is_iso_date(*doc_.revision_date)) {
      error("/revision_date", "\"" + *doc_.revision_date + "\" is not a calendar date in the form YYYY-MM-DD");
    }
  }

  void check_url(const std::string& pointer, const std::string& url) {
    if (!detail::is_web_url(url)) error(pointer, "\"" + url + "\" is not an http or https URL");
  }
  void check_email(const std::string& pointer, const std::string& email) {
    if (!detail::is_email(email)) error(pointer, "\"" + email + "\" is not an e-mail address");
  }

  void check_controller() {
    const auto& c = doc_.controller;
    if (c.email) check_email("/controller/email", *c.email);
    if (c.website) check_url("/controller/website", *c.website);
    if (c.contact_url) check_url("/controller/contact_url", *c.contact_url);
    if (doc_.policy_url) check_url("/policy_url", *doc_.policy_url);
    if (!c.email && !c.contact_url) {
      error("/controller", "the controller needs an \"email\" or a \"contact_url\" (GDPR Art. 13(1)(a))");
    }
  }

  void collect_section_ids(const std::vector<section>& sections, const std::string& at) {
    for (std::size_t i = 0; i < sections.size(); ++i) {
      const auto pointer = at + "/" + std::to_string(i);
      const auto& s = sections[i];
      if (!detail::is_identifier(s.id)) error(pointer + "/id", bad_id(s.id));
      if (!section_ids_.insert(s.id).second) error(pointer + "/id", "duplicate section id \"" + s.id + "\"");
      for (std::size_t b = 0; b < s.blocks.size(); ++b) {
        const auto& blk = s.blocks[b];
        const auto bp = pointer + "/blocks/" + std::to_string(b);
        if (blk.kind == block_kind::paragraph && (!blk.text || !blk.items.empty())) {
          error(bp, "a paragraph has \"text\" and no \"items\"");
        }
        if (blk.kind == block_kind::list && (blk.text || blk.items.empty())) {
          error(bp, "a list has \"items\" and no \"text\"");
        }
      }
      collect_section_ids(s.sections, pointer + "/sections");
    }
  }

  static std::string bad_id(const std::string& id) {
    return "\"" + id + "\" is not an id: use lower-case letters, digits, '_' and '-', starting with a letter";
  }

  template <class T>
  std::set<std::string> unique_ids(const std::vector<T>& items, const std::string& at, const char* what) {
    std::set<std::string> ids;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto pointer = at + "/" + std::to_string(i) + "/id";
      if (!detail::is_identifier(items[i].id)) error(pointer, bad_id(items[i].id));
      if (!ids.insert(items[i].id).second) error(pointer, std::string("duplicate ") + what + " id \"" + items[i].id + "\"");
    }
    return ids;
  }

  void check_ids() {
    purpose_ids_ = unique_ids(doc_.purposes, "/purposes", "purpose");
    vendor_ids_ = unique_ids(doc_.vendors, "/vendors", "vendor");
    category_ids_ = unique_ids(doc_.data_categories, "/data_categories", "data category");
    if (!detail::is_identifier(doc_.id)) error("/id", bad_id(doc_.id));
    if (doc_.purposes.empty()) error("/purposes", "a policy states at least one purpose");
  }

  void check_reference(const std::string& pointer, const std::string& id, const std::set<std::string>& known,
                       const char* what) {
    if (!known.count(id)) error(pointer, std::string("unknown ") + what + " \"" + id + "\"");
  }

  void check_purposes() {
    for (std::size_t i = 0; i < doc_.purposes.size(); ++i) {
      const auto& p = doc_.purposes[i];
      const auto at = "/purposes/" + std::to_string(i);
      for (std::size_t k = 0; k < p.data_categories.size(); ++k) {
        check_reference(at + "/data_categories/" + std::to_string(k), p.data_categories[k], category_ids_,
                        "data category");
      }
      for (std::size_t k = 0; k < p.vendors.size(); ++k) {
        check_reference(at + "/vendors/" + std::to_string(k), p.vendors[k], vendor_ids_, "vendor");
        if (const auto* v = find_vendor(doc_, p.vendors[k]);
            v && std::find(v->purposes.begin(), v->purposes.end(), p.id) == v->purposes.end()) {
          error(at + "/vendors/" + std::to_string(k),
                "vendor \"" + v->id + "\" does not list purpose \"" + p.id + "\" among its purposes");
        }
      }
      for (std::size_t k = 0; k < p.sections.size(); ++k) {
        check_reference(at + "/sections/" + std::to_string(k), p.sections[k], section_ids_, "section");
      }
      if (needs_consent(p.basis) && !p.refusable) {
        error(at + "/refusable", "a purpose based on consent must be refusable (GDPR Art. 7(3), 4(11))");
      }
      if ((p.basis == legal_basis::contract || p.basis == legal_basis::legal_obligation ||
           p.basis == legal_basis::vital_interest) &&
          p.refusable) {
        error(at + "/refusable", "a purpose based on " + std::string(json_io::enum_name(p.basis)) +
                                     " cannot be refused; mark it \"refusable\": false");
      }
      if (p.basis == legal_basis::legitimate_interest && !p.refusable) {
        error(at + "/refusable", "a purpose based on legitimate interest can be objected to (GDPR Art. 21)");
      }
      for (const auto& id : p.data_categories) {
        const auto* c = find_data_category(doc_, id);
        if (c && c->special && p.basis != legal_basis::explicit_consent && p.basis != legal_basis::vital_interest &&
            p.basis != legal_basis::legal_obligation) {
          error(at + "/basis", "purpose \"" + p.id + "\" processes the special category \"" + id +
                                   "\": its basis must be explicit_consent, vital_interest or legal_obligation "
                                   "(GDPR Art. 9(2))");
        }
      }
      if (p.basis == legal_basis::explicit_consent) {
        const bool special = std::any_of(p.data_categories.begin(), p.data_categories.end(), [&](const auto& id) {
          const auto* c = find_data_category(doc_, id);
          return c && c->special;
        });
        if (!special) {
          warning(at + "/basis", "explicit consent is meant for special-category data, and purpose \"" + p.id +
                                     "\" lists none");
        }
      }
    }
  }

  void check_vendors() {
    for (std::size_t i = 0; i < doc_.vendors.size(); ++i) {
      const auto& v = doc_.vendors[i];
      const auto at = "/vendors/" + std::to_string(i);
      if (v.purposes.empty()) error(at + "/purposes", "vendor \"" + v.id + "\" serves no purpose");
      for (std::size_t k = 0; k < v.purposes.size(); ++k) {
        const auto pointer = at + "/purposes/" + std::to_string(k);
        check_reference(pointer, v.purposes[k], purpose_ids_, "purpose");
        if (const auto* p = find_purpose(doc_, v.purposes[k]);
            p && std::find(p->vendors.begin(), p->vendors.end(), v.id) == p->vendors.end()) {
          error(pointer, "purpose \"" + p->id + "\" does not list vendor \"" + v.id + "\" among its vendors");
        }
      }
      for (std::size_t k = 0; k < v.hosts.size(); ++k) {
        if (!detail::is_host_name(v.hosts[k])) {
          error(at + "/hosts/" + std::to_string(k), "\"" + v.hosts[k] + "\" is not a host name");
        }
      }
      check_url(at + "/privacy_policy_url", v.privacy_policy_url);
      if (!detail::is_country_code(v.transfer_country)) {
        error(at + "/transfer_country",
              "\"" + v.transfer_country + "\" is not an ISO 3166-1 alpha-2 country code such as \"US\"");
      }
    }
  }

  void check_rights() {
    for (std::size_t i = 0; i < doc_.rights.size(); ++i) {
      const auto& r = doc_.rights[i];
      const auto at = "/rights/" + std::to_string(i);
      if (r.email) check_email(at + "/email", *r.email);
      if (r.url) check_url(at + "/url", *r.url);
    }
  }

  // Every localized text must have the default language, the one people fall back to.
  void check_texts() {
    detail::for_each_text(doc_, "", [&](const std::string& pointer, const localized_text& text) {
      if (!text.values.count(doc_.default_language)) {
        error(pointer, "no text in the default language \"" + doc_.default_language + "\"");
      }
      for (const auto& [language, value] : text.values) {
        if (std::find(doc_.languages.begin(), doc_.languages.end(), language) == doc_.languages.end()) {
          error(pointer + "/" + language, "language \"" + language + "\" is not one of the policy's \"languages\"");
        }
      }
    });
  }

  const policy& doc_;
  std::string_view file_;
  diagnostics& sink_;
  std::set<std::string> section_ids_, purpose_ids_, vendor_ids_, category_ids_;
  std::size_t errors_ = 0;
};

}  // namespace

void detail::validate_policy(const policy& document, std::string_view file, diagnostics& sink) {
  validator(document, file, sink).run();
}

result<policy> load_policy(std::string_view text, std::string_view file) {
  diagnostics found;
  auto parsed = parse_json(text);
  if (!parsed) {
    found.push_back({std::string(file), parsed.error().location(), severity::error, parsed.error().message});
    return found;
  }
  policy document;
  if (!json_io::read_document(*parsed, document, std::string(file), found)) return found;
  if (document.format != policy_format_version) {
    found.push_back({std::string(file), "/format", severity::error,
                     "format " + std::to_string(document.format) + " is not supported; this reader knows format " +
                         std::to_string(policy_format_version)});
    return found;
  }
  validator(document, file, found).run();
  if (has_errors(found)) return found;
  return document;  // warnings are lint's to report
}

}  // namespace consentry
