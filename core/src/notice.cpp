// The renderers of the notice and of the layered consent interface. Everything a
// policy says passes through `html_text` or `html_attribute` before it is written:
// the policy is outside input, and a notice must never become a way into the page.
#include "consentry/notice.hpp"

#include <algorithm>

#include "consentry/json_io.hpp"
#include "consentry/language.hpp"
#include "detail/text.hpp"

namespace consentry {
namespace {

/// Removes what has no place in any rendered text: C0 controls other than tab and
/// newline, DEL, and the Unicode bidi embedding/override (U+202A–U+202E) and isolate
/// (U+2066–U+2069) controls, which would reorder the interface around the string.
std::string clean(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) continue;
    if (c == 0xe2 && i + 2 < text.size()) {
      const auto b1 = static_cast<unsigned char>(text[i + 1]);
      const auto b2 = static_cast<unsigned char>(text[i + 2]);
      if ((b1 == 0x80 && b2 >= 0xaa && b2 <= 0xae) || (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9)) {
        i += 2;
        continue;
      }
    }
    out += static_cast<char>(c);
  }
  return out;
}

void escape_into(std::string_view text, std::string& out) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

constexpr std::size_t long_word = 30;  // code points; longer words get break points
constexpr std::size_t break_every = 20;

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n'; }
bool is_lead_byte(char c) noexcept { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }

/// Escaped for a text node, with `<wbr>` inside words too long to fit a phone screen.
std::string html_text(std::string_view raw) {
  const auto text = clean(raw);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_space(text[i])) {
      out += text[i++];
      continue;
    }
    auto end = i;
    std::size_t code_points = 0;
    while (end < text.size() && !is_space(text[end])) code_points += is_lead_byte(text[end++]) ? 1 : 0;
    if (code_points <= long_word) {
      escape_into(std::string_view(text).substr(i, end - i), out);
    } else {
      std::size_t count = 0;
      for (auto k = i; k < end; ++k) {
        if (is_lead_byte(text[k])) {
          if (count > 0 && count % break_every == 0) out += "<wbr>";
          ++count;
        }
        escape_into(std::string_view(&text[k], 1), out);
      }
    }
    i = end;
  }
  return out;
}

/// Escaped for a double-quoted attribute value.
std::string html_attribute(std::string_view raw) {
  const auto text = clean(raw);
  std::string out;
  escape_into(text, out);
  return out;
}

/// A policy id as an HTML id: `consentry-KIND-ID`. Ids are checked when a policy
/// loads; anything else is encoded so it can neither break out nor collide.
std::string html_id(std::string_view kind, std::string_view id) {
  std::string out = "consentry-" + std::string(kind) + "-";
  constexpr char hex[] = "0123456789abcdef";
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '_';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string primary_subtag(std::string_view tag) {
  std::string out(tag.substr(0, tag.find('-')));
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

bool right_to_left(std::string_view tag) {
  const auto primary = primary_subtag(tag);
  return primary == "ar" || primary == "he" || primary == "fa" || primary == "ur" || primary == "yi";
}

/// Picks the policy's text in the notice language, and knows the interface's.
class texts {
 public:
  texts(const policy& document, const render_options& options)
      : document_(document),
        language_(notice_language(document, options)),
        ui_language_(ui_language(options.language.empty() ? language_ : options.language)) {}

  const std::string& operator()(const localized_text& text) const {
    return text.in(language_, document_.default_language);
  }
  /// The language `text` is actually shown in.
  std::string_view language_of(const localized_text& text) const {
    if (text.values.count(language_)) return language_;
    if (text.values.count(document_.default_language)) return document_.default_language;
    return text.values.empty() ? std::string_view(language_) : std::string_view(text.values.begin()->first);
  }
  std::string_view ui(ui_key key) const { return ui_text(key, ui_language_); }
  const std::string& language() const noexcept { return language_; }
  const std::string& ui_language_tag() const noexcept { return ui_language_; }
  const policy& document() const noexcept { return document_; }

 private:
  const policy& document_;
  std::string language_;
  std::string ui_language_;
};

/// Writes HTML whose root speaks the interface language; policy text in another
/// language gets its own `lang`, so screen readers pronounce it right (WCAG 3.1.2).
class html_writer {
 public:
  explicit html_writer(const texts& t) : t_(t) {}

  std::string& out() noexcept { return out_; }
  const texts& t() const noexcept { return t_; }

  void root_attributes() {
    out_ += " lang=\"" + html_attribute(t_.ui_language_tag()) + "\"";
  }

  /// ` lang="…"` (and `dir`) when `text` is not in the interface language, else nothing.
  std::string lang_of(const localized_text& text) const {
    const auto language = t_.language_of(text);
    if (primary_subtag(language) == primary_subtag(t_.ui_language_tag())) return {};
    std::string attributes = " lang=\"" + html_attribute(language) + "\"";
    if (right_to_left(language)) attributes += " dir=\"rtl\"";
    return attributes;
  }

  /// `<tag class="…" lang>text</tag>` for a policy text.
  void element(std::string_view tag, std::string_view css_class, const localized_text& text,
               std::string_view extra_attributes = {}) {
    out_ += "<" + std::string(tag) + " class=\"" + std::string(css_class) + "\"" + std::string(extra_attributes) +
            lang_of(text) + ">" + html_text(t_(text)) + "</" + std::string(tag) + ">";
  }
  /// The same for interface text.
  void ui_element(std::string_view tag, std::string_view css_class, std::string_view text,
                  std::string_view extra_attributes = {}) {
    out_ += "<" + std::string(tag) + " class=\"" + std::string(css_class) + "\"" + std::string(extra_attributes) +
            ">" + html_text(text) + "</" + std::string(tag) + ">";
  }
  void raw(std::string_view markup) { out_ += markup; }

 private:
  const texts& t_;
  std::string out_;
};

// ---------------------------------------------------------------- the notice

void html_items(html_writer& w, const std::vector<list_item>& items) {
  w.raw("<ul class=\"consentry-list\">");
  for (const auto& item : items) {
    w.raw("<li class=\"consentry-list-item\"" + w.lang_of(item.text) + ">" + html_text(w.t()(item.text)));
    if (!item.items.empty()) html_items(w, item.items);
    w.raw("</li>");
  }
  w.raw("</ul>");
}

void html_toc(html_writer& w, const std::vector<section>& sections) {
  w.raw("<ol class=\"consentry-toc-list\">");
  for (const auto& s : sections) {
    w.raw("<li class=\"consentry-toc-item\"><a class=\"consentry-toc-link\" href=\"#" + html_id("section", s.id) +
          "\"" + w.lang_of(s.heading) + ">" + html_text(w.t()(s.heading)) + "</a>");
    if (!s.sections.empty()) html_toc(w, s.sections);
    w.raw("</li>");
  }
  w.raw("</ol>");
}

void html_sections(html_writer& w, const std::vector<section>& sections, int level) {
  const auto h = "h" + std::to_string(std::min(level, 6));
  for (const auto& s : sections) {
    const auto id = html_id("section", s.id);
    w.raw("<section class=\"consentry-section\" id=\"" + id + "\" data-consentry-section=\"" + html_attribute(s.id) +
          "\" aria-labelledby=\"" + id + "-heading\">");
    w.element(h, "consentry-section-heading", s.heading, " id=\"" + id + "-heading\"");
    for (const auto& b : s.blocks) {
      if (b.text) w.element("p", "consentry-paragraph", *b.text);
      if (!b.items.empty()) html_items(w, b.items);
    }
    html_sections(w, s.sections, level + 1);
    w.raw("</section>");
  }
}

void html_contact(html_writer& w) {
  const auto& c = w.t().document().controller;
  w.raw("<footer class=\"consentry-contact\" aria-labelledby=\"consentry-contact-heading\">");
  w.ui_element("h3", "consentry-contact-heading", w.t().ui(ui_key::contact), " id=\"consentry-contact-heading\"");
  w.raw("<address class=\"consentry-address\"><span class=\"consentry-contact-name\">" + html_text(c.name) +
        "</span>");
  if (c.legal_name) w.raw("<br><span class=\"consentry-contact-legal-name\">" + html_text(*c.legal_name) + "</span>");
  if (c.address) w.raw("<br>"), w.element("span", "consentry-contact-address", *c.address);
  auto link = [&](const std::optional<std::string>& target, std::string_view prefix) {
    if (!target) return;
    const auto url = safe_url(std::string(prefix) + *target);
    if (url.empty()) return;
    w.raw("<br><a class=\"consentry-link\" href=\"" + html_attribute(url) + "\">" + html_text(*target) + "</a>");
  };
  link(c.email, "mailto:");
  link(c.website, "");
  if (c.contact_url != c.website) link(c.contact_url, "");
  w.raw("</address></footer>");
}

// ---------------------------------------------------------------- the layers

purpose_status status_of(const purpose_choices& choices, std::string_view purpose_id) {
  const auto it = choices.find(purpose_id);
  return it == choices.end() ? purpose_status::not_asked : it->second;
}

ui_key basis_text(legal_basis basis) {
  switch (basis) {
    case legal_basis::consent: return ui_key::basis_consent;
    case legal_basis::explicit_consent: return ui_key::basis_explicit_consent;
    case legal_basis::contract: return ui_key::basis_contract;
    case legal_basis::legal_obligation: return ui_key::basis_legal_obligation;
    case legal_basis::vital_interest: return ui_key::basis_vital_interest;
    case legal_basis::legitimate_interest: return ui_key::basis_legitimate_interest;
  }
  return ui_key::basis_consent;
}

void action_button(html_writer& w, std::string_view action, ui_key label, std::string_view extra = {}) {
  // One element type and one class for every choice: equal weight is the stylesheet's
  // job, and it cannot give one action more than another (EDPB 03/2022 §3.3).
  w.ui_element("button", "consentry-button", w.t().ui(label),
               " type=\"button\" data-consentry-action=\"" + std::string(action) + "\"" + std::string(extra));
}

void actions(html_writer& w, std::string_view id, bool save) {
  w.raw("<div class=\"consentry-actions\" role=\"group\" aria-labelledby=\"" + std::string(id) + "\">");
  w.ui_element("span", "consentry-actions-label", w.t().ui(ui_key::actions_label), " id=\"" + std::string(id) + "\"");
  action_button(w, "accept-all", ui_key::accept_all);
  action_button(w, "reject-all", ui_key::reject_all);
  if (save) {
    action_button(w, "save", ui_key::save_choices);
  } else {
    action_button(w, "choose", ui_key::choose, " aria-haspopup=\"dialog\"");
  }
  w.raw("</div>");
}

void notice_link(html_writer& w) {
  const auto& url = w.t().document().policy_url;
  const auto href = url ? safe_url(*url) : std::string();
  w.raw("<p class=\"consentry-notice-link\"><a class=\"consentry-link\" href=\"" +
        (href.empty() ? std::string("#consentry-notice") : html_attribute(href)) + "\">" +
        html_text(w.t().ui(ui_key::read_notice)) + "</a></p>");
}

void purpose_facts(html_writer& w, const purpose& p) {
  const auto& doc = w.t().document();
  const auto& t = w.t();
  w.raw("<dl class=\"consentry-facts\">");
  if (!p.data_categories.empty()) {
    w.ui_element("dt", "consentry-fact-name", t.ui(ui_key::data_used));
    w.raw("<dd class=\"consentry-fact\"><ul class=\"consentry-categories\">");
    for (const auto& id : p.data_categories) {
      const auto* c = find_data_category(doc, id);
      if (!c) continue;
      w.raw("<li class=\"consentry-category\" data-consentry-category=\"" + html_attribute(c->id) + "\"" +
            w.lang_of(c->title) + ">" + html_text(t(c->title)));
      if (c->special) w.ui_element("span", "consentry-special", t.ui(ui_key::special_category));
      w.raw("</li>");
    }
    w.raw("</ul></dd>");
  }
  if (!p.vendors.empty()) {
    w.ui_element("dt", "consentry-fact-name", t.ui(ui_key::recipients));
    w.raw("<dd class=\"consentry-fact\"><ul class=\"consentry-vendors\">");
    for (const auto& id : p.vendors) {
      const auto* v = find_vendor(doc, id);
      if (!v) continue;
      w.raw("<li class=\"consentry-vendor\" data-consentry-vendor=\"" + html_attribute(v->id) + "\">");
      w.raw("<span class=\"consentry-vendor-name\">" + html_text(v->name) + "</span>");
      if (!v->transfer_country.empty()) {
        w.ui_element("span", "consentry-vendor-country", fill(t.ui(ui_key::transfer_country), "country", v->transfer_country));
      }
      if (const auto url = safe_url(v->privacy_policy_url); !url.empty()) {
        w.raw("<a class=\"consentry-link consentry-vendor-policy\" href=\"" + html_attribute(url) + "\">" +
              html_text(t.ui(ui_key::privacy_policy)) + "<span class=\"consentry-visually-hidden\"> (" +
              html_text(v->name) + ")</span></a>");
      }
      if (!v->cookies.empty() || !v->storage_keys.empty()) {
        w.raw("<ul class=\"consentry-cookies\" aria-label=\"" + html_attribute(t.ui(ui_key::cookies)) + "\">");
        for (const auto& cookie : v->cookies) {
          w.raw("<li class=\"consentry-cookie\"><code class=\"consentry-cookie-name\">" + html_text(cookie.name) +
                "</code> <span class=\"consentry-cookie-domain\">" + html_text(cookie.domain) + "</span> ");
          w.element("span", "consentry-cookie-lifetime", cookie.lifetime);
          w.raw("</li>");
        }
        for (const auto& key : v->storage_keys) {
          w.raw("<li class=\"consentry-cookie\"><code class=\"consentry-cookie-name\">" + html_text(key) +
                "</code></li>");
        }
        w.raw("</ul>");
      }
      w.raw("</li>");
    }
    w.raw("</ul></dd>");
  }
  if (!p.retention.description.empty()) {
    w.ui_element("dt", "consentry-fact-name", t.ui(ui_key::retention));
    w.element("dd", "consentry-fact consentry-retention", p.retention.description);
  }
  w.raw("</dl>");
}

void purpose_card(html_writer& w, const purpose& p, purpose_status status) {
  const auto& t = w.t();
  const auto id = html_id("purpose", p.id);
  const auto basis = json_io::enum_name(p.basis);
  w.raw("<section class=\"consentry-purpose\" id=\"" + id + "\" data-consentry-purpose=\"" + html_attribute(p.id) +
        "\" data-consentry-basis=\"" + std::string(basis) + "\" aria-labelledby=\"" + id + "-title\">");
  w.raw("<div class=\"consentry-purpose-header\">");
  w.element("h3", "consentry-purpose-title", p.title, " id=\"" + id + "-title\"");

  // The control: its accessible name is the purpose's title and the control's own label.
  const auto control = [&](std::string_view role, std::string_view css_class, bool checked, ui_key label,
                           std::string_view extra) {
    w.raw("<button type=\"button\" class=\"" + std::string(css_class) + "\" role=\"" + std::string(role) +
          "\" aria-checked=\"" + (checked ? "true" : "false") + "\" id=\"" + id + "-control\" aria-labelledby=\"" +
          id + "-title " + id + "-label\" aria-describedby=\"" + id + "-basis\" data-consentry-purpose=\"" +
          html_attribute(p.id) + "\"" + std::string(extra) + ">");
    w.ui_element("span", "consentry-control-label", t.ui(label), " id=\"" + id + "-label\"");
    w.raw("</button>");
  };
  switch (p.basis) {
    case legal_basis::consent:
      control("switch", "consentry-switch", status == purpose_status::granted, ui_key::switch_allow,
              " data-consentry-control=\"consent\"");
      break;
    case legal_basis::legitimate_interest:
      control("switch", "consentry-switch", status == purpose_status::objected, ui_key::switch_object,
              " data-consentry-control=\"object\"");
      break;
    case legal_basis::explicit_consent:
      break;  // its checkbox comes with the explicit statement, below the facts
    default:
      control("switch", "consentry-switch consentry-switch-locked", true, ui_key::switch_locked,
              " aria-disabled=\"true\" data-consentry-control=\"locked\"");
  }
  w.raw("</div>");
  w.raw("<p class=\"consentry-basis\" id=\"" + id + "-basis\"><span class=\"consentry-basis-label\">" +
        html_text(t.ui(ui_key::basis_label)) + "</span> " + html_text(t.ui(basis_text(p.basis))) + "</p>");
  w.element("p", "consentry-purpose-description", p.description);
  purpose_facts(w, p);
  if (p.basis == legal_basis::explicit_consent) {
    control("checkbox", "consentry-checkbox", status == purpose_status::granted, ui_key::explicit_statement,
            " data-consentry-control=\"explicit-consent\"");
  }
  w.raw("</section>");
}

}  // namespace

purpose_choices choices_of(const consent_state& state) {
  purpose_choices choices;
  for (const auto& [id, choice] : state.purposes) choices.emplace(id, choice.status);
  return choices;
}

std::string notice_language(const policy& document, const render_options& options) {
  return negotiate_language(options.language, document.languages, document.default_language);
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  escape_into(text, out);
  return out;
}

std::string safe_url(std::string_view url) {
  if (url.starts_with("http://") || url.starts_with("https://")) {
    return detail::is_web_url(url) ? std::string(url) : std::string();
  }
  if (url.starts_with("mailto:")) {
    const auto address = url.substr(7, url.find('?') == std::string_view::npos ? std::string_view::npos
                                                                               : url.find('?') - 7);
    for (char c : url) {
      if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\' || c == '\'' ||
          c == 0x7f) {
        return {};
      }
    }
    return detail::is_email(address) ? std::string(url) : std::string();
  }
  return {};
}

std::string render_banner_html(const policy& document, const purpose_choices& choices, const render_options& options) {
  const texts t(document, options);
  html_writer w(t);
  w.raw("<div class=\"consentry-root consentry-banner\" role=\"dialog\" aria-modal=\"false\" "
        "aria-labelledby=\"consentry-banner-title\" aria-describedby=\"consentry-banner-summary\"");
  w.root_attributes();
  w.raw(">");
  w.ui_element("h2", "consentry-title", fill(t.ui(ui_key::banner_title), "controller", document.controller.name),
               " id=\"consentry-banner-title\"");
  w.element("p", "consentry-summary", document.summary, " id=\"consentry-banner-summary\"");

  std::vector<const purpose*> asked, all_consent;
  bool explicit_purposes = false;
  for (const auto& p : document.purposes) {
    if (p.basis == legal_basis::explicit_consent) explicit_purposes = true;
    if (p.basis != legal_basis::consent) continue;
    all_consent.push_back(&p);
    if (status_of(choices, p.id) == purpose_status::not_asked) asked.push_back(&p);
  }
  // A returning person is asked only about what is new; otherwise the whole list shows.
  if (asked.empty()) asked = all_consent;
  if (asked.empty()) {
    w.ui_element("p", "consentry-purposes-intro", t.ui(ui_key::no_choice_needed));
  } else {
    w.ui_element("p", "consentry-purposes-intro", t.ui(ui_key::banner_purposes_intro));
    w.raw("<ul class=\"consentry-purpose-list\">");
    for (const auto* p : asked) {
      w.element("li", "consentry-purpose-name", p->title, " data-consentry-purpose=\"" + html_attribute(p->id) + "\"");
    }
    w.raw("</ul>");
  }
  if (explicit_purposes) w.ui_element("p", "consentry-special-note", t.ui(ui_key::banner_special_note));
  actions(w, "consentry-banner-actions", false);
  notice_link(w);
  w.raw("</div>");
  return std::move(w.out());
}

std::string render_preferences_html(const policy& document, const purpose_choices& choices,
                                    const render_options& options) {
  const texts t(document, options);
  html_writer w(t);
  w.raw("<div class=\"consentry-root consentry-preferences\" role=\"dialog\" aria-modal=\"false\" "
        "aria-labelledby=\"consentry-preferences-title\"");
  w.root_attributes();
  w.raw(">");
  w.ui_element("h2", "consentry-title", t.ui(ui_key::preferences_title), " id=\"consentry-preferences-title\"");
  w.ui_element("p", "consentry-intro", t.ui(ui_key::preferences_intro));
  w.raw("<div class=\"consentry-purposes\" role=\"group\" aria-label=\"" +
        html_attribute(t.ui(ui_key::purposes_label)) + "\">");
  for (const auto& p : document.purposes) {
    if (p.basis != legal_basis::explicit_consent) purpose_card(w, p, status_of(choices, p.id));
  }
  w.raw("</div>");
  const bool any_explicit = std::any_of(document.purposes.begin(), document.purposes.end(),
                                        [](const purpose& p) { return p.basis == legal_basis::explicit_consent; });
  if (any_explicit) {
    w.raw("<section class=\"consentry-explicit\" aria-labelledby=\"consentry-explicit-title\">");
    w.ui_element("h3", "consentry-explicit-title", t.ui(ui_key::explicit_title), " id=\"consentry-explicit-title\"");
    w.ui_element("p", "consentry-explicit-intro", t.ui(ui_key::explicit_intro));
    for (const auto& p : document.purposes) {
      if (p.basis == legal_basis::explicit_consent) purpose_card(w, p, status_of(choices, p.id));
    }
    w.raw("</section>");
  }
  actions(w, "consentry-preferences-actions", true);
  notice_link(w);
  w.raw("</div>");
  return std::move(w.out());
}

std::string render_notice_html(const policy& document, const render_options& options) {
  const texts t(document, options);
  html_writer w(t);
  w.raw("<article class=\"consentry-root consentry-notice\" id=\"consentry-notice\" "
        "aria-labelledby=\"consentry-notice-title\"");
  w.root_attributes();
  w.raw(">");
  w.element("h2", "consentry-title", document.notice.title, " id=\"consentry-notice-title\"");
  w.raw("<p class=\"consentry-dates\">");
  w.ui_element("span", "consentry-effective-date", fill(t.ui(ui_key::effective_date), "date", document.effective_date));
  if (document.revision_date) {
    w.raw(" ");
    w.ui_element("span", "consentry-revision-date", fill(t.ui(ui_key::revision_date), "date", *document.revision_date));
  }
  w.raw("</p>");
  w.raw("<nav class=\"consentry-toc\" aria-labelledby=\"consentry-toc-title\">");
  w.ui_element("p", "consentry-toc-title", t.ui(ui_key::contents), " id=\"consentry-toc-title\"");
  html_toc(w, document.notice.sections);
  w.raw("</nav>");
  html_sections(w, document.notice.sections, 3);
  html_contact(w);
  w.raw("</article>");
  return std::move(w.out());
}

// ---------------------------------------------------------------- plain text

namespace {

void text_items(const std::vector<list_item>& items, const texts& t, std::size_t depth, std::string& out) {
  for (const auto& item : items) {
    out.append(depth * 2, ' ');
    out += "- " + clean(t(item.text)) + '\n';
    text_items(item.items, t, depth + 1, out);
  }
}

void text_sections(const std::vector<section>& sections, const texts& t, std::string& out) {
  for (const auto& s : sections) {
    out += '\n' + clean(t(s.heading)) + "\n\n";
    for (const auto& b : s.blocks) {
      if (b.text) out += clean(t(*b.text)) + '\n';
      text_items(b.items, t, 0, out);
    }
    text_sections(s.sections, t, out);
  }
}

// ---------------------------------------------------------------- Markdown

/// Escapes every ASCII punctuation that CommonMark could read as markup, anywhere
/// in the line or (for block markers) at its start; newlines become spaces so a text
/// cannot open a block of its own.
std::string escape_markdown(std::string_view raw) {
  const auto text = clean(raw);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\t') c = ' ';
    if (line_start && c == ' ') continue;  // leading spaces would make a code block
    switch (c) {
      case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>': case '#': case '|':
      case '!': case '&': case '~':
        out += '\\';
        break;
      case '-': case '+': case '=':
        if (line_start) out += '\\';
        break;
      case '.': case ')':
        // "1." or "1)" at the start would open an ordered list.
        if (!out.empty() && std::all_of(out.begin(), out.end(), [](char d) { return d >= '0' && d <= '9'; })) {
          out += '\\';
        }
        break;
      default:
        break;
    }
    out += c;
    if (!(c >= '0' && c <= '9')) line_start = false;
  }
  return out;
}

void markdown_items(const std::vector<list_item>& items, const texts& t, std::size_t depth, std::string& out) {
  for (const auto& item : items) {
    out.append(depth * 2, ' ');
    out += "- " + escape_markdown(t(item.text)) + '\n';
    markdown_items(item.items, t, depth + 1, out);
  }
}

void markdown_sections(const std::vector<section>& sections, const texts& t, int level, std::string& out) {
  for (const auto& s : sections) {
    if (!out.ends_with("\n\n")) out += '\n';
    out += std::string(static_cast<std::size_t>(std::min(level, 6)), '#') + ' ' + escape_markdown(t(s.heading)) + "\n\n";
    for (const auto& b : s.blocks) {
      if (b.text) out += escape_markdown(t(*b.text)) + "\n\n";
      if (!b.items.empty()) {
        markdown_items(b.items, t, 0, out);
        out += '\n';
      }
    }
    markdown_sections(s.sections, t, level + 1, out);
  }
}

}  // namespace

std::string render_notice_text(const policy& document, const render_options& options) {
  const texts t(document, options);
  std::string out = clean(t(document.notice.title)) + '\n';
  text_sections(document.notice.sections, t, out);
  const auto& c = document.controller;
  out += "\n" + std::string(t.ui(ui_key::contact)) + "\n\n" + clean(c.name) + '\n';
  if (c.legal_name) out += clean(*c.legal_name) + '\n';
  if (c.address) out += clean(t(*c.address)) + '\n';
  if (c.email) out += clean(*c.email) + '\n';
  if (c.website) out += clean(*c.website) + '\n';
  if (c.contact_url && c.contact_url != c.website) out += clean(*c.contact_url) + '\n';
  return out;
}

std::string render_notice_markdown(const policy& document, const render_options& options) {
  const texts t(document, options);
  std::string out = "# " + escape_markdown(t(document.notice.title)) + "\n\n";
  out += escape_markdown(fill(t.ui(ui_key::effective_date), "date", document.effective_date));
  if (document.revision_date) {
    out += " · " + escape_markdown(fill(t.ui(ui_key::revision_date), "date", *document.revision_date));
  }
  out += '\n';
  markdown_sections(document.notice.sections, t, 2, out);
  const auto& c = document.controller;
  if (!out.ends_with("\n\n")) out += '\n';
  out += "## " + escape_markdown(t.ui(ui_key::contact)) + "\n\n" + escape_markdown(c.name);
  if (c.legal_name) out += "  \n" + escape_markdown(*c.legal_name);
  if (c.address) out += "  \n" + escape_markdown(t(*c.address));
  auto link = [&](const std::optional<std::string>& target, std::string_view prefix) {
    if (!target) return;
    const auto url = safe_url(std::string(prefix) + *target);
    if (!url.empty()) out += "  \n[" + escape_markdown(*target) + "](<" + url + ">)";
  };
  link(c.email, "mailto:");
  link(c.website, "");
  if (c.contact_url != c.website) link(c.contact_url, "");
  out += '\n';
  return out;
}

}  // namespace consentry
