// Language negotiation (RFC 4647 §3.4 lookup with RFC 9110 weights) and the interface text table.
#include "consentry/language.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using consentry::negotiate_language;

TEST_CASE("negotiate_language: RFC 4647 lookup over an Accept-Language list") {
  const std::vector<std::string> available{"en", "fr", "de", "pt-BR"};
  struct row {
    const char* header;
    const char* expected;
  };
  const row rows[] = {
      {"fr", "fr"},
      {"fr-CH, fr;q=0.9, en;q=0.8", "fr"},              // fr-CH truncates to fr
      {"de-CH-1996", "de"},                             // two truncations
      {"it, de;q=0.5", "de"},                           // the first range has no match
      {"en;q=0.2, de;q=0.9", "de"},                     // quality beats order
      {"de;q=0.5, fr;q=0.5", "de"},                     // ties keep their order
      {"FR", "fr"},                                     // case-insensitive, spelled as available
      {"pt-br", "pt-BR"},
      {"pt", "en"},                                     // lookup never widens pt to pt-BR
      {"zh-Hant-x-private", "en"},                      // private use dropped with its singleton
      {"it", "en"},                                     // nothing matches: the default
      {"", "en"},
      {"*", "en"},                                      // the wildcard is ignored by lookup
      {"fr;q=0, *", "en"},                              // q=0 refuses
      {"fr;q=0, fr-CA", "en"},                          // refused tag stays refused after truncation
      {"de;q=1.5, fr", "fr"},                           // malformed weight: the range is skipped
      {"de;q=0.abc, fr", "fr"},
      {"d3, fr", "fr"},                                 // malformed range
      {"  de ;q=0.8 ,  fr ; q=0.7", "de"},
      {",,,de,,", "de"},
      {"en-GB-oxendict, fr", "en"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.header);
    CHECK(negotiate_language(r.header, available, "en") == r.expected);
  }
}

TEST_CASE("ui_language: English, French or German, else English") {
  CHECK(consentry::ui_language("fr-CA") == "fr");
  CHECK(consentry::ui_language("de-AT, en;q=0.5") == "de");
  CHECK(consentry::ui_language("es") == "en");
  CHECK(consentry::ui_language("") == "en");
}

TEST_CASE("ui_text: every key has text in every interface language, and the languages differ") {
  using consentry::ui_key;
  for (int k = 0; k <= static_cast<int>(ui_key::no_choice_needed); ++k) {
    const auto key = static_cast<ui_key>(k);
    CAPTURE(k);
    const auto en = consentry::ui_text(key, "en");
    CHECK_FALSE(en.empty());
    CHECK_FALSE(consentry::ui_text(key, "fr").empty());
    CHECK_FALSE(consentry::ui_text(key, "de").empty());
    CHECK(consentry::ui_text(key, "es") == en);
  }
  CHECK(consentry::ui_text(ui_key::accept_all, "fr") == "Tout accepter");
  CHECK(consentry::ui_text(ui_key::reject_all, "de") == "Alle ablehnen");
}

TEST_CASE("fill: replaces every placeholder, leaves others") {
  CHECK(consentry::fill("{a} and {a}, {b}", "a", "x") == "x and x, {b}");
  CHECK(consentry::fill("none", "a", "x") == "none");
}
