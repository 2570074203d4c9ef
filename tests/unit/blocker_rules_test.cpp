// The tracker engine against its fixtures: every supported piece of filter syntax, as
// tables of rules × requests → verdicts (tests/fixtures/blocker/*.txt, their README).
#include <doctest/doctest.h>

#include <map>
#include <sstream>
#include <string>

#include "consentry/blocker.hpp"
#include "fixtures.hpp"

namespace {

using namespace consentry;

struct fixture {
  std::string rules;
  struct request {
    int line = 0;
    std::string expect, type, url, page;
  };
  std::vector<request> requests;
  std::map<std::string, std::uint32_t> counts;
};

fixture parse_fixture(const std::string& text) {
  fixture f;
  std::istringstream in(text);
  std::string line, section;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line == "[rules]" || line == "[requests]" || line == "[counts]") {
      section = line;
      continue;
    }
    if (section == "[rules]") {
      f.rules += line + "\n";
    } else if (section == "[requests]") {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      fixture::request r;
      r.line = number;
      fields >> r.expect >> r.type >> r.url >> r.page;
      f.requests.push_back(r);
    } else if (section == "[counts]" && !line.empty()) {
      std::istringstream fields(line);
      std::string name;
      std::uint32_t value = 0;
      fields >> name >> value;
      f.counts[name] = value;
    }
  }
  return f;
}

std::string verdict_name(const verdict& v) {
  if (v.kind == verdict_kind::undisclosed) return "block";
  if (v.kind == verdict_kind::block) return "vendor";
  return v.exception ? "exception" : "allow";
}

}  // namespace

TEST_CASE("blocker fixtures: rules × requests give the expected verdicts") {
  const auto files = test::files_in(test::source_dir() / "tests/fixtures/blocker", ".txt");
  REQUIRE(files.size() >= 9);
  std::size_t requests = 0;
  for (const auto& path : files) {
    const auto f = parse_fixture(test::read_file(path));
    const std::string name = path.filename().string();
    CAPTURE(name);
    const rule_list lists[] = {{name, f.rules}};
    auto compiled = compile_rules(nullptr, lists);
    REQUIRE(compiled.has_value());
    const auto& report = compiled->report.lists.at(0);
    const std::map<std::string, std::uint32_t> counted = {
        {"network", report.network_rules},   {"hosts", report.hosts_rules},
        {"cosmetic", report.cosmetic_skipped}, {"unsupported", report.unsupported_skipped},
        {"invalid", report.invalid},         {"comments", report.comments}};
    for (const auto& entry : f.counts) {
      const auto& kind = entry.first;  // a named copy: clang cannot capture a structured binding
      CAPTURE(kind);
      REQUIRE(counted.count(kind) == 1);
      CHECK(counted.at(kind) == entry.second);
    }
    auto engine = blocker::load(compiled->image);
    REQUIRE(engine.has_value());
    for (const auto& r : f.requests) {
      CAPTURE(r.line);
      CAPTURE(r.url);
      CAPTURE(r.type);
      const auto type = request_type_from_name(r.type);
      REQUIRE(type.has_value());
      const auto v = engine->match(r.url, *type, r.page);
      CHECK(verdict_name(v) == r.expect);
      // The page prepared once gives the same verdict.
      const page_context page(r.page);
      CHECK(verdict_name(engine->match(r.url, *type, page)) == r.expect);
      if (v.kind == verdict_kind::undisclosed) CHECK(v.host == url_host(r.url));
      ++requests;
    }
  }
  CHECK(requests >= 130);
}

TEST_CASE("blocker: skipped lines are reported with their line and reason, never fatal") {
  const std::string list = "||ok.test^\n||a.test^$popup\n||b.test^$frobnicate\n||c.test^$domain=\n##.ad\n";
  const rule_list lists[] = {{"mixed.txt", list}};
  auto compiled = compile_rules(nullptr, lists);
  REQUIRE(compiled.has_value());
  const auto& report = compiled->report.lists.at(0);
  CHECK(report.lines == 5);
  CHECK(report.network_rules == 1);
  CHECK(report.unsupported.at("popup") == 1);
  CHECK(report.unsupported.at("frobnicate") == 1);
  REQUIRE(compiled->problems.size() == 3);
  CHECK(compiled->problems[0].file == "mixed.txt");
  CHECK(compiled->problems[0].location == "2");
  CHECK(compiled->problems[0].level == severity::warning);
  CHECK(compiled->problems[0].message.find("popup") != std::string::npos);
  CHECK(compiled->problems[2].location == "4");
  CHECK(compiled->problems[2].message.find("domain=") != std::string::npos);
}

TEST_CASE("blocker: request type names, webRequest's and the filter syntax's") {
  CHECK(request_type_from_name("script") == request_type::script);
  CHECK(request_type_from_name("main_frame") == request_type::document);
  CHECK(request_type_from_name("sub_frame") == request_type::subdocument);
  CHECK(request_type_from_name("beacon") == request_type::ping);
  CHECK(request_type_from_name("xhr") == request_type::xmlhttprequest);
  CHECK(request_type_from_name("fetch") == request_type::xmlhttprequest);
  CHECK(request_type_from_name("csp_report") == request_type::other);
  CHECK_FALSE(request_type_from_name("Script").has_value());
  CHECK_FALSE(request_type_from_name("").has_value());
  for (std::size_t t = 0; t < request_type_count; ++t) {
    const auto type = static_cast<request_type>(t);
    CHECK(request_type_from_name(name_of(type)) == type);
  }
}

TEST_CASE("blocker: regex rules, the subset and what it refuses") {
  struct row {
    const char* rule;
    const char* url;
    bool blocked;
  };
  const row rows[] = {
      {"/a[0-9]{2,3}z/", "https://x.test/a12z", true},
      {"/a[0-9]{2,3}z/", "https://x.test/a1z", false},
      {"/a[0-9]{2,3}z/", "https://x.test/a1234z", false},
      {"/^https:\\/\\/x\\.test\\/$/", "https://x.test/", true},
      {"/^https:\\/\\/x\\.test\\/$/", "https://x.test/a", false},
      {"/(foo|bar)baz/", "https://x.test/barbaz", true},
      {"/(foo|bar)baz/", "https://x.test/quxbaz", false},
      {"/colou?r/", "https://x.test/color", true},
      {"/colou?r/", "https://x.test/colour", true},
      {"/x[^a-z]y/", "https://t.test/x1y", true},
      {"/x[^a-z]y/", "https://t.test/xby", false},
      {"/x[^a-z]y/", "https://t.test/xBy", false},  // case-insensitive: [^a-z] excludes B too
      {"/\\bad\\b/", "https://t.test/ad/", true},
      {"/\\bad\\b/", "https://t.test/bad/", false},
      {"/\\Bad/", "https://t.test/bad/", true},
      {"/a.c/", "https://t.test/abc", true},
      {"/\\d+\\.\\d+\\.\\d+\\.\\d+/", "http://10.0.0.1/", true},
      {"/\\s/", "https://t.test/a%20b", false},
      {"/\\x41\\u0042/", "https://t.test/ab", true},
      {"/(?:ab)+c/", "https://t.test/ababc", true},
      {"/(?<name>ab)c/", "https://t.test/abc", true},
      {"/a{,2}/", "https://t.test/a{,2}", true},  // not a quantifier: literal braces (Annex B)
      {"/[\\w-]{5}\\.js$/", "https://t.test/ab-cd.js", true},
      {"/(a*)*b/", "https://t.test/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false},  // linear, no blow-up
  };
  for (const auto& r : rows) {
    CAPTURE(r.rule);
    CAPTURE(r.url);
    const std::string text = std::string(r.rule) + "\n";
    const rule_list lists[] = {{"regex", text}};
    auto compiled = compile_rules(nullptr, lists);
    REQUIRE(compiled.has_value());
    REQUIRE(compiled->report.lists[0].network_rules == 1);
    auto engine = blocker::load(compiled->image);
    REQUIRE(engine.has_value());
    CHECK((engine->match(r.url, request_type::image, "https://page.test/").kind == verdict_kind::undisclosed) ==
          r.blocked);
  }
  for (const char* refused : {"/(a)\\1/", "/(?=a)b/", "/(?!a)b/", "/(?<=a)b/", "/\\u1234/", "/[é]/", "/a**/",
                              "/(ab/", "/a{1001}/", "/\\cJ/", "/[z-a]/"}) {
    CAPTURE(refused);
    const std::string text = std::string(refused) + "\n";
    const rule_list lists[] = {{"regex", text}};
    auto compiled = compile_rules(nullptr, lists);
    REQUIRE(compiled.has_value());
    CHECK(compiled->report.lists[0].network_rules == 0);
    CHECK(compiled->report.lists[0].unsupported_skipped == 1);
  }
}

TEST_CASE("blocker: hosts and registrable domains (Public Suffix List compiled in)") {
  CHECK(url_host("https://www.example.com/a?b#c") == "www.example.com");
  CHECK(url_host("https://user:pass@example.com:8080/") == "example.com");
  CHECK(url_host("http://[::1]:80/x") == "[::1]");
  CHECK(url_host("wss://socket.test?x") == "socket.test");
  CHECK(url_host("about:blank").empty());
  CHECK(url_host("data:text/plain,x").empty());
  CHECK(url_host("").empty());
  CHECK(url_host("https://").empty());
  CHECK(registrable_domain("www.example.com") == "example.com");
  CHECK(registrable_domain("a.b.example.co.uk") == "example.co.uk");
  CHECK(registrable_domain("co.uk") == "co.uk");
  CHECK(registrable_domain("foo.blogspot.com") == "foo.blogspot.com");
  CHECK(registrable_domain("x.a.b.ck") == "a.b.ck");          // *.ck
  CHECK(registrable_domain("x.www.ck") == "www.ck");          // !www.ck
  CHECK(registrable_domain("www.xn--85x722f.xn--55qx5d.cn") == "xn--85x722f.xn--55qx5d.cn");  // 公司.cn
  CHECK(registrable_domain("10.0.0.1") == "10.0.0.1");
  CHECK(registrable_domain("site.unknowntld") == "site.unknowntld");
  CHECK(registrable_domain("localhost") == "localhost");
}

TEST_CASE("blocker: hostile requests get a verdict, never a crash or a read out of bounds") {
  const rule_list lists[] = {{"hostile",
                              "||a.a^\n/x.$domain=brand.*|a.a\n/^.{0,3}$/\n||host.test^$third-party\n"
                              "|https://*^*^*|\n@@*$document\n"}};
  auto compiled = compile_rules(nullptr, lists);
  REQUIRE(compiled.has_value());
  auto engine = blocker::load(compiled->image);
  REQUIRE(engine.has_value());
  std::string many_labels = "https://";
  for (int i = 0; i < 400; ++i) many_labels += "a.";
  many_labels += "a/x.js";
  std::string many_tokens = "https://t.test/?";
  for (int i = 0; i < 2000; ++i) many_tokens += "k" + std::to_string(i) + "=v&";
  const std::string inputs[] = {"",
                                "https://",
                                "https:///",
                                "://",
                                "a",
                                many_labels,
                                many_tokens + "x.",
                                "https://[::1/x.",
                                "https://user@@host.test:99999/x.",
                                std::string("https://host.test/\0\xff\xfe", 21),
                                "https://" + std::string(70000, 'h') + ".test/x.",
                                std::string(100000, '^')};
  for (const auto& url : inputs) {
    for (const auto& page : inputs) {
      for (auto type : {request_type::script, request_type::document}) {
        const test::exact_buffer u(url), p(page);
        const auto v = engine->match(u.view(), type, p.view());
        CHECK(static_cast<int>(v.kind) <= 2);
        if (!v.host.empty()) CHECK(v.host.data() >= u.view().data());
      }
    }
  }
  // A regex with a bound on the URL's length still matches short ones.
  CHECK(engine->match("ab", request_type::image, "").kind == verdict_kind::undisclosed);
}
