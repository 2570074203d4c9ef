// Receipt signatures with OpenSSL: the RFC known answers, keys of both algorithms,
// and verification of receipts and chains as the command line and the server do it.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "consentry/base64url.hpp"
#include "consentry/receipt.hpp"
#include "openssl_keys.hpp"
#include "receipt_fixture.hpp"
#include "receipt_verify.hpp"

using namespace consentry;

namespace {
// RFC 8037 Appendix A.1: the Ed25519 private key d, as PKCS#8 PEM.
const char* rfc8037_private_pem =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n";
const public_jwk rfc8037_public{"OKP", "Ed25519", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", std::nullopt};

std::unique_ptr<native::openssl_signer> new_key(jws_algorithm algorithm) {
  auto pem = native::generate_private_key_pem(algorithm);
  REQUIRE(pem.has_value());
  auto key = native::openssl_signer::from_pem(*pem);
  REQUIRE(key.has_value());
  return std::move(*key);
}

parsed_jws parts(std::string_view signing_input, std::string_view signature, jws_algorithm algorithm,
                 const public_jwk& key) {
  parsed_jws out;
  out.signing_input = signing_input;
  auto decoded = base64url_decode(signature);
  REQUIRE(decoded.has_value());
  out.signature = *decoded;
  out.algorithm = algorithm;
  out.key = key;
  return out;
}

consent_act act_of(consent_action action) {
  consent_act a;
  a.action = action;
  return a;
}
}  // namespace

TEST_CASE("openssl: the Ed25519 example of RFC 8037 Appendix A.4 and A.5") {
  auto key = native::openssl_signer::from_pem(rfc8037_private_pem);
  REQUIRE(key.has_value());
  CHECK((*key)->algorithm() == jws_algorithm::ed25519);
  CHECK((*key)->public_key() == rfc8037_public);
  const std::string input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  const std::string expected =
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
  auto signature = (*key)->sign(input);
  REQUIRE(signature.has_value());
  CHECK(base64url_encode(*signature) == expected);  // Ed25519 is deterministic
  CHECK(native::verify_jws_signature(parts(input, expected, jws_algorithm::eddsa, rfc8037_public)).has_value());
  auto changed = parts(input, expected, jws_algorithm::eddsa, rfc8037_public);
  changed.signing_input.back() = 'h';
  CHECK_FALSE(native::verify_jws_signature(changed).has_value());
}

TEST_CASE("openssl: the ES256 example of RFC 7515 Appendix A.3") {
  const public_jwk key{"EC", "P-256", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                       "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"};
  const std::string input =
      "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  const std::string signature =
      "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
  CHECK(native::verify_jws_signature(parts(input, signature, jws_algorithm::es256, key)).has_value());
  auto swapped = parts(input, signature, jws_algorithm::es256, key);
  std::rotate(swapped.signature.begin(), swapped.signature.begin() + 32, swapped.signature.end());  // s‖r
  CHECK_FALSE(native::verify_jws_signature(swapped).has_value());
  auto off_curve = key;
  off_curve.y = base64url_encode(std::string(32, '\x01'));
  auto refused = native::verify_jws_signature(parts(input, signature, jws_algorithm::es256, off_curve));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("not on the P-256 curve") != std::string::npos);
}

TEST_CASE("openssl: new keys of both algorithms sign receipts that verify, and only as signed") {
  for (auto algorithm : {jws_algorithm::ed25519, jws_algorithm::es256}) {
    CAPTURE(jws_algorithm_name(algorithm));
    auto key = new_key(algorithm);
    CHECK(key->algorithm() == algorithm);
    const auto compact = test::signed_receipt(test::event_of(act_of(consent_action::accept_all)), *key);
    auto verified = native::verify_receipt(compact);
    REQUIRE(verified.has_value());
    CHECK(verified->jws.algorithm == algorithm);
    CHECK(verified->value.pii_principal_id == jwk_thumbprint(key->public_key()));

    // A signature of the same receipt by another key of the same kind does not verify.
    auto other = new_key(algorithm);
    const auto dot = compact.rfind('.');
    auto foreign = other->sign(compact.substr(0, dot));
    REQUIRE(foreign.has_value());
    auto refused = native::verify_receipt(compact.substr(0, dot + 1) + base64url_encode(*foreign));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message == "the signature does not match the header and payload");
  }
}

TEST_CASE("openssl: keys that are not Ed25519 or P-256 are refused") {
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  REQUIRE(p384 != nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PrivateKey(out, p384, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  const std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(out);
  EVP_PKEY_free(p384);
  auto refused = native::openssl_signer::from_pem(pem);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "the key is neither Ed25519 nor EC P-256");
  CHECK_FALSE(native::openssl_signer::from_pem("not a key").has_value());
}

TEST_CASE("openssl: verify_receipts checks each receipt, each device's chain in order, and the policy") {
  auto device_a = new_key(jws_algorithm::ed25519);
  auto device_b = new_key(jws_algorithm::es256);
  const auto a1 = test::signed_receipt(test::event_of(act_of(consent_action::accept_all)), *device_a, 1);
  auto a1_checked = native::verify_receipt(a1);
  REQUIRE(a1_checked.has_value());
  const auto a2 = test::signed_receipt(
      test::event_of(act_of(consent_action::reject_all), state_from_receipt(*a1_checked), test::march_2 + 1000),
      *device_a, 2);
  const auto b1 = test::signed_receipt(test::event_of(act_of(consent_action::reject_all)), *device_b, 3);

  // Interleaved devices are fine: each chain is followed on its own.
  CHECK(native::verify_receipts({{"a1", a1}, {"b1", b1}, {"a2", a2}}).empty());
  CHECK(native::verify_receipts({{"a2", a2}}).empty());  // its predecessor is not among the files

  auto failures = native::verify_receipts({{"a2", a2}, {"b1", b1}, {"a1", a1}});
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].name == "a1");
  CHECK(failures[0].reason.find("starts a new chain") != std::string::npos);

  std::string tampered = a1;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  failures = native::verify_receipts({{"bad", tampered}, {"b1", b1}});
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].name == "bad");

  auto changed = test::example_policy();
  changed.vendors[0].transfer_country = "CN";
  failures = native::verify_receipts({{"a1", a1}, {"a2", a2}}, &changed);
  REQUIRE(failures.size() == 2);
  CHECK(failures[1].reason.find("material_hash") != std::string::npos);
  CHECK(native::verify_receipts({{"a1", a1}, {"a2", a2}}, &test::example_policy()).empty());
}
