// Strict unpadded base64url: one encoding per byte string (RFC 4648 §3.5, §5).
#include "consentry/base64url.hpp"

#include <array>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CONSENTRY_BASE64_X86 1
#include <immintrin.h>
#endif

namespace consentry {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> decode_table = [] {
  std::array<std::int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}();

/// The same, once for each place in a group of four characters, with the character's
/// six bits already at that place among the group's 24: a group is then four lookups
/// and three ORs. A character outside the alphabet has bit 31, which no valid one sets.
constexpr std::uint32_t invalid_bit = 0x80000000u;
constexpr std::array<std::array<std::uint32_t, 256>, 4> placed_table = [] {
  std::array<std::array<std::uint32_t, 256>, 4> tables{};
  for (std::size_t place = 0; place < 4; ++place) {
    for (std::size_t c = 0; c < 256; ++c) {
      const auto value = decode_table[c];
      tables[place][c] = value < 0 ? invalid_bit : static_cast<std::uint32_t>(value) << (18 - 6 * place);
    }
  }
  return tables;
}();

#ifdef CONSENTRY_BASE64_X86
const bool ssse3 = __builtin_cpu_supports("ssse3");

/// Sixteen characters at a time into twelve bytes (the method of Muła and Lemire,
/// "Faster Base64 Encoding and Decoding Using AVX2 Instructions", 2018, with range
/// compares for the base64url alphabet in place of their lookup tables): each
/// character's range gives the offset to its six bits, and multiply-adds pack them.
/// Writes 16 bytes per 12 it decodes, so the caller leaves `out` room for that and
/// decodes the characters left the scalar way. Returns whether every character was in
/// the alphabet (when not, the caller finds where).
__attribute__((target("ssse3"))) bool decode_ssse3(const unsigned char* in, std::size_t blocks, char* out) noexcept {
  const auto in_range = [](__m128i c, char low, char high) {
    return _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8(static_cast<char>(low - 1))),
                         _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(high + 1)), c));
  };
  const __m128i pack_pairs = _mm_set1_epi32(0x01400140);  // a·64 + b, per pair of characters
  const __m128i pack_quads = _mm_set1_epi32(0x00011000);  // (a·64 + b)·4096 + (c·64 + d)
  const __m128i take_bytes = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  __m128i all_valid = _mm_set1_epi8(-1);
  for (std::size_t b = 0; b < blocks; ++b, in += 16, out += 12) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    // Bytes from 0x80 up compare as negative: in no range. The ranges do not overlap.
    const __m128i upper = in_range(c, 'A', 'Z');
    const __m128i lower = in_range(c, 'a', 'z');
    const __m128i digit = in_range(c, '0', '9');
    const __m128i dash = _mm_cmpeq_epi8(c, _mm_set1_epi8('-'));
    const __m128i underscore = _mm_cmpeq_epi8(c, _mm_set1_epi8('_'));
    all_valid = _mm_and_si128(all_valid, _mm_or_si128(_mm_or_si128(upper, lower),
                                                      _mm_or_si128(digit, _mm_or_si128(dash, underscore))));
    // 'A' -> 0, 'a' -> 26, '0' -> 52, '-' -> 62, '_' -> 63, as differences mod 256.
    const __m128i offset = _mm_or_si128(
        _mm_or_si128(_mm_and_si128(upper, _mm_set1_epi8(-65)), _mm_and_si128(lower, _mm_set1_epi8(-71))),
        _mm_or_si128(_mm_and_si128(digit, _mm_set1_epi8(4)),
                     _mm_or_si128(_mm_and_si128(dash, _mm_set1_epi8(17)), _mm_and_si128(underscore, _mm_set1_epi8(-32)))));
    const __m128i values = _mm_add_epi8(c, offset);
    const __m128i pairs = _mm_maddubs_epi16(values, pack_pairs);
    const __m128i quads = _mm_madd_epi16(pairs, pack_quads);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_shuffle_epi8(quads, take_bytes));
  }
  return _mm_movemask_epi8(all_valid) == 0xFFFF;
}
#endif

template <class Byte>
std::string encode(const Byte* data, std::size_t size) {
  std::string out;
  out.reserve((size * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t group = static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i])) << 16 |
                                static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i + 1])) << 8 |
                                static_cast<std::uint8_t>(data[i + 2]);
    out += alphabet[group >> 18 & 63];
    out += alphabet[group >> 12 & 63];
    out += alphabet[group >> 6 & 63];
    out += alphabet[group & 63];
  }
  if (size - i == 1) {
    const std::uint32_t group = static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i])) << 16;
    out += alphabet[group >> 18 & 63];
    out += alphabet[group >> 12 & 63];
  } else if (size - i == 2) {
    const std::uint32_t group = static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i])) << 16 |
                                static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i + 1])) << 8;
    out += alphabet[group >> 18 & 63];
    out += alphabet[group >> 12 & 63];
    out += alphabet[group >> 6 & 63];
  }
  return out;
}

result<std::string, base64url_error> fail(std::size_t offset, std::string message) {
  return result<std::string, base64url_error>(boost::system::in_place_error,
                                              base64url_error{offset, std::move(message)});
}

std::string describe(char c) {
  if (c == '=') return "padding '='";
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return "whitespace";
  if (c == '+' || c == '/') return std::string("'") + c + "', which is base64, not base64url";
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x21 && byte < 0x7f) return std::string("'") + c + "'";
  constexpr char hex[] = "0123456789abcdef";
  return std::string("byte 0x") + hex[byte >> 4] + hex[byte & 15];
}

}  // namespace

std::string base64url_encode(std::string_view bytes) { return encode(bytes.data(), bytes.size()); }

std::string base64url_encode(std::span<const std::uint8_t> bytes) { return encode(bytes.data(), bytes.size()); }

result<std::string, base64url_error> base64url_decode(std::string_view text) {
  // Whole groups of four characters into three bytes, written in place, and checked
  // once at the end: a character outside the alphabet sets bit 31 of its group, and
  // the OR of every group has it; only then is the text read again to say where. A
  // receipt's JWS is about 16 KB, decoded on every request.
  const std::size_t whole = text.size() / 4;
  const std::size_t rest = text.size() % 4;
  std::string out(whole * 3 + (rest == 0 ? 0 : rest - 1), '\0');
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  auto* bytes = out.data();
  std::uint32_t seen = 0;
  std::size_t g = 0;
#ifdef CONSENTRY_BASE64_X86
  // Each block of 16 characters writes 16 bytes, 4 past its 12: blocks while that fits.
  if (ssse3 && out.size() >= 16) {
    const std::size_t blocks = (out.size() - 16) / 12 + 1;
    if (!decode_ssse3(in, blocks, bytes)) seen |= invalid_bit;
    g = blocks * 4;
    in += blocks * 16;
    bytes += blocks * 12;
  }
#endif
  for (; g < whole; ++g, in += 4, bytes += 3) {
    const std::uint32_t group =
        placed_table[0][in[0]] | placed_table[1][in[1]] | placed_table[2][in[2]] | placed_table[3][in[3]];
    seen |= group;
    bytes[0] = static_cast<char>(group >> 16 & 0xff);
    bytes[1] = static_cast<char>(group >> 8 & 0xff);
    bytes[2] = static_cast<char>(group & 0xff);
  }
  std::uint32_t bits = 0;
  int count = 0;
  for (std::size_t i = 0; i < rest; ++i) {
    const std::int32_t value = decode_table[in[i]];
    if (value < 0) seen |= invalid_bit;
    bits = bits << 6 | (static_cast<std::uint32_t>(value) & 63);
    count += 6;
  }
  if ((seen & invalid_bit) != 0) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (decode_table[static_cast<unsigned char>(text[i])] < 0) {
        return fail(i, describe(text[i]) + " is not in the base64url alphabet (RFC 4648 §5, unpadded)");
      }
    }
  }
  if (rest == 1) {
    return fail(text.size() - 1, "a length of " + std::to_string(text.size()) + " is impossible in base64url");
  }
  if (rest == 2) {
    bytes[0] = static_cast<char>(bits >> 4 & 0xff);
    count = 4;
  } else if (rest == 3) {
    bytes[0] = static_cast<char>(bits >> 10 & 0xff);
    bytes[1] = static_cast<char>(bits >> 2 & 0xff);
    count = 2;
  }
  // 2 or 4 bits are left over after a partial group; a canonical encoder sets them to zero.
  if (count > 0 && (bits & ((1u << count) - 1)) != 0) {
    return fail(text.size() - 1, "non-zero bits after the last byte: not the canonical encoding (RFC 4648 §3.5)");
  }
  return result<std::string, base64url_error>(boost::system::in_place_value, std::move(out));
}

}  // namespace consentry
