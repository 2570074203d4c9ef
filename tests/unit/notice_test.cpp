// The renderers' contract (notice.hpp): layers, roles, equal actions, explicit consent
// apart, language fallback, URL filtering. Golden files and hostile input have their
// own suites (render_golden_test.cpp, render_hostile_test.cpp).
#include "consentry/notice.hpp"

#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "policies.hpp"

using namespace consentry;

namespace {

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) ++n;
  return n;
}

/// The markup of the element that opens at the first match of `start`, up to its matching close.
std::string element_at(const std::string& html, const std::string& start) {
  const auto begin = html.find(start);
  REQUIRE(begin != std::string::npos);
  const auto name_end = html.find_first_of(" >", begin + 1);
  const auto name = html.substr(begin + 1, name_end - begin - 1);
  int depth = 0;
  for (auto at = begin; at < html.size();) {
    const auto open = html.find("<" + name, at);
    const auto close = html.find("</" + name + ">", at);
    if (close == std::string::npos) break;
    if (open != std::string::npos && open < close) {
      ++depth;
      at = open + 1;
    } else {
      if (--depth == 0) return html.substr(begin, close + name.size() + 3 - begin);
      at = close + 1;
    }
  }
  FAIL("unbalanced element " << start);
  return {};
}

}  // namespace

TEST_CASE("banner: who asks, the summary, the consent purposes and three equal actions") {
  const auto doc = test::load_fixture_policy("sample");
  const auto html = render_banner_html(doc, {});
  CHECK(html.starts_with("<div class=\"consentry-root consentry-banner\" role=\"dialog\""));
  CHECK(html.find("Your privacy choices at Northwind Wellbeing") != std::string::npos);
  CHECK(html.find(doc.summary.values.at("en")) != std::string::npos);
  // The three actions: same element, same class, nothing else on them but their action.
  const std::regex button(R"re(<button class="consentry-button" type="button" data-consentry-action="([a-z-]+)"[^>]*>)re");
  std::vector<std::string> actions;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), button); it != std::sregex_iterator(); ++it) {
    actions.push_back((*it)[1]);
  }
  CHECK(actions == std::vector<std::string>{"accept-all", "reject-all", "choose"});
  CHECK(count(html, "<button") == 3);
  // Consent purposes are listed; explicit-consent and non-consent purposes are not.
  const auto list = element_at(html, "<ul class=\"consentry-purpose-list\"");
  CHECK(list.find("data-consentry-purpose=\"analytics\"") != std::string::npos);
  CHECK(list.find("data-consentry-purpose=\"advertising\"") != std::string::npos);
  CHECK(list.find("health-matching") == std::string::npos);
  CHECK(list.find("\"service\"") == std::string::npos);
  CHECK(list.find("\"improvement\"") == std::string::npos);
  CHECK(html.find("consentry-special-note") != std::string::npos);
  CHECK(html.find("href=\"https://northwind.example/privacy\"") != std::string::npos);
}

TEST_CASE("banner: a returning person is asked only about purposes not yet asked") {
  const auto doc = test::load_fixture_policy("sample");
  const auto html = render_banner_html(doc, {{"analytics", purpose_status::granted}});
  const auto list = element_at(html, "<ul class=\"consentry-purpose-list\"");
  CHECK(list.find("\"analytics\"") == std::string::npos);
  CHECK(list.find("\"advertising\"") != std::string::npos);
}

TEST_CASE("preferences: switch, object switch, locked state, explicit consent apart") {
  const auto doc = test::load_fixture_policy("sample");
  const purpose_choices choices{{"analytics", purpose_status::granted},
                                {"advertising", purpose_status::denied},
                                {"improvement", purpose_status::objected}};
  const auto html = render_preferences_html(doc, choices);
  CHECK(html.starts_with("<div class=\"consentry-root consentry-preferences\" role=\"dialog\""));

  const auto analytics = element_at(html, "<section class=\"consentry-purpose\" id=\"consentry-purpose-analytics\"");
  CHECK(analytics.find("role=\"switch\" aria-checked=\"true\"") != std::string::npos);
  CHECK(analytics.find("data-consentry-control=\"consent\"") != std::string::npos);
  CHECK(analytics.find("Example Metrics") != std::string::npos);
  CHECK(analytics.find("<code class=\"consentry-cookie-name\">_em_id</code>") != std::string::npos);
  CHECK(analytics.find("13 months.") != std::string::npos);
  CHECK(analytics.find("Only with your consent") != std::string::npos);

  const auto advertising = element_at(html, "<section class=\"consentry-purpose\" id=\"consentry-purpose-advertising\"");
  CHECK(advertising.find("role=\"switch\" aria-checked=\"false\"") != std::string::npos);

  const auto improvement = element_at(html, "<section class=\"consentry-purpose\" id=\"consentry-purpose-improvement\"");
  CHECK(improvement.find("data-consentry-control=\"object\"") != std::string::npos);
  CHECK(improvement.find("aria-checked=\"true\"") != std::string::npos);  // objected
  CHECK(improvement.find(">Object<") != std::string::npos);

  const auto service = element_at(html, "<section class=\"consentry-purpose\" id=\"consentry-purpose-service\"");
  CHECK(service.find("aria-disabled=\"true\"") != std::string::npos);
  CHECK(service.find("data-consentry-control=\"locked\"") != std::string::npos);
  CHECK(service.find("Needed to provide the service") != std::string::npos);

  // Explicit consent: outside the purposes group, in its own step, a checkbox unticked.
  const auto group = element_at(html, "<div class=\"consentry-purposes\"");
  CHECK(group.find("health-matching") == std::string::npos);
  const auto step = element_at(html, "<section class=\"consentry-explicit\"");
  CHECK(step.find("role=\"checkbox\" aria-checked=\"false\"") != std::string::npos);
  CHECK(step.find("data-consentry-control=\"explicit-consent\"") != std::string::npos);
  CHECK(step.find("consentry-special") != std::string::npos);
  CHECK(count(html, "role=\"checkbox\"") == 1);

  // The actions: the same three-button group, with Save in place of Choose.
  CHECK(html.find("data-consentry-action=\"save\"") != std::string::npos);
  CHECK(html.find("data-consentry-action=\"choose\"") == std::string::npos);
}

TEST_CASE("choices_of: the consent engine's state is what the layers show") {
  const auto doc = test::load_fixture_policy("sample");
  consent_state state;
  state.purposes["analytics"].status = purpose_status::granted;
  state.purposes["improvement"].status = purpose_status::objected;
  state.purposes["advertising"].status = purpose_status::denied;
  const auto choices = choices_of(state);
  CHECK(choices.size() == 3);
  CHECK(choices.at("improvement") == purpose_status::objected);
  const purpose_choices direct{{"analytics", purpose_status::granted},
                               {"improvement", purpose_status::objected},
                               {"advertising", purpose_status::denied}};
  CHECK(render_preferences_html(doc, choices) == render_preferences_html(doc, direct));
}

TEST_CASE("notice: table of contents, an anchor per section, the contact") {
  const auto doc = test::load_fixture_policy("sample");
  const auto html = render_notice_html(doc);
  CHECK(html.find("<nav class=\"consentry-toc\"") != std::string::npos);
  for (const char* id : {"about", "what-we-collect", "cookies", "how-we-use", "sharing", "your-rights", "children"}) {
    CAPTURE(id);
    CHECK(count(html, "href=\"#consentry-section-" + std::string(id) + "\"") == 1);
    CHECK(count(html, "id=\"consentry-section-" + std::string(id) + "\"") == 1);
    CHECK(count(html, "data-consentry-section=\"" + std::string(id) + "\"") == 1);
  }
  CHECK(html.find("href=\"mailto:privacy@northwind.example\"") != std::string::npos);
  // Nested sections nest their headings one level deeper.
  CHECK(html.find("<h4 class=\"consentry-section-heading\" id=\"consentry-section-cookies-heading\">") !=
        std::string::npos);
  CHECK(html.find("style=") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
}

TEST_CASE("languages: the policy's text in the language asked, else its default, marked with lang") {
  const auto doc = test::load_fixture_policy("sample");
  const auto de = render_notice_html(doc, {.language = "de-DE"});
  CHECK(de.find(" lang=\"de\">") != std::string::npos);
  CHECK(de.find("Was wir erheben") != std::string::npos);
  // The cookies paragraph has no German: the English text, marked as English.
  CHECK(de.find("<p class=\"consentry-paragraph\" lang=\"en\">We use cookies only where") != std::string::npos);
  CHECK(de.find("Inhalt") != std::string::npos);

  // A language the policy lacks and the interface lacks: both fall back.
  const auto es = render_notice_html(doc, {.language = "es"});
  CHECK(es.find(" lang=\"en\">") != std::string::npos);
  CHECK(es.find(" lang=\"es\"") == std::string::npos);
  CHECK(notice_language(doc, {.language = "fr-CA, de;q=0.5"}) == "fr");
}

TEST_CASE("plain text keeps every sentence of the notice, verbatim and in order") {
  const auto doc = test::load_fixture_policy("sample");
  for (const char* language : {"en", "fr", "de"}) {
    CAPTURE(language);
    const auto text = render_notice_text(doc, {.language = language});
    std::size_t at = 0;
    std::function<void(const std::vector<section>&)> walk = [&](const std::vector<section>& sections) {
      for (const auto& s : sections) {
        auto expect = [&](const localized_text& t) {
          const auto& sentence = t.in(language, "en");
          const auto found = text.find(sentence, at);
          CHECK_MESSAGE(found != std::string::npos, sentence);
          if (found != std::string::npos) at = found + sentence.size();
        };
        expect(s.heading);
        for (const auto& b : s.blocks) {
          if (b.text) expect(*b.text);
          std::function<void(const std::vector<list_item>&)> items = [&](const std::vector<list_item>& list) {
            for (const auto& item : list) {
              expect(item.text);
              items(item.items);
            }
          };
          items(b.items);
        }
        walk(s.sections);
      }
    };
    walk(doc.notice.sections);
  }
}

TEST_CASE("safe_url: only http, https and mailto survive") {
  struct row {
    const char* url;
    bool kept;
  };
  const row rows[] = {
      {"https://example.com/privacy", true},
      {"http://example.com", true},
      {"mailto:privacy@example.com", true},
      {"mailto:privacy@example.com?subject=Access", true},
      {"javascript:alert(1)", false},
      {"JavaScript:alert(1)", false},
      {" javascript:alert(1)", false},
      {"data:text/html;base64,PHNjcmlwdD4=", false},
      {"vbscript:msgbox", false},
      {"//evil.example/", false},
      {"/relative", false},
      {"https://exa mple.com", false},
      {"https://example.com/\"onmouseover=\"x", false},
      {"HTTPS://EXAMPLE.COM", false},
      {"mailto:a@b.example\"><script>", false},
      {"mailto:javascript:alert(1)", false},
      {"", false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.url);
    CHECK(safe_url(r.url).empty() == !r.kept);
  }
}
