// Fuzz target: URL matching, the hot path every request of a page goes through, with
// URLs and page URLs that page scripts choose. The engine is compiled once, at start-up,
// from the engine test policy's vendors and EasyPrivacy (the shared test data), so that
// the inputs meet a real index. An input is "type\nurl\npage": the request type's name
// (or any text), the URL and the page's URL.
#include "consentry/policy.hpp"
#include "engine_support.hpp"
#include "fixtures.hpp"

namespace {

struct engine_state {
  std::vector<std::uint8_t> image;
  consentry::blocker engine;
};
engine_state* state = nullptr;

[[noreturn]] void setup_failed(const char* why) {
  std::fprintf(stderr, "fuzz_url_match: setup: %s\n", why);
  std::exit(2);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace consentry;
  const auto policy_text = test::read_file(CONSENTRY_SOURCE_DIR "/tests/fixtures/policies/engine/policy.json");
  auto document = load_policy(policy_text, "engine/policy.json");
  if (!document) setup_failed("cannot load the engine test policy");
  const auto list = test::read_file(CONSENTRY_SHARED_DIR "/testdata/lists/easyprivacy.txt");
  if (list.empty()) setup_failed("cannot read " CONSENTRY_SHARED_DIR "/testdata/lists/easyprivacy.txt");
  const rule_list lists[] = {{"easyprivacy.txt", list}};
  auto compiled = compile_rules(&*document, lists);
  if (!compiled) setup_failed("cannot compile the rules");
  state = new engine_state{std::move(compiled->image), {}};
  auto loaded = blocker::load(state->image);
  if (!loaded) setup_failed("cannot load the compiled image");
  state->engine = *loaded;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace consentry;
  const auto text = fuzz::as_text(data, size);
  const auto first = text.find('\n');
  const auto type_name = text.substr(0, first);
  const auto rest = first == std::string_view::npos ? std::string_view() : text.substr(first + 1);
  const auto second = rest.find('\n');
  const auto url = rest.substr(0, second);
  const auto page = second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);
  const auto type = request_type_from_name(type_name).value_or(request_type::other);
  CONSENTRY_FUZZ_CHECK(request_type_from_name(name_of(type)) == type);

  fuzz::match_and_check(state->engine, url, type, page);

  const auto host = url_host(url);
  CONSENTRY_FUZZ_CHECK(host.empty() || (host.data() >= url.data() && host.data() + host.size() <= url.data() + url.size()));
  const auto domain = registrable_domain(host);
  // The registrable domain is the host or a suffix of it at a label boundary.
  CONSENTRY_FUZZ_CHECK(host.ends_with(domain));
  CONSENTRY_FUZZ_CHECK(domain.size() == host.size() || host[host.size() - domain.size() - 1] == '.');
  return 0;
}
