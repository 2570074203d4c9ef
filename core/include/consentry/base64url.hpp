// base64url (RFC 4648 §5) without padding: the encoding of every part of a JWS
// (RFC 7515 §2) and of JWK members. Decoding is strict so that one signature has
// exactly one spelling: a receipt changed in any byte must not still verify.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "consentry/result.hpp"

namespace consentry {

/// Why a text is not strict base64url, and at which byte offset of it.
struct base64url_error {
  std::size_t offset = 0;
  std::string message;
};

/// RFC 4648 §5 alphabet (`A–Z a–z 0–9 - _`), no `=` padding (RFC 7515 §2).
std::string base64url_encode(std::string_view bytes);
std::string base64url_encode(std::span<const std::uint8_t> bytes);

/// Decodes unpadded base64url. Refuses padding, whitespace, any character outside
/// the alphabet, a length of 1 modulo 4, and non-zero bits after the last whole
/// byte (RFC 4648 §3.5), so that each byte string has one encoding only.
result<std::string, base64url_error> base64url_decode(std::string_view text);

}  // namespace consentry
