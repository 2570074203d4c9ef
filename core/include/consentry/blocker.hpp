// The tracker engine: decides, for each request a page makes, whether the person's
// consent allows it. Rules come from the policy's vendors and from filter lists in
// Adblock Plus syntax; they are compiled ahead of time into a binary image that a
// `blocker` reads in place, without parsing (parse → compile → immutable engine).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/describe.hpp>

#include "consentry/diagnostic.hpp"
#include "consentry/policy.hpp"
#include "consentry/result.hpp"

namespace consentry {

/// Request types, after the type options of Adblock Plus
/// (https://help.adblockplus.org/hc/en-us/articles/360062733293, "Type options").
/// `document` is the page itself: only rules that name it (`$document`) apply to it.
enum class request_type : std::uint8_t {
  other,
  script,
  image,
  stylesheet,
  object,
  xmlhttprequest,
  subdocument,
  ping,
  media,
  font,
  websocket,
  document,
};
BOOST_DESCRIBE_ENUM(request_type, other, script, image, stylesheet, object, xmlhttprequest, subdocument, ping,
                    media, font, websocket, document)
inline constexpr std::size_t request_type_count = 12;

/// The type named `name`: the names above, the webRequest names (`main_frame`,
/// `sub_frame`, `beacon`, `csp_report`, `imageset`, `object_subrequest`, …), and `xhr`,
/// `fetch`. Browser types with no rule option of their own (`manifest`, `csp_report`, …)
/// are `other`, as uBlock Origin treats them. Unknown names give nullopt.
std::optional<request_type> request_type_from_name(std::string_view name) noexcept;
std::string_view name_of(request_type type) noexcept;

/// A filter list in Adblock Plus network syntax, or a hosts file, to compile.
struct rule_list {
  std::string name;
  std::string_view text;
};

/// What compiling one list found. Skipped lines are counted, never fatal.
struct rule_list_report {
  std::string name;
  std::uint32_t lines = 0;
  std::uint32_t comments = 0;      ///< comments, headers and blank lines
  std::uint32_t network_rules = 0; ///< compiled, hosts-file lines included
  std::uint32_t hosts_rules = 0;   ///< of those, from hosts-file lines and bare host names
  std::uint32_t cosmetic_skipped = 0;
  std::uint32_t unsupported_skipped = 0;  ///< rules with an option or regex feature not supported
  std::uint32_t invalid = 0;              ///< lines that are no rule at all
  /// Option (or `regex`, `popup`) → rules skipped because of it.
  std::map<std::string, std::uint32_t> unsupported;
};
BOOST_DESCRIBE_STRUCT(rule_list_report, (),
                      (name, lines, comments, network_rules, hosts_rules, cosmetic_skipped, unsupported_skipped,
                       invalid, unsupported))

struct compile_report {
  std::vector<rule_list_report> lists;
  std::uint32_t vendor_rules = 0;  ///< hosts and URL patterns of the policy's vendors
  std::uint32_t filters = 0;       ///< distinct compiled filters in the image
  std::uint64_t image_size = 0;
};
BOOST_DESCRIBE_STRUCT(compile_report, (), (lists, vendor_rules, filters, image_size))

struct compiled_rules {
  std::vector<std::uint8_t> image;
  compile_report report;
  /// Up to `max_reported_problems` skipped lines per list, each `list:line: warning: why`.
  diagnostics problems;
};

inline constexpr std::size_t max_reported_problems = 50;

/// Compiles the vendors of `document` (may be null: lists only) and `lists` into a rules
/// image. Bad list lines are counted in the report, never fatal; a vendor URL pattern
/// that cannot be compiled is an error (the policy must mean what it says), as is a
/// policy with more than 64 purposes or 65,535 vendors.
result<compiled_rules> compile_rules(const policy* document, std::span<const rule_list> lists);

/// Why an image was refused. The caller rebuilds the image from its sources.
enum class image_error_code {
  truncated,            ///< shorter than its header or than the size it records
  bad_magic,            ///< not a rules image at all
  unsupported_version,  ///< a rules image of another format version
  bad_checksum,         ///< damaged: its bytes are not those that were written
  inconsistent,         ///< checksum right but an offset, count or size out of bounds
  misaligned,           ///< not at an 8-byte aligned address
};
BOOST_DESCRIBE_ENUM(image_error_code, truncated, bad_magic, unsupported_version, bad_checksum, inconsistent,
                    misaligned)

struct image_error {
  image_error_code code = image_error_code::truncated;
  std::string message;
};

/// Purposes as a bit set over the image's purposes (`blocker::purpose`), at most 64.
using purpose_set = std::uint64_t;

enum class verdict_kind : std::uint8_t {
  allow,        ///< nothing matched, or an exception rule (`@@`) lifted a list's block
  block,        ///< a vendor of the policy: allowed once any of `purposes` is granted
  undisclosed,  ///< matched by a list but by no vendor: blocked whatever the consent
};
BOOST_DESCRIBE_ENUM(verdict_kind, allow, block, undisclosed)

inline constexpr std::uint32_t no_vendor = 0xFFFF'FFFFu;
inline constexpr std::uint32_t no_filter = 0xFFFF'FFFFu;

/// The decision for one request, before consent is applied (see `blocker::allows`).
struct verdict {
  verdict_kind kind = verdict_kind::allow;
  bool exception = false;           ///< allowed by an `@@` rule over a list's block
  std::uint32_t vendor = no_vendor; ///< for `block`
  purpose_set purposes = 0;         ///< for `block`: any one of them, granted, allows it
  std::uint32_t filter = no_filter; ///< the deciding filter, for `describe_filter`
  std::string_view host;            ///< the request's host (a view into the URL)
  std::string_view rule_host;       ///< the host the deciding filter names, when it names one
};

/// The page requests come from, prepared once for all of them: its host cut at its
/// labels, its registrable domain and its entities. Keeps a view of `page_url`.
class page_context {
 public:
  page_context() = default;
  explicit page_context(std::string_view page_url) noexcept { assign(page_url); }
  /// Prepares the context for another page, in place.
  void assign(std::string_view page_url) noexcept;
  std::string_view host() const noexcept { return host_; }

 private:
  friend struct blocker_access;
  static constexpr std::size_t max_labels = 128;
  std::string_view host_;
  std::size_t count_ = 0;          ///< suffixes at label boundaries, the last label first
  std::size_t entity_count_ = 0;   ///< `name.*` forms above the public suffix
  std::uint64_t domain_hash_ = 0;  ///< of the registrable domain (or of an IP address)
  std::uint64_t hashes_[max_labels] = {};
  std::uint64_t entity_hashes_[max_labels] = {};
};

/// An immutable engine over a rules image. Loading checks the image whole (checksum,
/// every offset and count) and then reads it in place: the bytes must stay alive and
/// unchanged while the blocker is used. `match` allocates nothing and never fails.
class blocker {
 public:
  struct vendor_info {
    std::string_view id;
    std::string_view name;
    purpose_set purposes = 0;
  };
  struct purpose_info {
    std::string_view id;
    legal_basis basis = legal_basis::consent;
  };

  blocker() = default;

  /// Validates `image` (8-byte aligned) and returns an engine reading it in place.
  static result<blocker, image_error> load(std::span<const std::uint8_t> image);

  /// The verdict for a request of `type` to `url` made by the page at `page_url`.
  /// First- and third-party are decided by registrable domain (Public Suffix List).
  verdict match(std::string_view url, request_type type, std::string_view page_url) const noexcept;
  /// The same for a page prepared once for its many requests.
  verdict match(std::string_view url, request_type type, const page_context& page) const noexcept;

  /// Whether the request may go ahead when `granted` purposes are granted. Purposes
  /// whose legal basis is not consent (contract, legal obligation, …) count as granted.
  bool allows(const verdict& v, purpose_set granted) const noexcept {
    if (v.kind == verdict_kind::allow) return true;
    if (v.kind == verdict_kind::undisclosed) return false;
    return (v.purposes & (granted | default_granted_)) != 0;
  }

  std::size_t vendor_count() const noexcept { return vendor_count_; }
  vendor_info vendor(std::size_t index) const noexcept;
  std::size_t purpose_count() const noexcept { return purpose_count_; }
  purpose_info purpose(std::size_t index) const noexcept;
  /// The bit of the purpose with this id, or 0 when the policy has none such.
  purpose_set purpose_bit(std::string_view id) const noexcept;
  purpose_set default_granted() const noexcept { return default_granted_; }
  std::size_t filter_count() const noexcept;
  std::size_t image_size() const noexcept { return size_; }

  /// The deciding filter of `v` in Adblock Plus syntax, as far as the image keeps it
  /// (hosts, patterns and options; a regex as `/…/`). For reports, not the hot path.
  std::string describe_filter(const verdict& v) const;

 private:
  friend struct blocker_access;
  // Where each section starts and how many elements it holds, by section kind.
  static constexpr std::size_t max_sections = 48;
  std::uint32_t offsets_[max_sections] = {};
  std::uint32_t counts_[max_sections] = {};
  const std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  std::size_t vendor_count_ = 0;
  std::size_t purpose_count_ = 0;
  purpose_set default_granted_ = 0;
};

/// The registrable domain of `host` (its public suffix and one label more, after the
/// Public Suffix List compiled in at build time); the host itself when it is an IP
/// address or a public suffix. A view into `host`, lower case as given.
std::string_view registrable_domain(std::string_view host) noexcept;

/// The host of an absolute URL (`scheme://[userinfo@]host[:port]…`); empty when none.
std::string_view url_host(std::string_view url) noexcept;

}  // namespace consentry
