// Parsing one line of a filter list (Adblock Plus network syntax, hosts files) into
// filters, before they are compiled into the image. Private to the rules compiler.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detail/blocker_image.hpp"

namespace consentry::detail {

inline constexpr std::uint16_t all_request_types = (1u << 12) - 1;
inline constexpr std::uint16_t document_type_bit = 1u << 11;
/// A rule with no type option applies to every type but the page itself.
inline constexpr std::uint16_t default_request_types = all_request_types & ~document_type_bit;

struct domain_option {
  std::string name;  ///< ASCII lower case; for an entity, without its `.*`
  bool negated = false;
  bool entity = false;  ///< `example.*`: example.com, example.co.uk, …
};

struct parsed_filter {
  bool exception = false;
  bool important = false;
  bool match_case = false;
  bool regex = false;
  bool from_hosts = false;     ///< a hosts-file line or a bare host name
  bool first_party = true;     ///< applies to first-party requests
  bool third_party = true;     ///< applies to third-party requests
  std::uint16_t types = default_request_types;
  image::left_anchor anchor = image::left_anchor::none;
  bool right_anchor = false;
  /// The pattern without anchors, lower case unless match-case; for `host_end`, what
  /// follows the host; for a regex, its source.
  std::string pattern;
  /// For `host_end`: the host the filter is filed under (`||host^…`).
  std::string host;
  std::vector<domain_option> domains;
};

enum class line_kind { filter, comment, cosmetic, unsupported, invalid };

struct parsed_line {
  line_kind kind = line_kind::comment;
  std::vector<parsed_filter> filters;  ///< a hosts line may name several hosts
  /// For `unsupported`, what (`popup`, `csp`, `regex`, …); for `invalid`, why.
  std::string reason;
};

/// Parses one line. `vendor_pattern` parses a policy's URL pattern: network syntax
/// only, no exception, no hosts line.
parsed_line parse_rule_line(std::string_view line, bool vendor_pattern = false);

struct pattern_token {
  std::string text;                               ///< lower case
  std::uint16_t offset = image::no_token_offset;  ///< in the pattern; none for a regex's
};

/// Tokens (runs of letters and digits) that every URL the filter matches contains,
/// starting a token of the URL: whole, or open on the right but as long as a token's
/// hash reads. The index files the filter under the rarest of them.
std::vector<pattern_token> pattern_tokens(const parsed_filter& filter);

}  // namespace consentry::detail
