// Policy diff: items are matched by id, members compared through their JSON form
// (the one description every struct has), and each difference classed by the rule
// of diff.hpp.
#include "consentry/diff.hpp"

#include <algorithm>
#include <functional>

#include "consentry/json_io.hpp"

namespace consentry {
namespace {

/// The names of the members of two described values that differ, in declaration order.
template <class T>
std::vector<std::string> changed_members(const T& a, const T& b, std::initializer_list<std::string_view> ignored = {}) {
  std::vector<std::string> names;
  using members = boost::describe::describe_members<T, boost::describe::mod_public>;
  boost::mp11::mp_for_each<members>([&](auto member) {
    if (std::find(ignored.begin(), ignored.end(), std::string_view(member.name)) != ignored.end()) return;
    if (json_io::write(a.*member.pointer) != json_io::write(b.*member.pointer)) names.emplace_back(member.name);
  });
  return names;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

/// Retention is longer when the period grows, or when a bounded period becomes unbounded.
bool longer(const retention& before, const retention& after) {
  if (!after.days) return before.days.has_value();
  return before.days && *after.days > *before.days;
}

std::string days(const retention& r) { return r.days ? std::to_string(*r.days) + " days" : "no fixed period"; }

void flatten(const std::vector<section>& sections, std::vector<const section*>& out) {
  for (const auto& s : sections) {
    out.push_back(&s);
    flatten(s.sections, out);
  }
}

class differ {
 public:
  differ(const policy& before, const policy& after) : before_(before), after_(after) {}

  policy_diff run() {
    purposes();
    vendors();
    categories();
    sections();
    rest();
    return {before_.version, after_.version, std::move(changes_)};
  }

 private:
  void add(change_subject subject, std::string id, change_kind kind, change_class c, std::vector<std::string> fields,
           std::string summary) {
    changes_.push_back({subject, std::move(id), kind, c, std::move(fields), std::move(summary)});
  }

  /// Items of both versions matched by id: `added`, `removed` and `both` see each once.
  template <class T>
  void match(const std::vector<T>& before, const std::vector<T>& after, const std::function<void(const T&)>& added,
             const std::function<void(const T&, const T&)>& both, const std::function<void(const T&)>& removed) {
    for (const auto& item : after) {
      const auto it = std::find_if(before.begin(), before.end(), [&](const T& b) { return b.id == item.id; });
      if (it == before.end()) {
        added(item);
      } else {
        both(*it, item);
      }
    }
    for (const auto& item : before) {
      if (std::none_of(after.begin(), after.end(), [&](const T& a) { return a.id == item.id; })) removed(item);
    }
  }

  void purposes() {
    using s = change_subject;
    match<purpose>(
        before_.purposes, after_.purposes,
        [&](const purpose& p) {
          add(s::purpose, p.id, change_kind::added, change_class::material, {},
              "new purpose " + quoted(p.id) + " (" + std::string(json_io::enum_name(p.basis)) + ")");
        },
        [&](const purpose& b, const purpose& a) {
          if (a.basis != b.basis) {
            add(s::purpose, a.id, change_kind::changed, change_class::material, {"basis"},
                "legal basis of purpose " + quoted(a.id) + " changed from " +
                    std::string(json_io::enum_name(b.basis)) + " to " + std::string(json_io::enum_name(a.basis)));
          }
          if (longer(b.retention, a.retention)) {
            add(s::purpose, a.id, change_kind::changed, change_class::material, {"retention"},
                "data for purpose " + quoted(a.id) + " is kept longer: " + days(b.retention) + " before, " +
                    days(a.retention) + " now");
          }
          // A vendor or category new to the whole policy is reported once, as such.
          for (const auto& v : a.vendors) {
            if (!contains(b.vendors, v) && find_vendor(before_, v)) {
              add(s::purpose, a.id, change_kind::changed, change_class::material, {"vendors"},
                  "vendor " + quoted(v) + " now receives data for purpose " + quoted(a.id));
            }
          }
          for (const auto& c : a.data_categories) {
            if (!contains(b.data_categories, c) && find_data_category(before_, c)) {
              add(s::purpose, a.id, change_kind::changed, change_class::material, {"data_categories"},
                  "purpose " + quoted(a.id) + " now uses data category " + quoted(c));
            }
          }
          auto rest = changed_members(b, a, {"basis", "refusable"});
          std::erase_if(rest, [&](const std::string& f) {
            if (f == "retention") return longer(b.retention, a.retention);  // said once, as material
            if (f == "vendors") {
              return std::all_of(b.vendors.begin(), b.vendors.end(), [&](auto& v) { return contains(a.vendors, v); });
            }
            if (f == "data_categories") {
              return std::all_of(b.data_categories.begin(), b.data_categories.end(),
                                 [&](auto& c) { return contains(a.data_categories, c); });
            }
            return false;
          });
          if (!rest.empty()) {
            add(s::purpose, a.id, change_kind::changed, change_class::editorial, rest,
                "purpose " + quoted(a.id) + " changed: " + joined(rest));
          }
        },
        [&](const purpose& p) {
          add(s::purpose, p.id, change_kind::removed, change_class::editorial, {}, "purpose " + quoted(p.id) + " removed");
        });
  }

  void vendors() {
    using s = change_subject;
    match<vendor>(
        before_.vendors, after_.vendors,
        [&](const vendor& v) {
          add(s::vendor, v.id, change_kind::added, change_class::material, {},
              "new vendor " + quoted(v.name) + " for " + joined(v.purposes) + ", data sent to " + v.transfer_country);
        },
        [&](const vendor& b, const vendor& a) {
          if (a.transfer_country != b.transfer_country) {
            add(s::vendor, a.id, change_kind::changed, change_class::material, {"transfer_country"},
                "vendor " + quoted(a.name) + " now sends data to " + a.transfer_country + " (before: " +
                    b.transfer_country + ")");
          }
          // Purposes gained are reported on the purpose, which lists the vendor too.
          auto rest = changed_members(b, a, {"transfer_country", "purposes"});
          if (!rest.empty()) {
            add(s::vendor, a.id, change_kind::changed, change_class::editorial, rest,
                "vendor " + quoted(a.name) + " changed: " + joined(rest));
          }
        },
        [&](const vendor& v) {
          add(s::vendor, v.id, change_kind::removed, change_class::editorial, {}, "vendor " + quoted(v.name) + " removed");
        });
  }

  void categories() {
    using s = change_subject;
    match<data_category>(
        before_.data_categories, after_.data_categories,
        [&](const data_category& c) {
          add(s::data_category, c.id, change_kind::added, change_class::material, {},
              std::string("new data category ") + quoted(c.id) + (c.special ? " (special category)" : ""));
        },
        [&](const data_category& b, const data_category& a) {
          auto fields = changed_members(b, a);
          if (!fields.empty()) {
            add(s::data_category, a.id, change_kind::changed, change_class::editorial, fields,
                "data category " + quoted(a.id) + " changed: " + joined(fields));
          }
        },
        [&](const data_category& c) {
          add(s::data_category, c.id, change_kind::removed, change_class::editorial, {},
              "data category " + quoted(c.id) + " removed");
        });
  }

  void sections() {
    std::vector<const section*> before, after;
    flatten(before_.notice.sections, before);
    flatten(after_.notice.sections, after);
    auto find = [](const std::vector<const section*>& list, const std::string& id) -> const section* {
      for (const auto* s : list) {
        if (s->id == id) return s;
      }
      return nullptr;
    };
    for (const auto* a : after) {
      const auto* b = find(before, a->id);
      if (!b) {
        add(change_subject::section, a->id, change_kind::added, change_class::editorial, {},
            "new section " + quoted(a->id));
        continue;
      }
      std::vector<std::string> fields;
      if (json_io::write(a->heading) != json_io::write(b->heading)) fields.emplace_back("heading");
      if (json_io::write(a->blocks) != json_io::write(b->blocks)) fields.emplace_back("blocks");
      if (!fields.empty()) {
        add(change_subject::section, a->id, change_kind::changed, change_class::editorial, fields,
            "section " + quoted(a->id) + " reworded: " + joined(fields));
      }
    }
    for (const auto* b : before) {
      if (!find(after, b->id)) {
        add(change_subject::section, b->id, change_kind::removed, change_class::editorial, {},
            "section " + quoted(b->id) + " removed");
      }
    }
  }

  void rest() {
    auto fields = changed_members(before_, after_,
                                  {"version", "effective_date", "revision_date", "purposes", "vendors",
                                   "data_categories", "notice"});
    if (json_io::write(before_.notice.title) != json_io::write(after_.notice.title)) fields.emplace_back("notice/title");
    for (auto& field : fields) {
      add(change_subject::policy, field, change_kind::changed, change_class::editorial, {field}, field + " changed");
    }
  }

  const policy& before_;
  const policy& after_;
  std::vector<policy_change> changes_;
};

}  // namespace

std::size_t policy_diff::count(change_class c) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(changes.begin(), changes.end(), [c](const policy_change& x) { return x.classification == c; }));
}

policy_diff diff_policies(const policy& before, const policy& after) { return differ(before, after).run(); }

}  // namespace consentry
