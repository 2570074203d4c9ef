// INTERIM implementation until branch jcs lands the core's verifier: Ed25519 only,
// no RFC 8785 check. Replaced by calls to the core; the interface stays.
#include "receipt_check.hpp"

#include <openssl/evp.h>

#include "consentry/json_parse.hpp"
#include "files.hpp"
#include "interim_base64url.hpp"
#include "openssl_util.hpp"

namespace consentry::server {
namespace {

using interim::base64url_decode;
using interim::base64url_encode;
using check_result = result<verified_receipt, receipt_rejection>;

receipt_rejection malformed(std::string reason) { return {400, "malformed-receipt", std::move(reason)}; }
receipt_rejection invalid(std::string kind, std::string reason) { return {422, std::move(kind), std::move(reason)}; }

const std::string* string_member(const json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return nullptr;
  return &found->get_ref<const std::string&>();
}

}  // namespace

result<std::vector<known_policy>, std::string> load_known_policies(const std::vector<std::string>& directories) {
  std::vector<known_policy> policies;
  for (const auto& directory : directories) {
    auto loaded = native::load_policy_directory(directory);
    if (!loaded) {
      std::string message = "cannot load the policy in " + directory + ":";
      const bool one = loaded.error().size() == 1;
      for (const auto& d : loaded.error()) message += (one ? " " : "\n  ") + format(d);
      return message;
    }
    const auto text = to_json(*loaded).dump();
    policies.push_back({loaded->id, loaded->version, base64url_encode(sha256(text)), directory});
  }
  return result<std::vector<known_policy>, std::string>(boost::system::in_place_value, std::move(policies));
}

receipt_checker::receipt_checker(std::vector<known_policy> policies) : policies_(std::move(policies)) {}
receipt_checker::~receipt_checker() = default;

result<self_signed_jws, receipt_rejection> verify_self_signed(std::string_view jws) {
  const auto first = jws.find('.');
  const auto second = first == std::string_view::npos ? first : jws.find('.', first + 1);
  if (second == std::string_view::npos || jws.find('.', second + 1) != std::string_view::npos)
    return malformed("the body is not a JWS in compact serialisation (three base64url parts separated by dots)");
  auto header_bytes = base64url_decode(jws.substr(0, first));
  auto payload_bytes = base64url_decode(jws.substr(first + 1, second - first - 1));
  auto signature = base64url_decode(jws.substr(second + 1));
  if (!header_bytes || !payload_bytes || !signature) return malformed("a part of the JWS is not strict base64url");
  auto header = parse_json(*header_bytes);
  if (!header || !header->is_object()) return malformed("the JWS header is not a JSON object");
  const auto* alg = string_member(*header, "alg");
  if (!alg) return malformed("the JWS header has no \"alg\"");
  if (*alg != "Ed25519" && *alg != "EdDSA") return invalid("algorithm-not-allowed", "algorithm \"" + *alg + "\" is not allowed");
  auto jwk = header->find("jwk");
  if (jwk == header->end() || !jwk->is_object()) return invalid("bad-key", "the JWS header carries no \"jwk\"");
  const auto* x = string_member(*jwk, "x");
  auto raw = x ? base64url_decode(*x) : std::nullopt;
  if (!raw || raw->size() != 32) return invalid("bad-key", "the header key is not an Ed25519 public key");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw->data()),
                                  raw->size()),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const auto input = jws.substr(0, second);
  if (!key || EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    return invalid("invalid-signature", "the signature does not verify with the header key");
  return self_signed_jws{base64url_encode(sha256(R"({"crv":"Ed25519","kty":"OKP","x":")" + *x + "\"}")),
                         std::move(*payload_bytes)};
}

check_result receipt_checker::verify(std::string_view jws) const {
  auto signed_jws = verify_self_signed(jws);
  if (!signed_jws) return signed_jws.error();
  const auto& thumbprint = signed_jws->thumbprint;
  auto payload = parse_json(signed_jws->payload);
  if (!payload || !payload->is_object()) return malformed("the receipt is not a JSON object");
  verified_receipt out;
  const auto* id = string_member(*payload, "receipt_id");
  const auto* principal = string_member(*payload, "principal_id");
  const auto* policy_id = string_member(*payload, "policy_id");
  const auto* policy_hash = string_member(*payload, "policy_hash");
  auto timestamp = payload->find("consent_timestamp");
  if (!id || !principal || !policy_id || !policy_hash || timestamp == payload->end() ||
      !timestamp->is_number_integer())
    return invalid("invalid-receipt", "the receipt lacks a required member");
  if (*principal != thumbprint)
    return invalid("key-mismatch", "the header key's thumbprint is not the receipt's principal id");
  bool known = false;
  for (const auto& p : policies_) known = known || (p.id == *policy_id && p.hash == *policy_hash);
  if (!known) return invalid("unknown-policy", "policy \"" + *policy_id + "\" with this hash is not known here");
  out.receipt_id = *id;
  out.device = thumbprint;
  out.receipt_hash = base64url_encode(sha256(jws));
  if (const auto* previous = string_member(*payload, "previous_receipt_hash")) out.previous_hash = *previous;
  out.policy_id = *policy_id;
  out.policy_hash = *policy_hash;
  out.timestamp = std::chrono::system_clock::time_point(std::chrono::seconds(timestamp->get<std::int64_t>()));
  return check_result(boost::system::in_place_value, std::move(out));
}

}  // namespace consentry::server
