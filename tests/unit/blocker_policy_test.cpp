// The policy's vendors as rules: a request to a vendor is blocked naming the purposes
// that would allow it; one a list knows but the policy does not name is undisclosed.
#include <doctest/doctest.h>

#include "consentry/blocker.hpp"
#include "fixtures.hpp"

namespace {

using namespace consentry;

policy load_fixture_policy() {
  const auto text = test::read_file(test::source_dir() / "tests/fixtures/policies/trackers/policy.json");
  auto loaded = load_policy(text, "trackers/policy.json");
  REQUIRE(loaded.has_value());
  return *loaded;
}

const char* const list_rules =
    "||google-analytics.com^\n"
    "||hotjar.test^$third-party\n"
    "||cdn.example.net/adnet/*\n"
    "/pixel.gif?\n"
    "@@||maps.example.org^\n";

struct engine_fixture {
  engine_fixture() : document(load_fixture_policy()) {
    const rule_list lists[] = {{"list", list_rules}};
    auto compiled = compile_rules(&document, lists);
    REQUIRE(compiled.has_value());
    image = compiled->image;
    report = compiled->report;
    auto loaded = blocker::load(image);
    REQUIRE(loaded.has_value());
    engine = *loaded;
  }
  policy document;
  std::vector<std::uint8_t> image;
  compile_report report;
  blocker engine;
};

std::vector<std::string> purpose_ids(const blocker& b, purpose_set set) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < b.purpose_count(); ++i) {
    if (set & (purpose_set{1} << i)) out.emplace_back(b.purpose(i).id);
  }
  return out;
}

}  // namespace

TEST_CASE("vendors: the image knows the policy's purposes and vendors") {
  engine_fixture f;
  CHECK(f.engine.purpose_count() == f.document.purposes.size());
  CHECK(f.engine.vendor_count() == f.document.vendors.size());
  CHECK(f.engine.vendor(0).id == "google_analytics");
  CHECK(f.engine.vendor(0).name == "Google Analytics");
  CHECK(purpose_ids(f.engine, f.engine.vendor(0).purposes) == std::vector<std::string>{"analytics"});
  CHECK(f.engine.purpose_bit("analytics") != 0);
  CHECK(f.engine.purpose_bit("no-such-purpose") == 0);
  // Contract, legal obligation and legitimate interest need no consent.
  CHECK(f.engine.default_granted() == (f.engine.purpose_bit("service") | f.engine.purpose_bit("security")));
  CHECK(f.report.vendor_rules == 8);  // five hosts and three URL patterns
}

TEST_CASE("vendors: verdicts name the vendor and the purposes that allow it") {
  engine_fixture f;
  const auto& e = f.engine;
  const auto analytics = e.purpose_bit("analytics");
  const auto advertising = e.purpose_bit("advertising");

  const auto ga = e.match("https://www.google-analytics.com/g/collect?v=2&tid=G-1", request_type::ping,
                          "https://www.clinic.example/");
  REQUIRE(ga.kind == verdict_kind::block);
  CHECK(e.vendor(ga.vendor).id == "google_analytics");
  CHECK(ga.purposes == analytics);
  CHECK_FALSE(e.allows(ga, 0));
  CHECK_FALSE(e.allows(ga, advertising));
  CHECK(e.allows(ga, analytics));
  CHECK(ga.rule_host == "google-analytics.com");

  // A URL pattern of a host the vendor shares with others.
  const auto gtag = e.match("https://www.googletagmanager.com/gtag/js?id=G-ABC", request_type::script,
                            "https://www.clinic.example/");
  REQUIRE(gtag.kind == verdict_kind::block);
  CHECK(e.vendor(gtag.vendor).id == "google_analytics");
  const auto ads_tag = e.match("https://www.googletagmanager.com/gtag/js?id=AW-123", request_type::script,
                               "https://www.clinic.example/");
  REQUIRE(ads_tag.kind == verdict_kind::block);
  CHECK(e.vendor(ads_tag.vendor).id == "adnet");
  CHECK(ads_tag.purposes == advertising);
  // The same host, a path no vendor names: not disclosed, and no list knows it.
  CHECK(e.match("https://www.googletagmanager.com/other.js", request_type::script, "https://www.clinic.example/")
            .kind == verdict_kind::allow);

  // A vendor's pattern wins over a list rule for the same URL.
  const auto adnet = e.match("https://cdn.example.net/adnet/tag.js", request_type::script, "https://clinic.example/");
  REQUIRE(adnet.kind == verdict_kind::block);
  CHECK(e.vendor(adnet.vendor).id == "adnet");

  // A vendor for a purpose that needs no consent is allowed whatever is granted, and a
  // list's exception does not change that it is the policy's vendor.
  const auto maps = e.match("https://maps.example.org/tiles/1.png", request_type::image, "https://clinic.example/");
  REQUIRE(maps.kind == verdict_kind::block);
  CHECK(e.allows(maps, 0));
}

TEST_CASE("vendors: a tracker the policy does not name is undisclosed, blocked whatever the consent") {
  engine_fixture f;
  const auto& e = f.engine;
  const auto v = e.match("https://static.hotjar.test/c/hotjar-1.js", request_type::script, "https://clinic.example/");
  REQUIRE(v.kind == verdict_kind::undisclosed);
  CHECK(v.host == "static.hotjar.test");
  CHECK(v.vendor == no_vendor);
  CHECK_FALSE(e.allows(v, ~purpose_set{0}));
  CHECK(e.describe_filter(v) == "||hotjar.test^$third-party");
  // First-party: the list's rule is third-party only.
  CHECK(e.match("https://static.hotjar.test/c.js", request_type::script, "https://www.hotjar.test/").kind ==
        verdict_kind::allow);
  // A first-party stylesheet is allowed.
  const auto css = e.match("https://www.clinic.example/assets/site.css", request_type::stylesheet,
                           "https://www.clinic.example/");
  CHECK(css.kind == verdict_kind::allow);
  CHECK(e.allows(css, 0));
}

TEST_CASE("vendors: a URL pattern the engine cannot compile is an error with its pointer") {
  auto document = load_fixture_policy();
  document.vendors[1].url_patterns.push_back("@@||exception.test^");
  document.vendors[2].url_patterns.push_back("||x.test^$frobnicate");
  document.vendors[0].purposes.push_back("missing");
  auto compiled = compile_rules(&document, {});
  REQUIRE_FALSE(compiled.has_value());
  REQUIRE(compiled.error().size() == 3);
  CHECK(compiled.error()[0].location == "/vendors/0/purposes/1");
  CHECK(compiled.error()[1].location == "/vendors/1/url_patterns/2");
  CHECK(compiled.error()[2].location == "/vendors/2/url_patterns/0");
  CHECK(compiled.error()[2].message.find("frobnicate") != std::string::npos);
}
