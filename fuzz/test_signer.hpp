// A fixed Ed25519 device key for harnesses: it signs what the fuzzer writes, so that the
// code after a signature check (payload, chain, time window, storage) is reached too. A
// fuzzer cannot forge a signature, and should not have to: the attacker this models is
// a device that signs whatever it likes with its own key.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "consentry/jcs.hpp"
#include "consentry/jws.hpp"
#include "openssl_keys.hpp"

namespace consentry::fuzz {

/// PKCS#8 of the Ed25519 key whose seed is the bytes 0x42..0x61: the same key, and so the
/// same thumbprint, in every run, so that seed inputs can name it.
inline constexpr std::string_view test_device_key_pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIEJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2Bh\n"
    "-----END PRIVATE KEY-----\n";

class test_signer {
 public:
  test_signer() {
    auto key = native::openssl_signer::from_pem(test_device_key_pem);
    if (!key) {
      std::fprintf(stderr, "fuzz: the test key does not load: %s\n", key.error().message.c_str());
      std::exit(2);
    }
    key_ = std::move(*key);
    thumbprint_ = jwk_thumbprint(key_->public_key());
  }

  signer& key() noexcept { return *key_; }
  /// RFC 7638 thumbprint of the key: the principal of what it signs.
  const std::string& thumbprint() const noexcept { return thumbprint_; }

  /// A compact JWS of `payload` with the header Consentry writes (`alg`, `jwk`, `typ`).
  /// A payload that is JSON is first put in its RFC 8785 form, as a device would.
  std::string sign(std::string_view payload, std::string_view type) {
    auto canonical = canonicalize(payload);
    auto signed_jws = sign_compact_jws(canonical ? std::string_view(*canonical) : payload, *key_, type);
    if (!signed_jws) {
      std::fprintf(stderr, "fuzz: signing failed: %s\n", signed_jws.error().message.c_str());
      std::abort();
    }
    return std::move(*signed_jws);
  }

 private:
  std::unique_ptr<native::openssl_signer> key_;
  std::string thumbprint_;
};

}  // namespace consentry::fuzz
