// The AloPal policy as data (policy-data/alopal/): its notice holds every sentence of
// the organisation's own text in order, and its facts are the ones that text states.
// Runs natively and in wasm, so both builds read and render the same document.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "consentry/notice.hpp"
#include "consentry/policy.hpp"
#include "fixtures.hpp"

namespace {

using namespace consentry;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/// Runs of white space become one space; the ends are trimmed.
std::string normalize(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

/// The sentences of `text`: by line, then after ". ", "? ", "! " and "; " (the split
/// of tests/support/sentences.mjs). Empty lines give none.
std::vector<std::string> split_sentences(std::string_view text) {
  std::vector<std::string> sentences;
  const auto add = [&](std::string_view piece) {
    if (auto sentence = normalize(piece); !sentence.empty()) sentences.push_back(std::move(sentence));
  };
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    auto line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const auto line = text.substr(line_start, line_end - line_start);
    std::size_t start = 0;
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
      const char c = line[i];
      if ((c == '.' || c == '?' || c == '!' || c == ';') && line[i + 1] == ' ') {
        add(line.substr(start, i + 1 - start));
        start = i + 1;
      }
    }
    add(line.substr(start));
    line_start = line_end + 1;
  }
  return sentences;
}

struct missing_sentence {
  std::size_t index;
  std::string sentence;
};

/// The first sentence of `source` not found in `rendered` after the one before it.
std::optional<missing_sentence> first_missing(std::string_view source, std::string_view rendered) {
  const auto haystack = normalize(rendered);
  const auto sentences = split_sentences(source);
  std::size_t from = 0;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const auto at = haystack.find(sentences[i], from);
    if (at == std::string::npos) return missing_sentence{i, sentences[i]};
    from = at + sentences[i].size();
  }
  return std::nullopt;
}

std::string source_text() { return test::read_file(test::source_dir() / "policy-data/alopal/source.txt"); }

std::string join(const diagnostics& found) {
  std::string out;
  for (const auto& d : found) out += format(d) + "\n";
  return out;
}

const policy& alopal() {
  static const policy loaded = [] {
    const test::exact_buffer text(test::read_file(test::source_dir() / "policy-data/alopal/policy.json"));
    auto result = load_policy(text.view(), "policy-data/alopal/policy.json");
    REQUIRE_MESSAGE(result.has_value(), (result ? std::string() : join(result.error())));
    return *result;
  }();
  return loaded;
}

const std::string& en(const localized_text& text) { return text.in("en", "en"); }

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

const cookie* find_cookie(const vendor& v, std::string_view name) {
  for (const auto& c : v.cookies) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("alopal: source.txt splits into its sentences") {
  const auto sentences = split_sentences(source_text());
  REQUIRE(sentences.size() > 200);
  CHECK(sentences.front() == "Privacy Policy");
  CHECK(contains(sentences, "We do not exchange or sell personal information."));
  CHECK(contains(sentences, "run, grow and develop our business;"));
  CHECK(sentences.back() ==
        "Suggest that you may receive a different price or rate for goods or services or a different level or "
        "quality of goods or services.");
  CHECK(split_sentences("One. Two;  three? Four! e.g.x\n\n  Five\r\n") ==
        std::vector<std::string>{"One.", "Two;", "three?", "Four!", "e.g.x", "Five"});
}

TEST_CASE("alopal: every sentence of source.txt appears, in order, in the notice rendered as text") {
  const auto rendered = render_notice_text(alopal());
  const auto missing = first_missing(source_text(), rendered);
  if (missing) {
    FAIL("sentence " << missing->index + 1 << " of source.txt is missing or out of order: \"" << missing->sentence
                     << "\"");
  }
}

TEST_CASE("alopal: the sentence check catches a sentence that is dropped") {
  auto changed = alopal();
  // "Phishing" is a heading whose one paragraph the check must miss once it is gone.
  auto phishing = std::find_if(changed.notice.sections.begin(), changed.notice.sections.end(),
                               [](const section& s) { return s.id == "phishing"; });
  REQUIRE(phishing != changed.notice.sections.end());
  REQUIRE(phishing->blocks.size() == 1);
  phishing->blocks.front().text->values["en"] = "Be careful.";
  const auto missing = first_missing(source_text(), render_notice_text(changed));
  REQUIRE(missing.has_value());
  CHECK(missing->sentence ==
        "Online identity theft and account hacking, including the practice currently known as “phishing”, are of "
        "great concern.");
}

TEST_CASE("alopal: the notice keeps the structure of the text") {
  const auto& notice = alopal().notice;
  CHECK(en(notice.title) == "Privacy Policy");
  REQUIRE(notice.sections.size() == 19);
  CHECK(en(notice.sections.front().heading) == "1- About Your Privacy and This Privacy Policy");
  CHECK(en(notice.sections.back().heading) == "Non-Discrimination");
  // The legal bases are a list; the legitimate interests a list nested in its third item.
  const auto& bases = notice.sections.front().blocks.at(3);
  REQUIRE(bases.kind == block_kind::list);
  REQUIRE(bases.items.size() == 4);
  CHECK(bases.items[2].items.size() == 7);
  CHECK(en(bases.items[2].items[0].text) == "run, grow and develop our business;");
}

TEST_CASE("alopal: health-related data is a special category, used only with explicit consent") {
  const auto& doc = alopal();
  const auto* health = find_data_category(doc, "health");
  REQUIRE(health != nullptr);
  CHECK(health->special);
  CHECK(health->dpv_category == "dpv-pd:Health");
  std::vector<std::string> users;
  for (const auto& p : doc.purposes) {
    for (const auto& id : p.data_categories) {
      const auto* category = find_data_category(doc, id);
      REQUIRE(category != nullptr);
      if (!category->special) continue;
      CHECK_MESSAGE(p.basis == legal_basis::explicit_consent, p.id);
      CHECK(p.refusable);
      users.push_back(p.id);
    }
  }
  CHECK(users == std::vector<std::string>{"pal_matching"});
}

TEST_CASE("alopal: the legal bases the text states, and every consent can be refused") {
  const auto& doc = alopal();
  std::set<legal_basis> bases;
  for (const auto& p : doc.purposes) {
    bases.insert(p.basis);
    if (needs_consent(p.basis) || p.basis == legal_basis::legitimate_interest) CHECK_MESSAGE(p.refusable, p.id);
    CHECK_MESSAGE(p.dpv_purpose.starts_with("dpv:"), p.id);
  }
  CHECK(bases == std::set<legal_basis>{legal_basis::consent, legal_basis::explicit_consent, legal_basis::contract,
                                       legal_basis::legal_obligation, legal_basis::legitimate_interest});
  // The seven legitimate interests of the nested list are purposes of their own.
  for (const auto* id : {"business_development", "site_operation", "supplier_selection", "partner_relationships",
                         "research", "marketing", "internal_administration"}) {
    const auto* p = find_purpose(doc, id);
    REQUIRE_MESSAGE(p != nullptr, id);
    CHECK(p->basis == legal_basis::legitimate_interest);
  }
  for (const auto* id : {"marketing_communications", "testimonials", "analytics", "advertising"}) {
    const auto* p = find_purpose(doc, id);
    REQUIRE_MESSAGE(p != nullptr, id);
    CHECK(p->basis == legal_basis::consent);
  }
  CHECK(find_purpose(doc, "payments")->basis == legal_basis::contract);
  CHECK(find_purpose(doc, "legal_compliance")->basis == legal_basis::legal_obligation);
}

TEST_CASE("alopal: the six tools the text names are vendors with their hosts and cookies") {
  const auto& doc = alopal();
  struct expected_vendor {
    const char* id;
    const char* name_part;
    std::vector<std::string> hosts;
    std::vector<std::string> cookies;
  };
  const std::vector<expected_vendor> expected{
      {"google_analytics", "Google Analytics", {"google-analytics.com", "analytics.google.com"}, {"_ga", "_ga_*", "_gid"}},
      {"google_tag_manager", "Google Tag Manager", {"googletagmanager.com"}, {}},
      {"google_ads", "AdWords", {"googleadservices.com", "googleads.g.doubleclick.net"}, {"_gcl_au"}},
      {"linkedin_insight",
       "LinkedIn",
       {"snap.licdn.com", "px.ads.linkedin.com"},
       {"li_sugr", "bcookie", "lidc", "UserMatchHistory", "AnalyticsSyncHistory", "li_fat_id"}},
      {"google_optimize", "Optimize", {"googleoptimize.com", "optimize.google.com"}, {"_gaexp"}},
      {"yoast", "Yoast", {"yoast.com"}, {}},
  };
  CHECK(doc.vendors.size() == expected.size());
  for (const auto& e : expected) {
    CAPTURE(e.id);
    const auto* v = find_vendor(doc, e.id);
    REQUIRE(v != nullptr);
    CHECK(v->name.find(e.name_part) != std::string::npos);
    for (const auto& host : e.hosts) CHECK_MESSAGE(contains(v->hosts, host), host);
    for (const auto& name : e.cookies) CHECK_MESSAGE(find_cookie(*v, name) != nullptr, name);
    CHECK(v->privacy_policy_url.starts_with("https://"));
    CHECK_FALSE(v->purposes.empty());
  }
  // The tags that track people are consent-based; Yoast runs on the site itself and sets nothing.
  for (const auto* id : {"google_analytics", "google_tag_manager", "google_ads", "linkedin_insight", "google_optimize"}) {
    for (const auto& p : find_vendor(doc, id)->purposes) CHECK_MESSAGE(find_purpose(doc, p)->basis == legal_basis::consent, p);
    CHECK(find_vendor(doc, id)->transfer_country == "US");
  }
  CHECK(find_vendor(doc, "yoast")->cookies.empty());
  CHECK(find_cookie(*find_vendor(doc, "linkedin_insight"), "bcookie")->first_party == false);
  CHECK(find_cookie(*find_vendor(doc, "google_analytics"), "_ga")->max_age_days == 730u);
}

TEST_CASE("alopal: Consent Mode and Global Privacy Control follow the purposes") {
  const auto& doc = alopal();
  CHECK(find_purpose(doc, "analytics")->consent_mode == std::vector{consent_mode_type::analytics_storage});
  CHECK(find_purpose(doc, "advertising")->consent_mode ==
        std::vector{consent_mode_type::ad_storage, consent_mode_type::ad_user_data, consent_mode_type::ad_personalization});
  for (const auto& p : doc.purposes) {
    CHECK_MESSAGE(p.sale_or_sharing == (p.id == "advertising"), p.id);
  }
  CHECK(doc.consent.expiry_days == 182u);
  REQUIRE_FALSE(doc.consent.consent_mode_regions.empty());
  for (const auto& region : doc.consent.consent_mode_regions) CHECK(region.granted.empty());
  const auto& eea = doc.consent.consent_mode_regions.front().regions;
  for (const auto* code : {"DE", "FR", "IE", "NO", "IS", "LI", "GB", "CH"}) CHECK_MESSAGE(contains(eea, code), code);
  CHECK(eea.size() == 32);
}

TEST_CASE("alopal: controller, age rule and rights") {
  const auto& doc = alopal();
  CHECK(doc.controller.name == "AloPal");
  CHECK(doc.controller.email == "privacy@alopal.net");
  CHECK(doc.age.minimum_age == 18u);
  CHECK(doc.age.parental_consent);
  CHECK_FALSE(doc.revision_date.has_value());
  CHECK(doc.default_language == "en");
  CHECK(doc.languages == std::vector<std::string>{"en"});

  const auto find_right = [&](right_kind kind) -> const right* {
    for (const auto& r : doc.rights) {
      if (r.kind == kind) return &r;
    }
    return nullptr;
  };
  const auto* opt_out = find_right(right_kind::opt_out_of_marketing);
  REQUIRE(opt_out != nullptr);
  CHECK(opt_out->email == "privacy@alopal.net");
  CHECK(opt_out->response_business_days == 10u);
  const auto* withdraw = find_right(right_kind::withdraw_consent);
  REQUIRE(withdraw != nullptr);
  CHECK(en(withdraw->how).find("profile page") != std::string::npos);
  const auto* erasure = find_right(right_kind::erasure);
  REQUIRE(erasure != nullptr);
  REQUIRE(erasure->exceptions.size() == 8);
  CHECK(en(erasure->exceptions.back()) ==
        "Make other internal and lawful uses of that information that are compatible with the context in which you "
        "provided it.");
  CHECK(find_right(right_kind::non_discrimination) != nullptr);
}

TEST_CASE("alopal: lint gives exactly the two warnings the text deserves") {
  const auto found = lint_policy(alopal(), "policy.json");
  INFO(join(found));
  REQUIRE(found.size() == 2);
  CHECK_FALSE(has_errors(found));
  CHECK(found[0].message.find("\"For payment-related purposes.\" there") != std::string::npos);
  CHECK(found[0].message.find("\"For billing-related purposes.\" here") != std::string::npos);
  CHECK(found[1].message.find("date of the last revision") != std::string::npos);
}

TEST_CASE("alopal: written back to JSON, the policy reads the same") {
  const auto written = to_json(alopal()).dump();
  auto reread = load_policy(written, "written.json");
  REQUIRE_MESSAGE(reread.has_value(), (reread ? std::string() : join(reread.error())));
  CHECK(to_json(*reread).dump() == written);
  CHECK(render_notice_text(*reread) == render_notice_text(alopal()));
}
