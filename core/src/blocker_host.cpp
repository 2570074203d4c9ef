// Hosts of URLs and their registrable domains.
#include <array>

#include "consentry/blocker.hpp"
#include "detail/blocker_image.hpp"
#include "detail/public_suffix.hpp"

namespace consentry {

std::string_view url_host(std::string_view url) noexcept {
  // scheme ":" "//" authority (RFC 3986 §3): a scheme is a letter then letters, digits, + - .
  std::size_t i = 0;
  while (i < url.size() && i < 32) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (!(detail::is_token_char(c) && c != '%') && c != '+' && c != '-' && c != '.') break;
    ++i;
  }
  if (i == 0 || i + 2 >= url.size() || url[i] != ':' || url[i + 1] != '/' || url[i + 2] != '/') return {};
  std::size_t begin = i + 3, end = begin;
  while (end < url.size() && url[end] != '/' && url[end] != '?' && url[end] != '#' && url[end] != '\\') ++end;
  auto authority = url.substr(begin, end - begin);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

namespace detail {
bool is_ip_address(std::string_view host) noexcept {
  if (host.empty()) return false;
  if (host.front() == '[') return true;
  for (char c : host) {
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
  }
  return true;
}
}  // namespace detail

std::string_view registrable_domain(std::string_view host) noexcept {
  if (host.empty() || detail::is_ip_address(host)) return host;
  std::array<std::uint64_t, 128> suffixes{};
  std::array<std::size_t, 128> starts{};
  std::size_t count = 0;
  std::uint64_t h = detail::host_hash_seed;
  for (std::size_t i = host.size(); i-- > 0 && count < suffixes.size();) {
    if (host[i] == '.') {
      suffixes[count] = h;
      starts[count++] = i + 1;
    }
    h = detail::host_hash_step(h, static_cast<unsigned char>(host[i]));
  }
  if (count < suffixes.size()) {
    suffixes[count] = h;
    starts[count++] = 0;
  }
  const std::size_t labels = detail::public_suffix_labels(suffixes.data(), count);
  if (labels >= count) return host;
  return host.substr(starts[labels]);
}

}  // namespace consentry
