// Malformed policies (tests/fixtures/bad-policies/): each is refused with the precise
// diagnostics its expected.txt names, by the core itself, natively and in wasm. The
// command line runs the same fixtures in tests/cli/bad_policies.sh.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "consentry/policy.hpp"
#include "fixtures.hpp"

namespace {

using namespace consentry;

/// Every finding of loading and, when loading succeeds, of linting, as printed lines.
std::vector<std::string> findings(std::string_view text) {
  std::vector<std::string> lines;
  auto loaded = load_policy(text, "policy.json");
  const auto found = loaded ? lint_policy(*loaded, "policy.json") : loaded.error();
  for (const auto& d : found) lines.push_back(format(d));
  if (!has_errors(found)) lines.push_back("(no error)");
  return lines;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("bad policies: each fixture gives exactly the errors it expects") {
  std::vector<std::filesystem::path> cases;
  for (const auto& entry : std::filesystem::directory_iterator(test::source_dir() / "tests/fixtures/bad-policies")) {
    if (entry.is_directory()) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  CHECK(cases.size() >= 15);
  for (const auto& directory : cases) {
    CAPTURE(directory.filename().string());
    const auto expected = lines_of(test::read_file(directory / "expected.txt"));
    REQUIRE_FALSE(expected.empty());
    const test::exact_buffer input(test::read_file(directory / "policy.json"));
    const auto actual = findings(input.view());
    CHECK(actual == expected);
  }
}

TEST_CASE("bad policies: a document wrong throughout stops after max_errors_reported errors") {
  std::string text = R"({"format": 1, "languages": [)";
  for (int i = 0; i < 5000; ++i) text += "1,";
  text += "1]}";
  auto loaded = load_policy(text, "policy.json");
  REQUIRE_FALSE(loaded.has_value());
  const auto& found = loaded.error();
  REQUIRE(found.size() == max_errors_reported + 1);
  CHECK(format(found.back()) == "policy.json: error: stopped after 100 errors");
  CHECK(std::all_of(found.begin(), found.end(), [](const diagnostic& d) { return d.level == severity::error; }));
}

TEST_CASE("format: a finding is one line of valid UTF-8 whatever it quotes") {
  diagnostic d{"policy.json", "/a\nb", severity::error, "unknown member \"\x1b[2J\", \xff\xfe, caf\xc3\xa9 \xc2\x9b"};
  CHECK(format(d) == "policy.json:/a\\x0ab: error: unknown member \"\\x1b[2J\", \\xff\\xfe, caf\xc3\xa9 \\xc2\\x9b");
  // Sequences cut short, overlong or beyond U+10FFFF are bytes, not characters.
  d.location.clear();
  d.message = "\xe2\x82 \xc0\xaf \xf4\x90\x80\x80 \xed\xa0\x80 \xf0\x9f\x98\x80";
  CHECK(format(d) == "policy.json: error: \\xe2\\x82 \\xc0\\xaf \\xf4\\x90\\x80\\x80 \\xed\\xa0\\x80 \xf0\x9f\x98\x80");
}
