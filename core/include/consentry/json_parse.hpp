// Strict JSON parsing for every outside input of the core (policy files, stored
// state, receipts): exception-free, with a depth limit, and with duplicate member
// names refused, since RFC 8259 §4 leaves their meaning open and a consent record
// must not mean two things.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "consentry/result.hpp"

namespace consentry {

using json = nlohmann::json;

/// Where parsing stopped and why. A syntax error has a line and column; a
/// structural one (a duplicate name, too deep) has the JSON pointer of the value.
struct json_parse_error {
  std::size_t line = 0;    ///< 1-based; 0 when `pointer` locates the error
  std::size_t column = 0;  ///< 1-based, in bytes
  std::string pointer;
  std::string message;

  /// `line:column` or the pointer, for a diagnostic's location.
  std::string location() const;
};

struct json_parse_options {
  std::size_t max_depth = 64;
  std::size_t max_bytes = std::size_t{16} << 20;
};

/// Appends `/token` to a JSON pointer, `~` and `/` escaped as `~0` and `~1` (RFC 6901
/// §4): how the parser, the canonical writer and json_io say where a value is.
inline void append_json_pointer_token(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

/// Parses `text` as one JSON value (RFC 8259). Rejects invalid UTF-8, lone
/// surrogates, duplicate member names, nesting deeper than `max_depth` and input
/// longer than `max_bytes`; never throws.
result<json, json_parse_error> parse_json(std::string_view text, const json_parse_options& options = {});

}  // namespace consentry
