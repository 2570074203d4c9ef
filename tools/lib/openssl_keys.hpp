// The native side of receipt signatures: device and controller keys (PKCS#8 PEM, read
// by OpenSSL 3), the `signer` the core signs through, signature checks (Ed25519 by
// libsodium, ES256 by OpenSSL), and random bytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "consentry/jws.hpp"
#include "consentry/result.hpp"
#include "ed25519.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace consentry::native {

/// A new private key for `algorithm` (Ed25519, or P-256 for ES256) as PKCS#8 PEM.
result<std::string, jws_error> generate_private_key_pem(jws_algorithm algorithm);

/// Writes a private key readable by its owner only (mode 0600), through a temporary
/// file and a rename; refuses to replace an existing file.
result<void, jws_error> write_private_key_file(const std::string& path, std::string_view pem);

/// A signer over an Ed25519 or P-256 private key read from PEM. Signs with `Ed25519`
/// (RFC 9864) or `ES256` with the signature as r‖s (RFC 7518 §3.4).
class openssl_signer final : public signer {
 public:
  static result<std::unique_ptr<openssl_signer>, jws_error> from_pem(std::string_view pem);
  ~openssl_signer() override;

  jws_algorithm algorithm() const noexcept override { return algorithm_; }
  public_jwk public_key() const override { return public_key_; }
  result<std::string, jws_error> sign(std::string_view signing_input) override;

 private:
  struct key_holder;
  openssl_signer(std::unique_ptr<key_holder> key, jws_algorithm algorithm, public_jwk public_key);

  std::unique_ptr<key_holder> key_;
  jws_algorithm algorithm_;
  public_jwk public_key_;
};

/// The Ed25519 private key an OpenSSL key holds, for libsodium to sign with; nothing
/// when it holds another kind.
std::optional<ed25519_key> ed25519_key_of(EVP_PKEY* key);

/// Checks the signature of a parsed JWS against the key in its header.
result<void, jws_error> verify_jws_signature(const parsed_jws& jws);

/// Bytes from OpenSSL's cryptographically secure generator.
std::array<std::uint8_t, 16> random_16_bytes();

}  // namespace consentry::native
