// Hostile input renders inert: the policy in tests/fixtures/policies/hostile puts
// script tags, attribute break-outs, javascript: and data: URLs, bidi controls, very
// long words and Markdown markup in every text field; this suite then also makes the
// ids, URLs and addresses hostile, which loading would refuse, to test the renderer alone.
#include <doctest/doctest.h>

#include <regex>
#include <set>
#include <string>

#include "consentry/language.hpp"
#include "consentry/notice.hpp"
#include "policies.hpp"

using namespace consentry;

namespace {

const std::set<std::string> allowed_tags{"div", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "a", "button",
                                         "span", "section", "nav", "article", "footer", "address", "br", "wbr", "dl",
                                         "dt", "dd", "code"};

bool allowed_attribute(const std::string& name) {
  static const std::set<std::string> names{"class", "id", "role", "lang", "dir", "href", "type"};
  return names.count(name) || name.starts_with("aria-") || name.starts_with("data-consentry-");
}

bool has_bidi_control(const std::string& text) {
  for (const char* control : {"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"}) {
    if (text.find(control) != std::string::npos) return true;
  }
  return false;
}

std::size_t code_points(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80 ? 1 : 0;
  return n;
}

/// Reads `html` as a browser would, strictly: every `<` opens an allowed tag with
/// allowed, double-quoted attributes; text holds no `<`, `>` or `"` raw; every href is
/// http(s), mailto or a local anchor; no word between break points is over 30 characters.
/// Returns what is wrong, one line each; empty when the markup is inert.
std::string inert_problems(const std::string& html) {
  static const std::regex tag(R"re(^<(/?)([a-z0-9]+)((?: [a-z-]+="[^"<>]*")*)>)re");
  static const std::regex attribute(R"re( ([a-z-]+)="([^"]*)")re");
  std::string problems;
  if (has_bidi_control(html)) problems += "a bidi control\n";
  std::size_t at = 0;
  std::string text;
  while (at < html.size()) {
    if (html[at] != '<') {
      if (html[at] == '>' || html[at] == '"') {
        problems += "raw " + std::string(1, html[at]) + " in text: " + html.substr(at > 40 ? at - 40 : 0, 80) + "\n";
      }
      if (html[at] != '&') {
        text += html[at];
      } else {
        const auto semicolon = html.find(';', at);
        const auto entity = html.substr(at, semicolon == std::string::npos ? 8 : semicolon + 1 - at);
        if (!(entity == "&amp;" || entity == "&lt;" || entity == "&gt;" || entity == "&quot;" || entity == "&#39;")) {
          problems += "entity " + entity + "\n";
          if (semicolon == std::string::npos) break;
        }
        text += 'x';
        at = semicolon;
      }
      ++at;
      continue;
    }
    std::smatch m;
    const std::string rest = html.substr(at, 2000);
    if (!std::regex_search(rest, m, tag)) {
      problems += "not a plain tag: " + rest.substr(0, 80) + "\n";
      break;
    }
    const std::string name = m[2];
    if (!allowed_tags.count(name)) problems += "tag " + name + "\n";
    text += ' ';  // a tag may end a word; <wbr> is the break point itself
    const std::string attributes = m[3];
    for (auto it = std::sregex_iterator(attributes.begin(), attributes.end(), attribute); it != std::sregex_iterator();
         ++it) {
      const std::string attribute_name = (*it)[1];
      const std::string value = (*it)[2];
      if (!allowed_attribute(attribute_name)) problems += "attribute " + attribute_name + "\n";
      if (attribute_name == "href") {
        const bool safe = value.starts_with("https://") || value.starts_with("http://") ||
                          value.starts_with("mailto:") || value.starts_with("#consentry-");
        if (!safe || value.find("javascript") != std::string::npos) problems += "href " + value + "\n";
      }
    }
    at += static_cast<std::size_t>(m.length(0));
  }
  std::size_t word_start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ' || text[i] == '\n' || text[i] == '\t') {
      if (code_points(std::string_view(text).substr(word_start, i - word_start)) > 30) {
        problems += "long word " + text.substr(word_start, i - word_start) + "\n";
      }
      word_start = i + 1;
    }
  }
  return problems;
}

void check_inert(const std::string& html) { CHECK_MESSAGE(inert_problems(html).empty(), inert_problems(html)); }

policy hostile_everywhere() {
  auto doc = test::load_fixture_policy("hostile");
  const std::string attack = "\"><script>window.__consentryPwned=1</script>";
  doc.policy_url = "javascript:window.__consentryPwned=1";
  doc.controller.email = "a@b.example\"><img src=x onerror=alert(1)>";
  doc.controller.website = "data:text/html,<script>alert(1)</script>";
  doc.controller.contact_url = "JAVASCRIPT:alert(1)";
  doc.notice.sections[0].id = "x" + attack;
  doc.purposes[0].id = "p" + attack;
  doc.purposes[0].data_categories.push_back("c" + attack);
  doc.data_categories.push_back(doc.data_categories[1]);
  doc.data_categories.back().id = "c" + attack;
  doc.vendors[0].id = "v" + attack;
  doc.purposes[0].vendors = {doc.vendors[0].id};
  doc.vendors[0].privacy_policy_url = " javascript:alert(1)";
  doc.vendors[1].privacy_policy_url = "https://ok.example/\" onclick=\"alert(1)";
  doc.vendors[2].transfer_country = attack;
  doc.effective_date = attack;
  doc.revision_date = attack;
  doc.languages.push_back("en\" onclick=\"x");
  return doc;
}

}  // namespace

TEST_CASE("the inertness check itself catches each kind of injection") {
  CHECK(inert_problems("<p class=\"consentry-paragraph\">fine &amp; <wbr>well</p>").empty());
  const char* bad[] = {
      "<p>a<script>alert(1)</script></p>",
      "<p class=\"x\" onclick=\"alert(1)\">a</p>",
      "<a href=\"javascript:alert(1)\">a</a>",
      "<a href=\"data:text/html,x\">a</a>",
      "<p>\"><img src=x onerror=alert(1)></p>",
      "<p>a \u202Ereversed</p>",
      "<p>Pneumonoultramicroscopicsilicovolcanoconiosis</p>",
      "<p>&#x3c;</p>",
      "<p class=x>a</p>",
  };
  for (const char* html : bad) {
    CAPTURE(html);
    CHECK_FALSE(inert_problems(html).empty());
  }
}

TEST_CASE("hostile policy: every HTML layer renders inert, in every language") {
  const auto loaded = test::load_fixture_policy("hostile");
  const auto tampered = hostile_everywhere();
  const purpose_choices choices{{"purpose-0", purpose_status::granted},
                                {"purpose-1", purpose_status::objected},
                                {"\"><x>", purpose_status::granted}};
  for (const auto* doc : {&loaded, &tampered}) {
    for (const char* language : {"en", "fr", "de", "\"><script>", "en\" onclick=\"x"}) {
      CAPTURE(language);
      for (const auto& html : {render_banner_html(*doc, choices, {.language = language}),
                               render_preferences_html(*doc, choices, {.language = language}),
                               render_notice_html(*doc, {.language = language})}) {
        check_inert(html);
        CHECK(html.find("<script") == std::string::npos);
        CHECK(html.find("<img") == std::string::npos);
        CHECK(html.find("onerror=\"") == std::string::npos);
        CHECK(html.find("<svg") == std::string::npos);
      }
    }
  }
}

TEST_CASE("hostile policy: the payloads are shown as text, escaped, not dropped") {
  const auto doc = test::load_fixture_policy("hostile");
  // Break points in long words aside, the text is all there, escaped once.
  const auto html = std::regex_replace(render_notice_html(doc), std::regex("<wbr>"), "");
  CHECK(html.find("&lt;script&gt;window.__consentryPwned = &quot;script&quot;&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("&quot;&gt;&lt;img src=x onerror=&quot;window.__consentryPwned = &#39;img&#39;&quot;&gt;") !=
        std::string::npos);
  CHECK(html.find("javascript:window.__consentryPwned") != std::string::npos);  // as words, never as a link
  CHECK(html.find("&amp;lt;b&amp;gt;") != std::string::npos);                    // no double decoding
  CHECK(html.find("txt.exe and isolated and unclosed override") != std::string::npos);
  CHECK(html.find("control") != std::string::npos);
  CHECK(html.find("controlcharsanddel") != std::string::npos);
}

TEST_CASE("hostile policy: hostile URLs and ids are dropped or encoded") {
  const auto doc = hostile_everywhere();
  const auto notice = render_notice_html(doc);
  CHECK(notice.find("id=\"consentry-section-x_22_3e_3cscript_3ewindow") != std::string::npos);
  CHECK(notice.find("href=\"data:") == std::string::npos);
  CHECK(notice.find("href=\"javascript:") == std::string::npos);
  CHECK(notice.find("href=\"mailto:a@b.example") == std::string::npos);
  const auto banner = render_banner_html(doc, {});
  CHECK(banner.find("href=\"#consentry-notice\"") != std::string::npos);  // the javascript: policy_url is dropped
  const auto preferences = render_preferences_html(doc, {});
  CHECK(preferences.find("onclick") == std::string::npos);
  CHECK(preferences.find("href=\"https://ok.example") == std::string::npos);
}

TEST_CASE("hostile policy: Markdown renders the payloads as text") {
  const auto doc = test::load_fixture_policy("hostile");
  const auto tampered = hostile_everywhere();
  for (const auto* d : {&doc, &tampered}) {
    const auto md = render_notice_markdown(*d);
    CHECK_FALSE(has_bidi_control(md));
    // Every '<' is escaped, except in our own link destinations `](<https://…>)`.
    static const std::regex link(R"re(\]\(<([^>]*)>\))re");
    std::string without_links = std::regex_replace(md, link, "](LINK)");
    for (auto it = std::sregex_iterator(md.begin(), md.end(), link); it != std::sregex_iterator(); ++it) {
      const std::string target = (*it)[1];
      CHECK_MESSAGE((target.starts_with("https://") || target.starts_with("mailto:")), target);
    }
    for (std::size_t i = 0; i < without_links.size(); ++i) {
      if (without_links[i] == '<' || without_links[i] == '[' || without_links[i] == '`' || without_links[i] == '!') {
        const bool our_link = without_links[i] == '[' && (i == 0 || without_links[i - 1] == '\n' || without_links[i - 1] == ' ');
        CHECK_MESSAGE((our_link || (i > 0 && without_links[i - 1] == '\\')),
                      "unescaped markup at " << i << ": " << without_links.substr(i > 20 ? i - 20 : 0, 60));
      }
    }
    // No text can start a block of its own: every line is ours (heading, list, blank) or plain text.
    std::size_t start = 0;
    while (start < md.size()) {
      const auto end = md.find('\n', start);
      const auto line = md.substr(start, end - start);
      const bool heading = std::regex_search(line, std::regex("^#{1,6} (EN|Contact)"));
      const bool item = std::regex_search(line, std::regex("^ *- "));
      CHECK_MESSAGE((line.empty() || heading || item || line.starts_with("EN ") || line.starts_with("En ") ||
                     line.starts_with("Effective") || line.starts_with("[") || line[0] != '#'),
                    line);
      CHECK_FALSE(line.starts_with("    "));
      CHECK_FALSE(line.starts_with(">"));
      CHECK_FALSE(line.starts_with("---"));
      CHECK_FALSE(line.starts_with("1."));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
}

TEST_CASE("hostile policy: plain text keeps the words, without bidi or control characters") {
  const auto doc = test::load_fixture_policy("hostile");
  const auto text = render_notice_text(doc);
  CHECK_FALSE(has_bidi_control(text));
  CHECK(text.find('\0') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(text.find("<script>window.__consentryPwned = \"script\"</script>") != std::string::npos);
  CHECK(text.find(std::string(6, 'x')) == std::string::npos);
}
