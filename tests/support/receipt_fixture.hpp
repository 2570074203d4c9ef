// The receipts' test fixture: the example policy with its real hashes, events from the
// consent engine, and a signer that needs no crypto library (so that the same tests run
// in wasm): its "signature" is two SHA-256 digests of the signing input, which
// `check_receipt` (everything but the signature) accepts, and OpenSSL of course does not.
#pragma once

#include <array>
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "consentry/base64url.hpp"
#include "consentry/receipt.hpp"
#include "fixtures.hpp"

namespace consentry::test {

inline const policy& example_policy() {
  static const std::optional<policy> loaded = [] () -> std::optional<policy> {
    const auto path = source_dir() / "tests/fixtures/policies/example/policy.json";
    auto result = load_policy(read_file(path), path.string());
    if (!result) return std::nullopt;
    return *result;
  }();
  REQUIRE(loaded.has_value());
  return *loaded;
}

inline policy_identity identity_of(const policy& document) {
  const auto hashes = compute_policy_hashes(document);
  return {document.id, document.version, hashes.policy_hash, hashes.material_hash};
}

inline constexpr std::int64_t march_2 = 1740909600000;  // 2025-03-02T10:00:00.000Z

class digest_signer final : public signer {
 public:
  explicit digest_signer(char seed, jws_algorithm algorithm = jws_algorithm::ed25519) : algorithm_(algorithm) {
    const auto x = base64url_encode(std::string(32, seed));
    key_ = algorithm == jws_algorithm::es256 ? public_jwk{"EC", "P-256", x, base64url_encode(std::string(32, '\x01'))}
                                             : public_jwk{"OKP", "Ed25519", x, std::nullopt};
  }
  jws_algorithm algorithm() const noexcept override { return algorithm_; }
  public_jwk public_key() const override { return key_; }
  result<std::string, jws_error> sign(std::string_view input) override {
    const auto digest = sha256_of(input);
    std::string out(digest.begin(), digest.end());
    return result<std::string, jws_error>(boost::system::in_place_value, out + out);
  }

 private:
  jws_algorithm algorithm_;
  public_jwk key_;
};

inline std::string uuid(std::uint8_t seed) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  return format_uuid_v4(bytes);
}

/// The event of `act` on `state` under the example policy at `now`.
inline consent_event event_of(const consent_act& act, const consent_state& state = {}, std::int64_t now = march_2) {
  const auto& document = example_policy();
  auto applied = apply_act(state, document, identity_of(document), act, now);
  REQUIRE(applied.has_value());
  REQUIRE(applied->event.has_value());
  return *applied->event;
}

inline consent_act act(consent_action action, collection_method method = collection_method::banner) {
  consent_act out;
  out.action = action;
  out.method = method;
  return out;
}

/// A signed receipt of `event` by `key`.
inline std::string signed_receipt(const consent_event& event, signer& key, std::uint8_t id_seed = 1) {
  auto built = build_receipt(event, example_policy(), uuid(id_seed), jwk_thumbprint(key.public_key()));
  REQUIRE(built.has_value());
  auto jws = sign_receipt(*built, key);
  REQUIRE(jws.has_value());
  return *jws;
}

}  // namespace consentry::test
