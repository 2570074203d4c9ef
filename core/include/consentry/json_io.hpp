// One generic, checked JSON reader and writer for every struct that crosses a
// boundary. A struct is described once with BOOST_DESCRIBE_STRUCT and this file
// derives its JSON from that description: no field lists are written by hand.
//
// Reading rules, the same for every type:
//  - a `std::optional<T>` member may be absent; a `std::vector`, `std::map` or
//    `std::set` member may be absent and is then empty; every other member is required;
//  - strings must not be empty (use std::optional for "may be missing");
//  - an unknown member is an error, with the nearest known name suggested;
//  - every problem is reported, each with its JSON pointer, not only the first, up to
//    `max_errors_reported`: then reading stops with one line that says so.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/describe.hpp>
#include <boost/mp11.hpp>
#include <nlohmann/json.hpp>

#include "consentry/diagnostic.hpp"
#include "consentry/json_parse.hpp"
#include "consentry/result.hpp"

namespace consentry::json_io {

using json = nlohmann::json;

/// Where the reader is and what it has found so far.
class read_context {
 public:
  read_context(std::string file, diagnostics& sink) : file_(std::move(file)), sink_(sink) {}

  /// Records an error; past `max_errors_reported` the reader is saturated and stops,
  /// so that a file wrong throughout (a million bad array elements) costs neither
  /// gigabytes of diagnostics nor minutes.
  void error(std::string message) {
    if (saturated()) return;
    report(severity::error, std::move(message));
    if (++errors_ == max_errors_reported) {
      sink_.push_back({file_, "", severity::error,
                       "stopped after " + std::to_string(max_errors_reported) + " errors"});
    }
  }
  bool saturated() const noexcept { return errors_ >= max_errors_reported; }
  void warning(std::string message) { report(severity::warning, std::move(message)); }
  void report(severity level, std::string message) {
    sink_.push_back({file_, pointer_, level, std::move(message)});
  }

  /// The JSON pointer of the value being read (RFC 6901).
  const std::string& pointer() const noexcept { return pointer_; }
  const std::string& file() const noexcept { return file_; }

  /// Descends into a member or element for the lifetime of the returned guard.
  class scope {
   public:
    scope(read_context& context, std::string_view token) : context_(context), size_(context.pointer_.size()) {
      append_json_pointer_token(context.pointer_, token);
    }
    scope(read_context& context, std::size_t index) : scope(context, std::to_string(index)) {}
    ~scope() { context_.pointer_.resize(size_); }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

   private:
    read_context& context_;
    std::size_t size_;
  };

 private:
  std::string file_;
  std::string pointer_;
  diagnostics& sink_;
  std::size_t errors_ = 0;
};

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T>
struct is_string_map : std::false_type {};
template <class T, class C, class A>
struct is_string_map<std::map<std::string, T, C, A>> : std::true_type {};

template <class T>
struct is_set : std::false_type {};
template <class T, class C, class A>
struct is_set<std::set<T, C, A>> : std::true_type {};

template <class T>
constexpr bool may_be_absent =
    is_optional<T>::value || is_vector<T>::value || is_string_map<T>::value || is_set<T>::value;

template <class T>
constexpr bool is_described_struct = boost::describe::has_describe_members<T>::value;

template <class T>
constexpr bool is_described_enum = boost::describe::has_describe_enumerators<T>::value;

const char* type_name(const json& value) noexcept;
std::string nearest(std::string_view word, const std::vector<std::string_view>& candidates);
std::string join(const std::vector<std::string_view>& words);

template <class E>
std::vector<std::string_view> enumerator_names() {
  std::vector<std::string_view> names;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto e) { names.push_back(e.name); });
  return names;
}

template <class T>
std::vector<std::string_view> member_names() {
  std::vector<std::string_view> names;
  using members = boost::describe::describe_members<T, boost::describe::mod_public>;
  boost::mp11::mp_for_each<members>([&](auto m) { names.push_back(m.name); });
  return names;
}

}  // namespace detail

/// Customisation point: a type that is not described (such as `localized_text`)
/// provides `read_json(const json&, T&, read_context&)` and `to_json_value(const T&)`
/// in its own namespace, found by argument-dependent lookup.
template <class T>
concept has_custom_json = requires(const json& j, T& value, read_context& context) {
  { read_json(j, value, context) };
  { to_json_value(std::as_const(value)) } -> std::convertible_to<json>;
};

template <class T>
void read(const json& j, T& out, read_context& context);

template <class T>
json write(const T& value);

template <class E>
std::string_view enum_name(E value) {
  std::string_view name;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto e) {
    if (e.value == value) name = e.name;
  });
  return name;
}

template <class E>
std::optional<E> enum_from_name(std::string_view name) {
  std::optional<E> found;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto e) {
    if (e.name == name) found = e.value;
  });
  return found;
}

template <class T>
void read(const json& j, T& out, read_context& context) {
  using detail::type_name;
  if constexpr (has_custom_json<T>) {
    read_json(j, out, context);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) return context.error(std::string("expected true or false, found ") + type_name(j));
    out = j.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_number_integer()) return context.error(std::string("expected an integer, found ") + type_name(j));
    if (j.is_number_unsigned()) {
      const auto v = j.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        return context.error("integer " + std::to_string(v) + " is too large (at most " +
                             std::to_string(std::numeric_limits<T>::max()) + ")");
      out = static_cast<T>(v);
    } else {
      const auto v = j.get<std::int64_t>();
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()))
        return context.error("integer " + std::to_string(v) + " is too small (at least " +
                             std::to_string(std::numeric_limits<T>::min()) + ")");
      if (v > 0 && static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        return context.error("integer " + std::to_string(v) + " is too large");
      out = static_cast<T>(v);
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) return context.error(std::string("expected a number, found ") + type_name(j));
    out = j.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return context.error(std::string("expected a string, found ") + type_name(j));
    out = j.get_ref<const std::string&>();
    if (out.empty()) context.error("expected a non-empty string");
  } else if constexpr (detail::is_described_enum<T>) {
    const auto names = detail::enumerator_names<T>();
    if (!j.is_string()) return context.error("expected one of " + detail::join(names) + ", found " + type_name(j));
    const auto& name = j.get_ref<const std::string&>();
    if (auto value = enum_from_name<T>(name)) {
      out = *value;
    } else {
      context.error("unknown value \"" + name + "\"; expected one of " + detail::join(names) +
                    detail::nearest(name, names));
    }
  } else if constexpr (detail::is_optional<T>::value) {
    typename T::value_type value{};
    read(j, value, context);
    out = std::move(value);
  } else if constexpr (detail::is_vector<T>::value) {
    if (!j.is_array()) return context.error(std::string("expected an array, found ") + type_name(j));
    out.clear();
    // Grown element by element rather than sized up front: a reader that stops at
    // max_errors_reported never allocates for the millions of elements it skips.
    for (std::size_t i = 0; i < j.size() && !context.saturated(); ++i) {
      read_context::scope at(context, i);
      read(j[i], out.emplace_back(), context);
    }
  } else if constexpr (detail::is_set<T>::value) {
    if (!j.is_array()) return context.error(std::string("expected an array, found ") + type_name(j));
    out.clear();
    for (std::size_t i = 0; i < j.size() && !context.saturated(); ++i) {
      read_context::scope at(context, i);
      typename T::value_type value{};
      read(j[i], value, context);
      if (!out.insert(std::move(value)).second) context.error("duplicate entry");
    }
  } else if constexpr (detail::is_string_map<T>::value) {
    if (!j.is_object()) return context.error(std::string("expected an object, found ") + type_name(j));
    out.clear();
    for (const auto& [key, item] : j.items()) {
      if (context.saturated()) break;
      read_context::scope at(context, key);
      read(item, out[key], context);
    }
  } else if constexpr (detail::is_described_struct<T>) {
    if (!j.is_object()) return context.error(std::string("expected an object, found ") + type_name(j));
    using members = boost::describe::describe_members<T, boost::describe::mod_public>;
    boost::mp11::mp_for_each<members>([&](auto member) {
      if (context.saturated()) return;
      using member_type = std::remove_cvref_t<decltype(out.*member.pointer)>;
      auto found = j.find(member.name);
      if (found == j.end()) {
        if constexpr (!detail::may_be_absent<member_type>) {
          context.error(std::string("missing required member \"") + member.name + "\"");
        }
        return;
      }
      read_context::scope at(context, member.name);
      read(*found, out.*member.pointer, context);
    });
    const auto names = detail::member_names<T>();
    for (const auto& [key, item] : j.items()) {
      if (context.saturated()) break;
      bool known = false;
      for (auto name : names) known = known || name == key;
      if (!known) {
        read_context::scope at(context, key);
        context.error("unknown member \"" + key + "\"" + detail::nearest(key, names));
      }
    }
  } else {
    static_assert(sizeof(T) == 0, "consentry::json_io::read: type is neither described nor supported");
  }
}

template <class T>
json write(const T& value) {
  if constexpr (has_custom_json<T>) {
    return to_json_value(value);
  } else if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
    return json(value);
  } else if constexpr (detail::is_described_enum<T>) {
    return json(std::string(enum_name(value)));
  } else if constexpr (detail::is_optional<T>::value) {
    return value ? write(*value) : json(nullptr);
  } else if constexpr (detail::is_vector<T>::value || detail::is_set<T>::value) {
    json array = json::array();
    for (const auto& item : value) array.push_back(write(item));
    return array;
  } else if constexpr (detail::is_string_map<T>::value) {
    json object = json::object();
    for (const auto& [key, item] : value) object[key] = write(item);
    return object;
  } else if constexpr (detail::is_described_struct<T>) {
    json object = json::object();
    using members = boost::describe::describe_members<T, boost::describe::mod_public>;
    boost::mp11::mp_for_each<members>([&](auto member) {
      const auto& field = value.*member.pointer;
      using member_type = std::remove_cvref_t<decltype(field)>;
      // An absent optional stays absent; empty containers are written, so that the two
      // spellings of one document (member absent, member empty) write and hash the same.
      if constexpr (detail::is_optional<member_type>::value) {
        if (!field) return;
      }
      object[member.name] = write(field);
    });
    return object;
  } else {
    static_assert(sizeof(T) == 0, "consentry::json_io::write: type is neither described nor supported");
  }
}

/// Reads a whole document of type `T`, collecting every problem. The result holds
/// the value when no error was found; warnings are appended to `sink` either way.
template <class T>
bool read_document(const json& j, T& out, std::string file, diagnostics& sink) {
  const auto before = sink.size();
  read_context context(std::move(file), sink);
  read(j, out, context);
  for (auto i = before; i < sink.size(); ++i) {
    if (sink[i].level == severity::error) return false;
  }
  return true;
}

}  // namespace consentry::json_io
