// The server's side of receipt verification: the core checks the JWS and the receipt
// (consentry/receipt.hpp), consentry_native checks the signature with OpenSSL; this
// file only orders those checks and says which status each failure earns.
#include "receipt_check.hpp"

#include <tuple>
#include <utility>

#include "consentry/base64url.hpp"
#include "consentry/hash.hpp"
#include "consentry/jws.hpp"
#include "consentry/receipt.hpp"
#include "files.hpp"
#include "openssl_keys.hpp"

namespace consentry::server {
namespace {

using check_result = result<verified_receipt, receipt_rejection>;

receipt_rejection malformed(std::string reason) { return {400, "malformed-receipt", std::move(reason)}; }
receipt_rejection invalid(std::string kind, std::string reason) { return {422, std::move(kind), std::move(reason)}; }

/// Why the core refused a compact JWS, as a status: 400 when it is not a JWS at all
/// (parts, base64url, JSON), 422 when it is one that breaks a rule (an algorithm
/// outside the allow-list, `none` included; a key that is not a public key fitting
/// it; a signature of the wrong length).
receipt_rejection diagnose_jws(std::string_view compact, const std::string& core_message) {
  std::string_view parts[3];
  std::size_t count = 0;
  for (std::size_t start = 0;;) {
    const auto dot = compact.find('.', start);
    if (count == 3) return malformed("the JWS has more than three parts: " + core_message);
    parts[count++] = compact.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (count != 3)
    return malformed("the body is not a JWS in compact serialisation (three base64url parts separated by dots)");
  auto header_bytes = base64url_decode(parts[0]);
  if (!header_bytes) return malformed("the JWS header is not strict base64url: " + header_bytes.error().message);
  auto header = parse_json(*header_bytes);
  if (!header || !header->is_object()) return malformed("the JWS header is not a JSON object");
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return malformed("the JWS header has no \"alg\"");
  const auto algorithm = jws_algorithm_from_name(alg->get_ref<const std::string&>());
  if (!algorithm)
    return invalid("algorithm-not-allowed", "algorithm \"" + alg->get_ref<const std::string&>() +
                                                "\" is not allowed; receipts are signed with Ed25519 (or EdDSA) or ES256");
  const auto jwk = header->find("jwk");
  if (jwk == header->end()) return invalid("bad-key", "the JWS header carries no public key (\"jwk\")");
  auto key = read_public_jwk(*jwk);
  if (!key) return invalid("bad-key", "the header's key: " + key.error().message);
  if (!key_fits(*algorithm, *key)) return invalid("bad-key", "the header's key does not fit algorithm " + alg->get_ref<const std::string&>());
  if (!base64url_decode(parts[1])) return malformed("the JWS payload is not strict base64url");
  auto signature = base64url_decode(parts[2]);
  if (!signature) return malformed("the JWS signature is not strict base64url");
  if (signature->size() != 64) return invalid("invalid-signature", "the signature does not have the algorithm's length");
  return malformed("the JWS is not well-formed: " + core_message);
}

/// The whole base64url groups of the JWS that encode payload bytes [at, at + size):
/// four characters for every three bytes, so the span starts at the first byte at or
/// after `at` on a multiple of three and ends at the last before `at + size`. Those
/// characters depend on those bytes only; the rest of the JWS holds the others.
std::pair<std::size_t, std::size_t> shared_span(std::string_view compact, std::size_t at, std::size_t size) {
  constexpr std::size_t worth_sharing = 256;  // bytes of payload: less is left in the row
  const auto payload = compact.find('.');
  const auto first = (at + 2) / 3 * 3;
  const auto last = (at + size) / 3 * 3;
  if (payload == std::string_view::npos || last < first + worth_sharing) return {0, 0};
  return {payload + 1 + first / 3 * 4, payload + 1 + last / 3 * 4};
}

/// The span's fingerprint (verified_receipt::shared_fingerprint): the services' hash,
/// mixed with their offset modulo 3 (which of three encodings), never 0.
std::uint64_t shared_fingerprint(std::size_t services_hash, std::size_t services_at) {
  constexpr std::uint64_t golden = 0x9e3779b97f4a7c15;  // 2^64 / φ, odd
  const std::uint64_t mixed = static_cast<std::uint64_t>(services_hash) ^ (golden * (1 + services_at % 3));
  return mixed == 0 ? golden : mixed;
}

}  // namespace

result<self_signed_jws, receipt_rejection> verify_self_signed(std::string_view jws, std::string_view type) {
  auto parsed = parse_compact_jws(jws);
  if (!parsed) return diagnose_jws(jws, parsed.error().message);
  if (parsed->type != type)
    return invalid("wrong-type", "the JWS header's \"typ\" must be \"" + std::string(type) + "\"");
  if (auto signature = native::verify_jws_signature(*parsed); !signature)
    return invalid("invalid-signature", "the signature does not verify with the header's key");
  return self_signed_jws{jwk_thumbprint(parsed->key), std::move(parsed->payload)};
}

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
    auto document = std::make_shared<const policy>(std::move(*loaded));
    const auto hashes = compute_policy_hashes(*document);
    if (hashes.policy_hash.empty()) return "cannot hash the policy in " + directory;
    policies.push_back({document->id, document->version, hashes.policy_hash, hashes.material_hash, directory,
                        std::move(document)});
  }
  return result<std::vector<known_policy>, std::string>(boost::system::in_place_value, std::move(policies));
}

receipt_checker::receipt_checker(std::vector<known_policy> policies) : policies_(std::move(policies)) {}
receipt_checker::~receipt_checker() = default;

check_result receipt_checker::verify(std::string_view jws) const {
  // The form, then the signature, then what the payload says: a changed payload byte
  // is reported as the broken signature it is (as `consentry receipt verify` does).
  // A receipt the core accepts is parsed once: its signature is checked on the core's
  // parse; only a refused one is parsed again, to say why in that order.
  auto checked = check_receipt(jws, &cache_);
  if (checked) {
    if (auto signature = native::verify_jws_signature(checked->jws); !signature)
      return invalid("invalid-signature", "the signature does not verify with the header's key");
  } else {
    auto parsed = parse_compact_jws(jws);
    if (!parsed) return diagnose_jws(jws, parsed.error().message);
    if (auto signature = native::verify_jws_signature(*parsed); !signature)
      return invalid("invalid-signature", "the signature does not verify with the header's key");
    // Whose key signed is the one fact worth its own problem type: the rest is
    // "not a receipt of ours" with the core's words.
    auto payload = parse_json(parsed->payload);
    if (payload && payload->is_object()) {
      const auto principal = payload->find("pii_principal_id");
      if (principal != payload->end() && principal->is_string() &&
          principal->get_ref<const std::string&>() != jwk_thumbprint(parsed->key))
        return invalid("key-mismatch", "the header's key is not the key of the receipt's device (pii_principal_id)");
    }
    return invalid("invalid-receipt", checked.error().message);
  }
  const auto& r = checked->value;

  const known_policy* same_id = nullptr;
  for (const auto& p : policies_) {
    if (p.id != r.notice.id) continue;
    same_id = &p;
    if (!check_receipt_policy(r, *p.document, {p.hash, p.material_hash})) {
      verified_receipt out;
      out.receipt_id = r.consent_receipt_id;
      out.device = r.pii_principal_id;
      out.receipt_hash = checked->hash;
      out.previous_hash = r.previous_receipt_hash;
      out.policy_id = r.notice.id;
      out.policy_hash = r.notice.policy_hash;
      out.timestamp = std::chrono::system_clock::time_point(std::chrono::seconds(r.consent_timestamp));
      std::tie(out.shared_begin, out.shared_end) = shared_span(jws, checked->services_at, checked->services_size);
      if (out.shared_begin < out.shared_end)
        out.shared_fingerprint = shared_fingerprint(checked->services_hash, checked->services_at);
      return check_result(boost::system::in_place_value, std::move(out));
    }
  }
  if (!same_id) return invalid("unknown-policy", "policy \"" + r.notice.id + "\" is not one this server accepts");
  return invalid("unknown-policy", "no version of policy \"" + r.notice.id + "\" known here matches: " +
                                       *check_receipt_policy(r, *same_id->document,
                                                             {same_id->hash, same_id->material_hash}));
}

}  // namespace consentry::server
