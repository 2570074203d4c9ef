// The server's own Ed25519 key: it countersigns every stored receipt, and its public
// half is published as a JWK Set (RFC 7517 §5) at /.well-known/jwks.json.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "consentry/result.hpp"
#include "ed25519.hpp"

namespace consentry::server {

class server_key {
 public:
  /// Loads the PEM key at `path`, or creates one there (mode 0600, parent folders
  /// included) when the file does not exist. Refuses a key that is not Ed25519, and
  /// says why a file cannot be read.
  static result<server_key, std::string> load_or_create(const std::string& path);

  /// A compact JWS (RFC 7515 §7.1) over `payload` with the protected header
  /// {"alg":"Ed25519","kid":…,"typ":…} (RFC 9864 fully specified algorithm).
  std::string sign_compact(std::string_view payload, std::string_view type) const;

  /// The public JWK (RFC 8037 §2) with `kid` = its RFC 7638 thumbprint.
  const std::string& public_jwk_json() const noexcept { return jwk_; }
  const std::string& key_id() const noexcept { return key_id_; }
  /// True when the key file was created by this call.
  bool created() const noexcept { return created_; }

 private:
  /// The key as libsodium signs with it (tools/lib/ed25519.hpp), shared by the copies.
  std::shared_ptr<const native::ed25519_key> signing_;
  std::string jwk_;
  std::string key_id_;
  bool created_ = false;
};

}  // namespace consentry::server
