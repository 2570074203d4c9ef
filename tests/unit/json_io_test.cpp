// The generic reader and writer: one set of rules for every described struct.
#include "consentry/json_io.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "consentry/json_parse.hpp"
#include "consentry/json_schema.hpp"

namespace sample {
enum class colour { red, green, blue_green };
BOOST_DESCRIBE_ENUM(colour, red, green, blue_green)

struct leaf {
  std::string name;
  std::uint8_t weight = 0;
};
BOOST_DESCRIBE_STRUCT(leaf, (), (name, weight))

struct tree {
  std::string id;
  colour shade = colour::red;
  bool evergreen = false;
  double height = 0;
  std::optional<std::string> note;
  std::vector<leaf> leaves;
  std::map<std::string, std::int32_t> counts;
  std::vector<tree> children;
};
BOOST_DESCRIBE_STRUCT(tree, (), (id, shade, evergreen, height, note, leaves, counts, children))
}  // namespace sample

namespace {
consentry::diagnostics read_tree(std::string_view text, sample::tree& out) {
  auto parsed = consentry::parse_json(text);
  REQUIRE(parsed.has_value());
  consentry::diagnostics found;
  consentry::json_io::read_document(*parsed, out, "tree.json", found);
  return found;
}

bool reported(const consentry::diagnostics& found, std::string_view pointer, std::string_view message_part) {
  return std::any_of(found.begin(), found.end(), [&](const auto& d) {
    return d.location == pointer && d.message.find(message_part) != std::string::npos;
  });
}
}  // namespace

TEST_CASE("json_io: a valid document reads, and writes back in its one normal form") {
  const std::string text =
      R"({"children":[{"evergreen":true,"height":1.5,"id":"c","shade":"green"}],"counts":{"a":-3},)"
      R"("evergreen":false,"height":12.25,"id":"oak","leaves":[{"name":"l1","weight":255}],"note":"n","shade":"blue_green"})";
  sample::tree t;
  CHECK(read_tree(text, t).empty());
  CHECK(t.shade == sample::colour::blue_green);
  CHECK(t.leaves.at(0).weight == 255);
  CHECK(t.children.at(0).id == "c");
  // Empty containers are written out, so that the two spellings of one document
  // (member absent, member empty) write, and hash, the same.
  std::string normal = text;
  normal.replace(normal.find(R"({"evergreen":true)") + 1, 0, R"("children":[],"counts":{},)");
  normal.replace(normal.find(R"("shade":"green")"), 0, R"("leaves":[],)");
  CHECK(consentry::json_io::write(t).dump() == normal);
}

TEST_CASE("json_io: every problem is reported with its pointer, not only the first") {
  sample::tree t;
  const auto found = read_tree(
      R"({"id":"", "shade":"blu_green", "evergreen":"yes", "height":"tall", "leaves":[{"name":"x","weight":256},{"weight":-1}],)"
      R"("counts":{"a":1.5}, "colour":"red", "children":[{"id":"c"}]})",
      t);
  CHECK(reported(found, "/id", "expected a non-empty string"));
  CHECK(reported(found, "/shade", "unknown value \"blu_green\"; expected one of \"red\", \"green\" or \"blue_green\"; did you mean \"blue_green\"?"));
  CHECK(reported(found, "/evergreen", "expected true or false, found a string"));
  CHECK(reported(found, "/height", "expected a number"));
  CHECK(reported(found, "/leaves/0/weight", "integer 256 is too large (at most 255)"));
  CHECK(reported(found, "/leaves/1", "missing required member \"name\""));
  CHECK(reported(found, "/leaves/1/weight", "integer -1 is too small"));
  CHECK(reported(found, "/counts/a", "expected an integer"));
  CHECK(reported(found, "/colour", "unknown member \"colour\""));
  CHECK(reported(found, "/children/0", "missing required member \"shade\""));
  CHECK(found.size() == 12);
  for (const auto& d : found) CHECK(d.file == "tree.json");
}

TEST_CASE("json_io: a misspelt member is an error that names the nearest one") {
  sample::tree t;
  const auto found = read_tree(R"({"id":"a","shade":"red","evergren":true,"height":1,"evergreen":true})", t);
  REQUIRE(found.size() == 1);
  CHECK(found[0].location == "/evergren");
  CHECK(found[0].message == "unknown member \"evergren\"; did you mean \"evergreen\"?");
}

TEST_CASE("json_io: pointers escape '~' and '/' (RFC 6901 §3)") {
  sample::tree t;
  const auto found = read_tree(R"({"id":"a","shade":"red","evergreen":true,"height":1,"counts":{"a/b~c":"x"}})", t);
  REQUIRE(found.size() == 1);
  CHECK(found[0].location == "/counts/a~1b~0c");
}

TEST_CASE("json_io: absent optional members stay absent when written") {
  sample::tree t;
  CHECK(read_tree(R"({"id":"a","shade":"red","evergreen":true,"height":1})", t).empty());
  const auto written = consentry::json_io::write(t);
  CHECK_FALSE(written.contains("note"));
  CHECK(written["leaves"].is_array());
}

TEST_CASE("json_schema: the schema follows the reader's rules") {
  const auto schema = consentry::json_io::document_schema<sample::tree>("tree");
  const auto& tree = schema["$defs"]["tree"];
  CHECK(schema["$ref"] == "#/$defs/tree");
  CHECK(tree["additionalProperties"] == false);
  CHECK(tree["required"] == consentry::json{"id", "shade", "evergreen", "height"});
  CHECK(tree["properties"]["children"]["items"]["$ref"] == "#/$defs/tree");
  CHECK(tree["properties"]["shade"]["enum"] == consentry::json{"red", "green", "blue_green"});
  CHECK(tree["properties"]["id"]["minLength"] == 1);
  CHECK(schema["$defs"]["leaf"]["properties"]["weight"]["maximum"] == 255);
}
