// Fuzz target: filter-list parsing and compiling. A list in Adblock Plus syntax or a
// hosts file comes from outside (EasyList, a site's own list); a bad line is counted and
// skipped, never fatal. So compiling any text must succeed, give the same image twice
// (no stray bytes of memory in it), load, and match without breaking a verdict's promises.
// The list's own lines are also tried as URLs, so that patterns meet text like theirs.
#include <vector>

#include "engine_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace consentry;
  const auto text = fuzz::as_text(data, size);
  const rule_list lists[] = {{"fuzz.txt", text}};
  auto compiled = compile_rules(nullptr, lists);
  CONSENTRY_FUZZ_CHECK(compiled.has_value());
  const auto& report = compiled->report;
  CONSENTRY_FUZZ_CHECK(report.lists.size() == 1);
  const auto& counts = report.lists[0];
  CONSENTRY_FUZZ_CHECK(counts.network_rules + counts.comments + counts.cosmetic_skipped +
                           counts.unsupported_skipped + counts.invalid ==
                       counts.lines);
  CONSENTRY_FUZZ_CHECK(compiled->problems.size() <= max_reported_problems);
  CONSENTRY_FUZZ_CHECK(report.image_size == compiled->image.size());

  auto again = compile_rules(nullptr, lists);
  CONSENTRY_FUZZ_CHECK(again.has_value() && again->image == compiled->image);

  auto engine = blocker::load(compiled->image);
  CONSENTRY_FUZZ_CHECK(engine.has_value());
  CONSENTRY_FUZZ_CHECK(engine->filter_count() == report.filters);
  fuzz::read_tables(*engine);
  for (const auto& r : fuzz::sample_requests) fuzz::match_and_check(*engine, r.url, r.type, r.page);
  std::size_t tried = 0;
  for (std::size_t start = 0; start < text.size() && tried < 8; ++tried) {
    const auto end = std::min(text.find('\n', start), text.size());
    const auto line = text.substr(start, end - start);
    fuzz::match_and_check(*engine, line, request_type::script, "https://shop.example/");
    fuzz::match_and_check(*engine, "https://x.example/" + std::string(line), request_type::image, line);
    start = end + 1;
  }
  return 0;
}
