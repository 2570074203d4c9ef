// JSON Web Signature, compact serialisation (RFC 7515 §7.1), as receipts use it: the
// core builds the protected header and the signing input and takes signatures apart;
// the signature itself comes from a `signer` (WebCrypto in the browser, OpenSSL natively).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/describe.hpp>

#include "consentry/json_parse.hpp"
#include "consentry/result.hpp"

namespace consentry {

/// The signature algorithms a receipt may use; nothing else is ever accepted, `none`
/// least of all (RFC 8725 §3.1).
///  - `ed25519`: "Ed25519" (RFC 9864 §2), what Consentry writes;
///  - `eddsa`:   "EdDSA" with an Ed25519 key (RFC 8037 §3.1), the older name, read only;
///  - `es256`:   "ES256", ECDSA P-256 with SHA-256, the signature as r‖s (RFC 7518 §3.4),
///               for browsers without Ed25519 in WebCrypto.
enum class jws_algorithm { ed25519, eddsa, es256 };

/// The JOSE name ("Ed25519", "EdDSA", "ES256").
std::string_view jws_algorithm_name(jws_algorithm algorithm) noexcept;
/// The algorithm of a JOSE name, or nothing when it is not in the allow-list.
std::optional<jws_algorithm> jws_algorithm_from_name(std::string_view name) noexcept;

/// A public key as a JWK (RFC 7517): an OKP Ed25519 key (RFC 8037 §2: `x`) or an EC
/// P-256 key (RFC 7518 §6.2.1: `x`, `y`), the coordinates in base64url.
struct public_jwk {
  std::string kty;
  std::string crv;
  std::string x;
  std::optional<std::string> y;
  friend bool operator==(const public_jwk&, const public_jwk&) = default;
};
BOOST_DESCRIBE_STRUCT(public_jwk, (), (kty, crv, x, y))

struct jws_error {
  std::string message;
};

/// Reads a public JWK from a JWS header, strictly: `kty`/`crv` must be OKP/Ed25519 or
/// EC/P-256, the coordinates strict base64url of 32 bytes each. Private members (`d`)
/// are refused; the optional public members `kid`, `use`, `alg`, `key_ops` and `ext`
/// (WebCrypto's export) are allowed and ignored.
result<public_jwk, jws_error> read_public_jwk(const json& value);

/// The JWK as JSON, with only its required members.
json to_json(const public_jwk& key);

/// Whether `algorithm` signs with keys of this type (Ed25519 and EdDSA: OKP Ed25519; ES256: EC P-256).
bool key_fits(jws_algorithm algorithm, const public_jwk& key) noexcept;

/// RFC 7638 JWK thumbprint: SHA-256 of the canonical JSON of the key's required members
/// (§3.2), as unpadded base64url (43 characters), the form `jose` and RFC 9278 use. It is
/// the principal id of a receipt: the device key, not the person.
std::string jwk_thumbprint(const public_jwk& key);

/// The protected header a Consentry receipt carries: `{"alg", "jwk", "typ"}` in RFC 8785
/// canonical form, so that the same key and algorithm always give the same bytes.
std::string make_protected_header(jws_algorithm algorithm, const public_jwk& key, std::string_view type);

/// BASE64URL(header) "." BASE64URL(payload): the bytes that are signed (RFC 7515 §5.1).
std::string jws_signing_input(std::string_view header, std::string_view payload);

/// The compact serialisation: signing input "." BASE64URL(signature) (RFC 7515 §7.1).
std::string assemble_compact_jws(std::string_view signing_input, std::string_view signature);

/// A compact JWS taken apart and checked as far as the core can without crypto.
struct parsed_jws {
  std::string header_text;  ///< the decoded protected header
  std::string payload;      ///< the decoded payload bytes
  std::string signature;    ///< the decoded signature bytes
  std::string signing_input;
  jws_algorithm algorithm = jws_algorithm::ed25519;
  public_jwk key;
  std::optional<std::string> type;  ///< `typ`
};

/// Parses a compact JWS strictly: exactly three parts of strict base64url (no padding,
/// no whitespace); a header that is a JSON object read by `parse_json` (no duplicate
/// names) with an allowed `alg`, a `jwk` that fits it, an optional `typ`, and no other
/// member: `crit` and everything this reader does not understand is refused (RFC 7515
/// §4.1.11). The signature has the algorithm's length (64 bytes for all three).
result<parsed_jws, jws_error> parse_compact_jws(std::string_view compact);

/// Produces signatures for a JWS. Implementations: OpenSSL natively
/// (tools/lib/openssl_signer), WebCrypto with a non-extractable key in the browser,
/// whose asynchronous call goes around this interface through `jws_signing_input`
/// and `assemble_compact_jws`.
class signer {
 public:
  virtual ~signer() = default;
  virtual jws_algorithm algorithm() const noexcept = 0;
  virtual public_jwk public_key() const = 0;
  /// The raw signature of `signing_input`: 64 bytes for Ed25519, r‖s for ES256.
  virtual result<std::string, jws_error> sign(std::string_view signing_input) = 0;
};

/// Signs `payload` with a protected header from `make_protected_header`.
result<std::string, jws_error> sign_compact_jws(std::string_view payload, signer& key, std::string_view type);

}  // namespace consentry
