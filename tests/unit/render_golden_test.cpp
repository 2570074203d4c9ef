// Golden files for every renderer and interface language: tests/golden/render/<policy>/
// <layer>.<language>.<ext>. The output must match byte for byte; after an intended
// change, regenerate them with the native suite and review the diff:
//   CONSENTRY_UPDATE_GOLDEN=1 build/native/bin/consentry_unit_tests -tc='golden*'
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "consentry/notice.hpp"
#include "policies.hpp"

using namespace consentry;

namespace {

bool updating() {
  const char* value = std::getenv("CONSENTRY_UPDATE_GOLDEN");
  return value && std::string(value) == "1";
}

void compare_with_golden(const std::filesystem::path& path, const std::string& actual) {
  if (updating()) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << actual;
    REQUIRE(out.good());
    return;
  }
  REQUIRE_MESSAGE(std::filesystem::exists(path),
                  path.string() << " is missing; run the suite natively with CONSENTRY_UPDATE_GOLDEN=1");
  const auto expected = test::read_file(path);
  if (expected == actual) return;
  std::size_t at = 0;
  while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) ++at;
  const auto from = at > 60 ? at - 60 : 0;
  FAIL_CHECK(path.string() << " differs at byte " << at << "\n  expected: …" << expected.substr(from, 160)
                           << "\n  actual:   …" << actual.substr(from, 160));
}

}  // namespace

TEST_CASE("golden: every renderer in every interface language") {
  for (const char* name : {"sample", "hostile"}) {
    const auto doc = test::load_fixture_policy(name);
    const auto directory = test::source_dir() / "tests" / "golden" / "render" / name;
    for (const char* language : {"en", "fr", "de"}) {
      CAPTURE(name);
      CAPTURE(language);
      const render_options options{.language = language};
      const std::string suffix = std::string(".") + language;
      compare_with_golden(directory / ("banner" + suffix + ".html"), render_banner_html(doc, {}, options) + "\n");
      compare_with_golden(directory / ("preferences" + suffix + ".html"),
                          render_preferences_html(doc, {}, options) + "\n");
      compare_with_golden(directory / ("notice" + suffix + ".html"), render_notice_html(doc, options) + "\n");
      compare_with_golden(directory / ("notice" + suffix + ".md"), render_notice_markdown(doc, options));
      compare_with_golden(directory / ("notice" + suffix + ".txt"), render_notice_text(doc, options));
    }
  }
}

TEST_CASE("golden: the preferences of a returning person who chose") {
  const auto doc = test::load_fixture_policy("sample");
  const purpose_choices choices{{"analytics", purpose_status::granted},
                                {"advertising", purpose_status::denied},
                                {"improvement", purpose_status::objected},
                                {"health-matching", purpose_status::granted}};
  const auto directory = test::source_dir() / "tests" / "golden" / "render" / "sample";
  compare_with_golden(directory / "preferences.chosen.en.html", render_preferences_html(doc, choices) + "\n");
  compare_with_golden(directory / "banner.chosen.en.html", render_banner_html(doc, choices) + "\n");
}
