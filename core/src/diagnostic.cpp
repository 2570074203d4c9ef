#include "consentry/diagnostic.hpp"

namespace consentry {
namespace {

/// Length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629 §4), or 0.
std::size_t utf8_sequence_length(std::string_view text) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
    if (lead == 0xED && byte(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;  // overlong
    if (lead == 0xF4 && byte(1) > 0x8F) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

// Diagnostics quote their input (member names, the bytes a syntax error stopped at),
// and input is not to be trusted: a quoted newline would split the finding in two,
// an escape sequence would reach the terminal, and a stray byte would make the
// output itself invalid UTF-8. Such bytes are written as \xNN.
void append_printable(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto length = utf8_sequence_length(text.substr(i));
    // C1 controls (U+0080 to U+009F) are well-formed but act on terminals as C0 ones do.
    const bool c1_control = length == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if (length == 0 || c < 0x20 || c == 0x7F || c1_control) {
      const auto count = c1_control ? std::size_t{2} : std::size_t{1};
      for (std::size_t k = 0; k < count; ++k) {
        const auto b = static_cast<unsigned char>(text[i + k]);
        out += "\\x";
        out += hex[b >> 4];
        out += hex[b & 0xF];
      }
      i += count;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
}

}  // namespace

std::string format(const diagnostic& d) {
  std::string line;
  append_printable(line, d.file);
  if (!d.location.empty()) {
    line += ':';
    append_printable(line, d.location);
  }
  line += d.level == severity::error ? ": error: " : ": warning: ";
  append_printable(line, d.message);
  return line;
}

bool has_errors(const diagnostics& list) noexcept {
  for (const auto& d : list) {
    if (d.level == severity::error) return true;
  }
  return false;
}

}  // namespace consentry
