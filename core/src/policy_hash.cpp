// policy_hash and material_hash: which facts are "material" is decided here, once, by
// the described structs below; their JSON comes from json_io like every other struct.
#include <algorithm>
#include <set>

#include "consentry/hash.hpp"
#include "consentry/jcs.hpp"
#include "consentry/json_io.hpp"
#include "consentry/policy.hpp"

namespace consentry {
namespace {

struct material_purpose {
  std::string id;
  legal_basis basis = legal_basis::consent;
  bool refusable = true;
  std::set<std::string> data_categories;
  std::set<std::string> vendors;
  std::optional<std::uint32_t> retention_days;
  bool sale_or_sharing = false;
};
BOOST_DESCRIBE_STRUCT(material_purpose, (),
                      (id, basis, refusable, data_categories, vendors, retention_days, sale_or_sharing))

struct material_data_category {
  std::string id;
  bool special = false;
};
BOOST_DESCRIBE_STRUCT(material_data_category, (), (id, special))

struct material_vendor {
  std::string id;
  std::set<std::string> purposes;
  std::set<std::string> hosts;
  std::set<std::string> url_patterns;
  std::string transfer_country;
};
BOOST_DESCRIBE_STRUCT(material_vendor, (), (id, purposes, hosts, url_patterns, transfer_country))

struct material_facts {
  std::vector<material_purpose> purposes;
  std::vector<material_data_category> data_categories;
  std::vector<material_vendor> vendors;
};
BOOST_DESCRIBE_STRUCT(material_facts, (), (purposes, data_categories, vendors))

template <class T>
std::set<std::string> as_set(const std::vector<T>& items) {
  return {items.begin(), items.end()};
}

template <class T>
void sort_by_id(std::vector<T>& items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return a.id < b.id; });
}

material_facts material_of(const policy& document) {
  material_facts facts;
  for (const auto& p : document.purposes) {
    facts.purposes.push_back({p.id, p.basis, p.refusable, as_set(p.data_categories), as_set(p.vendors),
                              p.retention.days, p.sale_or_sharing});
  }
  for (const auto& c : document.data_categories) facts.data_categories.push_back({c.id, c.special});
  for (const auto& v : document.vendors) {
    facts.vendors.push_back({v.id, as_set(v.purposes), as_set(v.hosts), as_set(v.url_patterns), v.transfer_country});
  }
  sort_by_id(facts.purposes);
  sort_by_id(facts.data_categories);
  sort_by_id(facts.vendors);
  return facts;
}

}  // namespace

std::string canonical_material_facts(const policy& document) {
  auto canonical = canonicalize_value(json_io::write(material_of(document)));
  return canonical ? std::move(*canonical) : std::string();
}

policy_hashes compute_policy_hashes(const policy& document) {
  auto whole = canonicalize_value(json_io::write(document));
  const auto material = canonical_material_facts(document);
  if (!whole || material.empty()) return {};
  return {sha256_hex(*whole), sha256_hex(material)};
}

}  // namespace consentry
