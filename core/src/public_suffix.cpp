// The Public Suffix List as a sorted table of host hashes, built at compile time from
// the rules that cmake/generate_public_suffix.cmake extracts: no parsing at run time,
// and the same table natively and in wasm.
#include "detail/public_suffix.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "consentry/blocker.hpp"
#include "detail/blocker_image.hpp"
#include "detail/idna.hpp"

namespace consentry::detail {
namespace {

struct psl_rule {
  std::string_view name;
  unsigned kind;
};

constexpr psl_rule rules[] = {
#include "public_suffix_list.inc"
};
constexpr std::size_t rule_count = std::size(rules);
constexpr unsigned directory_bits = 12;

struct psl_table {
  std::array<std::uint64_t, rule_count> keys{};  ///< mixed host hashes, sorted
  std::array<std::uint8_t, rule_count> kinds{};
  std::array<std::uint16_t, (1u << directory_bits) + 1> directory{};
  std::size_t size = 0;
};
static_assert(rule_count < 65536, "the directory holds 16-bit positions");

// Not constexpr: reaching it stops the compile-time build with an error.
void a_public_suffix_rule_is_not_a_host_name() noexcept {}

constexpr psl_table build_table() {
  struct entry {
    std::uint64_t key;
    unsigned kind;
  };
  std::array<entry, rule_count> entries{};
  for (std::size_t i = 0; i < rule_count; ++i) {
    ascii_host ascii;
    if (!to_ascii_host(rules[i].name, ascii)) a_public_suffix_rule_is_not_a_host_name();
    entries[i] = {image::mix(host_hash(ascii.view())), rules[i].kind};
  }
  std::sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) { return a.key < b.key; });
  psl_table table;
  for (const auto& e : entries) {
    if (table.size > 0 && table.keys[table.size - 1] == e.key) {
      table.kinds[table.size - 1] = static_cast<std::uint8_t>(table.kinds[table.size - 1] | e.kind);
      continue;
    }
    table.keys[table.size] = e.key;
    table.kinds[table.size] = static_cast<std::uint8_t>(e.kind);
    ++table.size;
  }
  std::size_t position = 0;
  for (std::size_t bucket = 0; bucket <= (1u << directory_bits); ++bucket) {
    while (position < table.size && (table.keys[position] >> (64 - directory_bits)) < bucket) ++position;
    table.directory[bucket] = static_cast<std::uint16_t>(position);
  }
  return table;
}

constexpr psl_table table = build_table();

}  // namespace

unsigned public_suffix_kinds(std::uint64_t hash) noexcept {
  const std::uint64_t key = image::mix(hash);
  const auto bucket = static_cast<std::size_t>(key >> (64 - directory_bits));
  for (std::size_t i = table.directory[bucket], end = table.directory[bucket + 1]; i < end; ++i) {
    if (table.keys[i] == key) return table.kinds[i];
  }
  return 0;
}

std::size_t public_suffix_labels(const std::uint64_t* suffix_hashes, std::size_t count) noexcept {
  if (count == 0) return 0;
  std::size_t labels = 1;
  for (std::size_t i = 0; i < count; ++i) {
    const unsigned kinds = public_suffix_kinds(suffix_hashes[i]);
    if (kinds & suffix_exception) return i;  // the exception's parent is the suffix
    if (kinds & suffix_rule) labels = std::max(labels, i + 1);
    if ((kinds & suffix_wildcard) && i + 1 < count) labels = std::max(labels, i + 2);
  }
  return labels;
}

std::size_t public_suffix_rule_count() noexcept { return table.size; }

}  // namespace consentry::detail
