// A positional JSON form of described structs, for values that must be small (the
// stored consent state travels in a cookie): a struct is an array of its members in
// their BOOST_DESCRIBE_STRUCT order, an enum is its enumerator's index, a bool is 0 or
// 1, an absent optional is null. Reordering members or enumerators changes the format:
// the golden test of each format catches it, and the format's version must change.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/describe.hpp>
#include <boost/mp11.hpp>

#include "consentry/json_io.hpp"

namespace consentry::detail::compact {

using json = nlohmann::json;

template <class E>
constexpr std::size_t enumerator_count() {
  return boost::mp11::mp_size<boost::describe::describe_enumerators<E>>::value;
}

template <class T>
json write(const T& value) {
  namespace io = json_io::detail;
  if constexpr (std::is_same_v<T, bool>) {
    return json(value ? 1 : 0);
  } else if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
    return json(value);
  } else if constexpr (io::is_described_enum<T>) {
    std::size_t index = 0, found = 0;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto e) {
      if (e.value == value) found = index;
      ++index;
    });
    return json(found);
  } else if constexpr (io::is_optional<T>::value) {
    return value ? write(*value) : json(nullptr);
  } else if constexpr (io::is_vector<T>::value) {
    json array = json::array();
    for (const auto& item : value) array.push_back(write(item));
    return array;
  } else if constexpr (io::is_string_map<T>::value) {
    json object = json::object();
    for (const auto& [key, item] : value) object[key] = write(item);
    return object;
  } else if constexpr (io::is_described_struct<T>) {
    json array = json::array();
    using members = boost::describe::describe_members<T, boost::describe::mod_public>;
    boost::mp11::mp_for_each<members>([&](auto member) { array.push_back(write(value.*member.pointer)); });
    return array;
  } else {
    static_assert(sizeof(T) == 0, "compact::write: type is neither described nor supported");
  }
}

/// Reads what `write` wrote, and only that; the first problem is kept in `error`, with
/// the position of the value at fault.
template <class T>
void read(const json& j, T& out, std::string& error, const std::string& at) {
  namespace io = json_io::detail;
  if (!error.empty()) return;
  const auto fail = [&](const char* expected) { error = at + ": expected " + expected; };
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_number_unsigned() || j.get<std::uint64_t>() > 1) return fail("0 or 1");
    out = j.get<std::uint64_t>() == 1;
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_number_integer()) return fail("an integer");
    if (j.is_number_unsigned()) {
      const auto v = j.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return fail("a smaller integer");
      out = static_cast<T>(v);
    } else {
      const auto v = j.get<std::int64_t>();
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min())) return fail("a larger integer");
      out = static_cast<T>(v);
    }
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string() || j.get_ref<const std::string&>().empty()) return fail("a non-empty string");
    out = j.get_ref<const std::string&>();
  } else if constexpr (io::is_described_enum<T>) {
    if (!j.is_number_unsigned() || j.get<std::uint64_t>() >= enumerator_count<T>()) return fail("an enumerator index");
    const auto wanted = j.get<std::uint64_t>();
    std::uint64_t index = 0;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto e) {
      if (index++ == wanted) out = e.value;
    });
  } else if constexpr (io::is_optional<T>::value) {
    if (j.is_null()) {
      out.reset();
      return;
    }
    typename T::value_type value{};
    read(j, value, error, at);
    out = std::move(value);
  } else if constexpr (io::is_vector<T>::value) {
    if (!j.is_array()) return fail("an array");
    out.clear();
    out.resize(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) read(j[i], out[i], error, at + "/" + std::to_string(i));
  } else if constexpr (io::is_string_map<T>::value) {
    if (!j.is_object()) return fail("an object");
    out.clear();
    for (const auto& [key, item] : j.items()) read(item, out[key], error, at + "/" + key);
  } else if constexpr (io::is_described_struct<T>) {
    using members = boost::describe::describe_members<T, boost::describe::mod_public>;
    constexpr std::size_t count = boost::mp11::mp_size<members>::value;
    if (!j.is_array() || j.size() != count) {
      error = at + ": expected an array of " + std::to_string(count) + " members";
      return;
    }
    std::size_t i = 0;
    boost::mp11::mp_for_each<members>([&](auto member) {
      read(j[i], out.*member.pointer, error, at + "/" + member.name);
      ++i;
    });
  } else {
    static_assert(sizeof(T) == 0, "compact::read: type is neither described nor supported");
  }
}

}  // namespace consentry::detail::compact
