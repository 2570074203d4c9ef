// The Public Suffix List, compiled in: which host suffixes are public, so that first-
// and third-party can be told by registrable domain.
#pragma once

#include <cstddef>
#include <cstdint>

namespace consentry::detail {

enum public_suffix_kind : unsigned {
  suffix_rule = 1,       ///< `name` is a public suffix
  suffix_wildcard = 2,   ///< `*.name`: every label under `name` is one
  suffix_exception = 4,  ///< `!name`: not one, though a wildcard says so
};

/// The kinds of rule the list has for the name with this `host_hash`; 0 when none.
unsigned public_suffix_kinds(std::uint64_t host_hash) noexcept;

/// The number of labels of the public suffix of a host, from the hashes of its suffixes
/// at label boundaries: `suffix_hashes[0]` is its last label, `[count - 1]` the whole
/// host. The PSL algorithm (https://github.com/publicsuffix/list/wiki/Format): the
/// longest matching rule wins, an exception rule over any other, and a name no rule
/// matches has its last label for public suffix.
std::size_t public_suffix_labels(const std::uint64_t* suffix_hashes, std::size_t count) noexcept;

/// How many rules the compiled-in list holds (for tests).
std::size_t public_suffix_rule_count() noexcept;

}  // namespace consentry::detail
