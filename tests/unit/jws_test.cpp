#include "consentry/jws.hpp"

#include <doctest/doctest.h>

#include <string>

#include "consentry/base64url.hpp"
#include "fixtures.hpp"
#include "receipt_fixture.hpp"

using consentry::base64url_encode;
using consentry::jws_algorithm;
using consentry::parse_compact_jws;
using consentry::public_jwk;

namespace {
const public_jwk rfc8037_key{"OKP", "Ed25519", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", std::nullopt};
const std::string signature_64 = base64url_encode(std::string(64, '\x07'));

std::string jws_with_header(const std::string& header, const std::string& signature = signature_64) {
  return base64url_encode(header) + "." + base64url_encode(std::string("{}")) + "." + signature;
}
}  // namespace

TEST_CASE("jws: the JWK thumbprint of RFC 8037 Appendix A.3 (RFC 7638)") {
  CHECK(consentry::jwk_thumbprint(rfc8037_key) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST_CASE("jws: the protected header is canonical, and the signing input is BASE64URL(header).BASE64URL(payload)") {
  const auto header = consentry::make_protected_header(jws_algorithm::ed25519, rfc8037_key, "consent-receipt+jws");
  CHECK(header ==
        R"({"alg":"Ed25519","jwk":{"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},)"
        R"("typ":"consent-receipt+jws"})");
  // RFC 8037 A.4: the signing input of {"alg":"EdDSA"} and "Example of Ed25519 signing".
  CHECK(consentry::jws_signing_input(R"({"alg":"EdDSA"})", "Example of Ed25519 signing") ==
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc");
  CHECK(consentry::assemble_compact_jws("a.b", "\xfb\xff") == "a.b.-_8");
}

TEST_CASE("jws: a well-formed compact JWS is taken apart") {
  const auto header = consentry::make_protected_header(jws_algorithm::es256,
                                                       {"EC", "P-256", base64url_encode(std::string(32, 'x')),
                                                        base64url_encode(std::string(32, 'y'))},
                                                       "t");
  const auto compact = consentry::jws_signing_input(header, "payload") + "." + signature_64;
  consentry::test::exact_buffer input(compact);
  auto parsed = parse_compact_jws(input.view());
  REQUIRE(parsed.has_value());
  CHECK(parsed->algorithm == jws_algorithm::es256);
  CHECK(parsed->payload == "payload");
  CHECK(parsed->signature == std::string(64, '\x07'));
  CHECK(parsed->signing_input == compact.substr(0, compact.rfind('.')));
  CHECK(parsed->type == "t");
  CHECK(parsed->key.y.has_value());
}

TEST_CASE("jws: parsing is strict, and refuses every algorithm but Ed25519, EdDSA and ES256") {
  const std::string jwk = R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
  const std::string good = R"({"alg":"EdDSA","jwk":)" + jwk + "}";
  REQUIRE(parse_compact_jws(jws_with_header(good)).has_value());
  REQUIRE(parse_compact_jws(jws_with_header(R"({"alg":"Ed25519","jwk":)" + jwk + R"(,"typ":"x"})")).has_value());
  const std::string webcrypto_jwk =
      R"({"alg":"Ed25519","jwk":{"crv":"Ed25519","ext":true,"key_ops":["verify"],"kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}})";
  CHECK(parse_compact_jws(jws_with_header(webcrypto_jwk)).has_value());

  const struct {
    std::string compact;
    const char* says;
  } cases[] = {
      {"abc.def", "three base64url parts"},
      {jws_with_header(good) + ".x", "three base64url parts"},
      {"." + base64url_encode(std::string("{}")) + "." + signature_64, "an empty part"},
      {base64url_encode(good) + ".." + signature_64, "an empty part"},
      {jws_with_header(good) + "=", "the signature is not strict base64url: padding"},
      {jws_with_header(good, signature_64 + "\n"), "whitespace"},
      {base64url_encode(good) + "=." + base64url_encode(std::string("{}")) + "." + signature_64, "the header is not"},
      {jws_with_header(R"({"alg":"none","jwk":)" + jwk + "}"), "\"none\" is not accepted"},
      {jws_with_header(R"({"alg":"HS256","jwk":)" + jwk + "}"), "\"HS256\" is not accepted"},
      {jws_with_header(R"({"alg":"RS256","jwk":)" + jwk + "}"), "\"RS256\" is not accepted"},
      {jws_with_header(R"({"alg":"eddsa","jwk":)" + jwk + "}"), "\"eddsa\" is not accepted"},
      {jws_with_header(R"({"jwk":)" + jwk + "}"), "no \"alg\""},
      {jws_with_header(R"({"alg":"EdDSA"})"), "no \"jwk\""},
      {jws_with_header(R"({"alg":"EdDSA","alg":"EdDSA","jwk":)" + jwk + "}"), "duplicate member name"},
      {jws_with_header(R"({"alg":"EdDSA","crit":["b64"],"b64":false,"jwk":)" + jwk + "}"), "critical extension"},
      {jws_with_header(R"({"alg":"EdDSA","kid":"k","jwk":)" + jwk + "}"), "member \"kid\""},
      {jws_with_header(R"(["EdDSA"])"), "not a JSON object"},
      {jws_with_header(R"({"alg":"EdDSA",)"), "the header is not JSON"},
      {jws_with_header(R"({"alg":"ES256","jwk":)" + jwk + "}"), "does not sign with a OKP Ed25519 key"},
      {jws_with_header(R"({"alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}})"),
       "private key"},
      {jws_with_header(R"({"alg":"EdDSA","jwk":{"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}})"),
       "expected OKP Ed25519 or EC P-256"},
      {jws_with_header(R"({"alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR"}})"),
       "jwk \"x\""},
      {jws_with_header(R"({"alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","x":"AAAA"}})"), "3 bytes, expected 32"},
      {jws_with_header(R"({"alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}})"),
       "needs the string member \"y\""},
      {jws_with_header(good, base64url_encode(std::string(63, 'a'))), "63 bytes"},
      {jws_with_header(good, base64url_encode(std::string(65, 'a'))), "65 bytes"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.compact);
    consentry::test::exact_buffer input(c.compact);
    auto parsed = parse_compact_jws(input.view());
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message.find(c.says) != std::string::npos);
  }
}

TEST_CASE("jws: sign_compact_jws signs the header and payload through the signer") {
  consentry::test::digest_signer key('k');
  auto compact = consentry::sign_compact_jws("hello", key, "t");
  REQUIRE(compact.has_value());
  auto parsed = parse_compact_jws(*compact);
  REQUIRE(parsed.has_value());
  CHECK(parsed->payload == "hello");
  CHECK(parsed->key == key.public_key());
  const auto digest = consentry::sha256_of(parsed->signing_input);
  CHECK(parsed->signature == std::string(digest.begin(), digest.end()) + std::string(digest.begin(), digest.end()));
}
