#include "consentry/base64url.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "fixtures.hpp"

using consentry::base64url_decode;
using consentry::base64url_encode;

TEST_CASE("base64url: the RFC 4648 §10 vectors, unpadded") {
  const struct {
    const char* bytes;
    const char* text;
  } cases[] = {{"", ""},         {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
               {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(base64url_encode(std::string_view(c.bytes)) == c.text);
    consentry::test::exact_buffer input(c.text);
    auto decoded = base64url_decode(input.view());
    REQUIRE(decoded.has_value());
    CHECK(*decoded == c.bytes);
  }
}

TEST_CASE("base64url: uses - and _ where base64 uses + and /") {
  const std::string bytes = "\xfb\xff\xbf";
  CHECK(base64url_encode(bytes) == "-_-_");
  auto decoded = base64url_decode("-_-_");
  REQUIRE(decoded.has_value());
  CHECK(*decoded == bytes);
}

TEST_CASE("base64url: every byte string of length 0 to 64 round-trips") {
  std::uint32_t state = 12345;
  for (std::size_t length = 0; length <= 64; ++length) {
    std::string bytes;
    for (std::size_t i = 0; i < length; ++i) {
      state = state * 1103515245u + 12345u;
      bytes += static_cast<char>(state >> 16);
    }
    const auto text = base64url_encode(bytes);
    CHECK(text.size() == (length * 4 + 2) / 3);
    auto decoded = base64url_decode(text);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("base64url: non-canonical or foreign text is refused, with where") {
  const struct {
    const char* text;
    std::size_t offset;
    const char* says;
  } cases[] = {
      {"Zg==", 2, "padding"},
      {"Zm9v\n", 4, "whitespace"},
      {"Zm 9v", 2, "whitespace"},
      {"Zm9+", 3, "base64, not base64url"},
      {"Zm9/", 3, "base64, not base64url"},
      {"Zm9v!", 4, "'!'"},
      {"Zm9\xc3\xa9", 3, "byte 0xc3"},
      {"Zm9vY", 4, "length of 5"},
      {"Zh", 1, "non-zero bits"},   // 'h' leaves 4 low bits set
      {"Zm9", 2, "non-zero bits"},  // '9' leaves 2 low bits set
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    consentry::test::exact_buffer input(c.text);
    auto decoded = base64url_decode(input.view());
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().offset == c.offset);
    CHECK(decoded.error().message.find(c.says) != std::string::npos);
  }
  CHECK(base64url_decode(std::string_view("Zg\0", 3)).has_value() == false);
}

// Natively, text of 22 characters and more is decoded 16 characters at a time (SSSE3)
// up to the last few, which go the scalar way: lengths around every block boundary, each
// character of the alphabet in each lane, and a foreign byte at every position.
TEST_CASE("base64url: long text decodes the same as it encodes, and a foreign byte anywhere is found") {
  std::uint32_t state = 2024;
  const auto next = [&] {
    state = state * 1103515245u + 12345u;
    return static_cast<char>(state >> 16);
  };
  for (std::size_t length = 60; length <= 400; ++length) {
    std::string bytes;
    for (std::size_t i = 0; i < length; ++i) bytes += next();
    const auto text = base64url_encode(bytes);
    auto decoded = base64url_decode(text);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
  }
  // The 64 characters of the alphabet, each at 16 places: a known decoding, 48 bytes per row.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t shift = 0; shift < 16; ++shift) {
    const std::string text = alphabet.substr(shift) + alphabet.substr(0, shift) + alphabet;
    auto decoded = base64url_decode(text);
    REQUIRE(decoded.has_value());
    CHECK(base64url_encode(*decoded) == text);
  }
  std::string bytes;
  for (int i = 0; i < 300; ++i) bytes += next();
  const auto text = base64url_encode(bytes);
  for (const char foreign : {'=', '+', '/', ' ', '.', '@', '[', '`', '{', '\x7f', '\x80', '\xff', '\0'}) {
    for (std::size_t at = 0; at < text.size(); ++at) {
      std::string broken = text;
      broken[at] = foreign;
      auto decoded = base64url_decode(broken);
      CAPTURE(at);
      CAPTURE(static_cast<int>(static_cast<unsigned char>(foreign)));
      REQUIRE_FALSE(decoded.has_value());
      CHECK(decoded.error().offset == at);
    }
  }
}
