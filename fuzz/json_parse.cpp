// Fuzz target: the strict JSON parser, the front door of every outside input of the core
// (policy files, stored state, receipts). Anything it accepts must write out as JSON that
// it accepts again as the same value, and be what nlohmann's own parser makes of the
// text; what it refuses as a syntax error, nlohmann's parser refuses too (the strict
// parser builds the tree itself, json_parse.cpp).
#include "consentry/json_parse.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace consentry;
  const auto text = fuzz::as_text(data, size);
  const auto reference = json::parse(text.begin(), text.end(), nullptr, false);
  // A small depth limit too, so that the limit's own path is explored.
  for (const std::size_t depth : {std::size_t{64}, std::size_t{4}}) {
    json_parse_options options;
    options.max_depth = depth;
    auto parsed = parse_json(text, options);
    if (!parsed) {
      const auto& error = parsed.error();
      CONSENTRY_FUZZ_CHECK(!error.message.empty());
      CONSENTRY_FUZZ_CHECK(!error.location().empty());
      CONSENTRY_FUZZ_CHECK(error.line == 0 || error.column >= 1);
      if (error.line != 0) CONSENTRY_FUZZ_CHECK(reference.is_discarded());
      continue;
    }
    CONSENTRY_FUZZ_CHECK(!reference.is_discarded() && reference == *parsed);
    const auto written = parsed->dump();
    auto again = parse_json(written, options);
    CONSENTRY_FUZZ_CHECK(again.has_value());
    CONSENTRY_FUZZ_CHECK(*again == *parsed);
  }
  return 0;
}
