// Fuzz target: the binary rule-image loader. An image is read in place, without
// parsing, so the loader's checks are all that stands between damaged or hostile bytes
// and reads out of bounds. The checksum catches accidents, not an attacker, who can
// recompute it; so this target mostly fuzzes images whose checksum is right:
//  - an input that starts with the magic ("CNSRULES") is loaded as it is;
//  - any other input is a list of patches to a valid image compiled at start-up (the
//    engine test policy's vendors and a small list): each 3 bytes are a position (2
//    bytes, little-endian, modulo the size) and a byte to write there. The checksum is
//    then recomputed, so that the loader's consistency checks are what is tested.
// Whatever loads must then match requests without reading outside the image.
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "consentry/policy.hpp"
#include "detail/blocker_image.hpp"
#include "engine_support.hpp"
#include "fixtures.hpp"
#include "image_bytes.hpp"

namespace {

std::vector<std::uint8_t>* base_image = nullptr;

constexpr std::string_view base_list =
    "! a small list: every kind of rule the compiler files\n"
    "||tracker.example^$third-party\n"
    "@@||tracker.example/allowed/$script\n"
    "||cdn.example/ads/*$image,domain=shop.example|~news.example\n"
    "|https://start.example/path|\n"
    "/banner[0-9]+\\.gif/$image\n"
    "&ad_type=$important\n"
    "example.*##.ad\n"
    "0.0.0.0 hosts.example\n";

/// An 8-byte aligned copy of exactly `size` bytes: reading past it is a sanitizer error.
struct aligned_copy {
  struct free_aligned {
    void operator()(std::uint8_t* p) const noexcept { ::operator delete[](p, std::align_val_t{8}); }
  };
  std::unique_ptr<std::uint8_t[], free_aligned> bytes;
  std::size_t size;
  aligned_copy(const std::uint8_t* data, std::size_t n)
      : bytes(static_cast<std::uint8_t*>(::operator new[](n ? n : 1, std::align_val_t{8}))), size(n) {
    if (n) std::memcpy(bytes.get(), data, n);
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace consentry;
  const auto text = test::read_file(CONSENTRY_SOURCE_DIR "/tests/fixtures/policies/engine/policy.json");
  auto document = load_policy(text, "engine/policy.json");
  if (!document) {
    std::fprintf(stderr, "fuzz_rule_image: cannot load the engine test policy\n");
    std::exit(2);
  }
  const rule_list lists[] = {{"base.txt", base_list}};
  auto compiled = compile_rules(&*document, lists);
  if (!compiled) {
    std::fprintf(stderr, "fuzz_rule_image: cannot compile the base image\n");
    std::exit(2);
  }
  base_image = new std::vector<std::uint8_t>(std::move(compiled->image));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace consentry;
  namespace image = detail::image;
  const bool raw = size >= sizeof(image::magic) && std::memcmp(data, image::magic, sizeof(image::magic)) == 0;
  std::vector<std::uint8_t> bytes;
  if (raw) {
    bytes.assign(data, data + size);
  } else {
    bytes = *base_image;
    for (std::size_t i = 0; i + 3 <= size; i += 3) {
      const std::size_t position = (data[i] | std::size_t{data[i + 1]} << 8) % bytes.size();
      bytes[position] = data[i + 2];
    }
    test::reseal(bytes);
  }
  const aligned_copy copy(bytes.data(), bytes.size());
  auto engine = blocker::load({copy.bytes.get(), copy.size});
  if (!engine) {
    CONSENTRY_FUZZ_CHECK(!engine.error().message.empty());
    return 0;
  }
  fuzz::read_tables(*engine);
  for (const auto& r : fuzz::sample_requests) fuzz::match_and_check(*engine, r.url, r.type, r.page);
  return 0;
}
