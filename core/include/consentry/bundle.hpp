// The policy bundle that `consentry build` writes and the browser runtime loads: the
// policy in canonical form, its compiled tracker rules, and a manifest tying them
// together with their hashes, so that a page can check it runs what was built.
#pragma once

#include <cstdint>
#include <string>

#include <boost/describe.hpp>

#include "consentry/blocker.hpp"

namespace consentry {

inline constexpr std::uint32_t bundle_format_version = 1;

/// A file of the bundle, by its name in the bundle's folder.
struct bundle_file {
  std::string path;
  std::uint64_t size = 0;
  std::string sha256;  ///< lower-case hex of the SHA-256 of its bytes
};
BOOST_DESCRIBE_STRUCT(bundle_file, (), (path, size, sha256))

/// bundle.json. `policy.sha256` equals `policy_hash`: the policy file is the RFC 8785
/// canonical JSON of the policy document.
struct bundle_manifest {
  std::uint32_t format = bundle_format_version;
  std::string policy_id;
  std::string policy_version;
  std::string policy_hash;
  std::string material_hash;
  bundle_file policy;
  bundle_file rules;
  std::uint32_t rules_format = 0;  ///< the rules image's format version
  compile_report rules_report;
};
BOOST_DESCRIBE_STRUCT(bundle_manifest, (),
                      (format, policy_id, policy_version, policy_hash, material_hash, policy, rules, rules_format,
                       rules_report))

/// The format version of the rules images this engine writes and reads.
std::uint32_t rules_image_format() noexcept;

}  // namespace consentry
