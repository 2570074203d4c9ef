// The rules compiler: policy vendors and filter lists → one binary image. Filters are
// deduplicated, each is filed under one key (its host, its rarest token, the domains of
// its pages, or "any"), and the keys of each realm are sorted under a directory.
#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include "consentry/blocker.hpp"
#include "detail/blocker_image.hpp"
#include "detail/blocker_rules.hpp"
#include "detail/regex.hpp"

namespace consentry {
namespace {

using namespace detail;

struct pending {
  parsed_filter rule;
  image::realm realm = image::realm::block;
  std::uint16_t vendor = image::no_vendor;
  std::vector<std::uint32_t> regex_code;
  std::vector<pattern_token> tokens;  ///< for a regex, the literal tokens of its program
};

/// Tokens too common in URLs to select a filter well (from the request corpus of our
/// benchmark: the scheme, `www`, top-level domains, file extensions, folder names).
constexpr std::array<std::string_view, 48> common_tokens = {
    "http",  "https",  "www",     "com",   "net",     "org",    "js",     "css",   "html",   "htm",
    "php",   "jpg",    "jpeg",    "png",   "gif",     "svg",    "webp",   "ico",   "json",   "xml",
    "img",   "image",  "images",  "static", "assets", "cdn",    "min",    "api",   "v1",     "v2",
    "wp",    "content", "uploads", "media", "files",  "fonts",  "dist",   "lib",   "scripts", "index",
    "main",  "app",    "de",      "uk",    "co",      "io",     "en",     "id"};

bool is_common_token(std::string_view token) noexcept {
  if (token.size() <= 1) return true;
  return std::find(common_tokens.begin(), common_tokens.end(), token) != common_tokens.end();
}

void append_bytes(std::string& out, const void* data, std::size_t size) {
  out.append(static_cast<const char*>(data), size);
}
template <class T>
void append_value(std::string& out, const T& value) {
  append_bytes(out, &value, sizeof(value));
}

class compiler {
 public:
  diagnostics errors;
  compile_report report;
  diagnostics problems;

  void add_policy(const policy& document) {
    if (document.purposes.size() > 64) {
      errors.push_back({"", "/purposes", severity::error, "a rules image holds at most 64 purposes"});
      return;
    }
    if (document.vendors.size() >= image::no_vendor) {
      errors.push_back({"", "/vendors", severity::error, "a rules image holds at most 65,534 vendors"});
      return;
    }
    for (const auto& p : document.purposes) {
      purposes_.push_back({p.id, p.basis});
      if (!needs_consent(p.basis)) default_granted_ |= purpose_set{1} << (purposes_.size() - 1);
    }
    for (std::size_t v = 0; v < document.vendors.size(); ++v) {
      const auto& vendor = document.vendors[v];
      const std::string at = "/vendors/" + std::to_string(v);
      purpose_set mask = 0;
      auto add_purpose = [&](std::string_view id, const std::string& where) {
        for (std::size_t k = 0; k < document.purposes.size(); ++k) {
          if (document.purposes[k].id == id) {
            mask |= purpose_set{1} << k;
            return;
          }
        }
        errors.push_back({"", where, severity::error, "no purpose \"" + std::string(id) + "\""});
      };
      for (std::size_t k = 0; k < vendor.purposes.size(); ++k) {
        add_purpose(vendor.purposes[k], at + "/purposes/" + std::to_string(k));
      }
      for (std::size_t k = 0; k < document.purposes.size(); ++k) {
        const auto& listed = document.purposes[k].vendors;
        if (std::find(listed.begin(), listed.end(), vendor.id) != listed.end()) mask |= purpose_set{1} << k;
      }
      vendors_.push_back({vendor.id, vendor.name, mask});
      const auto index = static_cast<std::uint16_t>(v);
      for (std::size_t k = 0; k < vendor.hosts.size(); ++k) {
        auto line = parse_rule_line("||" + vendor.hosts[k] + "^", true);
        if (line.kind != line_kind::filter || line.filters.front().anchor != image::left_anchor::host_end) {
          errors.push_back({"", at + "/hosts/" + std::to_string(k), severity::error,
                            "\"" + vendor.hosts[k] + "\" is not a host name"});
          continue;
        }
        add_filter(std::move(line.filters.front()), image::realm::vendor, index);
        ++report.vendor_rules;
      }
      for (std::size_t k = 0; k < vendor.url_patterns.size(); ++k) {
        const std::string where = at + "/url_patterns/" + std::to_string(k);
        auto line = parse_rule_line(vendor.url_patterns[k], true);
        if (line.kind != line_kind::filter) {
          errors.push_back({"", where, severity::error,
                            "\"" + vendor.url_patterns[k] + "\" is not a URL pattern this engine supports" +
                                (line.reason.empty() ? std::string() : ": " + line.reason)});
          continue;
        }
        for (auto& f : line.filters) {
          std::string why;
          if (!add_filter(std::move(f), image::realm::vendor, index, &why)) {
            errors.push_back({"", where, severity::error, "\"" + vendor.url_patterns[k] + "\": " + why});
          }
        }
        ++report.vendor_rules;
      }
    }
  }

  void add_list(const rule_list& list) {
    rule_list_report counts;
    counts.name = list.name;
    std::size_t reported = 0;
    auto problem = [&](std::uint32_t line_number, std::string message) {
      if (reported++ < max_reported_problems) {
        problems.push_back({list.name, std::to_string(line_number), severity::warning, std::move(message)});
      }
    };
    std::string_view text = list.text;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      const auto line = text.substr(start, end - start);
      start = end + 1;
      ++counts.lines;
      auto parsed = parse_rule_line(line);
      switch (parsed.kind) {
        case line_kind::comment:
          ++counts.comments;
          break;
        case line_kind::cosmetic:
          ++counts.cosmetic_skipped;
          break;
        case line_kind::unsupported:
          ++counts.unsupported_skipped;
          ++counts.unsupported[parsed.reason];
          problem(counts.lines, "skipped: " + parsed.reason + " is not supported");
          break;
        case line_kind::invalid:
          ++counts.invalid;
          problem(counts.lines, "not a rule: " + parsed.reason);
          break;
        case line_kind::filter: {
          bool any = false;
          std::string why;
          for (auto& f : parsed.filters) {
            const bool hosts = f.from_hosts;
            const auto realm = f.exception ? image::realm::exception : image::realm::block;
            if (add_filter(std::move(f), realm, image::no_vendor, &why)) {
              any = true;
              if (hosts) ++counts.hosts_rules;
            }
          }
          if (any) {
            ++counts.network_rules;
            ++list_rules_;
          } else {
            ++counts.unsupported_skipped;
            ++counts.unsupported[why];
            problem(counts.lines, "skipped: " + why + " is not supported");
          }
          break;
        }
      }
    }
    report.lists.push_back(std::move(counts));
  }

  result<compiled_rules> finish() {
    if (!errors.empty()) return errors;
    choose_keys();
    write_records();
    build_indexes();
    compiled_rules out;
    out.image = lay_out();
    report.filters = static_cast<std::uint32_t>(filters_.size());
    report.image_size = out.image.size();
    out.report = std::move(report);
    out.problems = std::move(problems);
    return out;
  }

 private:
  struct vendor_entry {
    std::string id, name;
    purpose_set purposes;
  };
  struct purpose_entry {
    std::string id;
    legal_basis basis;
  };
  struct keyed {
    std::uint64_t key;
    std::uint32_t filter;  ///< index in pending_, then in filters_
  };

  bool add_filter(parsed_filter f, image::realm realm, std::uint16_t vendor, std::string* why = nullptr) {
    pending p;
    if (f.regex) {
      auto program = regex::compile(f.pattern, f.match_case);
      if (!program) {
        if (why) *why = "regex (" + program.error() + ")";
        return false;
      }
      p.regex_code = std::move(program->code);
      for (auto& t : program->tokens) p.tokens.push_back({std::move(t), image::no_token_offset});
    } else if (f.anchor != image::left_anchor::host_end) {
      p.tokens = pattern_tokens(f);
    }
    const bool important = f.important;
    p.rule = std::move(f);
    p.realm = realm;
    p.vendor = vendor;
    pending_.push_back(std::move(p));
    if (important && realm == image::realm::block) {
      // Important filters are also a realm of their own, looked at when an exception matched.
      pending copy = pending_.back();
      copy.realm = image::realm::important;
      pending_.push_back(std::move(copy));
    }
    return true;
  }

  /// Each filter's keys: its host; else its rarest token, unless only common tokens are
  /// left and the filter is bound to some domains of the page; else "any".
  void choose_keys() {
    std::unordered_map<std::string, std::uint32_t> histogram;
    for (const auto& p : pending_) {
      std::set<std::string> seen;
      for (const auto& t : p.tokens) seen.insert(t.text);
      for (const auto& t : seen) ++histogram[t];
    }
    keys_.resize(pending_.size());
    token_offsets_.assign(pending_.size(), image::no_token_offset);
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const auto& p = pending_[i];
      auto& keys = keys_[i];
      if (p.rule.anchor == image::left_anchor::host_end) {
        keys.push_back(image::make_key(image::key_kind::host, host_hash(p.rule.host)));
        continue;
      }
      const pattern_token* best = nullptr;
      std::uint64_t best_score = ~std::uint64_t{0};
      for (const auto& t : p.tokens) {
        const std::uint64_t score = histogram[t.text] + (is_common_token(t.text) ? 1'000'000u : 0u);
        if (score < best_score || (score == best_score && best && t.text.size() > best->text.size())) {
          best = &t;
          best_score = score;
        }
      }
      bool by_domain = false;
      if (best == nullptr || is_common_token(best->text)) {
        bool positive = false, entity = false;
        for (const auto& d : p.rule.domains) {
          positive = positive || !d.negated;
          entity = entity || (!d.negated && d.entity);
        }
        by_domain = positive && !entity;
      }
      if (by_domain) {
        for (const auto& d : p.rule.domains) {
          if (!d.negated) keys.push_back(image::make_key(image::key_kind::page_domain, host_hash(d.name)));
        }
      } else if (best != nullptr) {
        keys.push_back(image::make_key(image::key_kind::token, token_hash(best->text)));
        token_offsets_[i] = best->offset;
      } else {
        keys.push_back(image::make_key(image::key_kind::any, 0));
      }
    }
  }

  std::uint32_t intern(std::string_view text) {
    auto [it, inserted] = interned_.try_emplace(std::string(text), static_cast<std::uint32_t>(strings_.size()));
    if (inserted) strings_.append(text);
    return it->second;
  }

  void write_records() {
    std::unordered_map<std::string, std::uint32_t> unique;
    record_of_.resize(pending_.size());
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const auto& p = pending_[i];
      const auto& r = p.rule;
      image::filter f{};
      std::uint16_t flags = 0;
      if (r.first_party) flags |= image::flag_first_party;
      if (r.third_party) flags |= image::flag_third_party;
      if (r.match_case) flags |= image::flag_match_case;
      if (r.important) flags |= image::flag_important;
      if (r.exception) flags |= image::flag_exception;
      if (r.right_anchor) flags |= image::flag_right_anchor;
      if (r.regex) flags |= image::flag_regex;
      if (r.anchor == image::left_anchor::host_end && r.pattern == "^" && !r.right_anchor) flags |= image::flag_plain;
      std::vector<std::uint64_t> domains;
      for (const auto& d : r.domains) {
        domains.push_back(image::domain_entry(host_hash(d.entity ? d.name + ".*" : d.name), d.negated));
        if (!d.negated) flags |= image::flag_has_positive_domain;
        if (d.entity) flags |= image::flag_entity;
      }
      std::sort(domains.begin(), domains.end());
      domains.erase(std::unique(domains.begin(), domains.end()), domains.end());
      f.flags = flags;
      f.types = r.types;
      f.anchor = static_cast<std::uint8_t>(r.anchor);
      f.vendor = p.vendor;
      f.token_offset = token_offsets_[i];
      f.domain_count = static_cast<std::uint16_t>(std::min<std::size_t>(domains.size(), 0xFFFF));
      domains.resize(f.domain_count);

      std::string identity;
      append_value(identity, f.flags);
      append_value(identity, f.types);
      append_value(identity, f.anchor);
      append_value(identity, f.vendor);
      append_value(identity, f.token_offset);
      append_value(identity, domains.size());
      append_bytes(identity, domains.data(), domains.size() * sizeof(std::uint64_t));
      if (r.regex) {
        append_bytes(identity, p.regex_code.data(), p.regex_code.size() * sizeof(std::uint32_t));
      } else if (!(flags & image::flag_plain)) {
        identity += r.pattern;
      }
      auto [it, inserted] = unique.try_emplace(identity, static_cast<std::uint32_t>(filters_.size()));
      record_of_[i] = it->second;
      if (!inserted) continue;
      if (r.regex) {
        f.pattern_offset = static_cast<std::uint32_t>(regex_code_.size());
        f.pattern_length = static_cast<std::uint16_t>(p.regex_code.size());
        regex_code_.insert(regex_code_.end(), p.regex_code.begin(), p.regex_code.end());
      } else if (!(flags & image::flag_plain)) {
        f.pattern_offset = intern(r.pattern);
        f.pattern_length = static_cast<std::uint16_t>(r.pattern.size());
      }
      f.domain_offset = static_cast<std::uint32_t>(domains_.size());
      domains_.insert(domains_.end(), domains.begin(), domains.end());
      filters_.push_back(f);
    }
  }

  void build_indexes() {
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      auto& entries = realm_keys_[static_cast<std::size_t>(pending_[i].realm)];
      for (auto key : keys_[i]) entries.push_back({key, record_of_[i]});
    }
    for (auto& entries : realm_keys_) {
      // Within a key: filters with a pattern before plain ones (a vendor's URL pattern
      // is more specific than its host), then by id, so the image is deterministic.
      std::sort(entries.begin(), entries.end(), [&](const keyed& a, const keyed& b) {
        if (a.key != b.key) return a.key < b.key;
        const bool plain_a = filters_[a.filter].flags & image::flag_plain;
        const bool plain_b = filters_[b.filter].flags & image::flag_plain;
        if (plain_a != plain_b) return plain_b;
        return a.filter < b.filter;
      });
      entries.erase(std::unique(entries.begin(), entries.end(),
                                [](const keyed& a, const keyed& b) { return a.key == b.key && a.filter == b.filter; }),
                    entries.end());
    }
  }

  struct built_index {
    image::index_header header{};
    std::vector<std::uint32_t> directory;
    std::vector<std::uint64_t> keys;
    std::vector<std::uint64_t> presence;
    std::vector<std::uint64_t> value_bits;
    std::vector<std::uint32_t> value_ranks;
    std::vector<std::uint32_t> values;
  };

  built_index make_index(const std::vector<keyed>& entries) {
    built_index out;
    // The common value: the filter most keys hold alone (`||host^` with no option).
    std::unordered_map<std::uint32_t, std::size_t> alone;
    for (std::size_t i = 0; i < entries.size();) {
      std::size_t j = i;
      while (j < entries.size() && entries[j].key == entries[i].key) ++j;
      if (j - i == 1) ++alone[entries[i].filter];
      i = j;
    }
    std::uint32_t common = image::no_value;
    std::size_t best = 0;
    for (const auto& [filter, count] : alone) {
      if (count > best || (count == best && filter < common)) {
        common = filter;
        best = count;
      }
    }
    std::vector<bool> has_value;
    for (std::size_t i = 0; i < entries.size();) {
      std::size_t j = i;
      while (j < entries.size() && entries[j].key == entries[i].key) ++j;
      out.keys.push_back(entries[i].key);
      if (j - i == 1 && entries[i].filter == common) {
        has_value.push_back(false);
      } else if (j - i == 1) {
        has_value.push_back(true);
        out.values.push_back(entries[i].filter);
      } else {
        has_value.push_back(true);
        out.values.push_back(image::postings_bit | static_cast<std::uint32_t>(postings_.size()));
        postings_.push_back(static_cast<std::uint32_t>(j - i));
        for (std::size_t k = i; k < j; ++k) postings_.push_back(entries[k].filter);
      }
      i = j;
    }
    const std::size_t words = (out.keys.size() + 63) / 64;
    out.value_bits.assign(words, 0);
    out.value_ranks.assign(words, 0);
    std::uint32_t rank = 0;
    for (std::size_t w = 0; w < words; ++w) {
      out.value_ranks[w] = rank;
      for (std::size_t b = 0; b < 64 && w * 64 + b < out.keys.size(); ++b) {
        if (has_value[w * 64 + b]) {
          out.value_bits[w] |= std::uint64_t{1} << b;
          ++rank;
        }
      }
    }
    // Four to eight keys per directory bucket: one or two cache lines to scan.
    std::uint32_t bits = 0;
    while (bits < 24 && (std::size_t{1} << (bits + 3)) < out.keys.size()) ++bits;
    out.header.key_count = static_cast<std::uint32_t>(out.keys.size());
    out.header.directory_bits = bits;
    out.header.value_count = static_cast<std::uint32_t>(out.values.size());
    out.header.common_value = common;
    // A word per eight keys (rounded up to a power of two): 8 to 16 bits per key, 2 to 6%
    // false positives, and small enough to stay in the cache.
    std::size_t presence_words = 1;
    while (presence_words * 8 < out.keys.size()) presence_words <<= 1;
    out.header.presence_words = static_cast<std::uint32_t>(presence_words);
    out.presence.assign(presence_words, 0);
    for (auto key : out.keys) out.presence[key & (presence_words - 1)] |= image::presence_mask(key);
    out.directory.assign((std::size_t{1} << bits) + 1, 0);
    std::size_t position = 0;
    for (std::size_t bucket = 0; bucket <= (std::size_t{1} << bits); ++bucket) {
      while (position < out.keys.size() && (bits == 0 ? 0 : out.keys[position] >> (64 - bits)) < bucket) ++position;
      out.directory[bucket] = static_cast<std::uint32_t>(bucket == (std::size_t{1} << bits) ? out.keys.size() : position);
    }
    return out;
  }

  std::vector<std::uint8_t> lay_out() {
    std::vector<built_index> indexes;
    for (const auto& entries : realm_keys_) indexes.push_back(make_index(entries));

    std::vector<image::vendor_record> vendor_records;
    for (const auto& v : vendors_) {
      vendor_records.push_back({intern(v.id), static_cast<std::uint32_t>(v.id.size()), intern(v.name),
                                static_cast<std::uint32_t>(v.name.size()), v.purposes});
    }
    std::vector<image::purpose_record> purpose_records;
    for (const auto& p : purposes_) {
      purpose_records.push_back(
          {intern(p.id), static_cast<std::uint32_t>(p.id.size()), static_cast<std::uint32_t>(p.basis), 0});
    }
    image::summary summary{};
    summary.filter_count = static_cast<std::uint32_t>(filters_.size());
    summary.list_rules = list_rules_;
    summary.vendor_rules = report.vendor_rules;
    summary.list_count = static_cast<std::uint32_t>(report.lists.size());
    summary.default_granted = default_granted_;
    summary.vendor_count = static_cast<std::uint32_t>(vendors_.size());
    summary.purpose_count = static_cast<std::uint32_t>(purposes_.size());

    struct section_data {
      std::uint32_t kind;
      const void* data;
      std::size_t size;
      std::size_t count;
    };
    std::vector<section_data> sections = {
        {static_cast<std::uint32_t>(image::section::summary), &summary, sizeof(summary), 1},
        {static_cast<std::uint32_t>(image::section::strings), strings_.data(), strings_.size(), strings_.size()},
        {static_cast<std::uint32_t>(image::section::filters), filters_.data(), filters_.size() * sizeof(image::filter),
         filters_.size()},
        {static_cast<std::uint32_t>(image::section::domains), domains_.data(), domains_.size() * 8, domains_.size()},
        {static_cast<std::uint32_t>(image::section::postings), postings_.data(), postings_.size() * 4,
         postings_.size()},
        {static_cast<std::uint32_t>(image::section::regex_code), regex_code_.data(), regex_code_.size() * 4,
         regex_code_.size()},
        {static_cast<std::uint32_t>(image::section::vendors), vendor_records.data(),
         vendor_records.size() * sizeof(image::vendor_record), vendor_records.size()},
        {static_cast<std::uint32_t>(image::section::purposes), purpose_records.data(),
         purpose_records.size() * sizeof(image::purpose_record), purpose_records.size()},
    };
    for (std::uint32_t r = 0; r < image::realm_count; ++r) {
      const auto& ix = indexes[r];
      const auto realm = static_cast<image::realm>(r);
      auto add = [&](image::index_part part, const void* data, std::size_t size, std::size_t count) {
        sections.push_back({image::index_section(realm, part), data, size, count});
      };
      add(image::part_header, &ix.header, sizeof(ix.header), 1);
      add(image::part_directory, ix.directory.data(), ix.directory.size() * 4, ix.directory.size());
      add(image::part_keys, ix.keys.data(), ix.keys.size() * 8, ix.keys.size());
      add(image::part_presence, ix.presence.data(), ix.presence.size() * 8, ix.presence.size());
      add(image::part_value_bits, ix.value_bits.data(), ix.value_bits.size() * 8, ix.value_bits.size());
      add(image::part_value_ranks, ix.value_ranks.data(), ix.value_ranks.size() * 4, ix.value_ranks.size());
      add(image::part_values, ix.values.data(), ix.values.size() * 4, ix.values.size());
    }

    auto align8 = [](std::size_t n) { return (n + 7) & ~std::size_t{7}; };
    std::size_t offset = align8(sizeof(image::header) + sections.size() * sizeof(image::section_entry));
    std::vector<image::section_entry> table;
    for (const auto& s : sections) {
      table.push_back({s.kind, static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(s.size),
                       static_cast<std::uint32_t>(s.count)});
      offset = align8(offset + s.size);
    }
    std::vector<std::uint8_t> out(offset, 0);
    image::header h{};
    std::memcpy(h.magic, image::magic, sizeof(h.magic));
    h.format_version = image::format_version;
    h.section_count = static_cast<std::uint32_t>(sections.size());
    h.image_size = out.size();
    std::memcpy(out.data() + sizeof(h), table.data(), table.size() * sizeof(image::section_entry));
    for (std::size_t k = 0; k < sections.size(); ++k) {
      if (sections[k].size) std::memcpy(out.data() + table[k].offset, sections[k].data, sections[k].size);
    }
    h.checksum = 0;
    std::memcpy(out.data(), &h, sizeof(h));
    h.checksum = image_checksum(out.data(), out.size());
    std::memcpy(out.data(), &h, sizeof(h));
    return out;
  }

  std::vector<pending> pending_;
  std::vector<std::vector<std::uint64_t>> keys_;
  std::vector<std::uint16_t> token_offsets_;
  std::vector<std::uint32_t> record_of_;
  std::vector<image::filter> filters_;
  std::vector<std::uint64_t> domains_;
  std::vector<std::uint32_t> postings_;
  std::vector<std::uint32_t> regex_code_;
  std::string strings_;
  std::unordered_map<std::string, std::uint32_t> interned_;
  std::array<std::vector<keyed>, image::realm_count> realm_keys_;
  std::vector<vendor_entry> vendors_;
  std::vector<purpose_entry> purposes_;
  purpose_set default_granted_ = 0;
  std::uint32_t list_rules_ = 0;
};

}  // namespace

result<compiled_rules> compile_rules(const policy* document, std::span<const rule_list> lists) {
  compiler c;
  if (document) c.add_policy(*document);
  for (const auto& list : lists) c.add_list(list);
  return c.finish();
}

}  // namespace consentry
