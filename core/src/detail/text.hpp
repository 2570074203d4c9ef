// Small, private checks on the shapes of strings, and a walker over every
// localized text of a described struct.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include <boost/describe.hpp>
#include <boost/mp11.hpp>

#include "consentry/json_io.hpp"
#include "consentry/policy.hpp"

namespace consentry::detail {

bool is_language_tag(std::string_view tag) noexcept;       ///< BCP 47, the common subset
bool is_iso_date(std::string_view date) noexcept;          ///< YYYY-MM-DD, a real calendar day
bool is_web_url(std::string_view url) noexcept;            ///< http:// or https:// with a host
bool is_email(std::string_view address) noexcept;          ///< one '@', a dotted domain
bool is_identifier(std::string_view id) noexcept;          ///< [a-z][a-z0-9_-]*
bool is_host_name(std::string_view host) noexcept;         ///< RFC 1123 labels, at least one dot
bool is_country_code(std::string_view code) noexcept;      ///< two upper-case letters

/// Calls `visit(pointer, text)` for every `localized_text` inside `value`, at any depth.
template <class T, class F>
void for_each_text(const T& value, const std::string& pointer, F&& visit) {
  if constexpr (std::is_same_v<T, localized_text>) {
    visit(pointer, value);
  } else if constexpr (json_io::detail::is_optional<T>::value) {
    if (value) for_each_text(*value, pointer, visit);
  } else if constexpr (json_io::detail::is_vector<T>::value) {
    for (std::size_t i = 0; i < value.size(); ++i) for_each_text(value[i], pointer + "/" + std::to_string(i), visit);
  } else if constexpr (json_io::detail::is_described_struct<T>) {
    using members = boost::describe::describe_members<T, boost::describe::mod_public>;
    boost::mp11::mp_for_each<members>([&](auto member) {
      for_each_text(value.*member.pointer, pointer + "/" + member.name, visit);
    });
  }
}

/// The checks of a loaded policy that a schema cannot express; errors and warnings.
void validate_policy(const policy& document, std::string_view file, diagnostics& sink);

}  // namespace consentry::detail
