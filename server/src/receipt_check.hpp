// The one place where the server meets receipt verification (issue 5): a JWS in,
// either the facts the server stores or a status and a reason a person can read.
// Everything else in the server depends only on this narrow interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consentry/policy.hpp"
#include "consentry/receipt.hpp"
#include "consentry/result.hpp"

namespace consentry::server {

/// What a verified receipt tells the server.
struct verified_receipt {
  std::string receipt_id;
  std::string device;        ///< RFC 7638 thumbprint of the device key (the principal id)
  std::string receipt_hash;  ///< what the device's next receipt names as its previous one
  std::optional<std::string> previous_hash;  ///< absent for a device's first receipt
  std::string policy_id;
  std::string policy_hash;
  std::chrono::system_clock::time_point timestamp;
  /// The characters [shared_begin, shared_end) of the JWS: the base64url of its
  /// `services`, which every receipt of the same choices under the same policy carries
  /// (about 90% of a receipt), for a store to keep once. Empty when there is none.
  std::size_t shared_begin = 0;
  std::size_t shared_end = 0;
  /// A fingerprint of those characters, from the hash the check computed of the bytes
  /// they encode and where those bytes fall among the base64url groups (the same
  /// services at the same place modulo 3 are the same characters). Not 0 when there
  /// is a span.
  std::uint64_t shared_fingerprint = 0;
};

/// Why a receipt is refused: 400 when it is not a well-formed JWS or JSON at all,
/// 422 when it is well-formed but fails a check (signature, algorithm, key,
/// canonical form, policy). `kind` names the problem type (RFC 9457 §3.1.1).
struct receipt_rejection {
  unsigned status = 422;
  std::string kind;
  std::string reason;
};

/// A JWS whose signature holds under the public key in its own protected header.
struct self_signed_jws {
  std::string thumbprint;  ///< RFC 7638 thumbprint of the header key
  std::string payload;     ///< the decoded payload bytes
};

/// Checks the JWS form, the algorithm allow-list (Ed25519/EdDSA, ES256; never
/// `none`), the header's `typ` and the signature under the header's `jwk`, whatever
/// the payload: requests signed by a device key.
result<self_signed_jws, receipt_rejection> verify_self_signed(std::string_view jws, std::string_view type);

/// A policy the server accepts receipts for: its id and its hash.
struct known_policy {
  std::string id;
  std::string version;
  std::string hash;           ///< policy_hash (consentry/hash.hpp)
  std::string material_hash;
  std::string directory;
  std::shared_ptr<const policy> document;
};

/// Loads each policy directory and computes its hash the way receipts state it.
result<std::vector<known_policy>, std::string> load_known_policies(const std::vector<std::string>& directories);

/// Verifies receipts against a fixed set of policies. Thread-safe: it holds no
/// mutable state, so every I/O thread calls it directly.
class receipt_checker {
 public:
  explicit receipt_checker(std::vector<known_policy> policies);
  ~receipt_checker();
  receipt_checker(const receipt_checker&) = delete;
  receipt_checker& operator=(const receipt_checker&) = delete;

  /// The JWS form and algorithm allow-list, the signature, the receipt itself (RFC 8785
  /// canonical payload, the header key being its principal, its own consistency) and
  /// its policy: id, version, policy and material hashes of a policy loaded here. The
  /// link to the stored previous receipt and the time window are the caller's (they
  /// need the database and the clock).
  result<verified_receipt, receipt_rejection> verify(std::string_view jws) const;

  const std::vector<known_policy>& policies() const noexcept { return policies_; }

  /// How often a receipt's `services` were those of a receipt checked before (see
  /// `receipt_check_cache`): the share of receipts whose payload was only partly parsed.
  receipt_check_cache::statistics cache_counts() const { return cache_.counts(); }

 private:
  std::vector<known_policy> policies_;
  /// One per server, shared by its I/O threads. 256 entries of about 30 KB each: the
  /// policies' versions × languages × the choices people commonly make.
  mutable receipt_check_cache cache_{256};
};

}  // namespace consentry::server
