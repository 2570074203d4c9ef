#include "consentry/jcs.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "fixtures.hpp"

using consentry::canonicalize;
using consentry::canonicalize_value;
using consentry::json;
using consentry::number_to_string;

namespace {
std::string canonical(std::string_view text) {
  consentry::test::exact_buffer input(text);
  auto out = canonicalize(input.view());
  if (!out) return "error: " + out.error().location() + ": " + out.error().message;
  return *out;
}
}  // namespace

TEST_CASE("jcs: the six RFC 8785 vectors, byte for byte") {
  const auto directory = consentry::test::shared_dir() / "testdata" / "jcs";
  const auto inputs = consentry::test::files_in(directory / "input", ".json");
  REQUIRE(inputs.size() == 6);
  for (const auto& input : inputs) {
    CAPTURE(input.filename().string());
    const auto expected = consentry::test::read_file(directory / "output" / input.filename());
    REQUIRE_FALSE(expected.empty());
    CHECK(canonical(consentry::test::read_file(input)) == expected);
  }
}

TEST_CASE("jcs: numbers are ECMAScript's Number::toString (RFC 8785 §3.2.2.3); expectations from Node's String(x)") {
  const struct {
    double value;
    const char* text;
  } cases[] = {
      {0.0, "0"},
      {-0.0, "0"},
      {5e-324, "5e-324"},  // the smallest subnormal
      {-5e-324, "-5e-324"},
      {1.5e-323, "1.5e-323"},
      {2.225073858507201e-308, "2.225073858507201e-308"},    // the largest subnormal
      {2.2250738585072014e-308, "2.2250738585072014e-308"},  // the smallest normal
      {1.7976931348623157e308, "1.7976931348623157e+308"},   // the largest double
      {-1.7976931348623157e308, "-1.7976931348623157e+308"},
      {1e21, "1e+21"},  // the first exponent form
      {999999999999999900000.0, "999999999999999900000"},
      {1e20, "100000000000000000000"},
      {1e-7, "1e-7"},  // the first small exponent form
      {1e-6, "0.000001"},
      {1.234e-6, "0.000001234"},
      {9007199254740992.0, "9007199254740992"},  // 2^53
      {9007199254740994.0, "9007199254740994"},
      {1e23, "1e+23"},  // not a double: the shortest that reads back
      {0.1, "0.1"},
      {1.0 / 3.0, "0.3333333333333333"},
      {0.30000000000000004, "0.30000000000000004"},
      {4.35, "4.35"},
      {1234.5678, "1234.5678"},
      {100.0, "100"},
      {295147905179352830000.0, "295147905179352830000"},  // 2^68
      {9223372036854775808.0, "9223372036854776000"},      // 2^63
      {18446744073709551616.0, "18446744073709552000"},    // 2^64
      {-1.5e300, "-1.5e+300"},
      {1.5e-7, "1.5e-7"},
      {1e-5, "0.00001"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(number_to_string(c.value) == c.text);
  }
  CHECK(number_to_string(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(number_to_string(-std::numeric_limits<double>::infinity()) == "-Infinity");
}

TEST_CASE("jcs: number literals become the double they denote, integers beyond 2^53 too (I-JSON)") {
  const struct {
    const char* text;
    const char* canonical;
  } cases[] = {
      {"[9007199254740993]", "[9007199254740992]"},  // 2^53 + 1 reads as 2^53
      {"[-9007199254740993]", "[-9007199254740992]"},
      {"[9223372036854775807]", "[9223372036854776000]"},
      {"[-9223372036854775808]", "[-9223372036854776000]"},
      {"[18446744073709551615]", "[18446744073709552000]"},  // the largest uint64
      {"[18446744073709551616]", "[18446744073709552000]"},  // beyond uint64: read as a double
      {"[-0, -0.0, 0e5, 1E+2, 1.0, 56.0, 0.000001000]", "[0,0,0,100,1,56,0.000001]"},
      {"[1e-400, -1e-400]", "[0,0]"},  // underflow rounds to zero, as JSON.parse does
      {"[1e21, 1e-7, 123456789012345678901234567890]", "[1e+21,1e-7,1.2345678901234568e+29]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(canonical(c.text) == c.canonical);
  }
}

TEST_CASE("jcs: strings are escaped as RFC 8785 §3.2.2.2 says, nothing more") {
  CHECK(canonical(R"(["\u0000\u0001\u001f", "\b\t\n\f\r", "\"\\\/", "\u007f\u0080\u2028\u2029", "\ud83d\ude00"])") ==
        "[\"\\u0000\\u0001\\u001f\",\"\\b\\t\\n\\f\\r\",\"\\\"\\\\/\",\"\x7f\xc2\x80\xe2\x80\xa8\xe2\x80\xa9\","
        "\"\xf0\x9f\x98\x80\"]");
  CHECK(canonical(R"("<script>&'")") == R"("<script>&'")");
}

TEST_CASE("jcs: members are sorted by UTF-16 code units, not by UTF-8 bytes (RFC 8785 §3.2.3)") {
  // U+E000 comes before U+1F600 in UTF-8 (EE < F0) but after it in UTF-16 (E000 > D83D).
  CHECK(canonical("{\"\xee\x80\x80\": 2, \"\xf0\x9f\x98\x80\": 1, \"\\uffff\": 3, \"z\": 0}") ==
        "{\"z\":0,\"\xf0\x9f\x98\x80\":1,\"\xee\x80\x80\":2,\"\xef\xbf\xbf\":3}");
  CHECK(canonical(R"({"b": {"y": 1, "x": [{"d": 1, "c": 2}]}, "a": null, "": 0, "aa": 1})") ==
        R"({"":0,"a":null,"aa":1,"b":{"x":[{"c":2,"d":1}],"y":1}})");
}

TEST_CASE("jcs: canonical text is a fixed point") {
  const auto directory = consentry::test::shared_dir() / "testdata" / "jcs" / "output";
  for (const auto& file : consentry::test::files_in(directory, ".json")) {
    const auto text = consentry::test::read_file(file);
    CHECK(canonical(text) == text);
  }
}

TEST_CASE("jcs: invalid input is refused with where and why") {
  const struct {
    std::string text;
    const char* location;
    const char* says;
  } cases[] = {
      {R"({"a": 1, "b": {"c": 1, "c": 2}})", "/b/c", "duplicate member name \"c\""},
      {R"(["ok", "\ud800"])", "1:", "surrogate"},
      {R"(["\udc00"])", "1:", "surrogate"},
      {"[\"\xff\"]", "1:", "invalid string"},
      {"[\"\xed\xa0\x80\"]", "1:", "invalid string"},  // a surrogate encoded in UTF-8
      {"[\"\xc0\xaf\"]", "1:", "invalid string"},      // an overlong '/'
      {"[NaN]", "1:", "invalid literal"},
      {"[Infinity]", "1:", "invalid literal"},
      {"[1,\n 1e400]", "2:", "number overflow"},
      {"[-1e400]", "1:", "number overflow"},
      {"{\"a\": 1,}", "1:", "syntax error"},
      {"", "1:", "unexpected end of input"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    consentry::test::exact_buffer input(c.text);
    auto out = canonicalize(input.view());
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().location().starts_with(c.location));
    CHECK(out.error().message.find(c.says) != std::string::npos);
    CHECK_FALSE(out.error().message.starts_with("[json.exception"));
  }
}

TEST_CASE("jcs: a value built in memory is refused where it has no canonical form") {
  json value = json::object();
  value["ok"] = json::array({1, 2});
  value["bad"] = json::array({1.5, std::numeric_limits<double>::quiet_NaN()});
  auto out = canonicalize_value(value);
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().pointer == "/bad/1");
  CHECK(out.error().message.find("NaN is not a JSON number") != std::string::npos);

  out = canonicalize_value(json::array({json::object({{"a/b", -std::numeric_limits<double>::infinity()}})}));
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().pointer == "/0/a~1b");
  CHECK(out.error().message.find("infinity") != std::string::npos);

  out = canonicalize_value(json::object({{"name", std::string("caf\xc3")}}));
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().pointer == "/name");
  CHECK(out.error().message == "string is not valid UTF-8");

  out = canonicalize_value(json::object({{std::string("\xed\xb0\x80"), 1}}));
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().message == "member name is not valid UTF-8");

  out = canonicalize_value(json::binary({1, 2, 3}));
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().message.find("binary") != std::string::npos);

  json deep = json::array();
  for (int i = 0; i < 100; ++i) deep = json::array({deep});
  out = canonicalize_value(deep);
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().message.find("nesting deeper than 64") != std::string::npos);

  auto fine = canonicalize_value(json::object({{"n", 9007199254740993ull}, {"m", -0.0}, {"s", "\x7f"}}));
  REQUIRE(fine.has_value());
  CHECK(*fine == "{\"m\":0,\"n\":9007199254740992,\"s\":\"\x7f\"}");
}
