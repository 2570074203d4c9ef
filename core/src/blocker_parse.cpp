// One line of a filter list to filters: Adblock Plus network rules
// (https://help.adblockplus.org/hc/en-us/articles/360062733293), hosts-file lines, and
// the bare host names of domain lists, read as uBlock Origin reads them.
#include <algorithm>
#include <array>

#include "consentry/blocker.hpp"
#include "detail/blocker_rules.hpp"
#include "detail/idna.hpp"

namespace consentry::detail {
namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Built by appending: GCC 12 at -O3 warns falsely (-Wrestrict) on `"…" + std::string`.
std::string quoted(std::string_view s, std::string_view after) {
  std::string out;
  out.reserve(s.size() + after.size() + 2);
  out += '"';
  out.append(s);
  out += '"';
  out.append(after);
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(fold(static_cast<unsigned char>(c)));
  return out;
}

bool is_host_char(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c >= 0x80;
}

/// A host name as rules name them: host characters, no empty label. Unicode hosts are
/// converted to their A-labels, since URLs carry those.
bool normalise_host(std::string_view host, std::string& out) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.back() == '.') return false;
  bool ascii = true;
  for (std::size_t i = 0; i < host.size(); ++i) {
    const auto c = static_cast<unsigned char>(host[i]);
    if (!is_host_char(c)) return false;
    if (c == '.' && i + 1 < host.size() && host[i + 1] == '.') return false;
    ascii = ascii && c < 0x80;
  }
  if (ascii) {
    out = lower(host);
    return true;
  }
  ascii_host converted;
  if (!to_ascii_host(host, converted)) return false;
  out.assign(converted.view());
  return true;
}

/// uBlock Origin's reading of a line that is nothing but a host name (domain lists):
/// labels of lower-case letters, digits, `-` and `_`, at least two of them.
bool is_bare_host(std::string_view s) noexcept {
  if (s.find('.') == std::string_view::npos) return false;
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] != '.') {
      const char c = s[i];
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
      continue;
    }
    const auto label = s.substr(label_start, i - label_start);
    if (label.empty()) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(label.front()) || !alnum(label.back())) return false;
    label_start = i + 1;
  }
  return true;
}

bool is_ip_literal(std::string_view word) noexcept {
  if (word.empty()) return false;
  if (word.find(':') != std::string_view::npos) {  // IPv6, possibly with a zone (fe80::1%lo0)
    for (char c : word) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.' ||
            c == '%' || (c >= 'g' && c <= 'z'))) {
        return false;
      }
    }
    return true;
  }
  int dots = 0;
  for (char c : word) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

/// `[::1]`: an IPv6 address as URLs carry it, brackets included.
bool is_ipv6_literal(std::string_view s) noexcept {
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  for (char c : s.substr(1, s.size() - 2)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) {
      return false;
    }
  }
  return true;
}

constexpr std::array<std::string_view, 12> local_names = {
    "localhost",   "localhost.localdomain", "local",       "broadcasthost",   "ip6-localhost", "ip6-loopback",
    "ip6-localnet", "ip6-mcastprefix",      "ip6-allnodes", "ip6-allrouters", "ip6-allhosts",  "0.0.0.0"};

parsed_filter host_filter(std::string host) {
  parsed_filter f;
  f.from_hosts = true;
  f.anchor = image::left_anchor::host_end;
  f.host = std::move(host);
  f.pattern.push_back('^');
  return f;
}

/// `0.0.0.0 ads.example.com tracker.example.net # comment`
parsed_line hosts_line(std::string_view line) {
  parsed_line out;
  if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  std::size_t i = 0;
  bool first_word = true;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    std::size_t j = i;
    while (j < line.size() && !is_space(line[j])) ++j;
    const auto word = line.substr(i, j - i);
    i = j;
    if (word.empty()) break;
    if (first_word) {
      first_word = false;
      continue;
    }
    const auto lowered = lower(word);
    if (std::find(local_names.begin(), local_names.end(), lowered) != local_names.end()) continue;
    std::string host;
    if (!normalise_host(word, host) || is_ip_literal(word)) {
      out.kind = line_kind::invalid;
      out.reason = quoted(word, " is not a host name");
      out.filters.clear();
      return out;
    }
    out.filters.push_back(host_filter(std::move(host)));
  }
  out.kind = out.filters.empty() ? line_kind::comment : line_kind::filter;
  return out;
}

bool is_cosmetic(std::string_view line) noexcept {
  for (std::string_view marker : {"##", "#@#", "#?#", "#$#", "#%#", "$$", "$@$"}) {
    if (line.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

/// Type option names → bit of `request_type`, after ABP and uBlock Origin's aliases.
struct type_option {
  std::string_view name;
  int type;  ///< a request_type, or -1 for `popup` (no request has that type)
};
constexpr std::array<type_option, 21> type_options = {{
    {"other", static_cast<int>(request_type::other)},
    {"script", static_cast<int>(request_type::script)},
    {"image", static_cast<int>(request_type::image)},
    {"stylesheet", static_cast<int>(request_type::stylesheet)},
    {"css", static_cast<int>(request_type::stylesheet)},
    {"object", static_cast<int>(request_type::object)},
    {"object-subrequest", static_cast<int>(request_type::object)},
    {"xmlhttprequest", static_cast<int>(request_type::xmlhttprequest)},
    {"xhr", static_cast<int>(request_type::xmlhttprequest)},
    {"subdocument", static_cast<int>(request_type::subdocument)},
    {"frame", static_cast<int>(request_type::subdocument)},
    {"ping", static_cast<int>(request_type::ping)},
    {"beacon", static_cast<int>(request_type::ping)},
    {"media", static_cast<int>(request_type::media)},
    {"font", static_cast<int>(request_type::font)},
    {"websocket", static_cast<int>(request_type::websocket)},
    {"document", static_cast<int>(request_type::document)},
    {"doc", static_cast<int>(request_type::document)},
    {"popup", -1},
    {"popunder", -1},
    {"all", -2},
}};

struct option_state {
  std::uint16_t positive_types = 0;
  std::uint16_t negative_types = 0;
  bool popup = false;
  bool all = false;
};

/// Parses `options` into `f`; on an unsupported or malformed option, sets `kind` and
/// `reason` in `out` and returns false.
bool parse_options(std::string_view options, parsed_filter& f, parsed_line& out) {
  option_state state;
  auto unsupported = [&](std::string_view name) {
    out.kind = line_kind::unsupported;
    out.reason = std::string(name);
    return false;
  };
  auto invalid = [&](std::string message) {
    out.kind = line_kind::invalid;
    out.reason = std::move(message);
    return false;
  };
  std::size_t start = 0;
  while (start <= options.size()) {
    std::size_t comma = options.find(',', start);
    if (comma == std::string_view::npos) comma = options.size();
    auto option = trim(options.substr(start, comma - start));
    start = comma + 1;
    if (option.empty()) {
      if (comma == options.size()) break;
      return invalid("an empty option");
    }
    bool negated = false;
    if (option.front() == '~') {
      negated = true;
      option.remove_prefix(1);
    }
    std::string_view value;
    bool has_value = false;
    if (auto eq = option.find('='); eq != std::string_view::npos) {
      value = option.substr(eq + 1);
      option = option.substr(0, eq);
      has_value = true;
    }
    const std::string name = lower(option);

    if (!has_value) {
      if (auto it = std::find_if(type_options.begin(), type_options.end(), [&](const auto& t) { return t.name == name; });
          it != type_options.end()) {
        if (it->type == -1) {
          if (!negated) state.popup = true;
        } else if (it->type == -2) {
          if (negated) return unsupported("~all");
          state.all = true;
        } else {
          const auto bit = static_cast<std::uint16_t>(1u << it->type);
          (negated ? state.negative_types : state.positive_types) |= bit;
        }
        continue;
      }
      if (name == "third-party" || name == "3p" || name == "first-party" || name == "1p") {
        const bool third = (name == "third-party" || name == "3p") != negated;
        f.first_party = !third;
        f.third_party = third;
        continue;
      }
      if (name == "important" && !negated) {
        f.important = true;
        continue;
      }
      if (name == "match-case" && !negated) {
        f.match_case = true;
        continue;
      }
    }
    if ((name == "domain" || name == "from") && has_value && !negated) {
      if (value.empty()) return invalid("an empty domain= list");
      std::size_t begin = 0;
      while (begin <= value.size()) {
        std::size_t bar = value.find('|', begin);
        if (bar == std::string_view::npos) bar = value.size();
        auto entry = trim(value.substr(begin, bar - begin));
        begin = bar + 1;
        domain_option d;
        if (!entry.empty() && entry.front() == '~') {
          d.negated = true;
          entry.remove_prefix(1);
        }
        if (!entry.empty() && entry.front() == '/') return unsupported("domain=/regex/");
        if (entry.size() > 2 && entry.substr(entry.size() - 2) == ".*") {
          d.entity = true;
          entry.remove_suffix(2);
        }
        if (is_ipv6_literal(entry) && !d.entity) {
          d.name = lower(entry);
        } else if (!normalise_host(entry, d.name)) {
          return invalid(quoted(entry, " in domain= is not a domain"));
        }
        f.domains.push_back(std::move(d));
        if (bar == value.size()) break;
      }
      continue;
    }
    if ((name == "redirect" || name == "rewrite") && has_value && !negated) {
      // A redirect blocks and serves a stand-in: the block is what the engine decides.
      // An exception to it only lifts the redirect, not the block.
      if (f.exception) return unsupported(name);
      continue;
    }
    return unsupported(name.empty() ? std::string_view("(empty)") : std::string_view(name));
  }

  if (state.all) {
    f.types = all_request_types;
  } else if (state.positive_types != 0) {
    f.types = static_cast<std::uint16_t>(state.positive_types & ~state.negative_types);
  } else if (state.popup) {
    return unsupported("popup");  // popups only: no request of ours is one
  } else if (state.negative_types != 0) {
    f.types = static_cast<std::uint16_t>(default_request_types & ~state.negative_types);
  }
  if (f.types == 0) return unsupported("no request type left");
  return true;
}

void set_pattern(std::string_view pattern, parsed_filter& f) {
  if (pattern.starts_with("||")) {
    f.anchor = image::left_anchor::host;
    pattern.remove_prefix(2);
  } else if (pattern.starts_with("|")) {
    f.anchor = image::left_anchor::start;
    pattern.remove_prefix(1);
  }
  if (pattern.ends_with("|")) {
    f.right_anchor = true;
    pattern.remove_suffix(1);
  }
  std::string p;
  p.reserve(pattern.size());
  for (char c : pattern) {
    if (c == '*' && !p.empty() && p.back() == '*') continue;
    p += f.match_case ? c : static_cast<char>(fold(static_cast<unsigned char>(c)));
  }
  if (!p.empty() && p.back() == '*') {
    while (!p.empty() && p.back() == '*') p.pop_back();
    f.right_anchor = false;
  }
  if (!p.empty() && p.front() == '*' && f.anchor != image::left_anchor::host) {
    p.erase(0, 1);
    f.anchor = image::left_anchor::none;
  }
  f.pattern = std::move(p);

  // `||host^…`, `||host/…`, `||host:port…` and `||host|`: filed under the host itself.
  if (f.anchor != image::left_anchor::host) return;
  std::size_t end = 0;
  while (end < f.pattern.size() && is_host_char(static_cast<unsigned char>(f.pattern[end]))) ++end;
  if (end == 0) return;
  const bool bounded = end < f.pattern.size()
                           ? (f.pattern[end] == '^' || f.pattern[end] == '/' || f.pattern[end] == ':')
                           : f.right_anchor;
  if (!bounded) return;
  std::string host;
  if (!normalise_host(std::string_view(f.pattern).substr(0, end), host)) return;
  f.host = std::move(host);
  f.pattern.erase(0, end);
  f.anchor = image::left_anchor::host_end;
}

/// Whether `options` starts like an option list: a name of letters, digits, `-` and `_`,
/// perhaps negated, up to `,`, `=` or the end.
bool looks_like_options(std::string_view options) noexcept {
  std::size_t i = 0;
  if (i < options.size() && options[i] == '~') ++i;
  const std::size_t name_start = i;
  while (i < options.size() && ((options[i] >= 'a' && options[i] <= 'z') || (options[i] >= 'A' && options[i] <= 'Z') ||
                                (options[i] >= '0' && options[i] <= '9') || options[i] == '-' || options[i] == '_')) {
    ++i;
  }
  return i > name_start && (i == options.size() || options[i] == ',' || options[i] == '=');
}

/// Where the options of a rule start (its `$`), or npos. A regex rule (`/…/`) may hold a
/// `$` of its own: its options follow a `$` right after its closing slash.
std::size_t options_start(std::string_view text) noexcept {
  if (text.size() > 2 && text.front() == '/') {
    for (std::size_t at = text.rfind("/$"); at != std::string_view::npos && at > 0; at = text.rfind("/$", at - 1)) {
      if (looks_like_options(text.substr(at + 2))) return at + 1;
    }
    if (text.back() == '/') return std::string_view::npos;
  }
  return text.rfind('$');
}

}  // namespace

parsed_line parse_rule_line(std::string_view raw, bool vendor_pattern) {
  parsed_line out;
  const auto line = trim(raw);
  if (!vendor_pattern) {
    if (line.empty() || line.front() == '!' || (line.front() == '[' && line.back() == ']')) return out;
    if (is_cosmetic(line)) {
      out.kind = line_kind::cosmetic;
      return out;
    }
    if (line.front() == '#') return out;  // a hosts-file comment
    if (auto space = line.find_first_of(" \t"); space != std::string_view::npos && is_ip_literal(line.substr(0, space))) {
      return hosts_line(line);
    }
  }
  if (line.empty()) {
    out.kind = line_kind::invalid;
    out.reason = "an empty pattern";
    return out;
  }

  parsed_filter f;
  std::string_view text = line;
  if (text.starts_with("@@")) {
    if (vendor_pattern) {
      out.kind = line_kind::invalid;
      out.reason = "an exception (@@) is no vendor pattern";
      return out;
    }
    f.exception = true;
    text.remove_prefix(2);
  }
  std::string_view pattern = text, options;
  bool has_options = false;
  if (auto split = options_start(text); split != std::string_view::npos) {
    pattern = text.substr(0, split);
    options = text.substr(split + 1);
    has_options = true;
  }
  if (has_options && !parse_options(options, f, out)) return out;
  for (char c : pattern) {
    if (is_space(c)) {
      out.kind = line_kind::invalid;
      out.reason = "white space in a pattern";
      return out;
    }
  }

  if (pattern.size() > 2 && pattern.front() == '/' && pattern.back() == '/') {
    f.regex = true;
    f.pattern.assign(pattern.substr(1, pattern.size() - 2));
  } else if (!f.exception && !has_options && !vendor_pattern && is_bare_host(pattern)) {
    out.filters.push_back(host_filter(std::string(pattern)));
    out.kind = line_kind::filter;
    return out;
  } else {
    set_pattern(pattern, f);
  }
  if (f.pattern.size() > 4096) {
    out.kind = line_kind::unsupported;
    out.reason = "pattern longer than 4096 bytes";
    return out;
  }
  out.kind = line_kind::filter;
  out.filters.push_back(std::move(f));
  return out;
}

std::vector<pattern_token> pattern_tokens(const parsed_filter& f) {
  std::vector<pattern_token> tokens;
  const std::string& p = f.pattern;
  for (std::size_t i = 0; i < p.size();) {
    if (!is_token_char(static_cast<unsigned char>(p[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < p.size() && is_token_char(static_cast<unsigned char>(p[j]))) ++j;
    // It starts a token of the URL: something other than `*` before it, or an anchor.
    const bool left =
        i > 0 ? p[i - 1] != '*' : (f.anchor == image::left_anchor::start || f.anchor == image::left_anchor::host);
    // And it ends one, or is long enough that the hash reads no further.
    const bool right = (j < p.size() ? p[j] != '*' : f.right_anchor) || j - i >= token_hash_length;
    if (left && right && i < image::no_token_offset) {
      tokens.push_back({lower(std::string_view(p).substr(i, j - i)), static_cast<std::uint16_t>(i)});
    }
    i = j;
  }
  return tokens;
}

}  // namespace consentry::detail
