// The image's checksum (XXH64) and the names of request types.
#include <array>
#include <cstring>

#include "consentry/blocker.hpp"
#include "consentry/bundle.hpp"
#include "detail/blocker_image.hpp"

namespace consentry {

namespace detail {
namespace {
constexpr std::uint64_t prime1 = 11400714785074694791ull, prime2 = 14029467366897019727ull,
                        prime3 = 1609587929392839161ull, prime4 = 9650029242287828579ull,
                        prime5 = 2870177450012600261ull;

inline std::uint64_t read64(const unsigned char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint32_t read32(const unsigned char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline std::uint64_t round(std::uint64_t acc, std::uint64_t input) noexcept {
  acc += input * prime2;
  acc = std::rotl(acc, 31);
  return acc * prime1;
}
inline std::uint64_t merge(std::uint64_t acc, std::uint64_t value) noexcept {
  acc ^= round(0, value);
  return acc * prime1 + prime4;
}
}  // namespace

std::uint64_t xxh64(const unsigned char* p, std::size_t size, std::uint64_t seed) noexcept {
  const unsigned char* const end = p + size;
  std::uint64_t h;
  if (size >= 32) {
    std::uint64_t v1 = seed + prime1 + prime2, v2 = seed + prime2, v3 = seed, v4 = seed - prime1;
    const unsigned char* const limit = end - 32;
    do {
      v1 = round(v1, read64(p));
      v2 = round(v2, read64(p + 8));
      v3 = round(v3, read64(p + 16));
      v4 = round(v4, read64(p + 24));
      p += 32;
    } while (p <= limit);
    h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = seed + prime5;
  }
  h += static_cast<std::uint64_t>(size);
  while (end - p >= 8) {
    h ^= round(0, read64(p));
    h = std::rotl(h, 27) * prime1 + prime4;
    p += 8;
  }
  if (end - p >= 4) {
    h ^= static_cast<std::uint64_t>(read32(p)) * prime1;
    h = std::rotl(h, 23) * prime2 + prime3;
    p += 4;
  }
  while (p < end) {
    h ^= (*p++) * prime5;
    h = std::rotl(h, 11) * prime1;
  }
  h ^= h >> 33;
  h *= prime2;
  h ^= h >> 29;
  h *= prime3;
  h ^= h >> 32;
  return h;
}
}  // namespace detail

namespace {
struct type_name {
  std::string_view name;
  request_type type;
};
constexpr std::array<type_name, 29> type_names = {{
    {"other", request_type::other},
    {"script", request_type::script},
    {"image", request_type::image},
    {"stylesheet", request_type::stylesheet},
    {"object", request_type::object},
    {"xmlhttprequest", request_type::xmlhttprequest},
    {"subdocument", request_type::subdocument},
    {"ping", request_type::ping},
    {"media", request_type::media},
    {"font", request_type::font},
    {"websocket", request_type::websocket},
    {"document", request_type::document},
    // webRequest's names (https://developer.chrome.com/docs/extensions/reference/api/webRequest#type-ResourceType)
    {"main_frame", request_type::document},
    {"sub_frame", request_type::subdocument},
    {"beacon", request_type::ping},
    {"object_subrequest", request_type::object},
    {"imageset", request_type::image},
    {"csp_report", request_type::other},
    {"speculative", request_type::other},
    {"web_manifest", request_type::other},
    {"manifest", request_type::other},
    {"webbundle", request_type::other},
    {"webtransport", request_type::other},
    // Shorter names of the filter syntax and of devtools.
    {"xhr", request_type::xmlhttprequest},
    {"fetch", request_type::xmlhttprequest},
    {"css", request_type::stylesheet},
    {"frame", request_type::subdocument},
    {"iframe", request_type::subdocument},
    {"doc", request_type::document},
}};
}  // namespace

std::uint32_t rules_image_format() noexcept { return detail::image::format_version; }

std::optional<request_type> request_type_from_name(std::string_view name) noexcept {
  for (const auto& t : type_names) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

std::string_view name_of(request_type type) noexcept {
  const auto index = static_cast<std::size_t>(type);
  return index < request_type_count ? type_names[index].name : std::string_view("other");
}

}  // namespace consentry
