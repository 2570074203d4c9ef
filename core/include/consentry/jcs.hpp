// RFC 8785 JSON Canonicalization Scheme (JCS): the one byte sequence of a JSON value
// that receipts are hashed and signed over, identical in the browser (wasm), on the
// server and in any other JCS implementation.
#pragma once

#include <string>
#include <string_view>

#include "consentry/json_parse.hpp"
#include "consentry/result.hpp"

namespace consentry {

/// The canonical form of the JSON text `text` (RFC 8785 §3.2): no whitespace, members
/// sorted by their names' UTF-16 code units (§3.2.3), strings escaped as §3.2.2.2 says,
/// numbers as ECMAScript's Number::toString (§3.2.2.3). The text is read by the strict
/// `parse_json`, so duplicate member names, invalid UTF-8, lone surrogates and numbers
/// beyond the double range (`1e400`) are refused with where they are. Integers beyond
/// 2^53 are taken as the IEEE 754 double they denote (I-JSON, RFC 7493 §2.2).
result<std::string, json_parse_error> canonicalize(std::string_view text, const json_parse_options& options = {});

/// The canonical form of a JSON value built in memory. Refuses, with the JSON pointer
/// of the value: NaN and infinities (RFC 8785 §3.2.2.3), strings or names that are not
/// valid UTF-8 (§3.2.2.2), binary values, and nesting deeper than `max_depth`.
result<std::string, json_parse_error> canonicalize_value(const json& value, std::size_t max_depth = 64);

/// ECMAScript's Number::toString(x) in radix 10 (ECMA-262 §6.1.6.1.20), from the
/// shortest digits that read back as `x`, the closest of them when several: the
/// number form of RFC 8785 §3.2.2.3. -0 gives "0"; NaN and infinities give "NaN",
/// "Infinity" and "-Infinity", which are not JSON.
std::string number_to_string(double x);

}  // namespace consentry
