// Fuzz target: the RFC 8785 canonicaliser. The canonical form of any accepted text is
// JSON that the strict parser accepts, whose own canonical form is itself (RFC 8785 §3.2
// is a fixed point), and that canonicalising the parsed value gives the same bytes.
#include "consentry/jcs.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace consentry;
  const auto text = fuzz::as_text(data, size);
  auto canonical = canonicalize(text);
  if (!canonical) {
    CONSENTRY_FUZZ_CHECK(!canonical.error().message.empty());
    return 0;
  }
  auto parsed = parse_json(text);
  CONSENTRY_FUZZ_CHECK(parsed.has_value());
  auto from_value = canonicalize_value(*parsed);
  CONSENTRY_FUZZ_CHECK(from_value.has_value());
  CONSENTRY_FUZZ_CHECK(*from_value == *canonical);

  auto reparsed = parse_json(*canonical);
  CONSENTRY_FUZZ_CHECK(reparsed.has_value());
  auto twice = canonicalize(*canonical);
  CONSENTRY_FUZZ_CHECK(twice.has_value());
  CONSENTRY_FUZZ_CHECK(*twice == *canonical);
  return 0;
}
