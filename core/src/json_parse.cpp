// A SAX front end to nlohmann's DOM builder that adds what a strict reader of
// outside input needs: a depth limit and duplicate names refused, each reported
// with where it happened, all without exceptions.
#include "consentry/json_parse.hpp"

#include <set>
#include <vector>

namespace consentry {
namespace {

class strict_builder {
 public:
  strict_builder(json& root, const json_parse_options& options) : dom_(root, false), options_(options) {}

  bool null() { return value(), dom_.null(); }
  bool boolean(bool v) { return value(), dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return value(), dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return value(), dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& text) { return value(), dom_.number_float(v, text); }
  bool string(std::string& v) { return value(), dom_.string(v); }
  bool binary(json::binary_t& v) { return value(), dom_.binary(v); }

  bool start_object(std::size_t size) {
    value();
    if (!enter()) return false;
    frames_.push_back({true, 0, {}, {}});
    return dom_.start_object(size);
  }
  bool key(std::string& name) {
    auto& current = frames_.back();
    current.token = name;
    if (!current.names.insert(name).second) {
      fail("duplicate member name \"" + name + "\"");
      return false;
    }
    return dom_.key(name);
  }
  bool end_object() {
    frames_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t size) {
    value();
    if (!enter()) return false;
    frames_.push_back({false, 0, {}, {}});
    return dom_.start_array(size);
  }
  bool end_array() {
    frames_.pop_back();
    return dom_.end_array();
  }

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
  struct frame {
    bool object;
    std::size_t index;  // next element of an array
    std::string token;  // current member of an object
    std::set<std::string> names;
  };

  // Called before each value: advances the array index the value sits at.
  void value() {
    if (!frames_.empty() && !frames_.back().object) {
      frames_.back().token = std::to_string(frames_.back().index++);
    }
  }
  bool enter() {
    if (frames_.size() + 1 > options_.max_depth) {
      fail("nesting deeper than " + std::to_string(options_.max_depth) + " levels");
      return false;
    }
    return true;
  }
  void fail(std::string message) {
    if (!message_.empty()) return;
    message_ = std::move(message);
    for (const auto& f : frames_) {
      pointer_ += '/';
      for (char c : f.token) pointer_ += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    }
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  const json_parse_options& options_;
  std::vector<frame> frames_;
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
