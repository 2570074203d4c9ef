// JWS compact serialisation and JWK handling for receipts (RFC 7515, 7517, 7638, 8037,
// 9864). Strict on every input: one accepted spelling per signed receipt.
#include "consentry/jws.hpp"

#include "consentry/base64url.hpp"
#include "consentry/hash.hpp"
#include "consentry/jcs.hpp"

namespace consentry {
namespace {

using jwk_result = result<public_jwk, jws_error>;
using parse_result = result<parsed_jws, jws_error>;

jws_error error(std::string message) { return jws_error{std::move(message)}; }

/// A required string member of `object`, or an error naming it.
const std::string* string_member(const json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return nullptr;
  return &found->get_ref<const std::string&>();
}

/// A coordinate: strict base64url of exactly 32 bytes (Ed25519 keys, P-256 coordinates).
std::optional<std::string> check_coordinate(const std::string& text, const char* name) {
  auto decoded = base64url_decode(text);
  if (!decoded) return std::string("jwk \"") + name + "\": " + decoded.error().message;
  if (decoded->size() != 32) {
    return std::string("jwk \"") + name + "\" has " + std::to_string(decoded->size()) + " bytes, expected 32";
  }
  return std::nullopt;
}

}  // namespace

std::string_view jws_algorithm_name(jws_algorithm algorithm) noexcept {
  switch (algorithm) {
    case jws_algorithm::ed25519: return "Ed25519";
    case jws_algorithm::eddsa: return "EdDSA";
    case jws_algorithm::es256: return "ES256";
  }
  return "";
}

std::optional<jws_algorithm> jws_algorithm_from_name(std::string_view name) noexcept {
  if (name == "Ed25519") return jws_algorithm::ed25519;
  if (name == "EdDSA") return jws_algorithm::eddsa;
  if (name == "ES256") return jws_algorithm::es256;
  return std::nullopt;
}

result<public_jwk, jws_error> read_public_jwk(const json& value) {
  if (!value.is_object()) return error("\"jwk\" is not a JSON object");
  for (const auto& [name, member] : value.items()) {
    if (name == "kty" || name == "crv" || name == "x" || name == "y" || name == "kid" || name == "use" ||
        name == "alg" || name == "key_ops" || name == "ext") {
      continue;
    }
    if (name == "d") return error("\"jwk\" holds a private key (\"d\"): a header carries the public key only");
    return error("\"jwk\" has the member \"" + name + "\", which an OKP Ed25519 or EC P-256 public key does not have");
  }
  const auto* kty = string_member(value, "kty");
  const auto* crv = string_member(value, "crv");
  const auto* x = string_member(value, "x");
  if (!kty || !crv || !x) return error("\"jwk\" needs the string members \"kty\", \"crv\" and \"x\"");
  public_jwk key{*kty, *crv, *x, std::nullopt};
  if (*kty == "OKP" && *crv == "Ed25519") {
    if (value.contains("y")) return error("an Ed25519 \"jwk\" has no \"y\"");
  } else if (*kty == "EC" && *crv == "P-256") {
    const auto* y = string_member(value, "y");
    if (!y) return error("an EC P-256 \"jwk\" needs the string member \"y\"");
    key.y = *y;
  } else {
    return error("\"jwk\" is " + *kty + " " + *crv + "; expected OKP Ed25519 or EC P-256");
  }
  if (auto problem = check_coordinate(key.x, "x")) return error(*problem);
  if (key.y) {
    if (auto problem = check_coordinate(*key.y, "y")) return error(*problem);
  }
  return jwk_result(boost::system::in_place_value, std::move(key));
}

json to_json(const public_jwk& key) {
  json out = {{"crv", key.crv}, {"kty", key.kty}, {"x", key.x}};
  if (key.y) out["y"] = *key.y;
  return out;
}

bool key_fits(jws_algorithm algorithm, const public_jwk& key) noexcept {
  if (algorithm == jws_algorithm::es256) return key.kty == "EC" && key.crv == "P-256" && key.y.has_value();
  return key.kty == "OKP" && key.crv == "Ed25519" && !key.y.has_value();
}

std::string jwk_thumbprint(const public_jwk& key) {
  // RFC 7638 §3.2: the required members only, sorted, no whitespace: RFC 8785 gives exactly that.
  auto canonical = canonicalize_value(to_json(key));
  if (!canonical) return {};
  return base64url_encode(sha256_of(*canonical));
}

std::string make_protected_header(jws_algorithm algorithm, const public_jwk& key, std::string_view type) {
  json header = {{"alg", std::string(jws_algorithm_name(algorithm))}, {"jwk", to_json(key)}};
  if (!type.empty()) header["typ"] = std::string(type);
  auto canonical = canonicalize_value(header);
  return canonical ? std::move(*canonical) : std::string();
}

std::string jws_signing_input(std::string_view header, std::string_view payload) {
  return base64url_encode(header) + "." + base64url_encode(payload);
}

std::string assemble_compact_jws(std::string_view signing_input, std::string_view signature) {
  std::string out(signing_input);
  out += '.';
  out += base64url_encode(signature);
  return out;
}

result<parsed_jws, jws_error> parse_compact_jws(std::string_view compact) {
  const auto first = compact.find('.');
  const auto second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    return error("not a compact JWS: expected three base64url parts separated by two dots");
  }
  const auto header_part = compact.substr(0, first);
  const auto payload_part = compact.substr(first + 1, second - first - 1);
  const auto signature_part = compact.substr(second + 1);
  if (header_part.empty() || payload_part.empty() || signature_part.empty()) {
    return error("not a compact JWS: an empty part (a detached or unsigned JWS is not a receipt)");
  }
  parsed_jws out;
  const struct {
    std::string_view text;
    std::string* into;
    const char* name;
  } parts[] = {{header_part, &out.header_text, "header"},
               {payload_part, &out.payload, "payload"},
               {signature_part, &out.signature, "signature"}};
  for (const auto& part : parts) {
    auto decoded = base64url_decode(part.text);
    if (!decoded) {
      return error(std::string("the ") + part.name + " is not strict base64url: " + decoded.error().message +
                   " (at character " + std::to_string(decoded.error().offset + 1) + ")");
    }
    *part.into = std::move(*decoded);
  }
  out.signing_input = std::string(compact.substr(0, second));

  auto header = parse_json(out.header_text);
  if (!header) return error("the header is not JSON: " + header.error().location() + ": " + header.error().message);
  if (!header->is_object()) return error("the header is not a JSON object");
  if (header->contains("crit")) {
    return error("the header has \"crit\": no critical extension is understood here (RFC 7515 §4.1.11)");
  }
  for (const auto& [name, member] : header->items()) {
    if (name != "alg" && name != "jwk" && name != "typ") {
      return error("the header has the member \"" + name + "\", which a receipt's header does not have");
    }
  }
  const auto* alg = string_member(*header, "alg");
  if (!alg) return error("the header has no \"alg\" string");
  const auto algorithm = jws_algorithm_from_name(*alg);
  if (!algorithm) {
    return error("algorithm \"" + *alg + "\" is not accepted; a receipt is signed with Ed25519, EdDSA or ES256");
  }
  out.algorithm = *algorithm;
  auto jwk = header->find("jwk");
  if (jwk == header->end()) return error("the header has no \"jwk\": the public key travels in the header");
  auto key = read_public_jwk(*jwk);
  if (!key) return error(key.error().message);
  if (!key_fits(*algorithm, *key)) {
    return error("algorithm " + *alg + " does not sign with a " + key->kty + " " + key->crv + " key");
  }
  out.key = std::move(*key);
  if (auto typ = header->find("typ"); typ != header->end()) {
    if (!typ->is_string()) return error("the header's \"typ\" is not a string");
    out.type = typ->get<std::string>();
  }
  if (out.signature.size() != 64) {
    return error("the signature has " + std::to_string(out.signature.size()) + " bytes; " + *alg + " signatures have 64");
  }
  return parse_result(boost::system::in_place_value, std::move(out));
}

result<std::string, jws_error> sign_compact_jws(std::string_view payload, signer& key, std::string_view type) {
  const auto header = make_protected_header(key.algorithm(), key.public_key(), type);
  if (header.empty()) return error("the public key cannot be written as JSON");
  const auto input = jws_signing_input(header, payload);
  auto signature = key.sign(input);
  if (!signature) return signature.error();
  if (signature->size() != 64) {
    return error("the signer returned " + std::to_string(signature->size()) + " bytes; expected 64");
  }
  return result<std::string, jws_error>(boost::system::in_place_value, assemble_compact_jws(input, *signature));
}

}  // namespace consentry
