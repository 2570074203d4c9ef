// A SAX handler that builds nlohmann's DOM and adds what a strict reader of outside
// input needs: a depth limit and duplicate names refused, each reported with where it
// happened, all without exceptions. It builds the values itself (as nlohmann's
// json_sax_dom_parser does) so that a member's insertion is its duplicate check, and
// the lexer's strings are moved into the tree, not copied.
#include "consentry/json_parse.hpp"

#include <utility>
#include <vector>

namespace consentry {
namespace {

class strict_builder {
 public:
  strict_builder(json& root, const json_parse_options& options) : root_(root), options_(options) {}

  bool null() { return place(nullptr), true; }
  bool boolean(bool v) { return place(v), true; }
  bool number_integer(json::number_integer_t v) { return place(v), true; }
  bool number_unsigned(json::number_unsigned_t v) { return place(v), true; }
  bool number_float(json::number_float_t v, const std::string&) { return place(v), true; }
  // The lexer clears its token before it reads the next one, so the text can be taken.
  bool string(std::string& v) { return place(std::move(v)), true; }
  bool binary(json::binary_t& v) { return place(std::move(v)), true; }

  bool start_object(std::size_t) { return open(json::value_t::object); }
  bool key(std::string& name) {
    auto& members = frames_.back().node->get_ref<json::object_t&>();
    const auto [at, inserted] = members.try_emplace(std::move(name));
    frames_.back().key = &at->first;
    if (!inserted) {
      fail("duplicate member name \"" + at->first + "\"");
      return false;
    }
    member_ = &at->second;
    return true;
  }
  bool end_object() { return frames_.pop_back(), true; }
  bool start_array(std::size_t) { return open(json::value_t::array); }
  bool end_array() { return frames_.pop_back(), true; }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) {
    if (message_.empty()) {
      // nlohmann's text reads "[json.exception.parse_error.101] parse error at line 1, column 2: …";
      // keep what follows the position, which parse_json reports in its own form.
      // Others (a number out of range) read "[json.exception.out_of_range.406] number overflow …".
      std::string what = error.what();
      if (what.starts_with("[json.exception.parse_error")) {
        const auto colon = what.find(": ");
        if (colon != std::string::npos) what = what.substr(colon + 2);
      } else if (const auto bracket = what.find("] "); what.starts_with("[json.exception.") && bracket != std::string::npos) {
        what = what.substr(bracket + 2);
      }
      message_ = std::move(what);
      syntax_offset_ = position > 0 ? position - 1 : 0;
      syntax_ = true;
    }
    return false;
  }

  bool failed() const noexcept { return !message_.empty(); }
  bool syntax() const noexcept { return syntax_; }
  std::size_t syntax_offset() const noexcept { return syntax_offset_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& pointer() const noexcept { return pointer_; }

 private:
  /// An object or array being read. Its elements do not move while it is open: an
  /// array grows only while none of its elements is open.
  struct frame {
    json* node;
    std::size_t elements = 0;         ///< of an array: how many have begun
    const std::string* key = nullptr;  ///< of an object: the member being read
  };

  /// Puts a value where the next one goes: the root, the end of the open array, or
  /// the member whose name was just read.
  template <class Value>
  json* place(Value&& value) {
    if (frames_.empty()) {
      root_ = json(std::forward<Value>(value));
      return &root_;
    }
    auto& open = frames_.back();
    if (open.node->is_array()) {
      ++open.elements;
      auto& elements = open.node->get_ref<json::array_t&>();
      elements.emplace_back(std::forward<Value>(value));
      return &elements.back();
    }
    *member_ = json(std::forward<Value>(value));
    return member_;
  }

  bool open(json::value_t type) {
    json* node = place(type);
    if (frames_.size() + 1 > options_.max_depth) {
      fail("nesting deeper than " + std::to_string(options_.max_depth) + " levels");
      return false;
    }
    frames_.push_back({node});
    return true;
  }

  /// The first failure, with the JSON pointer of where it happened (RFC 6901).
  void fail(std::string message) {
    if (!message_.empty()) return;
    message_ = std::move(message);
    for (const auto& f : frames_) {
      append_json_pointer_token(pointer_, f.node->is_array() ? std::to_string(f.elements - 1) : f.key ? *f.key : "");
    }
  }

  json& root_;
  const json_parse_options& options_;
  std::vector<frame> frames_;
  json* member_ = nullptr;
  std::string message_;
  std::string pointer_;
  std::size_t syntax_offset_ = 0;
  bool syntax_ = false;
};

}  // namespace

std::string json_parse_error::location() const {
  if (line == 0) return pointer;
  return std::to_string(line) + ":" + std::to_string(column);
}

result<json, json_parse_error> parse_json(std::string_view text, const json_parse_options& options) {
  json_parse_error error;
  if (text.size() > options.max_bytes) {
    error.message = "input is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                    std::to_string(options.max_bytes);
    return result<json, json_parse_error>(boost::system::in_place_error, std::move(error));
  }
  json root;
  strict_builder builder(root, options);
  json::sax_parse(text.begin(), text.end(), &builder, nlohmann::detail::input_format_t::json, true);
  // json converts from almost anything, so the result is built explicitly.
  if (!builder.failed()) return result<json, json_parse_error>(boost::system::in_place_value, std::move(root));

  error.message = builder.message();
  if (builder.syntax()) {
    const auto offset = std::min(builder.syntax_offset(), text.size());
    error.line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
      if (text[i] == '\n') {
        ++error.line;
        line_start = i + 1;
      }
    }
    error.column = offset - line_start + 1;
  } else {
    error.pointer = builder.pointer();
  }
  return result<json, json_parse_error>(boost::system::in_place_error, std::move(error));
}

}  // namespace consentry
