// Policy diff: each kind of edit, applied to a copy of a policy, gives the changes and
// the class that diff.hpp defines. Table-driven: one row per edit.
#include "consentry/diff.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "consentry/json_io.hpp"
#include "policies.hpp"

using namespace consentry;

namespace {

purpose& purpose_named(policy& p, const std::string& id) {
  for (auto& x : p.purposes) {
    if (x.id == id) return x;
  }
  FAIL("no purpose " << id);
  return p.purposes.front();
}
vendor& vendor_named(policy& p, const std::string& id) {
  for (auto& x : p.vendors) {
    if (x.id == id) return x;
  }
  FAIL("no vendor " << id);
  return p.vendors.front();
}

vendor new_vendor(const std::string& id, const std::string& purpose_id) {
  vendor v;
  v.id = id;
  v.name = "New " + id;
  v.purposes = {purpose_id};
  v.hosts = {id + ".example"};
  v.privacy_policy_url = "https://" + id + ".example/privacy";
  v.transfer_country = "US";
  return v;
}

struct expectation {
  const char* edit;
  std::function<void(policy&)> apply;
  std::size_t material;
  std::size_t editorial;
  const char* first_summary;  // the first change's summary must contain this
};

}  // namespace

TEST_CASE("diff: an identical policy, and a new version number alone, have no change") {
  const auto before = test::load_fixture_policy("sample");
  auto after = before;
  after.version = "9.9.9";
  after.effective_date = "2030-01-01";
  const auto diff = diff_policies(before, after);
  CHECK(diff.changes.empty());
  CHECK_FALSE(diff.material());
  CHECK(diff.from_version == "2.1.0");
  CHECK(diff.to_version == "9.9.9");
}

TEST_CASE("diff: each edit is classed material or editorial") {
  const auto before = test::load_fixture_policy("sample");
  const expectation rows[] = {
      {"one vendor added (and listed by its purpose)",
       [](policy& p) {
         p.vendors.push_back(new_vendor("newco", "analytics"));
         purpose_named(p, "analytics").vendors.push_back("newco");
       },
       1, 0, "new vendor \"New newco\""},
      {"a vendor removed", [](policy& p) {
         p.vendors.erase(p.vendors.begin());
         purpose_named(p, "analytics").vendors.clear();
       },
       0, 2, "purpose \"analytics\" changed: vendors"},
      {"an existing vendor serves one more purpose",
       [](policy& p) {
         purpose_named(p, "improvement").vendors.push_back("metrics");
         vendor_named(p, "metrics").purposes.push_back("improvement");
       },
       1, 0, "vendor \"metrics\" now receives data for purpose \"improvement\""},
      {"a new purpose", [](policy& p) {
         auto extra = p.purposes.back();
         extra.id = "research";
         p.purposes.push_back(extra);
       },
       1, 0, "new purpose \"research\""},
      {"a purpose removed", [](policy& p) { p.purposes.erase(p.purposes.begin() + 4); }, 0, 1, "removed"},
      {"a legal basis changed", [](policy& p) { purpose_named(p, "improvement").basis = legal_basis::consent; }, 1, 0,
       "from legitimate_interest to consent"},
      {"a longer retention", [](policy& p) {
         auto& r = purpose_named(p, "advertising").retention;
         r.days = 365;
         r.description.values["en"] = "One year.";
       },
       1, 0, "kept longer: 90 days before, 365 days now"},
      {"a bounded retention made unbounded", [](policy& p) { purpose_named(p, "security").retention.days.reset(); }, 1,
       0, "no fixed period now"},
      {"a shorter retention", [](policy& p) { purpose_named(p, "advertising").retention.days = 30; }, 0, 1,
       "changed: retention"},
      {"a new transfer country", [](policy& p) { vendor_named(p, "metrics").transfer_country = "US"; }, 1, 0,
       "now sends data to US (before: IE)"},
      {"a new data category for a purpose, already in the policy",
       [](policy& p) { purpose_named(p, "analytics").data_categories.push_back("identity"); }, 1, 0,
       "now uses data category \"identity\""},
      {"a data category new to the policy, used by two purposes",
       [](policy& p) {
         data_category c;
         c.id = "location";
         c.title.values["en"] = "Location";
         c.description.values["en"] = "Where you are.";
         c.dpv_category = "dpv-pd:Location";
         p.data_categories.push_back(c);
         purpose_named(p, "analytics").data_categories.push_back("location");
         purpose_named(p, "advertising").data_categories.push_back("location");
       },
       1, 0, "new data category \"location\""},
      {"a purpose reworded", [](policy& p) { purpose_named(p, "analytics").description.values["en"] = "Counting."; }, 0,
       1, "purpose \"analytics\" changed: description"},
      {"a section reworded", [](policy& p) { p.notice.sections[0].blocks[0].text->values["fr"] = "Autre texte."; }, 0,
       1, "section \"about\" reworded: blocks"},
      {"a nested section's heading", [](policy& p) { p.notice.sections[1].sections[0].heading.values["en"] = "Trackers"; },
       0, 1, "section \"cookies\" reworded: heading"},
      {"a section added", [](policy& p) {
         auto s = p.notice.sections.back();
         s.id = "transfers";
         p.notice.sections.push_back(s);
       },
       0, 1, "new section \"transfers\""},
      {"the controller's contact", [](policy& p) { p.controller.email = "dpo@northwind.example"; }, 0, 1,
       "controller changed"},
  };
  for (const auto& row : rows) {
    const std::string edit = row.edit;
    CAPTURE(edit);
    auto after = before;
    row.apply(after);
    const auto diff = diff_policies(before, after);
    std::string summaries;
    for (const auto& c : diff.changes) summaries += c.summary + "; ";
    CAPTURE(summaries);
    CHECK(diff.count(change_class::material) == row.material);
    CHECK(diff.count(change_class::editorial) == row.editorial);
    CHECK(diff.material() == (row.material > 0));
    REQUIRE_FALSE(diff.changes.empty());
    CHECK(diff.changes.front().summary.find(row.first_summary) != std::string::npos);
  }
}

TEST_CASE("diff: the JSON form names subject, kind and class") {
  const auto before = test::load_fixture_policy("sample");
  auto after = before;
  purpose_named(after, "improvement").basis = legal_basis::consent;
  const auto j = json_io::write(diff_policies(before, after));
  REQUIRE(j["changes"].size() == 1);
  CHECK(j["changes"][0]["subject"] == "purpose");
  CHECK(j["changes"][0]["id"] == "improvement");
  CHECK(j["changes"][0]["kind"] == "changed");
  CHECK(j["changes"][0]["classification"] == "material");
  CHECK(j["changes"][0]["fields"] == json_io::json::array({"basis"}));
}
