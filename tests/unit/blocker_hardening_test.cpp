// The tracker engine on the inputs the fuzz targets fuzz/url_match.cpp and
// fuzz/rule_image.cpp found mishandled: a page URL with more dots than the engine keeps
// labels, and a rules image whose checksum is right but whose vendor index names a
// filter of a list.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

// The image's layout and checksum, so that the test can alter an image as an attacker
// would: bytes changed, checksum recomputed.
#include "../../core/src/detail/blocker_image.hpp"
#include "consentry/blocker.hpp"
#include "fixtures.hpp"
#include "image_bytes.hpp"


namespace {

using namespace consentry;

compiled_rules compile_engine_fixture(std::string_view list) {
  const auto text = test::read_file(test::source_dir() / "tests/fixtures/policies/engine/policy.json");
  auto document = load_policy(text, "engine/policy.json");
  REQUIRE(document.has_value());
  const rule_list lists[] = {{"list.txt", list}};
  auto compiled = compile_rules(&*document, lists);
  REQUIRE(compiled.has_value());
  return std::move(*compiled);
}


/// An 8-byte aligned copy of an image, as `blocker::load` requires.
struct aligned_image {
  std::vector<std::uint64_t> words;
  std::size_t size;
  explicit aligned_image(const std::vector<std::uint8_t>& bytes) : words((bytes.size() + 7) / 8), size(bytes.size()) {
    std::memcpy(words.data(), bytes.data(), bytes.size());
  }
  std::span<const std::uint8_t> span() const { return {reinterpret_cast<const std::uint8_t*>(words.data()), size}; }
};

}  // namespace

TEST_CASE("engine: a page host with more than 128 dots is matched without overflow (found by fuzz_url_match)") {
  const auto compiled = compile_engine_fixture("||tracker.example^\nexample.*/ads/\n");
  const aligned_image image(compiled.image);
  auto engine = blocker::load(image.span());
  REQUIRE(engine.has_value());
  // The fuzzer's input, "type\nurl\npage", kept in fuzz/regressions: its page host has a
  // long label, then 140 dots around a few short labels.
  const auto input = test::read_file(test::source_dir() / "fuzz/regressions/url_match/page-host-many-dots");
  const auto first = input.find('\n'), second = input.find('\n', first + 1);
  REQUIRE(second != std::string::npos);
  const auto url = std::string_view(input).substr(first + 1, second - first - 1);
  const auto page = std::string(input.substr(second + 1));
  const auto v = engine->match(url, request_type::script, page);
  CHECK(v.kind == verdict_kind::allow);
  CHECK(engine->match(url, request_type::script, page_context(page)).kind == v.kind);

  const std::string pages[] = {page, "https://a" + std::string(300, '.') + "example.co.uk/",
                               "https://" + std::string(200, 'a') + std::string(200, '.') + "com"};
  for (const auto& p : pages) {
    CAPTURE(p);
    const auto tracker = engine->match("https://tracker.example/pixel.gif", request_type::image, p);
    CHECK(tracker.kind == verdict_kind::undisclosed);
    const auto style = engine->match("https://shop.example/style.css", request_type::stylesheet, page_context(p));
    CHECK(style.kind == verdict_kind::allow);
  }
}

TEST_CASE("engine: an image whose vendor index names a list filter is refused, checksum or not (found by fuzz_rule_image)") {
  namespace image = detail::image;
  const auto compiled = compile_engine_fixture("||tracker.example^$third-party\n@@||tracker.example/ok/\n&ad_type=\n");
  const auto& original = compiled.image;
  // Where the vendor realm keeps its values and its common value.
  const auto section_count = test::read_at<std::uint32_t>(original, offsetof(image::header, section_count));
  std::uint32_t values_offset = 0, values_count = 0, header_offset = 0, filter_count = 0;
  for (std::uint32_t i = 0; i < section_count; ++i) {
    const auto entry = test::read_at<image::section_entry>(original, sizeof(image::header) + i * sizeof(image::section_entry));
    if (entry.kind == image::index_section(image::realm::vendor, image::part_values))
      values_offset = entry.offset, values_count = entry.count;
    if (entry.kind == image::index_section(image::realm::vendor, image::part_header)) header_offset = entry.offset;
    if (entry.kind == static_cast<std::uint32_t>(image::section::filters)) filter_count = entry.count;
  }
  REQUIRE(header_offset > 0);
  REQUIRE(filter_count > 0);

  // Point the vendor realm's first value, and its common value, at each filter in turn,
  // with the checksum recomputed as an attacker would.
  int refused = 0, loaded = 0;
  for (std::uint32_t id = 0; id < filter_count; ++id) {
    for (const std::size_t at : {std::size_t{values_offset}, header_offset + offsetof(image::index_header, common_value)}) {
      if (at == values_offset && values_count == 0) continue;
      auto bytes = original;
      test::write_at(bytes, at, id);
      test::reseal(bytes);
      const aligned_image copy(bytes);
      auto engine = blocker::load(copy.span());
      if (!engine) {
        CHECK(engine.error().code == image_error_code::inconsistent);
        ++refused;
        continue;
      }
      ++loaded;
      // What loads names a real vendor whenever it blocks for one.
      for (const char* url : {"https://stats.measure.example/pixel.gif", "https://ads.network.example/ad.js",
                              "https://tracker.example/x?ad_type=1", "https://shop.example/"}) {
        const auto v = engine->match(url, request_type::image, "https://shop.example/");
        if (v.kind == verdict_kind::block) CHECK(v.vendor < engine->vendor_count());
      }
    }
  }
  CHECK(refused > 0);  // the list's filters
  CHECK(loaded > 0);   // the vendors' own
}
