// Hashing in the core: a portable SHA-256 (FIPS 180-4), synchronous so that the wasm
// build can hash a policy or a receipt without awaiting WebCrypto, and the two
// policy hashes that receipts and consent state carry.
//
// Every hash the project writes (policy_hash, material_hash, a receipt's previous-receipt
// hash) has one form: the 64 lower-case hexadecimal digits of the SHA-256 digest, with no
// prefix. Hex rather than base64url because people compare these by eye in a receipt.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace consentry {

struct policy;

using sha256_digest = std::array<std::uint8_t, 32>;

/// SHA-256 of FIPS 180-4 §6.2, fed in pieces of any size.
class sha256 {
 public:
  sha256() noexcept { reset(); }

  void update(std::string_view bytes) noexcept;
  void update(std::span<const std::uint8_t> bytes) noexcept;
  /// Pads (FIPS 180-4 §5.1.1), returns the digest and starts over.
  sha256_digest finish() noexcept;
  void reset() noexcept;

 private:
  void compress(const std::uint8_t* blocks, std::size_t count) noexcept;
  void compress_portable(const std::uint8_t* block) noexcept;

  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  ///< bytes hashed so far
};

sha256_digest sha256_of(std::string_view bytes) noexcept;

/// Lower-case hexadecimal, two digits per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

/// The project's hash form: lower-case hex of the SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

/// True when `text` has the project's hash form (64 lower-case hex digits).
bool is_sha256_hex(std::string_view text) noexcept;

/// The two hashes that identify a policy in consent state and receipts.
struct policy_hashes {
  /// SHA-256 of the RFC 8785 canonical JSON of the whole policy document: any change,
  /// a comma in the notice included, gives a new one.
  std::string policy_hash;
  /// SHA-256 of the canonical JSON of the material facts alone (see
  /// `canonical_material_facts`): changes when what people agreed to changes, so that
  /// they are asked again (GDPR Art. 7, 13(3)), and not when only wording does.
  std::string material_hash;
  friend bool operator==(const policy_hashes&, const policy_hashes&) = default;
};

/// Both hashes of `document`. Its strings must be UTF-8, as `load_policy` ensures; if
/// one is not, the hashes are empty, which no hash equals.
policy_hashes compute_policy_hashes(const policy& document);

/// The canonical JSON that `material_hash` hashes: for each purpose its id, legal
/// basis, whether it can be refused, data categories, vendors, retention in days and
/// whether it is a sale or sharing; for each data category its id and whether it is
/// special (GDPR Art. 9); for each vendor its id, purposes, hosts, URL patterns and
/// transfer country. Lists are sorted, so reordering the document is not a change.
std::string canonical_material_facts(const policy& document);

}  // namespace consentry
