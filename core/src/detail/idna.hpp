// Host names to their ASCII form (IDNA A-labels, Punycode of RFC 3492), as URLs carry
// them. constexpr, so the Public Suffix List is converted at compile time; the rules
// compiler uses the same code for the Unicode hosts of filter lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace consentry::detail {

/// A fixed buffer for a host name: DNS names are at most 253 bytes (RFC 1035 §2.3.4).
struct ascii_host {
  char data[256] = {};
  std::size_t size = 0;
  constexpr std::string_view view() const noexcept { return {data, size}; }
};

namespace punycode {
inline constexpr std::uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700, initial_bias = 72,
                               initial_n = 128;

constexpr std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) noexcept {
  delta = first ? delta / damp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((base - tmin) * tmax) / 2) {
    delta /= base - tmin;
    k += base;
  }
  return k + (base - tmin + 1) * delta / (delta + skew);
}
constexpr char digit(std::uint32_t d) noexcept {
  return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}
}  // namespace punycode

/// Decodes one UTF-8 label into code points; false on malformed UTF-8 or more than 63.
constexpr bool decode_utf8(std::string_view text, std::uint32_t (&out)[64], std::size_t& count) noexcept {
  count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::uint32_t cp = 0;
    std::size_t length = 0;
    if (c < 0x80) {
      cp = c, length = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1Fu, length = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0Fu, length = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07u, length = 4;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (next & 0x3Fu);
    }
    if (count == 64) return false;
    out[count++] = cp;
    i += length;
  }
  return true;
}

/// Appends the A-label of one label (`xn--` + Punycode when it has non-ASCII).
constexpr bool append_ascii_label(std::string_view label, ascii_host& out) noexcept {
  auto put = [&out](char c) {
    if (out.size >= sizeof(out.data)) return false;
    out.data[out.size++] = c;
    return true;
  };
  bool ascii = true;
  for (char c : label) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    for (char c : label) {
      if (!put((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c)) return false;
    }
    return true;
  }
  std::uint32_t points[64] = {};
  std::size_t count = 0;
  if (!decode_utf8(label, points, count)) return false;
  for (char c : std::string_view("xn--")) put(c);
  std::uint32_t basic = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (points[i] < 0x80) {
      if (!put(static_cast<char>(points[i]))) return false;
      ++basic;
    }
  }
  if (basic > 0 && !put('-')) return false;
  std::uint32_t n = punycode::initial_n, delta = 0, bias = punycode::initial_bias, handled = basic;
  while (handled < count) {
    std::uint32_t m = 0xFFFF'FFFFu;
    for (std::size_t i = 0; i < count; ++i) {
      if (points[i] >= n && points[i] < m) m = points[i];
    }
    delta += (m - n) * (handled + 1);
    n = m;
    for (std::size_t i = 0; i < count; ++i) {
      if (points[i] < n) ++delta;
      if (points[i] != n) continue;
      std::uint32_t q = delta;
      for (std::uint32_t k = punycode::base;; k += punycode::base) {
        const std::uint32_t t =
            k <= bias ? punycode::tmin : (k >= bias + punycode::tmax ? punycode::tmax : k - bias);
        if (q < t) break;
        if (!put(punycode::digit(t + (q - t) % (punycode::base - t)))) return false;
        q = (q - t) / (punycode::base - t);
      }
      if (!put(punycode::digit(q))) return false;
      bias = punycode::adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return true;
}

/// The ASCII form of a host name, label by label; false when it does not fit or is not UTF-8.
constexpr bool to_ascii_host(std::string_view host, ascii_host& out) noexcept {
  out.size = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i < host.size() && host[i] != '.') continue;
    if (start > 0) {
      if (out.size >= sizeof(out.data)) return false;
      out.data[out.size++] = '.';
    }
    if (!append_ascii_label(host.substr(start, i - start), out)) return false;
    start = i + 1;
  }
  return true;
}

}  // namespace consentry::detail
