// What changed between two versions of a policy, and whether people must be asked
// again. The consent engine asks again on a material change; the browser and the
// preview show either kind to a returning visitor.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <boost/describe.hpp>

#include "consentry/policy.hpp"

namespace consentry {

enum class change_subject { purpose, vendor, data_category, section, policy };
BOOST_DESCRIBE_ENUM(change_subject, purpose, vendor, data_category, section, policy)

enum class change_kind { added, removed, changed };
BOOST_DESCRIBE_ENUM(change_kind, added, removed, changed)

/// Material: consent given to the old version no longer covers the new one, because it
/// was not "informed" of it (GDPR Art. 4(11), 7; EDPB Guidelines 05/2020 §§ 64–66):
/// a new purpose, vendor or data category (new to the policy or to a purpose), a changed
/// legal basis, a longer retention, a new transfer country. Editorial: anything else,
/// wording above all, and removals, which take nothing more than was agreed to.
enum class change_class { material, editorial };
BOOST_DESCRIBE_ENUM(change_class, material, editorial)

struct policy_change {
  change_subject subject = change_subject::policy;
  /// The id of the purpose, vendor, data category or section; for `policy`, the member.
  std::string id;
  change_kind kind = change_kind::changed;
  change_class classification = change_class::editorial;
  /// The members that changed (`basis`, `retention`, `heading`, `blocks`…); empty when
  /// the whole item was added or removed.
  std::vector<std::string> fields;
  /// One English sentence for people reading a log or a review.
  std::string summary;
};
BOOST_DESCRIBE_STRUCT(policy_change, (), (subject, id, kind, classification, fields, summary))

struct policy_diff {
  std::string from_version;
  std::string to_version;
  /// Purposes first, then vendors, data categories, sections and the rest; within each,
  /// in the new policy's order, removals last.
  std::vector<policy_change> changes;

  std::size_t count(change_class c) const noexcept;
  bool material() const noexcept { return count(change_class::material) > 0; }
};
BOOST_DESCRIBE_STRUCT(policy_diff, (), (from_version, to_version, changes))

/// The changes from `before` to `after`. Version and dates are the change's own
/// label, not a change. A vendor or data category new to the policy is one change,
/// however many purposes list it.
policy_diff diff_policies(const policy& before, const policy& after);

}  // namespace consentry
