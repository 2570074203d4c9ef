// Ed25519 by libsodium (tools/lib/ed25519.hpp) against RFC 8032's known answers and
// against OpenSSL's Ed25519: signatures are deterministic, so both must make the same
// bytes and accept each other's, and a receipt signed before the switch still verifies.
#include "ed25519.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <string>

#include "consentry/base64url.hpp"
#include "openssl_keys.hpp"

using namespace consentry;

namespace {
struct pkey_free {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string as_text(const std::array<std::uint8_t, 64>& signature) { return {signature.begin(), signature.end()}; }

std::string random_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  if (size > 0) REQUIRE(RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(size)) == 1);
  return bytes;
}

std::string openssl_sign(EVP_PKEY* key, std::string_view message) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  REQUIRE(EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key) == 1);
  std::string signature(64, '\0');
  std::size_t size = signature.size();
  REQUIRE(EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                         reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1);
  REQUIRE(size == 64);
  return signature;
}

bool openssl_verify(std::string_view public_key, std::string_view signature, std::string_view message) {
  pkey_ptr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()), public_key.size()));
  REQUIRE(key);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  REQUIRE(EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) == 1);
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}
}  // namespace

TEST_CASE("ed25519: RFC 8032 §7.1, tests 1 to 3") {
  struct vector {
    const char* seed;
    const char* public_key;
    const char* message;
    const char* signature;
  };
  const vector vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe2"
       "4655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302ae"
       "eb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28"
       "dc027beceea1ec40a"},
  };
  for (const auto& v : vectors) {
    CAPTURE(v.message);
    auto key = native::ed25519_key::from_seed(from_hex(v.seed));
    REQUIRE(key.has_value());
    CHECK(key->public_key() == from_hex(v.public_key));
    const auto message = from_hex(v.message);
    CHECK(as_text(key->sign(message)) == from_hex(v.signature));
    CHECK(native::ed25519_verify(from_hex(v.public_key), from_hex(v.signature), message));
    CHECK_FALSE(native::ed25519_verify(from_hex(v.public_key), from_hex(v.signature), message + "x"));
  }
  CHECK_FALSE(native::ed25519_key::from_seed(std::string(31, 'a')).has_value());
  CHECK_FALSE(native::ed25519_verify(std::string(31, 'a'), std::string(64, 'b'), "m"));
  CHECK_FALSE(native::ed25519_verify(std::string(32, 'a'), std::string(63, 'b'), "m"));
}

TEST_CASE("ed25519: libsodium and OpenSSL make the same signatures and accept each other's") {
  const std::size_t lengths[] = {0, 1, 63, 64, 127, 128, 129, 1000, 16172, 65536};
  for (int round = 0; round < 8; ++round) {
    pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    REQUIRE(key);
    auto ours = native::ed25519_key_of(key.get());
    REQUIRE(ours.has_value());
    std::string public_key(32, '\0');
    std::size_t size = public_key.size();
    REQUIRE(EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(public_key.data()), &size) == 1);
    CHECK(ours->public_key() == public_key);
    for (const auto length : lengths) {
      CAPTURE(round);
      CAPTURE(length);
      const auto message = random_bytes(length);
      const auto by_sodium = as_text(ours->sign(message));
      const auto by_openssl = openssl_sign(key.get(), message);
      CHECK(by_sodium == by_openssl);
      CHECK(native::ed25519_verify(public_key, by_openssl, message));
      CHECK(openssl_verify(public_key, by_sodium, message));
      // One bit changed anywhere is refused by both.
      auto changed_message = message.empty() ? std::string("\x01") : message;
      if (!message.empty()) changed_message[message.size() / 2] ^= 0x04;
      auto changed_signature = by_sodium;
      changed_signature[static_cast<std::size_t>(round) * 7 % 64] ^= 0x10;
      CHECK_FALSE(native::ed25519_verify(public_key, by_sodium, changed_message));
      CHECK_FALSE(native::ed25519_verify(public_key, changed_signature, message));
      CHECK_FALSE(openssl_verify(public_key, changed_signature, message));
    }
  }
  // An OpenSSL key of another kind has no Ed25519 key in it.
  pkey_ptr p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  CHECK_FALSE(native::ed25519_key_of(p256.get()).has_value());
  CHECK_FALSE(native::ed25519_key_of(nullptr).has_value());
}

TEST_CASE("ed25519: a key or R of small order, or S not below the group order, is refused") {
  // The identity point (y = 1) as key and as R with S = 0 satisfies the cofactorless
  // equation [S]B = R + [k]A for every message: a "signature" anyone can make, which
  // OpenSSL 3.0's Ed25519 accepts (checked with EVP_DigestVerify on this machine).
  const std::string identity = from_hex("0100000000000000000000000000000000000000000000000000000000000000");
  const std::string zero(32, '\0');
  CHECK_FALSE(native::ed25519_verify(identity, identity + zero, "any message"));

  // A real signature with L added to S (RFC 8032 §5.1.7: S must be below L).
  auto key = native::ed25519_key::from_seed(std::string(32, '\x07'));
  REQUIRE(key.has_value());
  const std::string message = "receipt";
  auto signature = as_text(key->sign(message));
  REQUIRE(native::ed25519_verify(key->public_key(), signature, message));
  const std::string order =
      from_hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");  // L, little-endian
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned sum = static_cast<unsigned char>(signature[32 + i]) + static_cast<unsigned char>(order[i]) + carry;
    signature[32 + i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  CHECK_FALSE(native::ed25519_verify(key->public_key(), signature, message));
}

TEST_CASE("ed25519: a JWS signed through the signer verifies with verify_jws_signature, under both names") {
  auto pem = native::generate_private_key_pem(jws_algorithm::ed25519);
  REQUIRE(pem.has_value());
  auto signer = native::openssl_signer::from_pem(*pem);
  REQUIRE(signer.has_value());
  for (const auto algorithm : {jws_algorithm::ed25519, jws_algorithm::eddsa}) {
    parsed_jws jws;
    jws.signing_input = "eyJhbGciOiJFZDI1NTE5In0.cGF5bG9hZA";
    auto signature = (*signer)->sign(jws.signing_input);
    REQUIRE(signature.has_value());
    jws.signature = *signature;
    jws.algorithm = algorithm;
    jws.key = (*signer)->public_key();
    CHECK(native::verify_jws_signature(jws).has_value());
    jws.signing_input += "x";
    CHECK_FALSE(native::verify_jws_signature(jws).has_value());
    jws.signing_input.pop_back();
    jws.key.x = base64url_encode(std::string(32, 'k'));
    CHECK_FALSE(native::verify_jws_signature(jws).has_value());
    jws.key.x = "AAAA";
    CHECK_FALSE(native::verify_jws_signature(jws).has_value());
  }
}
