// Ed25519 (RFC 8032) with libsodium: every Ed25519 signature the native side makes or
// checks (the command line's device keys, the server's countersignatures, each receipt
// the server verifies). OpenSSL keeps the key files (PKCS #8 PEM), P-256 and random
// bytes. Why two libraries: OpenSSL 3.0's Ed25519 does its field arithmetic in ref10's
// 25.5-bit limbs, libsodium's in 51-bit ones; on this project's 2-core benchmark
// machine that took the receipt server's CPU per receipt down by 14-30%
// (bench/README.md, session 8). Signatures are deterministic (RFC 8032 §5.1.6): both
// libraries make the same bytes, which the native tests check.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace consentry::native {

/// Whether `signature` (64 bytes) is an Ed25519 signature of `message` by `public_key`
/// (32 bytes): RFC 8032 §5.1.7 with libsodium's strict decoding, which also refuses a key
/// or an R that is not the canonical encoding of a point, or is a point of small order
/// (no key made as RFC 8032 §5.1.5 says is one). False when a size is wrong.
bool ed25519_verify(std::string_view public_key, std::string_view signature, std::string_view message) noexcept;

/// An Ed25519 private key as libsodium holds it (the seed, then the public key); wiped
/// when destroyed.
class ed25519_key {
 public:
  /// From the 32 bytes of RFC 8032 §5.1.5's private key (what PKCS #8 holds: RFC 8410 §7).
  static std::optional<ed25519_key> from_seed(std::string_view seed);

  ed25519_key(const ed25519_key& other) = default;
  ed25519_key& operator=(const ed25519_key& other) = default;
  ~ed25519_key();

  /// The signature of `message` (RFC 8032 §5.1.6).
  std::array<std::uint8_t, 64> sign(std::string_view message) const noexcept;
  /// The 32-byte public key (RFC 8032 §5.1.5).
  std::string_view public_key() const noexcept;

 private:
  ed25519_key() = default;
  std::array<std::uint8_t, 64> secret_{};
};

}  // namespace consentry::native
