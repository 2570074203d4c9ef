#include "consentry/json_parse.hpp"

#include <doctest/doctest.h>

#include <string>

#include "fixtures.hpp"

using consentry::parse_json;

TEST_CASE("parse_json: accepts a document and keeps its values") {
  consentry::test::exact_buffer input(R"({"a": [1, 2.5, "x", true, null], "b": {}})");
  auto parsed = parse_json(input.view());
  REQUIRE(parsed.has_value());
  CHECK((*parsed)["a"][1].get<double>() == 2.5);
  CHECK((*parsed)["a"][2].get<std::string>() == "x");
}

TEST_CASE("parse_json: a syntax error says line and column") {
  auto parsed = parse_json("{\n  \"a\": tru\n}");
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().line == 2);
  CHECK(parsed.error().column >= 8);
  CHECK(parsed.error().location() == std::to_string(parsed.error().line) + ":" + std::to_string(parsed.error().column));
  CHECK(parsed.error().message.find("invalid literal") != std::string::npos);
}

TEST_CASE("parse_json: duplicate member names are refused with their pointer (RFC 8259 §4)") {
  auto parsed = parse_json(R"({"a": {"b": 1, "c": [0, {"d": 1, "d": 2}]}})");
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().pointer == "/a/c/1/d");
  CHECK(parsed.error().message == "duplicate member name \"d\"");
}

TEST_CASE("parse_json: nesting beyond the limit is refused, not a stack overflow") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto parsed = parse_json(deep);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().message.find("nesting deeper than 64") != std::string::npos);
  CHECK(parse_json(std::string(64, '[') + std::string(64, ']')).has_value());
}

TEST_CASE("parse_json: invalid UTF-8 and lone surrogates are refused") {
  CHECK_FALSE(parse_json("\"\xff\"").has_value());
  CHECK_FALSE(parse_json("\"\xc3\"").has_value());
  CHECK_FALSE(parse_json(R"("\ud800")").has_value());
  CHECK_FALSE(parse_json(R"("\udc00x")").has_value());
  CHECK(parse_json(R"("\ud83d\ude00")").has_value());
}

TEST_CASE("parse_json: input over the size limit is refused before parsing") {
  consentry::json_parse_options options;
  options.max_bytes = 10;
  auto parsed = parse_json("[1,2,3,4,5,6]", options);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().message.find("more than the limit of 10") != std::string::npos);
}

TEST_CASE("parse_json: trailing content is an error") {
  CHECK_FALSE(parse_json("{} {}").has_value());
  CHECK_FALSE(parse_json("").has_value());
}
