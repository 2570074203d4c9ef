#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "consentry/hash.hpp"
#include "consentry/jcs.hpp"
#include "consentry/policy.hpp"
#include "fixtures.hpp"

using consentry::compute_policy_hashes;
using consentry::policy;

namespace {
policy example_policy() {
  const auto path = consentry::test::source_dir() / "tests/fixtures/policies/example/policy.json";
  auto loaded = consentry::load_policy(consentry::test::read_file(path), path.string());
  REQUIRE(loaded.has_value());
  return *loaded;
}

struct change {
  const char* what;
  std::function<void(policy&)> apply;
};
}  // namespace

TEST_CASE("policy hashes: SHA-256 of the canonical document, in the project's hex form") {
  const auto document = example_policy();
  const auto hashes = compute_policy_hashes(document);
  CHECK(consentry::is_sha256_hex(hashes.policy_hash));
  CHECK(consentry::is_sha256_hex(hashes.material_hash));
  CHECK(hashes.policy_hash != hashes.material_hash);
  auto canonical = consentry::canonicalize_value(consentry::to_json(document));
  REQUIRE(canonical.has_value());
  CHECK(hashes.policy_hash == consentry::sha256_hex(*canonical));
  CHECK(hashes.material_hash == consentry::sha256_hex(consentry::canonical_material_facts(document)));

  // Written out and read back, a policy keeps its hashes.
  auto reloaded = consentry::load_policy(consentry::to_json(document).dump(2), "reloaded.json");
  REQUIRE(reloaded.has_value());
  CHECK(compute_policy_hashes(*reloaded) == hashes);
}

TEST_CASE("policy hashes: the material facts, and nothing else, are in the material hash") {
  const auto facts = consentry::canonical_material_facts(example_policy());
  CHECK(facts.starts_with(R"({"data_categories":[{"id":"account","special":false},{"id":"health","special":true})"));
  CHECK(facts.find(R"({"basis":"consent","data_categories":["usage"],"id":"advertising","refusable":true,)"
                   R"("retention_days":90,"sale_or_sharing":true,"vendors":["adnet"]})") != std::string::npos);
  CHECK(facts.find(R"({"hosts":["ads.adnet.example","px.adnet.example"],"id":"adnet","purposes":["advertising"],)"
                   R"("transfer_country":"FR","url_patterns":["||cdn.example.net/adnet/*"]})") != std::string::npos);
  CHECK(facts.find("Adnet Example SA") == std::string::npos);
  CHECK(facts.find("dpv") == std::string::npos);
}

TEST_CASE("policy hashes: wording and order change the policy hash only") {
  const auto original = example_policy();
  const auto before = compute_policy_hashes(original);
  const change editorial[] = {
      {"a purpose's title", [](policy& p) { p.purposes[2].title.values["en"] = "Audience measurement"; }},
      {"a purpose's description", [](policy& p) { p.purposes[0].description.values["fr"] += " "; }},
      {"a notice paragraph", [](policy& p) { p.notice.sections[0].blocks[0].text->values["en"] = "Changed."; }},
      {"the summary", [](policy& p) { p.summary.values["en"] = "New words."; }},
      {"a retention description", [](policy& p) { p.purposes[1].retention.description.values["en"] = "12 months."; }},
      {"a vendor's name", [](policy& p) { p.vendors[0].name = "Stats Renamed Inc."; }},
      {"a vendor's privacy policy URL", [](policy& p) { p.vendors[1].privacy_policy_url = "https://adnet.example/p"; }},
      {"a data category's title", [](policy& p) { p.data_categories[0].title.values["en"] = "Your account"; }},
      {"the version", [](policy& p) { p.version = "3.1.1"; }},
      {"the order of purposes", [](policy& p) { std::swap(p.purposes[0], p.purposes[3]); }},
      {"the order of vendors", [](policy& p) { std::swap(p.vendors[0], p.vendors[1]); }},
      {"the order of a vendor's hosts", [](policy& p) { std::swap(p.vendors[1].hosts[0], p.vendors[1].hosts[1]); }},
  };
  for (const auto& c : editorial) {
    CAPTURE(c.what);
    auto changed = original;
    c.apply(changed);
    const auto after = compute_policy_hashes(changed);
    CHECK(after.material_hash == before.material_hash);
    CHECK(after.policy_hash != before.policy_hash);
  }
}

TEST_CASE("policy hashes: every material change changes both hashes") {
  const auto original = example_policy();
  const auto before = compute_policy_hashes(original);
  const change material[] = {
      {"a new vendor",
       [](policy& p) {
         auto v = p.vendors[0];
         v.id = "stats2";
         p.vendors.push_back(v);
         p.purposes[2].vendors.push_back("stats2");
       }},
      {"a new purpose",
       [](policy& p) {
         auto extra = p.purposes[2];
         extra.id = "analytics-extra";
         p.purposes.push_back(extra);
       }},
      {"a new data category",
       [](policy& p) {
         auto c = p.data_categories[0];
         c.id = "location";
         p.data_categories.push_back(c);
       }},
      {"a purpose processing another category", [](policy& p) { p.purposes[2].data_categories.push_back("account"); }},
      {"a different legal basis", [](policy& p) { p.purposes[4].basis = consentry::legal_basis::consent; }},
      {"a longer retention", [](policy& p) { p.purposes[2].retention.days = 730; }},
      {"a shorter retention", [](policy& p) { p.purposes[2].retention.days = 30; }},
      {"a retention period where there was none", [](policy& p) { p.purposes[0].retention.days = 3650; }},
      {"another transfer country", [](policy& p) { p.vendors[0].transfer_country = "IN"; }},
      {"a purpose becoming a sale", [](policy& p) { p.purposes[2].sale_or_sharing = true; }},
      {"a purpose becoming not refusable", [](policy& p) { p.purposes[4].refusable = false; }},
      {"a category becoming special", [](policy& p) { p.data_categories[2].special = true; }},
      {"a new vendor host", [](policy& p) { p.vendors[0].hosts.push_back("cdn.stats.example.com"); }},
      {"a new URL pattern", [](policy& p) { p.vendors[0].url_patterns.push_back("||cdn.example.net/stats/*"); }},
      {"a vendor serving another purpose", [](policy& p) { p.vendors[0].purposes.push_back("advertising"); }},
      {"a purpose removed", [](policy& p) { p.purposes.pop_back(); }},
  };
  for (const auto& c : material) {
    CAPTURE(c.what);
    auto changed = original;
    c.apply(changed);
    const auto after = compute_policy_hashes(changed);
    CHECK(after.material_hash != before.material_hash);
    CHECK(after.policy_hash != before.policy_hash);
  }
}

TEST_CASE("policy hashes: a string that is not UTF-8 gives empty hashes, which match nothing") {
  auto document = example_policy();
  document.vendors[0].name = "bad \xff name";
  const auto hashes = compute_policy_hashes(document);
  CHECK(hashes.policy_hash.empty());
  CHECK(hashes.material_hash.empty());
}
