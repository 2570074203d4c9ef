// The layout of a compiled rules image, shared by the compiler that writes it and the
// loader that reads it in place. Everything is little-endian, naturally aligned and
// addressed by offsets from the image's start, so the image is usable without parsing.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace consentry::detail::image {

static_assert(std::endian::native == std::endian::little, "the rules image is read in place: little-endian only");

inline constexpr char magic[8] = {'C', 'N', 'S', 'R', 'U', 'L', 'E', 'S'};
inline constexpr std::uint32_t format_version = 1;

/// The first 40 bytes. The checksum is XXH64 of every byte after the checksum field,
/// seeded with XXH64 of the 24 bytes before it: it covers the whole image but itself.
/// The magic and the version are checked first, so that a foreign or newer image says so.
struct header {
  char magic[8];
  std::uint32_t format_version;
  std::uint32_t reserved;
  std::uint64_t image_size;
  std::uint64_t checksum;
  std::uint32_t section_count;
  std::uint32_t reserved2;
};
static_assert(sizeof(header) == 40);
inline constexpr std::size_t checksum_offset = offsetof(header, checksum);
inline constexpr std::size_t checksum_end = checksum_offset + sizeof(std::uint64_t);

/// Follows the header, one entry per section.
struct section_entry {
  std::uint32_t kind;
  std::uint32_t offset;  ///< from the image's start; a multiple of 8
  std::uint32_t size;    ///< in bytes
  std::uint32_t count;   ///< elements, for the kinds that hold an array
};
static_assert(sizeof(section_entry) == 16);

enum class section : std::uint32_t {
  summary = 1,      ///< one `summary`
  strings,          ///< bytes: names of vendors and purposes, patterns, host names
  filters,          ///< `filter` records
  domains,          ///< u64: the $domain= lists of the filters, each sorted
  postings,         ///< u32: [count, filter ids...] for keys that hold several filters
  regex_code,       ///< u32: the regex programs
  vendors,          ///< `vendor_record`
  purposes,         ///< `purpose_record`
  index_first,      ///< seven sections per realm, `index_part`
};
/// A realm's index: `index_header`; the directory (u32); the keys (u64, sorted); the
/// presence filter (u64); which keys have a value of their own (u64 bits) and how many
/// before each word of those bits (u32); the values (u32) of those keys.
enum index_part : std::uint32_t {
  part_header,
  part_directory,
  part_keys,
  part_presence,
  part_value_bits,
  part_value_ranks,
  part_values,
  index_part_count
};
inline constexpr std::uint32_t index_sections_per_realm = index_part_count;

/// Realms are separate indexes so that the small ones (vendors, exceptions) stay in cache.
enum class realm : std::uint32_t { vendor, block, exception, important, count_ };
inline constexpr std::uint32_t realm_count = static_cast<std::uint32_t>(realm::count_);

constexpr std::uint32_t index_section(realm r, std::uint32_t part) noexcept {
  return static_cast<std::uint32_t>(section::index_first) + static_cast<std::uint32_t>(r) * index_sections_per_realm +
         part;
}
inline constexpr std::uint32_t section_kind_end = index_section(realm::count_, 0);

struct summary {
  std::uint32_t filter_count;
  std::uint32_t list_rules;    ///< network rules of the lists, hosts lines included
  std::uint32_t vendor_rules;  ///< hosts and URL patterns of the policy's vendors
  std::uint32_t list_count;
  std::uint64_t default_granted;  ///< purposes whose legal basis is not consent
  std::uint32_t vendor_count;
  std::uint32_t purpose_count;
};
static_assert(sizeof(summary) == 32);

/// How a filter's pattern is anchored on the left.
enum class left_anchor : std::uint8_t {
  none,      ///< anywhere in the URL
  start,     ///< `|`: at the URL's start
  host,      ///< `||`: at the start of a label of the host
  host_end,  ///< filed under its host: the rest of the pattern starts where the host ends
};

enum filter_flag : std::uint16_t {
  flag_first_party = 1u << 0,  ///< applies to first-party requests
  flag_third_party = 1u << 1,  ///< applies to third-party requests
  flag_match_case = 1u << 2,
  flag_important = 1u << 3,
  flag_regex = 1u << 4,        ///< the pattern is a regex program in `regex_code`
  flag_right_anchor = 1u << 5, ///< `|` at the end: the pattern ends with the URL
  flag_entity = 1u << 6,       ///< the domain list names entities (`example.*`)
  flag_exception = 1u << 7,
  flag_plain = 1u << 8,        ///< nothing to check once its host is found
  flag_has_positive_domain = 1u << 9,
  flag_all = (1u << 10) - 1,
};

/// One compiled filter. Identical filters (most `||host^$third-party` share one) are
/// stored once and referred to from every key that files them.
struct filter {
  std::uint32_t pattern_offset;  ///< in `strings`, or in `regex_code` (u32 units) for a regex
  std::uint32_t domain_offset;   ///< first entry in `domains`
  std::uint16_t pattern_length;  ///< bytes, or u32 units for a regex
  std::uint16_t domain_count;
  std::uint16_t types;           ///< bit per `request_type`
  std::uint16_t flags;           ///< `filter_flag`
  std::uint8_t anchor;           ///< `left_anchor`
  std::uint8_t reserved;
  std::uint16_t vendor;          ///< index in `vendors`, or no_vendor
  /// Where in the pattern the token the filter is filed under starts: the match is then
  /// checked at the one place the URL's token puts it, not searched for.
  std::uint16_t token_offset;
  std::uint16_t reserved2;
};
static_assert(sizeof(filter) == 24);
inline constexpr std::uint16_t no_token_offset = 0xFFFF;
inline constexpr std::uint16_t no_vendor = 0xFFFF;

/// A $domain= entry: the host hash of the domain with its lowest bit saying "negated".
constexpr std::uint64_t domain_entry(std::uint64_t host_hash, bool negated) noexcept {
  return (host_hash & ~std::uint64_t{1}) | (negated ? 1u : 0u);
}

struct vendor_record {
  std::uint32_t id_offset;
  std::uint32_t id_length;
  std::uint32_t name_offset;
  std::uint32_t name_length;
  std::uint64_t purposes;
};
static_assert(sizeof(vendor_record) == 24);

struct purpose_record {
  std::uint32_t id_offset;
  std::uint32_t id_length;
  std::uint32_t basis;  ///< `legal_basis`
  std::uint32_t reserved;
};
static_assert(sizeof(purpose_record) == 16);

/// A realm's index: keys sorted, with a directory on their top bits so that a lookup
/// reads the directory once and then a few neighbouring keys. In front of it, a presence
/// filter (a blocked Bloom filter: a 64-bit word per eight keys, two bits per key) answers
/// most lookups of absent keys from one small, cache-resident array. Most keys (plain
/// `||host^` rules) hold the realm's common filter and store no value: a bit per key says
/// which do, and a rank per 64 keys finds the value of those that do.
struct index_header {
  std::uint32_t key_count;
  std::uint32_t directory_bits;
  std::uint32_t presence_words;  ///< a power of two
  std::uint32_t value_count;
  std::uint32_t common_value;    ///< the value of keys without one; no_value if none
  std::uint32_t reserved;
};
inline constexpr std::uint32_t no_value = 0xFFFF'FFFFu;

constexpr std::uint64_t presence_mask(std::uint64_t key) noexcept {
  return (std::uint64_t{1} << ((key >> 32) & 63)) | (std::uint64_t{1} << ((key >> 40) & 63));
}
static_assert(sizeof(index_header) == 24);

/// A value with this bit set refers to a postings list; otherwise it is a filter id.
inline constexpr std::uint32_t postings_bit = 0x8000'0000u;

/// The kinds of key, kept apart by a salt before mixing.
enum class key_kind : std::uint64_t {
  host = 0x6a09e667f3bcc908ull,         ///< a host or host suffix the filter is anchored at
  token = 0xbb67ae8584caa73bull,        ///< a token of the URL
  page_domain = 0x3c6ef372fe94f82bull,  ///< a domain of the page, for filters with no token
  any = 0xa54ff53a5f1d36f1ull,          ///< filters looked at for every request
};

/// MurmurHash3's 64-bit finaliser: spreads hashes evenly over the directory's top bits.
constexpr std::uint64_t mix(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}
constexpr std::uint64_t make_key(key_kind kind, std::uint64_t hash) noexcept {
  return mix(hash ^ static_cast<std::uint64_t>(kind));
}

}  // namespace consentry::detail::image

namespace consentry::detail {

/// ASCII lower case; other bytes unchanged.
constexpr unsigned char fold(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

/// Host hashes are FNV-1a (64-bit) over the name read backwards, so that one pass from
/// the right end of a host gives the hash of every suffix at a label boundary.
inline constexpr std::uint64_t host_hash_seed = 0xcbf29ce484222325ull;
constexpr std::uint64_t host_hash_step(std::uint64_t h, unsigned char c) noexcept {
  return (h ^ fold(c)) * 0x100000001b3ull;
}
constexpr std::uint64_t host_hash(std::string_view host) noexcept {
  std::uint64_t h = host_hash_seed;
  for (std::size_t i = host.size(); i-- > 0;) h = host_hash_step(h, static_cast<unsigned char>(host[i]));
  return h;
}

/// Token characters: letters and digits. Unlike uBlock Origin, `%` ends a token, so that
/// patterns of encoded URLs (`%2fbeacon_`) still have tokens bounded on both sides.
constexpr bool is_token_char(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// Tokens are hashed on their first `token_hash_length` characters: a longer token adds
/// little selectivity, hashing less of the long random ids of URLs saves time, and a
/// pattern's token open on its right (`/vtracker*`) can still file its filter when it has
/// that many characters.
inline constexpr std::size_t token_hash_length = 8;
inline constexpr std::uint32_t token_hash_seed = 2166136261u;
constexpr std::uint32_t token_hash_step(std::uint32_t h, unsigned char c) noexcept {
  return (h ^ fold(c)) * 16777619u;
}
constexpr std::uint32_t token_hash(std::string_view token) noexcept {
  std::uint32_t h = token_hash_seed;
  for (std::size_t i = 0; i < token.size() && i < token_hash_length; ++i) {
    h = token_hash_step(h, static_cast<unsigned char>(token[i]));
  }
  return h;
}

/// Lower-case token character, or 0 for a character that ends a token.
struct token_table {
  unsigned char map[256] = {};
  constexpr token_table() {
    for (unsigned c = 0; c < 256; ++c) {
      if (is_token_char(static_cast<unsigned char>(c))) map[c] = fold(static_cast<unsigned char>(c));
    }
  }
};
inline constexpr token_table token_chars{};

/// The `^` of Adblock Plus: anything but a letter, a digit, or one of `_ - . %`.
constexpr bool is_separator(unsigned char c) noexcept {
  return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == '%');
}

/// XXH64 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md).
std::uint64_t xxh64(const unsigned char* data, std::size_t size, std::uint64_t seed = 0) noexcept;

/// The checksum of an image of `size` bytes (at least a header), as its header records it.
inline std::uint64_t image_checksum(const unsigned char* data, std::size_t size) noexcept {
  const std::uint64_t seed = xxh64(data, image::checksum_offset, 0);
  return xxh64(data + image::checksum_end, size - image::checksum_end, seed);
}

}  // namespace consentry::detail
