// The rules image: written deterministically, loaded in place at its exact size, and
// every damaged or foreign image refused with its typed error, never read out of bounds.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "../../core/src/detail/blocker_image.hpp"
#include "consentry/blocker.hpp"
#include "fixtures.hpp"
#include "image_bytes.hpp"

namespace {

using namespace consentry;
namespace image = consentry::detail::image;
using test::read_at;
using test::reseal;
using test::write_at;

const char* const sample_rules =
    "||ads.example.com^\n"
    "||tracker.test^$third-party\n"
    "||cdn.test/ads/*$important\n"
    "@@||cdn.test/ads/ok.js\n"
    "/banner.$image,domain=news.test|~sports.news.test\n"
    "/\\/t\\/[0-9a-f]{8}$/$xmlhttprequest\n"
    "/pixel.gif?\n"
    "/pixel.png?\n"
    "*$ping,third-party\n"
    "0.0.0.0 hosts.test\n";

std::vector<std::uint8_t> compile_sample() {
  const rule_list lists[] = {{"sample", sample_rules}};
  auto compiled = compile_rules(nullptr, lists);
  REQUIRE(compiled.has_value());
  return compiled->image;
}

/// An 8-byte aligned copy of exactly `size` bytes of `bytes`, so that AddressSanitizer
/// sees any read past the image's end.
struct exact_image {
  explicit exact_image(std::span<const std::uint8_t> bytes, std::size_t size)
      : storage(new std::uint64_t[(size + 7) / 8 + 1]) {
    std::memcpy(storage.get(), bytes.data(), std::min(size, bytes.size()));
    view = {reinterpret_cast<const std::uint8_t*>(storage.get()), size};
  }
  std::unique_ptr<std::uint64_t[]> storage;
  std::span<const std::uint8_t> view;
};

image_error_code load_error(std::span<const std::uint8_t> bytes) {
  exact_image copy(bytes, bytes.size());
  auto loaded = blocker::load(copy.view);
  REQUIRE_FALSE(loaded.has_value());
  CHECK_FALSE(loaded.error().message.empty());
  return loaded.error().code;
}



image::section_entry section_of(const std::vector<std::uint8_t>& bytes, std::uint32_t kind, std::size_t* at = nullptr) {
  const auto count = read_at<std::uint32_t>(bytes, offsetof(image::header, section_count));
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t offset = sizeof(image::header) + i * sizeof(image::section_entry);
    const auto entry = read_at<image::section_entry>(bytes, offset);
    if (entry.kind == kind) {
      if (at) *at = offset;
      return entry;
    }
  }
  FAIL("no section of kind " << kind);
  return {};
}

}  // namespace

TEST_CASE("rules image: the same rules give the same bytes, and they load at their exact size") {
  const auto first = compile_sample();
  const auto second = compile_sample();
  CHECK(first == second);
  CHECK(first.size() % 8 == 0);
  CHECK(read_at<std::uint64_t>(first, offsetof(image::header, image_size)) == first.size());
  CHECK(std::memcmp(first.data(), image::magic, sizeof(image::magic)) == 0);
  CHECK(read_at<std::uint32_t>(first, offsetof(image::header, format_version)) == image::format_version);

  const rule_list lists[] = {{"sample", sample_rules}};
  auto compiled = compile_rules(nullptr, lists);
  REQUIRE(compiled.has_value());
  CHECK(compiled->report.image_size == first.size());
  CHECK(compiled->report.filters > 0);

  exact_image copy(first, first.size());
  auto engine = blocker::load(copy.view);
  REQUIRE(engine.has_value());
  CHECK(engine->image_size() == first.size());
  CHECK(engine->filter_count() == compiled->report.filters);
  CHECK(engine->match("https://ads.example.com/x", request_type::script, "https://a.test/").kind ==
        verdict_kind::undisclosed);
  CHECK(engine->match("https://x.test/t/0123abcd", request_type::xmlhttprequest, "https://a.test/").kind ==
        verdict_kind::undisclosed);
  const auto excepted = engine->match("https://cdn.test/ads/ok.js", request_type::script, "https://a.test/");
  CHECK(excepted.kind == verdict_kind::undisclosed);  // $important over the exception
  CHECK(engine->describe_filter(excepted) == "||cdn.test/ads/$important");  // a final `*` adds nothing
  const auto plain = engine->match("https://www.hosts.test/x", request_type::image, "https://a.test/");
  CHECK(engine->describe_filter(plain) == "||hosts.test^");
  CHECK(plain.rule_host == "hosts.test");
  CHECK(plain.host == "www.hosts.test");
}

TEST_CASE("rules image: an empty rule set is an image too") {
  auto compiled = compile_rules(nullptr, {});
  REQUIRE(compiled.has_value());
  auto engine = blocker::load(compiled->image);
  REQUIRE(engine.has_value());
  CHECK(engine->filter_count() == 0);
  CHECK(engine->match("https://a.test/", request_type::script, "https://b.test/").kind == verdict_kind::allow);
  const blocker unloaded;
  CHECK(unloaded.match("https://a.test/", request_type::script, "https://b.test/").kind == verdict_kind::allow);
}

TEST_CASE("rules image: truncated at every length, it is refused as truncated") {
  const auto bytes = compile_sample();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    CAPTURE(size);
    CHECK(load_error(std::span(bytes).first(size)) == image_error_code::truncated);
  }
}

TEST_CASE("rules image: a byte changed anywhere is refused with the error of where it is") {
  const auto bytes = compile_sample();
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      CAPTURE(at);
      auto damaged = bytes;
      damaged[at] ^= flip;
      const auto code = load_error(damaged);
      if (at < 8) {
        CHECK(code == image_error_code::bad_magic);
      } else if (at < 12) {
        CHECK(code == image_error_code::unsupported_version);
      } else if (at >= 16 && at < 24) {
        CHECK((code == image_error_code::truncated || code == image_error_code::inconsistent));
      } else {
        CHECK(code == image_error_code::bad_checksum);
      }
    }
  }
}

TEST_CASE("rules image: foreign, newer, padded and misaligned images are refused") {
  const auto bytes = compile_sample();
  auto foreign = bytes;
  std::memcpy(foreign.data(), "GIF89a\0\0", 8);
  CHECK(load_error(foreign) == image_error_code::bad_magic);
  CHECK(load_error(std::vector<std::uint8_t>(bytes.size(), 0)) == image_error_code::bad_magic);

  auto newer = bytes;
  write_at<std::uint32_t>(newer, offsetof(image::header, format_version), image::format_version + 1);
  reseal(newer);
  CHECK(load_error(newer) == image_error_code::unsupported_version);

  auto padded = bytes;
  padded.resize(bytes.size() + 8, 0);
  CHECK(load_error(padded) == image_error_code::inconsistent);

  std::vector<std::uint64_t> storage(bytes.size() / 8 + 2);
  auto* shifted = reinterpret_cast<std::uint8_t*>(storage.data()) + 1;
  std::memcpy(shifted, bytes.data(), bytes.size());
  auto loaded = blocker::load({shifted, bytes.size()});
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().code == image_error_code::misaligned);
}

TEST_CASE("rules image: offsets and counts out of bounds are refused though the checksum holds") {
  const auto bytes = compile_sample();
  auto kind = [](image::section s) { return static_cast<std::uint32_t>(s); };

  SUBCASE("a section past the end") {
    auto damaged = bytes;
    std::size_t at = 0;
    section_of(damaged, kind(image::section::filters), &at);
    write_at<std::uint32_t>(damaged, at + offsetof(image::section_entry, offset),
                            static_cast<std::uint32_t>(bytes.size()));
    reseal(damaged);
    CHECK(load_error(damaged) == image_error_code::inconsistent);
  }
  SUBCASE("a section of unknown kind") {
    auto damaged = bytes;
    std::size_t at = 0;
    section_of(damaged, kind(image::section::summary), &at);
    write_at<std::uint32_t>(damaged, at + offsetof(image::section_entry, kind), 999);
    reseal(damaged);
    CHECK(load_error(damaged) == image_error_code::inconsistent);
  }
  SUBCASE("a section count that does not fit its size") {
    auto damaged = bytes;
    std::size_t at = 0;
    const auto entry = section_of(damaged, kind(image::section::filters), &at);
    write_at<std::uint32_t>(damaged, at + offsetof(image::section_entry, count), entry.count + 1);
    reseal(damaged);
    CHECK(load_error(damaged) == image_error_code::inconsistent);
  }
  SUBCASE("a filter's pattern past the strings") {
    auto damaged = bytes;
    const auto filters = section_of(damaged, kind(image::section::filters));
    const auto strings = section_of(damaged, kind(image::section::strings));
    bool patched = false;
    for (std::uint32_t i = 0; i < filters.count && !patched; ++i) {
      const std::size_t at = filters.offset + i * sizeof(image::filter);
      auto f = read_at<image::filter>(damaged, at);
      if (f.flags & (image::flag_plain | image::flag_regex)) continue;
      f.pattern_offset = strings.size;
      write_at(damaged, at, f);
      patched = true;
    }
    REQUIRE(patched);
    reseal(damaged);
    CHECK(load_error(damaged) == image_error_code::inconsistent);
  }
  SUBCASE("a regex program whose jump leaves it") {
    auto damaged = bytes;
    const auto code = section_of(damaged, kind(image::section::regex_code));
    REQUIRE(code.count > 3);
    // The program's first instruction: make it a jump far past its end.
    write_at<std::uint32_t>(damaged, code.offset + 8, 5u | (60000u << 8));
    reseal(damaged);
    CHECK(load_error(damaged) == image_error_code::inconsistent);
  }
  SUBCASE("a directory entry past the keys") {
    auto damaged = bytes;
    const auto directory = section_of(damaged, image::index_section(image::realm::block, image::part_directory));
    write_at<std::uint32_t>(damaged, directory.offset, 1u << 30);
    reseal(damaged);
    CHECK(load_error(damaged) == image_error_code::inconsistent);
  }
  SUBCASE("a value naming a filter that is not there") {
    auto damaged = bytes;
    const auto values = section_of(damaged, image::index_section(image::realm::block, image::part_values));
    REQUIRE(values.count > 0);
    write_at<std::uint32_t>(damaged, values.offset, 0x7FFF'FFF0u);
    reseal(damaged);
    CHECK(load_error(damaged) == image_error_code::inconsistent);
  }
  SUBCASE("value ranks that do not count the value bits") {
    auto damaged = bytes;
    const auto ranks = section_of(damaged, image::index_section(image::realm::block, image::part_value_ranks));
    REQUIRE(ranks.count > 0);
    write_at<std::uint32_t>(damaged, ranks.offset, 7u);
    reseal(damaged);
    CHECK(load_error(damaged) == image_error_code::inconsistent);
  }
  SUBCASE("a postings list longer than the postings") {
    auto damaged = bytes;
    const auto postings = section_of(damaged, kind(image::section::postings));
    REQUIRE(postings.count > 0);
    write_at<std::uint32_t>(damaged, postings.offset, postings.count + 5);
    reseal(damaged);
    CHECK(load_error(damaged) == image_error_code::inconsistent);
  }
}
