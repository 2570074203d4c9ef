// A fixed Ed25519 key for harnesses: it signs what the fuzzer writes, so that the code
// after a signature check (payload, chain, time window, storage) is reached too. A fuzzer
// cannot forge a signature, and should not have to: the attacker this models is a device
// that signs whatever it likes with its own key.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "consentry/base64url.hpp"
#include "consentry/hash.hpp"

namespace consentry::fuzz {

class test_signer {
 public:
  test_signer() {
    // A constant seed: the key, and so its thumbprint, are the same in every run, and
    // seed inputs can name them.
    std::array<unsigned char, 32> seed{};
    for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<unsigned char>(0x42 + i);
    key_.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
    std::array<unsigned char, 32> raw{};
    std::size_t length = raw.size();
    EVP_PKEY_get_raw_public_key(key_.get(), raw.data(), &length);
    x_ = base64url_encode(std::string_view(reinterpret_cast<const char*>(raw.data()), length));
    jwk_ = R"({"crv":"Ed25519","kty":"OKP","x":")" + x_ + "\"}";
    const auto digest = sha256_of(jwk_);
    thumbprint_ = base64url_encode(std::span<const std::uint8_t>(digest.data(), digest.size()));
  }

  /// The public key as an RFC 8037 JWK, members in RFC 7638 order.
  const std::string& jwk() const noexcept { return jwk_; }
  /// RFC 7638 thumbprint of `jwk()`, base64url.
  const std::string& thumbprint() const noexcept { return thumbprint_; }

  /// A compact JWS (RFC 7515 §7.1) of `payload` under `protected_header` (JSON text).
  std::string sign(std::string_view protected_header, std::string_view payload) const {
    std::string input = base64url_encode(protected_header);
    input += '.';
    input += base64url_encode(payload);
    std::array<unsigned char, 64> signature{};
    std::size_t length = signature.size();
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_.get());
    EVP_DigestSign(context.get(), signature.data(), &length, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    input += '.';
    input += base64url_encode(std::string_view(reinterpret_cast<const char*>(signature.data()), length));
    return input;
  }

  /// The usual header of a device's JWS: Ed25519 with the key inline.
  std::string sign(std::string_view payload) const {
    return sign(R"({"alg":"Ed25519","jwk":)" + jwk_ + "}", payload);
  }

 private:
  struct key_free {
    void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
  };
  std::unique_ptr<EVP_PKEY, key_free> key_;
  std::string x_;
  std::string jwk_;
  std::string thumbprint_;
};

}  // namespace consentry::fuzz
