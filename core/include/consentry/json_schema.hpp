// JSON Schema (draft 2020-12) derived from the same Boost.Describe description the
// reader uses, so the schema editors see and the rules the reader enforces cannot
// drift apart: required members, non-empty strings, integer ranges, enumerations
// and `additionalProperties: false` all follow json_io's reading rules.
#pragma once

#include <string>
#include <string_view>

#include "consentry/json_io.hpp"

namespace consentry::json_io {

namespace detail {
/// The unqualified name of `T`, from the compiler's own spelling of the function.
template <class T>
constexpr std::string_view short_type_name() {
#if defined(__clang__) || defined(__GNUC__)
  std::string_view name = __PRETTY_FUNCTION__;
#if defined(__clang__)
  const auto start = name.find("T = ") + 4;
  const auto end = name.find(']', start);
#else
  const auto start = name.find("T = ") + 4;
  const auto end = name.find_first_of(";]", start);
#endif
  name = name.substr(start, end - start);
  if (const auto colon = name.rfind("::"); colon != std::string_view::npos) name = name.substr(colon + 2);
  return name;
#else
#error "short_type_name needs GCC or Clang"
#endif
}
}  // namespace detail

/// Customisation point for types that are not described: `json json_schema_of(const T*)`
/// in the type's namespace, found by argument-dependent lookup.
template <class T>
concept has_custom_schema = requires(const T* tag) {
  { json_schema_of(tag) } -> std::convertible_to<json>;
};

template <class T>
json schema_of(json& definitions) {
  if constexpr (has_custom_schema<T>) {
    const std::string name(detail::short_type_name<T>());
    if (!definitions.contains(name)) definitions[name] = json_schema_of(static_cast<const T*>(nullptr));
    return {{"$ref", "#/$defs/" + name}};
  } else if constexpr (std::is_same_v<T, bool>) {
    return {{"type", "boolean"}};
  } else if constexpr (std::is_integral_v<T>) {
    return {{"type", "integer"},
            {"minimum", static_cast<std::int64_t>(std::numeric_limits<T>::min())},
            {"maximum", static_cast<std::uint64_t>(std::numeric_limits<T>::max())}};
  } else if constexpr (std::is_floating_point_v<T>) {
    return {{"type", "number"}};
  } else if constexpr (std::is_same_v<T, std::string>) {
    return {{"type", "string"}, {"minLength", 1}};
  } else if constexpr (detail::is_described_enum<T>) {
    json names = json::array();
    for (auto name : detail::enumerator_names<T>()) names.push_back(std::string(name));
    return {{"enum", names}};
  } else if constexpr (detail::is_optional<T>::value) {
    return schema_of<typename T::value_type>(definitions);
  } else if constexpr (detail::is_vector<T>::value) {
    return {{"type", "array"}, {"items", schema_of<typename T::value_type>(definitions)}};
  } else if constexpr (detail::is_set<T>::value) {
    return {{"type", "array"}, {"uniqueItems", true}, {"items", schema_of<typename T::value_type>(definitions)}};
  } else if constexpr (detail::is_string_map<T>::value) {
    return {{"type", "object"}, {"additionalProperties", schema_of<typename T::mapped_type>(definitions)}};
  } else if constexpr (detail::is_described_struct<T>) {
    const std::string name(detail::short_type_name<T>());
    const json reference = {{"$ref", "#/$defs/" + name}};
    if (definitions.contains(name)) return reference;
    definitions[name] = json::object();  // placed first, so that recursive types end here
    json properties = json::object();
    json required = json::array();
    using members = boost::describe::describe_members<T, boost::describe::mod_public>;
    boost::mp11::mp_for_each<members>([&](auto member) {
      using member_type = std::remove_cvref_t<decltype(std::declval<T&>().*member.pointer)>;
      properties[member.name] = schema_of<member_type>(definitions);
      if constexpr (!detail::may_be_absent<member_type>) required.push_back(member.name);
    });
    json object = {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
    if (!required.empty()) object["required"] = required;
    definitions[name] = object;
    return reference;
  } else {
    static_assert(sizeof(T) == 0, "consentry::json_io::schema_of: type is neither described nor supported");
  }
}

/// A complete draft 2020-12 schema whose root is `T`.
template <class T>
json document_schema(std::string_view title) {
  json definitions = json::object();
  json root = schema_of<T>(definitions);
  json schema = {{"$schema", "https://json-schema.org/draft/2020-12/schema"}, {"title", std::string(title)}};
  schema["$ref"] = root["$ref"];
  schema["$defs"] = definitions;
  return schema;
}

}  // namespace consentry::json_io
