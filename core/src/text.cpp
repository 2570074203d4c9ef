#include "detail/text.hpp"

namespace consentry::detail {
namespace {
constexpr bool lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
constexpr bool upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool alnum(char c) noexcept { return lower(c) || upper(c) || digit(c); }
}  // namespace

bool is_language_tag(std::string_view tag) noexcept {
  // language ["-" subtag]*, language = 2–3 lower-case letters, subtags 2–8 alphanumerics.
  std::size_t i = 0;
  while (i < tag.size() && lower(tag[i])) ++i;
  if (i < 2 || i > 3) return false;
  while (i < tag.size()) {
    if (tag[i] != '-') return false;
    const auto start = ++i;
    while (i < tag.size() && alnum(tag[i])) ++i;
    if (i - start < 2 || i - start > 8) return false;
  }
  return true;
}

bool is_iso_date(std::string_view date) noexcept {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!digit(date[i])) return false;
  }
  const int year = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
  const int month = (date[5] - '0') * 10 + (date[6] - '0');
  const int day = (date[8] - '0') * 10 + (date[9] - '0');
  if (month < 1 || month > 12 || day < 1) return false;
  constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= days[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool is_host_name(std::string_view host) noexcept {
  if (host.empty() || host.size() > 253 || host.find('.') == std::string_view::npos) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63 || host[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    const char c = host[i];
    if (!(lower(c) || digit(c) || c == '-') || (label == 0 && c == '-')) return false;
    ++label;
  }
  return true;
}

bool is_web_url(std::string_view url) noexcept {
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  const auto end = rest.find_first_of("/?#");
  auto host = rest.substr(0, end);
  if (auto colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  if (host == "localhost") return true;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\') return false;
  }
  return is_host_name(host);
}

bool is_email(std::string_view address) noexcept {
  const auto at = address.find('@');
  if (at == 0 || at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : address.substr(0, at)) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '"' || c == '\\') return false;
  }
  return is_host_name(address.substr(at + 1));
}

bool is_identifier(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64 || !lower(id[0])) return false;
  for (char c : id) {
    if (!(lower(c) || digit(c) || c == '_' || c == '-')) return false;
  }
  return true;
}

bool is_country_code(std::string_view code) noexcept {
  return code.size() == 2 && upper(code[0]) && upper(code[1]);
}

}  // namespace consentry::detail
