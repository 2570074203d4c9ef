// Loading a rules image (every offset checked once, then read in place) and matching
// requests against it: the URL is cut into tokens once, its host into suffixes once,
// and only the filters filed under those keys are looked at. Nothing is allocated.
#include <algorithm>
#include <cstring>

#include "consentry/blocker.hpp"
#include "detail/blocker_image.hpp"
#include "detail/blocker_rules.hpp"
#include "detail/public_suffix.hpp"
#include "detail/regex.hpp"

namespace consentry {

namespace detail {
bool is_ip_address(std::string_view host) noexcept;
}
namespace image = detail::image;

struct blocker_access {
  template <class T>
  static const T* section(const blocker& b, image::section kind) noexcept {
    return reinterpret_cast<const T*>(b.base_ + b.offsets_[static_cast<std::uint32_t>(kind)]);
  }
  static std::uint32_t count(const blocker& b, image::section kind) noexcept {
    return b.counts_[static_cast<std::uint32_t>(kind)];
  }
  static std::uint32_t offset_of(const blocker& b, std::uint32_t kind) noexcept { return b.offsets_[kind]; }
  static const std::uint8_t* base(const blocker& b) noexcept { return b.base_; }
  static std::uint32_t count_of(const blocker& b, std::uint32_t kind) noexcept { return b.counts_[kind]; }
  static std::uint64_t page_domain(const page_context& p) noexcept { return p.domain_hash_; }
  static const std::uint64_t* page_hashes(const page_context& p) noexcept { return p.hashes_; }
  static std::size_t page_count(const page_context& p) noexcept { return p.count_; }
  static const std::uint64_t* page_entities(const page_context& p) noexcept { return p.entity_hashes_; }
  static std::size_t page_entity_count(const page_context& p) noexcept { return p.entity_count_; }
  static void prepare(page_context& p, std::string_view page_url) noexcept;
};

namespace {

using namespace detail;

image_error fail(image_error_code code, std::string message) { return image_error{code, std::move(message)}; }

/// One realm's index, resolved to pointers.
struct index_view {
  const std::uint32_t* directory = nullptr;
  const std::uint64_t* keys = nullptr;
  const std::uint64_t* presence = nullptr;
  const std::uint64_t* value_bits = nullptr;
  const std::uint32_t* value_ranks = nullptr;
  const std::uint32_t* values = nullptr;
  std::uint32_t bits = 0;
  std::uint32_t count = 0;
  std::uint32_t presence_words = 1;
  std::uint32_t common_value = image::no_value;

  /// The value filed under `key`, or no_value.
  std::uint32_t find(std::uint64_t key) const noexcept;
};

std::uint32_t index_view::find(std::uint64_t key) const noexcept {
  const std::uint64_t mask = image::presence_mask(key);
  if ((presence[key & (presence_words - 1)] & mask) != mask) return image::no_value;
  const std::size_t bucket = bits == 0 ? 0 : static_cast<std::size_t>(key >> (64 - bits));
  for (std::uint32_t i = directory[bucket], end = directory[bucket + 1]; i < end; ++i) {
    if (keys[i] < key) continue;
    if (keys[i] != key) return image::no_value;
    const std::uint64_t word = value_bits[i >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (i & 63);
    if (!(word & bit)) return common_value;
    return values[value_ranks[i >> 6] + static_cast<std::uint32_t>(std::popcount(word & (bit - 1)))];
  }
  return image::no_value;
}

index_view index_of(const blocker& b, image::realm realm) noexcept {
  index_view v;
  const auto* base = blocker_access::base(b);
  auto part = [&](image::index_part p) { return base + blocker_access::offset_of(b, image::index_section(realm, p)); };
  const auto* header = reinterpret_cast<const image::index_header*>(part(image::part_header));
  v.bits = header->directory_bits;
  v.count = header->key_count;
  v.presence_words = header->presence_words;
  v.common_value = header->common_value;
  v.directory = reinterpret_cast<const std::uint32_t*>(part(image::part_directory));
  v.keys = reinterpret_cast<const std::uint64_t*>(part(image::part_keys));
  v.presence = reinterpret_cast<const std::uint64_t*>(part(image::part_presence));
  v.value_bits = reinterpret_cast<const std::uint64_t*>(part(image::part_value_bits));
  v.value_ranks = reinterpret_cast<const std::uint32_t*>(part(image::part_value_ranks));
  v.values = reinterpret_cast<const std::uint32_t*>(part(image::part_values));
  return v;
}

inline constexpr std::size_t max_labels = 128;
inline constexpr std::size_t max_cached_tokens = 256;

/// A host cut at its label boundaries: `hashes[0]` is the last label, `[count - 1]` the host.
struct host_suffixes {
  std::uint64_t hashes[max_labels];
  std::uint32_t starts[max_labels];
  std::size_t count = 0;

  void compute(std::string_view text, std::size_t begin, std::size_t end) noexcept {
    count = 0;
    if (begin >= end) return;
    std::uint64_t h = host_hash_seed;
    for (std::size_t i = end; i-- > begin;) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '.' && count < max_labels - 1) {
        hashes[count] = h;
        starts[count++] = static_cast<std::uint32_t>(i + 1 - begin);
      }
      h = host_hash_step(h, c);
    }
    hashes[count] = h;
    starts[count++] = 0;
  }
};

/// What is known of one request; whether it is third-party is computed when asked.
struct request_context {
  std::string_view url;
  std::uint16_t type_bit = 0;
  std::size_t host_begin = 0, host_end = 0;
  host_suffixes host;
  const page_context* page = nullptr;
  const std::uint64_t* page_hashes = nullptr;
  std::size_t page_count = 0;
  int third_party = -1;  ///< -1 not yet known
  std::uint32_t tokens[max_cached_tokens];
  std::uint32_t token_starts[max_cached_tokens];
  std::size_t token_count = 0;
  std::size_t tokens_end = 0;  ///< where tokenising stopped when the cache filled up

  bool is_third_party() noexcept {
    if (third_party < 0) third_party = compute_third_party() ? 1 : 0;
    return third_party == 1;
  }

  /// Registrable domains compared by the hash of their name.
  bool compute_third_party() const noexcept {
    if (page_count == 0) return true;
    const auto request_host = url.substr(host_begin, host_end - host_begin);
    if (host.count == 0) return true;
    std::uint64_t domain = 0;
    if (is_ip_address(request_host)) {
      domain = host.hashes[host.count - 1];
    } else {
      domain = host.hashes[std::min(public_suffix_labels(host.hashes, host.count) + 1, host.count) - 1];
    }
    return domain != blocker_access::page_domain(*page);
  }
};

/// Tokens of the URL, hashed as the compiler hashed those of the filters. Calls
/// `visit(hash, start, end)` for each from `from`; stops early when it returns true.
template <class F>
bool for_each_url_token(std::string_view url, std::size_t from, F&& visit) noexcept {
  const auto* map = token_chars.map;
  const auto* text = reinterpret_cast<const unsigned char*>(url.data());
  const std::size_t n = url.size();
  std::size_t i = from;
  while (i < n) {
    while (i < n && map[text[i]] == 0) ++i;
    if (i == n) break;
    const std::size_t start = i;
    std::uint32_t h = token_hash_seed;
    const std::size_t hashed_end = std::min(n, start + token_hash_length);
    unsigned char c;
    while (i < hashed_end && (c = map[text[i]]) != 0) {
      h = (h ^ c) * 16777619u;
      ++i;
    }
    while (i < n && map[text[i]] != 0) ++i;
    if (visit(h, start, i)) return true;
  }
  return false;
}

void tokenize(request_context& ctx) noexcept {
  ctx.token_count = 0;
  ctx.tokens_end = ctx.url.size();
  for_each_url_token(ctx.url, 0, [&](std::uint32_t h, std::size_t start, std::size_t end) {
    ctx.tokens[ctx.token_count] = h;
    ctx.token_starts[ctx.token_count++] = static_cast<std::uint32_t>(start);
    if (ctx.token_count == max_cached_tokens) {
      ctx.tokens_end = end;
      return true;
    }
    return false;
  });
}

// ---- Patterns ------------------------------------------------------------------------

constexpr std::size_t npos = std::string_view::npos;

/// Where a pattern is matched: the URL, or the part of it before a known position
/// (then `^` cannot match at its end, since the URL goes on).
struct haystack {
  std::string_view text;
  bool real_end = true;
};

/// Matches `segment` (no `*`) at exactly `pos`; the end of the match, or npos.
inline std::size_t match_here(std::string_view segment, haystack h, std::size_t pos, bool match_case) noexcept {
  const std::size_t n = h.text.size();
  const auto* text = reinterpret_cast<const unsigned char*>(h.text.data());
  for (char ch : segment) {
    if (ch == '^') {
      if (pos == n) {
        if (h.real_end) continue;  // `^` also matches the end of the address
        return npos;
      }
      if (!is_separator(text[pos])) return npos;
      ++pos;
      continue;
    }
    if (pos == n) return npos;
    auto c = text[pos];
    if (!match_case) c = fold(c);
    if (c != static_cast<unsigned char>(ch)) return npos;
    ++pos;
  }
  return pos;
}

/// The leftmost match of `segment` at or after `from`: sets `end`, returns its start.
inline std::size_t find_segment(std::string_view segment, haystack h, std::size_t from, bool match_case,
                                std::size_t& end) noexcept {
  if (segment.empty()) {
    end = from;
    return from;
  }
  const auto first = static_cast<unsigned char>(segment.front());
  const std::size_t n = h.text.size();
  const auto* text = reinterpret_cast<const unsigned char*>(h.text.data());
  for (std::size_t pos = from; pos <= n; ++pos) {
    if (first != '^') {
      // Skip ahead to the next place the first character can match.
      if (match_case || !(first >= 'a' && first <= 'z')) {
        while (pos < n && text[pos] != first) ++pos;
      } else {
        while (pos < n && fold(text[pos]) != first) ++pos;
      }
      if (pos == n) return npos;
    }
    const std::size_t e = match_here(segment, h, pos, match_case);
    if (e != npos) {
      end = e;
      return pos;
    }
  }
  return npos;
}

/// Matches the `*`-separated segments of `pattern` from `cursor`, each at its leftmost.
bool match_rest(std::string_view pattern, haystack h, std::size_t cursor, bool right_anchor, bool match_case) noexcept {
  while (!pattern.empty()) {
    const std::size_t star = pattern.find('*');
    const auto segment = pattern.substr(0, star);
    pattern = star == npos ? std::string_view() : pattern.substr(star + 1);
    if (star == npos && right_anchor) {
      // The last segment must end with the URL; `^` may match its end, so try a few starts.
      const std::size_t n = h.text.size();
      std::size_t start = n >= segment.size() ? n - segment.size() : 0;
      for (start = std::max(start, cursor); start <= n; ++start) {
        if (match_here(segment, h, start, match_case) == n) return true;
      }
      return false;
    }
    std::size_t end = 0;
    if (find_segment(segment, h, cursor, match_case, end) == npos) return false;
    cursor = end;
  }
  return !right_anchor || cursor == h.text.size();
}

/// Whether a pattern (`*` wildcards, `^` separators) matches `h` with its anchors.
bool pattern_matches(std::string_view pattern, image::left_anchor anchor, bool right_anchor, bool match_case,
                     haystack h, const request_context& ctx) noexcept {
  const std::size_t star = pattern.find('*');
  const auto first = pattern.substr(0, star);
  const auto rest = star == npos ? std::string_view() : pattern.substr(star + 1);
  auto try_at = [&](std::size_t pos) {
    const std::size_t e = match_here(first, h, pos, match_case);
    if (e == npos) return false;
    if (star == npos) return !right_anchor || e == h.text.size();
    return match_rest(rest, h, e, right_anchor, match_case);
  };
  switch (anchor) {
    case image::left_anchor::start:
      return try_at(0);
    case image::left_anchor::host_end:
      return ctx.host_end <= h.text.size() && try_at(ctx.host_end);
    case image::left_anchor::host: {
      const std::size_t last = std::min(ctx.host_end, h.text.size());
      for (std::size_t p = ctx.host_begin; p < last; ++p) {
        if ((p == ctx.host_begin || h.text[p - 1] == '.') && try_at(p)) return true;
      }
      return false;
    }
    case image::left_anchor::none:
      break;
  }
  return match_rest(pattern, h, 0, right_anchor, match_case);
}

/// Whether the pattern matches with its token, at `token_offset` in it, where the URL has
/// a token starting at `url_pos`: the token's segment is compared in place, the segments
/// before it must fit in front of it, and those after it follow.
bool pattern_matches_at(std::string_view pattern, std::size_t token_offset, std::size_t url_pos,
                        image::left_anchor anchor, bool right_anchor, bool match_case,
                        const request_context& ctx) noexcept {
  const std::size_t star_before = pattern.rfind('*', token_offset);
  const std::size_t segment_begin = star_before == npos ? 0 : star_before + 1;
  const std::size_t lead = token_offset - segment_begin;
  if (url_pos < lead) return false;
  const std::size_t start = url_pos - lead;
  const std::size_t star_after = pattern.find('*', token_offset);
  const auto segment = pattern.substr(segment_begin, star_after == npos ? npos : star_after - segment_begin);
  const haystack url{ctx.url, true};
  const std::size_t end = match_here(segment, url, start, match_case);
  if (end == npos) return false;
  if (segment_begin == 0) {
    switch (anchor) {
      case image::left_anchor::start:
        if (start != 0) return false;
        break;
      case image::left_anchor::host:
        if (start < ctx.host_begin || start >= ctx.host_end || (start != ctx.host_begin && ctx.url[start - 1] != '.')) {
          return false;
        }
        break;
      case image::left_anchor::host_end:
        if (start != ctx.host_end) return false;
        break;
      case image::left_anchor::none:
        break;
    }
  } else if (!pattern_matches(pattern.substr(0, segment_begin - 1), anchor, false, match_case,
                              haystack{ctx.url.substr(0, start), false}, ctx)) {
    return false;
  }
  if (star_after == npos) return !right_anchor || end == ctx.url.size();
  return match_rest(pattern.substr(star_after + 1), url, end, right_anchor, match_case);
}

// ---- Filters -------------------------------------------------------------------------

struct engine_view {
  const image::filter* filters;
  const char* strings;
  const std::uint64_t* domains;
  const std::uint32_t* postings;
  const std::uint32_t* regex_code;
};

/// Whether the sorted domain list has `hash`, plain (1) or negated (2), or neither (0).
inline int domain_lookup(const std::uint64_t* entries, std::size_t count, std::uint64_t hash) noexcept {
  const std::uint64_t plain = hash & ~std::uint64_t{1};
  const std::uint64_t* it = std::lower_bound(entries, entries + count, plain);
  int found = 0;
  if (it != entries + count && *it == plain) {
    found |= 1;
    ++it;
  }
  if (it != entries + count && *it == (plain | 1)) found |= 2;
  return found;
}

bool domains_match(const image::filter& f, const engine_view& e, request_context& ctx) noexcept {
  const std::uint64_t* entries = e.domains + f.domain_offset;
  bool positive = false;
  for (std::size_t i = 0; i < ctx.page_count; ++i) {
    const int found = domain_lookup(entries, f.domain_count, ctx.page_hashes[i]);
    if (found & 2) return false;
    positive = positive || (found & 1);
  }
  if (f.flags & image::flag_entity) {
    const auto* entities = blocker_access::page_entities(*ctx.page);
    for (std::size_t i = 0, n = blocker_access::page_entity_count(*ctx.page); i < n; ++i) {
      const int found = domain_lookup(entries, f.domain_count, entities[i]);
      if (found & 2) return false;
      positive = positive || (found & 1);
    }
  }
  return positive || !(f.flags & image::flag_has_positive_domain);
}

/// Whether filter `f` matches; `token_start` is where the URL has the token the filter
/// was found under, or npos when it was found otherwise.
bool filter_matches(const image::filter& f, const engine_view& e, request_context& ctx,
                    std::size_t token_start) noexcept {
  if (!(f.types & ctx.type_bit)) return false;
  constexpr std::uint16_t both = image::flag_first_party | image::flag_third_party;
  if ((f.flags & both) != both) {
    if (!(f.flags & (ctx.is_third_party() ? image::flag_third_party : image::flag_first_party))) return false;
  }
  if (f.domain_count && !domains_match(f, e, ctx)) return false;
  if (f.flags & image::flag_plain) return true;
  const bool match_case = f.flags & image::flag_match_case;
  if (f.flags & image::flag_regex) return regex::search(e.regex_code + f.pattern_offset, ctx.url, match_case);
  const std::string_view pattern(e.strings + f.pattern_offset, f.pattern_length);
  const auto anchor = static_cast<image::left_anchor>(f.anchor);
  const bool right_anchor = f.flags & image::flag_right_anchor;
  if (token_start != npos && f.token_offset != image::no_token_offset) {
    return pattern_matches_at(pattern, f.token_offset, token_start, anchor, right_anchor, match_case, ctx);
  }
  return pattern_matches(pattern, anchor, right_anchor, match_case, haystack{ctx.url, true}, ctx);
}

/// The first filter under `value` that matches, or no_filter.
inline std::uint32_t first_match(std::uint32_t value, const engine_view& e, request_context& ctx,
                                 std::size_t token_start = npos) noexcept {
  if (!(value & image::postings_bit)) {
    return filter_matches(e.filters[value], e, ctx, token_start) ? value : no_filter;
  }
  const std::uint32_t* list = e.postings + (value & ~image::postings_bit);
  for (std::uint32_t k = 1; k <= list[0]; ++k) {
    if (filter_matches(e.filters[list[k]], e, ctx, token_start)) return list[k];
  }
  return no_filter;
}

struct realm_match {
  std::uint32_t filter = no_filter;
  std::size_t rule_host_start = 0;  ///< when found under a host key
  std::size_t rule_host_labels = 0;
};

/// The first filter of `ix` matching the request; hosts first or last (`hosts_last`: the
/// vendor realm, where a URL pattern outranks a host).
realm_match search_realm(const index_view& ix, const engine_view& e, request_context& ctx, bool hosts_last) noexcept {
  realm_match m;
  if (ix.count == 0) return m;
  auto hosts = [&]() {
    for (std::size_t i = ctx.host.count; i-- > 0;) {  // the longest (most specific) host first
      if (const auto v = ix.find(image::make_key(image::key_kind::host, ctx.host.hashes[i])); v != image::no_value) {
        if ((m.filter = first_match(v, e, ctx)) != no_filter) {
          m.rule_host_labels = i + 1;
          m.rule_host_start = ctx.host_begin + ctx.host.starts[i];
          return true;
        }
      }
    }
    return false;
  };
  if (!hosts_last && hosts()) return m;
  auto token = [&](std::uint32_t h, std::size_t start) {
    if (const auto v = ix.find(image::make_key(image::key_kind::token, h)); v != image::no_value) {
      if ((m.filter = first_match(v, e, ctx, start)) != no_filter) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < ctx.token_count; ++i) {
    if (token(ctx.tokens[i], ctx.token_starts[i])) return m;
  }
  if (ctx.tokens_end < ctx.url.size() &&
      for_each_url_token(ctx.url, ctx.tokens_end,
                         [&](std::uint32_t h, std::size_t start, std::size_t) { return token(h, start); })) {
    return m;
  }
  for (std::size_t i = 0; i < ctx.page_count; ++i) {
    if (const auto v = ix.find(image::make_key(image::key_kind::page_domain, ctx.page_hashes[i]));
        v != image::no_value) {
      if ((m.filter = first_match(v, e, ctx)) != no_filter) return m;
    }
  }
  if (const auto v = ix.find(image::make_key(image::key_kind::any, 0)); v != image::no_value) {
    if ((m.filter = first_match(v, e, ctx)) != no_filter) return m;
  }
  if (hosts_last && hosts()) return m;
  m.filter = no_filter;
  return m;
}

std::string_view string_at(const std::uint8_t* base, std::uint32_t strings_offset, std::uint32_t offset,
                           std::uint32_t length) noexcept {
  return {reinterpret_cast<const char*>(base + strings_offset + offset), length};
}

}  // namespace

// ---- Loading -------------------------------------------------------------------------

result<blocker, image_error> blocker::load(std::span<const std::uint8_t> bytes) {
  using image::section;
  const std::uint8_t* base = bytes.data();
  const std::size_t size = bytes.size();
  if (reinterpret_cast<std::uintptr_t>(base) % 8 != 0) {
    return fail(image_error_code::misaligned, "the image is not at an 8-byte aligned address");
  }
  if (size < sizeof(image::header)) {
    return fail(image_error_code::truncated,
                "the image has " + std::to_string(size) + " bytes, fewer than its header's " +
                    std::to_string(sizeof(image::header)));
  }
  image::header h;
  std::memcpy(&h, base, sizeof(h));
  if (std::memcmp(h.magic, image::magic, sizeof(h.magic)) != 0) {
    return fail(image_error_code::bad_magic, "not a Consentry rules image (wrong magic number)");
  }
  if (h.format_version != image::format_version) {
    return fail(image_error_code::unsupported_version,
                "rules image format " + std::to_string(h.format_version) + ", this engine reads format " +
                    std::to_string(image::format_version) + ": rebuild the image");
  }
  if (h.image_size > size) {
    return fail(image_error_code::truncated, "the image records " + std::to_string(h.image_size) +
                                                 " bytes but has " + std::to_string(size));
  }
  if (h.image_size < size) {
    return fail(image_error_code::inconsistent, "the image records " + std::to_string(h.image_size) +
                                                    " bytes but has " + std::to_string(size) + " (trailing bytes)");
  }
  if (image_checksum(base, size) != h.checksum) {
    return fail(image_error_code::bad_checksum, "the image is damaged (checksum mismatch)");
  }

  auto inconsistent = [](std::string what) { return fail(image_error_code::inconsistent, std::move(what)); };
  blocker b;
  b.base_ = base;
  b.size_ = size;
  const std::size_t table_end = sizeof(image::header) + std::size_t{h.section_count} * sizeof(image::section_entry);
  if (h.section_count > max_sections || table_end > size) return inconsistent("section table out of bounds");
  bool seen[max_sections] = {};
  std::uint32_t sizes[max_sections] = {};
  for (std::uint32_t i = 0; i < h.section_count; ++i) {
    image::section_entry s;
    std::memcpy(&s, base + sizeof(image::header) + i * sizeof(image::section_entry), sizeof(s));
    const std::string where = "section " + std::to_string(i);
    if (s.kind == 0 || s.kind >= image::section_kind_end || s.kind >= max_sections) {
      return inconsistent(where + ": unknown kind " + std::to_string(s.kind));
    }
    if (seen[s.kind]) return inconsistent(where + ": kind " + std::to_string(s.kind) + " twice");
    if (s.offset % 8 != 0 || s.offset < table_end || std::uint64_t{s.offset} + s.size > size) {
      return inconsistent(where + ": out of bounds");
    }
    seen[s.kind] = true;
    b.offsets_[s.kind] = s.offset;
    b.counts_[s.kind] = s.count;
    sizes[s.kind] = s.size;
  }
  for (std::uint32_t k = 1; k < image::section_kind_end; ++k) {
    if (!seen[k]) return inconsistent("section kind " + std::to_string(k) + " missing");
  }
  auto expect_size = [&](std::uint32_t kind, std::size_t element) {
    return std::uint64_t{b.counts_[kind]} * element == sizes[kind];
  };
  auto kind = [](section s) { return static_cast<std::uint32_t>(s); };
  if (!expect_size(kind(section::summary), sizeof(image::summary)) || b.counts_[kind(section::summary)] != 1 ||
      !expect_size(kind(section::strings), 1) || !expect_size(kind(section::filters), sizeof(image::filter)) ||
      !expect_size(kind(section::domains), 8) || !expect_size(kind(section::postings), 4) ||
      !expect_size(kind(section::regex_code), 4) || !expect_size(kind(section::vendors), sizeof(image::vendor_record)) ||
      !expect_size(kind(section::purposes), sizeof(image::purpose_record))) {
    return inconsistent("a section's size does not fit its count");
  }
  const auto* summary = blocker_access::section<image::summary>(b, section::summary);
  const std::uint32_t filter_count = b.counts_[kind(section::filters)];
  const std::uint32_t strings_size = b.counts_[kind(section::strings)];
  const std::uint32_t vendor_count = b.counts_[kind(section::vendors)];
  const std::uint32_t purpose_count = b.counts_[kind(section::purposes)];
  if (summary->filter_count != filter_count || summary->vendor_count != vendor_count ||
      summary->purpose_count != purpose_count || purpose_count > 64 || vendor_count >= image::no_vendor) {
    return inconsistent("the summary does not match the sections");
  }
  const purpose_set all_purposes = purpose_count == 64 ? ~purpose_set{0} : (purpose_set{1} << purpose_count) - 1;
  if (summary->default_granted & ~all_purposes) return inconsistent("default purposes out of range");
  auto string_ok = [&](std::uint32_t offset, std::uint32_t length) {
    return std::uint64_t{offset} + length <= strings_size;
  };
  const auto* vendors = blocker_access::section<image::vendor_record>(b, section::vendors);
  for (std::uint32_t v = 0; v < vendor_count; ++v) {
    if (!string_ok(vendors[v].id_offset, vendors[v].id_length) ||
        !string_ok(vendors[v].name_offset, vendors[v].name_length) || (vendors[v].purposes & ~all_purposes)) {
      return inconsistent("vendor " + std::to_string(v) + " out of bounds");
    }
  }
  const auto* purposes = blocker_access::section<image::purpose_record>(b, section::purposes);
  for (std::uint32_t p = 0; p < purpose_count; ++p) {
    if (!string_ok(purposes[p].id_offset, purposes[p].id_length) ||
        purposes[p].basis > static_cast<std::uint32_t>(legal_basis::legitimate_interest)) {
      return inconsistent("purpose " + std::to_string(p) + " out of bounds");
    }
  }
  const auto* filters = blocker_access::section<image::filter>(b, section::filters);
  const std::uint32_t domain_count = b.counts_[kind(section::domains)];
  const std::uint32_t regex_size = b.counts_[kind(section::regex_code)];
  const auto* regex_code = blocker_access::section<std::uint32_t>(b, section::regex_code);
  for (std::uint32_t i = 0; i < filter_count; ++i) {
    const auto& f = filters[i];
    bool ok = (f.types & ~all_request_types) == 0 && (f.flags & ~image::flag_all) == 0 &&
              (f.token_offset == image::no_token_offset ||
               (!(f.flags & (image::flag_regex | image::flag_plain)) && f.token_offset < f.pattern_length)) &&
              f.anchor <= static_cast<std::uint8_t>(image::left_anchor::host_end) &&
              (f.vendor == image::no_vendor || f.vendor < vendor_count) &&
              std::uint64_t{f.domain_offset} + f.domain_count <= domain_count;
    if (ok && (f.flags & image::flag_regex)) {
      ok = std::uint64_t{f.pattern_offset} + f.pattern_length <= regex_size &&
           regex::valid(regex_code + f.pattern_offset, f.pattern_length);
    } else if (ok && !(f.flags & image::flag_plain)) {
      ok = string_ok(f.pattern_offset, f.pattern_length);
    }
    if (!ok) return inconsistent("filter " + std::to_string(i) + " out of bounds");
  }
  // Postings lists follow one another in the order the realms' values name them.
  const std::uint32_t postings_count = b.counts_[kind(section::postings)];
  const auto* postings = blocker_access::section<std::uint32_t>(b, section::postings);
  std::uint64_t next_list = 0;
  for (std::uint32_t r = 0; r < image::realm_count; ++r) {
    const auto realm = static_cast<image::realm>(r);
    const std::string where = "index " + std::to_string(r);
    auto part_kind = [&](image::index_part p) { return image::index_section(realm, p); };
    const auto header_kind = part_kind(image::part_header);
    if (!expect_size(header_kind, sizeof(image::index_header)) || b.counts_[header_kind] != 1) {
      return inconsistent(where + ": bad header");
    }
    const auto* header = reinterpret_cast<const image::index_header*>(base + b.offsets_[header_kind]);
    const std::uint32_t keys = header->key_count, words = (keys + 63) / 64;
    auto sized = [&](image::index_part p, std::uint64_t count, std::size_t element) {
      return b.counts_[part_kind(p)] == count && expect_size(part_kind(p), element);
    };
    if (header->directory_bits > 24 || !sized(image::part_directory, (std::uint64_t{1} << header->directory_bits) + 1, 4) ||
        !sized(image::part_keys, keys, 8) || header->presence_words == 0 ||
        (header->presence_words & (header->presence_words - 1)) != 0 ||
        !sized(image::part_presence, header->presence_words, 8) || !sized(image::part_value_bits, words, 8) ||
        !sized(image::part_value_ranks, words, 4) || !sized(image::part_values, header->value_count, 4)) {
      return inconsistent(where + ": sizes do not match");
    }
    // Every directory entry within the keys: a lookup then never reads past them.
    const auto* directory = reinterpret_cast<const std::uint32_t*>(base + b.offsets_[part_kind(image::part_directory)]);
    const std::uint32_t buckets = b.counts_[part_kind(image::part_directory)];
    std::uint32_t beyond = 0;
    for (std::uint32_t k = 0; k < buckets; ++k) beyond |= static_cast<std::uint32_t>(directory[k] > keys);
    if (beyond || directory[buckets - 1] != keys) return inconsistent(where + ": bad directory");
    // The ranks count the value bits, so a key's value index is always within the values.
    const auto* bits = reinterpret_cast<const std::uint64_t*>(base + b.offsets_[part_kind(image::part_value_bits)]);
    const auto* ranks = reinterpret_cast<const std::uint32_t*>(base + b.offsets_[part_kind(image::part_value_ranks)]);
    std::uint64_t rank = 0;
    for (std::uint32_t w = 0; w < words; ++w) {
      if (ranks[w] != rank) return inconsistent(where + ": bad value ranks");
      rank += static_cast<std::uint64_t>(std::popcount(bits[w]));
    }
    if (rank != header->value_count || (keys % 64 != 0 && words > 0 && (bits[words - 1] >> (keys % 64)) != 0)) {
      return inconsistent(where + ": bad value bits");
    }
    // The vendor realm's filters are read with their vendor: each must have one.
    const auto filter_ok = [&](std::uint32_t id) {
      return id < filter_count && (realm != image::realm::vendor || filters[id].vendor != image::no_vendor);
    };
    if (header->common_value != image::no_value && !filter_ok(header->common_value)) {
      return inconsistent(where + ": common filter out of bounds");
    }
    const auto* values = reinterpret_cast<const std::uint32_t*>(base + b.offsets_[part_kind(image::part_values)]);
    for (std::uint32_t k = 0; k < header->value_count; ++k) {
      const std::uint32_t value = values[k];
      if (!(value & image::postings_bit)) {
        if (!filter_ok(value)) return inconsistent(where + ": filter out of bounds");
        continue;
      }
      const std::uint32_t at = value & ~image::postings_bit;
      if (at != next_list || at >= postings_count) return inconsistent(where + ": postings out of order");
      const std::uint32_t n = postings[at];
      if (n == 0 || std::uint64_t{at} + 1 + n > postings_count) return inconsistent(where + ": postings out of bounds");
      for (std::uint32_t j = 1; j <= n; ++j) {
        if (!filter_ok(postings[at + j])) return inconsistent(where + ": filter out of bounds");
      }
      next_list = std::uint64_t{at} + 1 + n;
    }
  }
  if (next_list != postings_count) return inconsistent("postings not all referred to");

  b.vendor_count_ = vendor_count;
  b.purpose_count_ = purpose_count;
  b.default_granted_ = summary->default_granted;
  return b;
}

// ---- Matching ------------------------------------------------------------------------

void blocker_access::prepare(page_context& p, std::string_view page_url) noexcept {
  p.host_ = url_host(page_url);
  host_suffixes suffixes;
  suffixes.compute(p.host_, 0, p.host_.size());
  p.count_ = suffixes.count;
  std::copy_n(suffixes.hashes, suffixes.count, p.hashes_);
  p.entity_count_ = 0;
  p.domain_hash_ = 0;
  if (p.count_ == 0) return;
  if (is_ip_address(p.host_)) {
    p.domain_hash_ = p.hashes_[p.count_ - 1];
    return;
  }
  const std::size_t suffix_labels = public_suffix_labels(p.hashes_, p.count_);
  p.domain_hash_ = p.hashes_[std::min(suffix_labels + 1, p.count_) - 1];
  if (suffix_labels >= p.count_) return;
  // `name.*` for every name above the public suffix: `example.*` for www.example.co.uk.
  const std::size_t suffix_start = suffixes.starts[suffix_labels - 1];
  std::uint64_t h = host_hash_step(host_hash_step(host_hash_seed, '*'), '.');
  for (std::size_t i = suffix_start - 1; i-- > 0 && p.entity_count_ < page_context::max_labels - 1;) {
    const auto c = static_cast<unsigned char>(p.host_[i]);
    if (c == '.') p.entity_hashes_[p.entity_count_++] = h;
    h = host_hash_step(h, c);
  }
  p.entity_hashes_[p.entity_count_++] = h;
}

void page_context::assign(std::string_view page_url) noexcept { blocker_access::prepare(*this, page_url); }

verdict blocker::match(std::string_view url, request_type type, std::string_view page_url) const noexcept {
  return match(url, type, page_context(page_url));
}

verdict blocker::match(std::string_view url, request_type type, const page_context& page) const noexcept {
  verdict out;
  if (base_ == nullptr) return out;
  request_context ctx;
  ctx.url = url;
  ctx.type_bit = static_cast<std::uint16_t>(1u << static_cast<unsigned>(type));
  const auto host = url_host(url);
  ctx.host_begin = host.empty() ? 0 : static_cast<std::size_t>(host.data() - url.data());
  ctx.host_end = ctx.host_begin + host.size();
  out.host = host;
  ctx.host.compute(url, ctx.host_begin, ctx.host_end);
  ctx.page = &page;
  ctx.page_hashes = blocker_access::page_hashes(page);
  ctx.page_count = blocker_access::page_count(page);
  tokenize(ctx);

  const engine_view e{
      blocker_access::section<image::filter>(*this, image::section::filters),
      blocker_access::section<char>(*this, image::section::strings),
      blocker_access::section<std::uint64_t>(*this, image::section::domains),
      blocker_access::section<std::uint32_t>(*this, image::section::postings),
      blocker_access::section<std::uint32_t>(*this, image::section::regex_code),
  };
  auto rule_host = [&](const realm_match& m) {
    return m.rule_host_labels ? url.substr(m.rule_host_start, ctx.host_end - m.rule_host_start) : std::string_view();
  };

  if (vendor_count_ > 0) {
    const auto m = search_realm(index_of(*this, image::realm::vendor), e, ctx, true);
    if (m.filter != no_filter) {
      const auto vendor = e.filters[m.filter].vendor;
      const auto* vendors = blocker_access::section<image::vendor_record>(*this, image::section::vendors);
      out.kind = verdict_kind::block;
      out.vendor = vendor;
      out.purposes = vendors[vendor].purposes;
      out.filter = m.filter;
      out.rule_host = rule_host(m);
      return out;
    }
  }
  const auto blocked = search_realm(index_of(*this, image::realm::block), e, ctx, false);
  if (blocked.filter == no_filter) return out;
  out.kind = verdict_kind::undisclosed;
  out.filter = blocked.filter;
  out.rule_host = rule_host(blocked);
  if (e.filters[blocked.filter].flags & image::flag_important) return out;
  const auto excepted = search_realm(index_of(*this, image::realm::exception), e, ctx, false);
  if (excepted.filter == no_filter) return out;
  const auto important = search_realm(index_of(*this, image::realm::important), e, ctx, false);
  if (important.filter != no_filter) {
    out.filter = important.filter;
    out.rule_host = rule_host(important);
    return out;
  }
  out.kind = verdict_kind::allow;
  out.exception = true;
  out.filter = excepted.filter;
  out.rule_host = rule_host(excepted);
  return out;
}

blocker::vendor_info blocker::vendor(std::size_t index) const noexcept {
  if (index >= vendor_count_) return {};
  const auto& v = blocker_access::section<image::vendor_record>(*this, image::section::vendors)[index];
  const auto strings = offsets_[static_cast<std::uint32_t>(image::section::strings)];
  return {string_at(base_, strings, v.id_offset, v.id_length), string_at(base_, strings, v.name_offset, v.name_length),
          v.purposes};
}

blocker::purpose_info blocker::purpose(std::size_t index) const noexcept {
  if (index >= purpose_count_) return {};
  const auto& p = blocker_access::section<image::purpose_record>(*this, image::section::purposes)[index];
  const auto strings = offsets_[static_cast<std::uint32_t>(image::section::strings)];
  return {string_at(base_, strings, p.id_offset, p.id_length), static_cast<legal_basis>(p.basis)};
}

purpose_set blocker::purpose_bit(std::string_view id) const noexcept {
  for (std::size_t i = 0; i < purpose_count_; ++i) {
    if (purpose(i).id == id) return purpose_set{1} << i;
  }
  return 0;
}

std::size_t blocker::filter_count() const noexcept {
  return base_ ? counts_[static_cast<std::uint32_t>(image::section::filters)] : 0;
}

std::string blocker::describe_filter(const verdict& v) const {
  if (base_ == nullptr || v.filter >= filter_count()) return {};
  const auto& f = blocker_access::section<image::filter>(*this, image::section::filters)[v.filter];
  std::string out;
  if (f.flags & image::flag_exception) out += "@@";
  if (f.flags & image::flag_regex) {
    out += "/…/";
  } else {
    switch (static_cast<image::left_anchor>(f.anchor)) {
      case image::left_anchor::start: out += "|"; break;
      case image::left_anchor::host: out += "||"; break;
      case image::left_anchor::host_end: out += "||"; out += v.rule_host; break;
      case image::left_anchor::none: break;
    }
    out += (f.flags & image::flag_plain)
               ? std::string_view("^")
               : string_at(base_, offsets_[static_cast<std::uint32_t>(image::section::strings)], f.pattern_offset,
                           f.pattern_length);
    if (f.flags & image::flag_right_anchor) out += "|";
  }
  std::vector<std::string> options;
  constexpr std::uint16_t both = image::flag_first_party | image::flag_third_party;
  if ((f.flags & both) == image::flag_third_party) options.emplace_back("third-party");
  if ((f.flags & both) == image::flag_first_party) options.emplace_back("~third-party");
  if (f.types != default_request_types) {
    const bool negate = std::popcount(static_cast<unsigned>(f.types)) > 6 && !(f.types & document_type_bit);
    for (std::size_t t = 0; t < request_type_count; ++t) {
      const bool on = f.types & (1u << t);
      if (negate ? (!on && t != static_cast<std::size_t>(request_type::document)) : on) {
        std::string option(negate ? "~" : "");
        option.append(name_of(static_cast<request_type>(t)));
        options.push_back(std::move(option));
      }
    }
  }
  if (f.domain_count) options.push_back("domain=(" + std::to_string(f.domain_count) + " domains)");
  if (f.flags & image::flag_important) options.emplace_back("important");
  if (f.flags & image::flag_match_case) options.emplace_back("match-case");
  for (std::size_t i = 0; i < options.size(); ++i) out += (i == 0 ? "$" : ",") + options[i];
  return out;
}

}  // namespace consentry
