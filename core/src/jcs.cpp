// RFC 8785 serialisation of a parsed JSON value: sorting by UTF-16 code units and
// escaping as ECMAScript's JSON.stringify does, with numbers from number_to_string.
#include "consentry/jcs.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace consentry {
namespace {

using error_result = result<std::string, json_parse_error>;

/// The code point starting at `text[i]` if `text` holds well-formed UTF-8 there
/// (RFC 3629 §4: no overlong forms, no surrogates, at most U+10FFFF); advances `i`.
bool next_code_point(std::string_view text, std::size_t& i, char32_t& out) noexcept {
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    out = lead;
    ++i;
    return true;
  }
  std::size_t length = 0;
  char32_t minimum = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2, minimum = 0x80, out = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, minimum = 0x800, out = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, minimum = 0x10000, out = lead & 0x07;
  } else {
    return false;
  }
  if (text.size() - i < length) return false;
  for (std::size_t j = 1; j < length; ++j) {
    if ((byte(i + j) & 0xc0) != 0x80) return false;
    out = out << 6 | (byte(i + j) & 0x3f);
  }
  if (out < minimum || out > 0x10ffff || (out >= 0xd800 && out <= 0xdfff)) return false;
  i += length;
  return true;
}

/// Appends `text` as a JSON string (RFC 8785 §3.2.2.2); false if it is not UTF-8.
bool append_string(std::string& out, std::string_view text) {
  constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Runs of printable ASCII other than '"' and '\\' are written as they are.
    const std::size_t run = i;
    while (i < text.size()) {
      const unsigned char plain = static_cast<unsigned char>(text[i]);
      if (plain < 0x20 || plain >= 0x80 || plain == '"' || plain == '\\') break;
      ++i;
    }
    out.append(text.substr(run, i - run));
    if (i == text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t start = i;
      char32_t ignored;
      if (!next_code_point(text, i, ignored)) return false;
      out.append(text.substr(start, i - start));
      continue;
    }
    ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:  // the other controls
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out += '"';
  return true;
}

/// A member name as UTF-16 code units, the order RFC 8785 §3.2.3 sorts by.
bool to_utf16(std::string_view name, std::u16string& out) {
  out.clear();
  std::size_t i = 0;
  while (i < name.size()) {
    char32_t c;
    if (!next_code_point(name, i, c)) return false;
    if (c >= 0x10000) {
      c -= 0x10000;
      out += static_cast<char16_t>(0xd800 + (c >> 10));
      out += static_cast<char16_t>(0xdc00 + (c & 0x3ff));
    } else {
      out += static_cast<char16_t>(c);
    }
  }
  return true;
}

bool is_ascii(std::string_view text) noexcept {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

class writer {
 public:
  explicit writer(std::size_t max_depth) : max_depth_(max_depth) {}

  bool write(const json& value, std::size_t depth) {
    switch (value.type()) {
      case json::value_t::null: out_ += "null"; return true;
      case json::value_t::boolean: out_ += value.get<bool>() ? "true" : "false"; return true;
      // Integers are the doubles they denote, beyond 2^53 too (RFC 8785 §3.2.2.3, I-JSON).
      case json::value_t::number_integer:
        out_ += number_to_string(static_cast<double>(value.get<std::int64_t>()));
        return true;
      case json::value_t::number_unsigned:
        out_ += number_to_string(static_cast<double>(value.get<std::uint64_t>()));
        return true;
      case json::value_t::number_float: {
        const double x = value.get<double>();
        if (!std::isfinite(x)) {
          return fail(std::string(std::isnan(x) ? "NaN" : "an infinity") +
                      " is not a JSON number and has no canonical form (RFC 8785 §3.2.2.3)");
        }
        out_ += number_to_string(x);
        return true;
      }
      case json::value_t::string:
        if (!append_string(out_, value.get_ref<const std::string&>())) return fail("string is not valid UTF-8");
        return true;
      case json::value_t::array: {
        if (depth >= max_depth_) return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
        out_ += '[';
        std::size_t index = 0;
        for (const auto& item : value) {
          if (index > 0) out_ += ',';
          if (!write(item, depth + 1)) return failed_at(std::to_string(index));
          ++index;
        }
        out_ += ']';
        return true;
      }
      case json::value_t::object: return write_object(value, depth);
      case json::value_t::binary: return fail("a binary value is not JSON");
      case json::value_t::discarded: return fail("a discarded value is not JSON");
    }
    return fail("unknown value type");
  }

  std::string& text() noexcept { return out_; }
  /// Where writing failed, as a JSON pointer (RFC 6901).
  std::string pointer() const {
    std::string out;
    for (auto token = failed_in_.rbegin(); token != failed_in_.rend(); ++token) append_json_pointer_token(out, *token);
    return out;
  }
  const std::string& message() const noexcept { return message_; }

 private:
  bool write_object(const json& value, std::size_t depth) {
    if (depth >= max_depth_) return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
    const auto& members = value.get_ref<const json::object_t&>();
    out_ += '{';
    bool first = true;
    const auto write_member = [&](const std::string& name, const json& member_value) {
      if (!first) out_ += ',';
      first = false;
      append_string(out_, name);
      out_ += ':';
      return write(member_value, depth + 1) || failed_at(name);
    };
    // nlohmann keeps names in UTF-8 byte order, which differs from UTF-16 order only
    // between U+E000–U+FFFF and the supplementary planes (RFC 8785 §3.2.3): names all
    // ASCII are written in the order they are kept.
    if (std::all_of(members.begin(), members.end(), [](const auto& m) { return is_ascii(m.first); })) {
      for (const auto& [name, member_value] : members) {
        if (!write_member(name, member_value)) return false;
      }
    } else {
      struct member {
        std::u16string key;
        const std::string* name;
        const json* value;
      };
      std::vector<member> sorted;
      sorted.reserve(members.size());
      for (const auto& [name, member_value] : members) {
        member m{{}, &name, &member_value};
        if (!to_utf16(name, m.key)) {
          fail("member name is not valid UTF-8");
          return failed_at(name);
        }
        sorted.push_back(std::move(m));
      }
      std::sort(sorted.begin(), sorted.end(), [](const member& a, const member& b) { return a.key < b.key; });
      for (const auto& m : sorted) {
        if (!write_member(*m.name, *m.value)) return false;
      }
    }
    out_ += '}';
    return true;
  }

  bool fail(std::string message) {
    message_ = std::move(message);
    return false;
  }
  /// On the way out of a failure: the member name or index it happened under.
  bool failed_at(std::string token) {
    failed_in_.push_back(std::move(token));
    return false;
  }

  std::size_t max_depth_;
  std::string out_;
  std::vector<std::string> failed_in_;  ///< innermost first
  std::string message_;
};

}  // namespace

result<std::string, json_parse_error> canonicalize_value(const json& value, std::size_t max_depth) {
  writer w(max_depth);
  if (!w.write(value, 0)) {
    json_parse_error error;
    error.pointer = w.pointer();
    error.message = w.message();
    return error_result(boost::system::in_place_error, std::move(error));
  }
  return error_result(boost::system::in_place_value, std::move(w.text()));
}

result<std::string, json_parse_error> canonicalize(std::string_view text, const json_parse_options& options) {
  auto parsed = parse_json(text, options);
  if (!parsed) return error_result(boost::system::in_place_error, parsed.error());
  return canonicalize_value(*parsed, options.max_depth);
}

}  // namespace consentry
