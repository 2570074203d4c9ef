// Diagnostics: the one shape every problem found in outside input takes, so that the
// command line, the server and the browser can all say where and what.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace consentry {

enum class severity { error, warning };

/// One problem found in an input: which file, where in it, and what was expected.
/// `location` is a JSON pointer (RFC 6901) such as `/purposes/2/legal_basis`, or
/// `line:column` for a syntax error, or empty when the problem concerns the whole file.
struct diagnostic {
  std::string file;
  std::string location;
  severity level = severity::error;
  std::string message;
};

using diagnostics = std::vector<diagnostic>;

/// Readers and validators stop after this many errors, as compilers do, with one
/// last error that says so.
inline constexpr std::size_t max_errors_reported = 100;

/// `file:location: error: message`, the form compilers use, so editors can jump to it.
/// Always one line of valid UTF-8: control characters and bytes that are not UTF-8
/// (RFC 3629) are written as `\xNN`, so quoted input cannot split a finding or reach
/// the terminal as an escape sequence.
std::string format(const diagnostic& d);

bool has_errors(const diagnostics& list) noexcept;

}  // namespace consentry
