// Google Consent Mode v2: the `gtag('consent', …)` payloads derived from the policy's
// mapping of purposes to consent types, and from the person's choices.
#include <algorithm>

#include "consentry/consent.hpp"
#include "consentry/json_io.hpp"

namespace consentry {

namespace {

template <class Granted>
json all_types(Granted&& granted) {
  json payload = json::object();
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<consent_mode_type>>([&](auto type) {
    payload[type.name] = granted(type.value) ? "granted" : "denied";
  });
  return payload;
}

bool lists(const std::vector<consent_mode_type>& types, consent_mode_type type) {
  return std::find(types.begin(), types.end(), type) != types.end();
}

}  // namespace

json consent_mode_defaults(const policy& document) {
  // Where the region is unknown nothing is granted, unless the policy says so for
  // "everywhere else" (an entry without regions).
  std::vector<consent_mode_type> elsewhere;
  for (const auto& entry : document.consent.consent_mode_regions) {
    if (entry.regions.empty()) elsewhere.insert(elsewhere.end(), entry.granted.begin(), entry.granted.end());
  }
  json calls = json::array();
  auto global = all_types([&](consent_mode_type type) { return lists(elsewhere, type); });
  global["wait_for_update"] = document.consent.wait_for_update_ms;
  calls.push_back(std::move(global));
  for (const auto& entry : document.consent.consent_mode_regions) {
    if (entry.regions.empty()) continue;
    auto regional = all_types([&](consent_mode_type type) { return lists(entry.granted, type); });
    regional["wait_for_update"] = document.consent.wait_for_update_ms;
    regional["region"] = entry.regions;
    calls.push_back(std::move(regional));
  }
  return calls;
}

json consent_mode_update(const consent_state& state, const policy& document, const policy_identity& identity,
                         std::int64_t now_ms) {
  return all_types([&](consent_mode_type type) {
    bool mapped = false;
    for (const auto& p : document.purposes) {
      if (!lists(p.consent_mode, type)) continue;
      mapped = true;
      if (!is_active(state, identity, p, now_ms)) return false;
    }
    return mapped;
  });
}

}  // namespace consentry
