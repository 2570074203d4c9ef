// Diagnostics: the one shape every problem found in outside input takes, so that the
// command line, the server and the browser can all say where and what.
#pragma once

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

/// `file:location: error: message`, the form compilers use, so editors can jump to it.
std::string format(const diagnostic& d);

bool has_errors(const diagnostics& list) noexcept;

}  // namespace consentry
