// Property tests of the consent engine over random sequences of acts, policy changes
// and time: no consent purpose is ever granted without a grant act for it, the stored
// form reads back as the same state, and random stored values never decode to a grant.
// The generator is seeded and platform-independent (splitmix64, not <random>'s
// distributions), so a counter-example prints the same sequence natively and in wasm.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "consent_fixture.hpp"
#include "consentry/consent.hpp"
#include "consentry/json_io.hpp"

using namespace consentry;
using namespace consentry::test;

namespace {

#if defined(__SANITIZE_ADDRESS__)
#define CONSENTRY_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONSENTRY_UNDER_SANITIZER 1
#endif
#endif

// 100,000 sequences natively and in wasm (the bar); a quarter under AddressSanitizer,
// which runs the same code ten times slower and is there for memory errors, not coverage.
#ifdef CONSENTRY_UNDER_SANITIZER
constexpr int sequences = 25000;
constexpr int random_values = 10000;
#else
constexpr int sequences = 100000;
constexpr int random_values = 30000;
#endif

class splitmix64 {
 public:
  explicit splitmix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool one_in(std::size_t n) { return below(n) == 0; }
  bool coin() { return (next() & 1U) != 0; }

 private:
  std::uint64_t state_;
};

/// A policy the person meets: the document and its hashes.
struct context {
  const policy* document;
  policy_identity identity;
};

const std::vector<consent_action> all_actions{
    consent_action::accept_all,       consent_action::reject_all,     consent_action::set_purpose,
    consent_action::withdraw_all,     consent_action::withdraw_purpose, consent_action::object,
    consent_action::stop_objecting,   consent_action::grant_explicit, consent_action::declare_age,
    consent_action::parental_confirmation, consent_action::renew,     consent_action::acknowledge_changes,
    consent_action::gpc_signal,
};
const std::vector<collection_method> person_methods{collection_method::banner,     collection_method::preferences,
                                                    collection_method::withdrawal, collection_method::native_app,
                                                    collection_method::phone,      collection_method::paper};

consent_act random_act(splitmix64& rng, const policy& document) {
  consent_act act;
  act.action = all_actions[rng.below(all_actions.size())];
  act.method = act.action == consent_action::gpc_signal ? collection_method::global_privacy_control
                                                         : person_methods[rng.below(person_methods.size())];
  switch (act.action) {
    case consent_action::set_purpose:
    case consent_action::withdraw_purpose:
    case consent_action::object:
    case consent_action::stop_objecting:
    case consent_action::grant_explicit:
      // Mostly a purpose the action applies to, so that sequences go deep; sometimes any.
      if (rng.one_in(20)) {
        act.purpose = "no-such-purpose";
      } else if (rng.one_in(4)) {
        act.purpose = document.purposes[rng.below(document.purposes.size())].id;
      } else {
        std::vector<const purpose*> fitting;
        for (const auto& p : document.purposes) {
          const bool fits = act.action == consent_action::object || act.action == consent_action::stop_objecting
                                ? p.basis == legal_basis::legitimate_interest
                            : act.action == consent_action::grant_explicit ? p.basis == legal_basis::explicit_consent
                                                                           : needs_consent(p.basis);
          if (fits) fitting.push_back(&p);
        }
        act.purpose = fitting[rng.below(fitting.size())]->id;
      }
      break;
    default: break;
  }
  if (act.action == consent_action::set_purpose) act.granted = rng.coin();
  if (act.action == consent_action::gpc_signal) act.present = rng.coin();
  if (act.action == consent_action::declare_age) act.under_minimum_age = rng.one_in(3);
  if (rng.one_in(10)) act.language = rng.one_in(4) ? "de" : "fr";
  if (rng.one_in(50)) act.granted = true;  // a stray member: the act must be refused
  return act;
}

std::string trimmed_golden_payload() {
  auto parsed = parse_json(read_file(source_dir() / "tests/fixtures/consent/stored-v1.json"));
  REQUIRE(parsed.has_value());
  return parsed->dump();
}

std::string describe(const consent_act& act) { return json_io::write(act).dump(); }

/// The oracle: for each purpose, whether an accepted grant act for it stands, not
/// undone by an accepted act that must revoke it. A granted purpose needs one.
class oracle {
 public:
  void accepted(const consent_act& act, const policy& document, const consent_state& before) {
    const auto basis_of = [&](const std::string& id) {
      const auto* p = find_purpose(document, id);
      return p ? std::optional<legal_basis>(p->basis) : std::nullopt;
    };
    switch (act.action) {
      case consent_action::accept_all:
        for (const auto& p : document.purposes) {
          if (p.basis == legal_basis::consent) supported_[p.id] = true;
        }
        break;
      case consent_action::set_purpose:
        if (*act.granted && basis_of(*act.purpose) == legal_basis::consent) supported_[*act.purpose] = true;
        if (!*act.granted) supported_[*act.purpose] = false;
        break;
      case consent_action::grant_explicit:
        if (basis_of(*act.purpose) == legal_basis::explicit_consent) supported_[*act.purpose] = true;
        break;
      case consent_action::withdraw_purpose: supported_[*act.purpose] = false; break;
      case consent_action::reject_all:
      case consent_action::withdraw_all:
        for (const auto& p : document.purposes) supported_[p.id] = false;
        break;
      case consent_action::gpc_signal:
        // A signal that appears revokes; one already seen leaves the person's own grants.
        if (*act.present && !before.signals.gpc_present) {
          for (const auto& p : document.purposes) {
            if (p.sale_or_sharing) supported_[p.id] = false;
          }
        }
        break;
      default: break;
    }
  }
  bool supports(const std::string& id) const {
    const auto found = supported_.find(id);
    return found != supported_.end() && found->second;
  }

 private:
  std::map<std::string, bool> supported_;
};

/// The invariants every reachable state keeps, and the event that led there describes
/// it; the first broken one, or empty.
std::string broken_invariant(const consent_state& state, const context& now_in, std::int64_t now,
                             const oracle& model, const consent_event* event) {
  const bool waiting = state.under_minimum_age && !state.parental_confirmation;
  for (const auto& [id, choice] : state.purposes) {
    if (choice.status == purpose_status::granted) {
      if (!needs_consent(choice.basis)) return id + " is granted but not consent-based";
      if (!model.supports(id)) return id + " is granted without a grant act for it";
      if (waiting) return id + " is granted under age without a parent";
      if (!has_decision(state)) return id + " is granted without a decision";
    }
    if (choice.status == purpose_status::denied && !needs_consent(choice.basis)) return id + " denied, not consent";
    if (choice.status == purpose_status::objected && choice.basis != legal_basis::legitimate_interest)
      return id + " objected, not a legitimate interest";
  }
  if (event && event->purposes.size() != now_in.document->purposes.size()) return "the event lacks purposes";
  for (std::size_t i = 0; i < now_in.document->purposes.size(); ++i) {
    const auto& p = now_in.document->purposes[i];
    const bool on = is_active(state, now_in.identity, p, now);
    if (event) {
      const auto& outcome = event->purposes[i];
      const auto found = state.purposes.find(p.id);
      const auto status = found == state.purposes.end() ? purpose_status::not_asked : found->second.status;
      if (outcome.purpose != p.id || outcome.active != on || outcome.status != status || outcome.basis != p.basis)
        return "the event's outcome for " + p.id + " does not describe the state";
    }
    if (needs_consent(p.basis) && on) {
      const auto& choice = state.purposes.at(p.id);
      if (choice.status != purpose_status::granted) return p.id + " is active without being granted";
      if (now >= state.expires_ms) return p.id + " is active after expiry";
      if (state.policy.material_hash != now_in.identity.material_hash)
        return p.id + " is active across a material change";
      if (waiting) return p.id + " is active under age without a parent";
    }
    if (on && p.sale_or_sharing && state.signals.gpc_present && p.refusable) {
      const auto found = state.purposes.find(p.id);
      if (found == state.purposes.end() || !found->second.granted_over_signal)
        return p.id + " runs while Global Privacy Control is present, without the person's act";
    }
  }
  if (state.signals.gpc_present && !state.signals.gpc_honoured && state.policy.id == now_in.identity.id &&
      state.policy.material_hash == now_in.identity.material_hash) {
    return "Global Privacy Control is present but not honoured";
  }
  return {};
}

}  // namespace

TEST_CASE("property: random act sequences never grant a consent purpose without a grant act for it, and the stored form reads back as the same state") {
  REQUIRE(engine_policy() != nullptr);
  const policy& base = *engine_policy();
  auto grown = base;  // the material revision adds a consent purpose and a legitimate interest, both sold
  auto added = *find_purpose(base, "personalisation");
  added.id = "recommendations";
  added.sale_or_sharing = true;
  grown.purposes.push_back(added);
  added = *find_purpose(base, "service-news");
  added.id = "data-brokering";
  added.sale_or_sharing = true;
  grown.purposes.push_back(added);
  const std::vector<context> contexts{
      {&base, version_1},
      {&base, version_1_reworded},
      {&grown, policy_identity{"example-engine", "2025-01-01", "policy-hash-4", "material-hash-3"}},
  };
  const auto period = static_cast<std::int64_t>(base.consent.expiry_days) * day;

  splitmix64 rng(0xC0115E27);
  std::size_t acts = 0, refused = 0, events = 0, grants_seen = 0, round_trips = 0, failures = 0;
  std::string first_failure;
  for (int sequence = 0; sequence < sequences && failures == 0; ++sequence) {
    consent_state state;
    oracle model;
    std::size_t where = 0;
    std::int64_t now = t0 + static_cast<std::int64_t>(rng.below(1000)) * day;
    std::vector<std::pair<std::size_t, consent_act>> trace;  // described only for a counter-example
    const auto length = 1 + rng.below(6);
    for (std::size_t step = 0; step < length && failures == 0; ++step) {
      if (rng.one_in(10)) where = rng.below(contexts.size());
      now += rng.one_in(10) ? period - day + static_cast<std::int64_t>(rng.below(3)) * day
                            : static_cast<std::int64_t>(rng.below(2 * 86400)) * 1000;
      if (rng.one_in(20)) state.chain_head = "receipt-" + std::to_string(rng.below(1000));
      const auto& here = contexts[where];
      trace.emplace_back(where, random_act(rng, *here.document));
      const auto& act = trace.back().second;
      ++acts;
      auto result = apply_act(state, *here.document, here.identity, act, now);
      if (!result) {
        ++refused;
        continue;
      }
      if (result->event) {
        ++events;
        const auto& event = *result->event;
        if (event.previous_chain_head != state.chain_head || event.time_ms != now || !(event.policy == here.identity)) {
          ++failures;
          first_failure = "the event does not record the act";
        }
      } else if (!(result->state == state)) {
        ++failures;
        first_failure = "a change without an event";
      }
      model.accepted(act, *here.document, state);
      state = std::move(result->state);
      for (const auto& [id, choice] : state.purposes) grants_seen += choice.status == purpose_status::granted;
      const consent_event* event = result->event ? &*result->event : nullptr;
      if (auto broken = broken_invariant(state, here, now, model, event); !broken.empty()) {
        ++failures;
        first_failure = broken + "\n  state: " + json_io::write(state).dump();
      }
    }
    // The stored form, for one final state in eight: parsing would dominate the run time.
    if (sequence % 8 == 0 && failures == 0) {
      ++round_trips;
      const auto stored = encode_state(state);
      const auto decoded = decode_state(stored);
      if (state.policy.id.empty() ? !stored.empty() || decoded.status != stored_state_status::absent
                                  : decoded.status != stored_state_status::ok || !(decoded.state == state)) {
        ++failures;
        first_failure = "encode then decode is not the identity: " + decoded.reason;
      }
    }
    if (failures != 0) {
      first_failure += "\n  sequence " + std::to_string(sequence) + ":";
      for (const auto& [at, act] : trace) {
        first_failure += "\n    under " + contexts[at].identity.version + ": " + describe(act);
      }
    }
  }
  INFO(first_failure);
  CHECK(failures == 0);
  MESSAGE(sequences << " sequences, " << acts << " acts (" << refused << " refused), " << events << " events, "
                    << grants_seen << " granted purposes checked, " << round_trips << " stored and read back");
  // The generator reaches the interesting states: grants, refusals, events.
  CHECK(grants_seen > static_cast<std::size_t>(sequences));
  CHECK(refused > acts / 20);
}

TEST_CASE("property: decoding random bytes never crashes and never yields a grant") {
  REQUIRE(engine_policy() != nullptr);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto golden = trimmed_golden_payload();
  splitmix64 rng(0x5EED0002);
  std::size_t trusted = 0, failures = 0;
  std::string first_failure;
  for (int i = 0; i < random_values && failures == 0; ++i) {
    std::string value;
    const auto kind = i % 3;
    if (kind == 0) {  // any bytes at all
      value.resize(rng.below(80));
      for (auto& c : value) c = static_cast<char>(rng.below(256));
      if (rng.one_in(4)) value = "c1." + value;
    } else if (kind == 1) {  // well-formed and sealed, random inside
      std::string payload(rng.below(200), 'A');
      for (auto& c : payload) c = alphabet[rng.below(alphabet.size())];
      value = seal_payload(payload);
    } else {  // a real state's JSON with a few bytes changed, then sealed
      auto text = golden;
      for (auto n = 1 + rng.below(3); n > 0; --n) {
        text[rng.below(text.size())] = "0123456789[]{},\":abnlu- "[rng.below(25)];
      }
      value = seal(text);
    }
    exact_buffer exact(value);
    const auto decoded = decode_state(exact.view());
    if (decoded.status != stored_state_status::ok) {
      if (!(decoded.state == consent_state{}) || decoded.reason.empty()) {
        ++failures;
        first_failure = "a refused value is not \"no decision\" with a reason";
      }
      continue;
    }
    ++trusted;
    if (kind != 2) {
      ++failures;
      first_failure = "random bytes were read as a consent state";
      continue;
    }
    // A changed golden state can be a valid one; it must then be one the engine could write.
    const auto again = decode_state(encode_state(decoded.state));
    if (again.status != stored_state_status::ok || !(again.state == decoded.state)) {
      ++failures;
      first_failure = "an accepted value does not survive re-encoding";
    }
    if (!first_failure.empty()) first_failure += ": " + value;
  }
  INFO(first_failure);
  CHECK(failures == 0);
  MESSAGE(random_values << " random values, " << trusted << " accepted (all from a changed real state)");
}
