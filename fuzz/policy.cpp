// Fuzz target: a policy file, from text to every output made of it. A policy is written
// by people and may come from anyone who sends one to `consentry lint` or the preview:
// loading, linting, hashing and rendering it must never crash, its HTML must be inert,
// and a policy that loads must write out as JSON that loads again to the same document.
#include <string>

#include "consentry/hash.hpp"
#include "consentry/notice.hpp"
#include "consentry/policy.hpp"
#include "fuzz_support.hpp"

namespace {

/// The HTML of a policy is inert whatever the policy says: no script element, and every
/// link an anchor, an e-mail address or a web address (load_policy checks the URLs).
void check_inert_html(const std::string& html) {
  CONSENTRY_FUZZ_CHECK(html.find("<script") == std::string::npos);
  constexpr std::string_view attribute = "href=\"";
  for (auto at = html.find(attribute); at != std::string::npos; at = html.find(attribute, at + 1)) {
    const auto value = std::string_view(html).substr(at + attribute.size());
    CONSENTRY_FUZZ_CHECK(value.starts_with('#') || value.starts_with("mailto:") || value.starts_with("https://") ||
                         value.starts_with("http://"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace consentry;
  const auto text = fuzz::as_text(data, size);
  auto loaded = load_policy(text, "fuzz.json");
  if (!loaded) return 0;
  const auto& document = *loaded;

  const auto problems = lint_policy(document, "fuzz.json");
  (void)problems;
  const auto hashes = compute_policy_hashes(document);
  CONSENTRY_FUZZ_CHECK(hashes.policy_hash.empty() || is_sha256_hex(hashes.policy_hash));

  // Every renderer, in the default language and in one the policy may lack.
  for (const char* language : {"", "fr", "x-unknown"}) {
    render_options options;
    options.language = language;
    (void)render_notice_text(document, options);
    (void)render_notice_markdown(document, options);
    check_inert_html(render_notice_html(document, options));
  }

  const auto written = to_json(document).dump();
  auto reloaded = load_policy(written, "fuzz-again.json");
  CONSENTRY_FUZZ_CHECK(reloaded.has_value());
  CONSENTRY_FUZZ_CHECK(to_json(*reloaded).dump() == written);
  CONSENTRY_FUZZ_CHECK(compute_policy_hashes(*reloaded) == hashes);
  return 0;
}
