// The consent state machine: the rules of consent.hpp, applied one act at a time.
// Every function is pure: the time and the policy come in as arguments.
#include "consentry/consent.hpp"

#include <algorithm>

#include "consentry/json_io.hpp"

namespace consentry {

namespace {

bool is_consent(const purpose& p) noexcept { return needs_consent(p.basis); }
bool is_unrefusable(const purpose& p) noexcept {
  return p.basis == legal_basis::contract || p.basis == legal_basis::legal_obligation ||
         p.basis == legal_basis::vital_interest;
}

/// The acts that answer the question the banner asks; the others (age, parent, notice
/// of changes, signal) leave the person's decision and its expiry as they were.
bool is_choice(consent_action action) noexcept {
  switch (action) {
    case consent_action::accept_all:
    case consent_action::reject_all:
    case consent_action::set_purpose:
    case consent_action::withdraw_all:
    case consent_action::withdraw_purpose:
    case consent_action::object:
    case consent_action::stop_objecting:
    case consent_action::grant_explicit:
    case consent_action::renew: return true;
    default: return false;
  }
}

bool names_purpose(consent_action action) noexcept {
  switch (action) {
    case consent_action::set_purpose:
    case consent_action::withdraw_purpose:
    case consent_action::object:
    case consent_action::stop_objecting:
    case consent_action::grant_explicit: return true;
    default: return false;
  }
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

act_error refuse(act_error_code code, std::string message, std::optional<std::string> purpose = std::nullopt) {
  return act_error{code, std::move(purpose), std::move(message)};
}

/// The members an act gives must be exactly those its action reads.
std::optional<act_error> check_members(const consent_act& act) {
  const auto action = json_io::enum_name(act.action);
  const auto check = [&](bool given, bool needed, const char* member) -> std::optional<act_error> {
    if (needed && !given) {
      return refuse(act_error_code::missing_member, std::string(action) + " needs \"" + member + "\"");
    }
    if (given && !needed) {
      return refuse(act_error_code::unexpected_member, std::string(action) + " does not take \"" + member + "\"");
    }
    return std::nullopt;
  };
  if (auto e = check(act.purpose.has_value(), names_purpose(act.action), "purpose")) return e;
  if (auto e = check(act.granted.has_value(), act.action == consent_action::set_purpose, "granted")) return e;
  if (auto e = check(act.present.has_value(), act.action == consent_action::gpc_signal, "present")) return e;
  if (auto e = check(act.under_minimum_age.has_value(), act.action == consent_action::declare_age,
                     "under_minimum_age")) {
    return e;
  }
  const bool by_signal = act.action == consent_action::gpc_signal;
  if (by_signal != (act.method == collection_method::global_privacy_control)) {
    return refuse(act_error_code::wrong_method,
                  by_signal ? "gpc_signal is collected by the method global_privacy_control"
                            : "only gpc_signal is collected by global_privacy_control: " + std::string(action) +
                                  " is an act of the person");
  }
  return std::nullopt;
}

purpose_choice fresh_choice(const purpose& p) {
  purpose_choice choice;
  choice.basis = p.basis;
  return choice;
}

/// A state for `identity` with nothing asked; the device's receipt chain carries on.
consent_state fresh_state(const consent_state& previous, const policy& document, const policy_identity& identity,
                          const std::string& language) {
  consent_state state;
  state.policy = identity;
  state.language = language;
  for (const auto& p : document.purposes) state.purposes.emplace(p.id, fresh_choice(p));
  state.chain_head = previous.chain_head;
  return state;
}

/// The opt-out Global Privacy Control stands for (CCPA Regs §7025(c)(1)).
purpose_choice opted_out_by_signal(const purpose& p, std::int64_t now_ms) {
  auto choice = fresh_choice(p);
  choice.status = p.basis == legal_basis::legitimate_interest ? purpose_status::objected : purpose_status::denied;
  choice.time_ms = now_ms;
  choice.method = collection_method::global_privacy_control;
  return choice;
}

bool opted_out_by(const purpose& p, const signals_seen& signals) noexcept {
  return signals.gpc_present && p.sale_or_sharing && !is_unrefusable(p);
}

/// While the signal is present, every sale-or-sharing purpose of `document` is opted
/// out unless the person lifted it by their own act; returns whether anything changed.
/// Run after every act, so that a purpose the policy adds or re-bases is covered too.
bool enforce_signal(consent_state& state, const policy& document, std::int64_t now_ms) {
  bool changed = false;
  for (const auto& p : document.purposes) {
    if (!opted_out_by(p, state.signals)) continue;
    auto found = state.purposes.find(p.id);
    if (found != state.purposes.end() && found->second.basis == p.basis) {
      const auto& choice = found->second;
      if (choice.granted_over_signal || choice.status == purpose_status::denied ||
          choice.status == purpose_status::objected) {
        continue;
      }
    }
    state.purposes[p.id] = opted_out_by_signal(p, now_ms);
    changed = true;
  }
  return changed;
}

/// Brings the purposes of `state` to those of `document`: purposes gone are dropped,
/// new ones are not asked, a purpose whose basis changed is asked again. When
/// `void_answers` (material change, expiry), every consent answer is dropped;
/// objections stay (Art. 21).
void reconcile(consent_state& state, const policy& document, bool void_answers) {
  const bool current = !void_answers && state.purposes.size() == document.purposes.size() &&
                       std::all_of(document.purposes.begin(), document.purposes.end(), [&](const purpose& p) {
                         const auto found = state.purposes.find(p.id);
                         return found != state.purposes.end() && found->second.basis == p.basis;
                       });
  if (current) return;
  std::map<std::string, purpose_choice> purposes;
  for (const auto& p : document.purposes) {
    auto found = state.purposes.find(p.id);
    if (found == state.purposes.end() || found->second.basis != p.basis) {
      purposes.emplace(p.id, fresh_choice(p));
      continue;
    }
    auto choice = found->second;
    if (void_answers && is_consent(p)) choice = fresh_choice(p);
    purposes.emplace(p.id, choice);
  }
  state.purposes = std::move(purposes);
}

bool waiting_for_parent(const consent_state& state) noexcept {
  return state.under_minimum_age && !state.parental_confirmation;
}

/// GDPR Art. 8(1): under the policy's age, a grant needs the parent's confirmation first.
std::optional<act_error> check_age(const consent_state& state, const policy& document) {
  if (!state.under_minimum_age) return std::nullopt;
  if (!document.age.parental_consent) {
    return refuse(act_error_code::parental_consent_not_offered,
                  "the policy lets no one under " + std::to_string(document.age.minimum_age) +
                      " consent, even with a parent's confirmation (GDPR Art. 8(1))");
  }
  if (!state.parental_confirmation) {
    return refuse(act_error_code::needs_parental_confirmation,
                  "under " + std::to_string(document.age.minimum_age) +
                      ", consent needs a parent's confirmation first (GDPR Art. 8(1))");
  }
  return std::nullopt;
}

void set_status(purpose_choice& choice, purpose_status status, std::int64_t now_ms, collection_method method) {
  choice.status = status;
  choice.time_ms = now_ms;
  choice.method = method;
  choice.granted_over_signal = false;
}

/// Every sale-or-sharing purpose is opted out, or granted by the person over the signal.
bool signal_honoured(const consent_state& state, const policy& document) {
  if (!state.signals.gpc_present) return false;
  for (const auto& p : document.purposes) {
    if (!p.sale_or_sharing || is_unrefusable(p)) continue;
    const auto found = state.purposes.find(p.id);
    if (found == state.purposes.end()) {
      if (is_consent(p)) continue;  // never asked, so off
      return false;                 // a legitimate interest runs until objected
    }
    const auto& choice = found->second;
    const bool opted_out = choice.status == purpose_status::denied || choice.status == purpose_status::objected ||
                           (choice.status == purpose_status::not_asked && is_consent(p));
    if (!opted_out && !choice.granted_over_signal) return false;
  }
  return true;
}

class engine {
 public:
  engine(const consent_state& state, const policy& document, const policy_identity& identity, const consent_act& act,
         std::int64_t now_ms)
      : before_(state), doc_(document), identity_(identity), act_(act), now_(now_ms) {}

  /// The state the act starts from: the stored one, or none if it was another policy's.
  void start(const std::string& language) {
    if (before_.policy.id == identity_.id) {
      state_ = before_;
    } else {
      state_ = fresh_state(before_, doc_, identity_, language);
    }
  }

  result<transition, act_error> run() {
    if (now_ < 0 || now_ > max_time_ms) {
      return refuse(act_error_code::invalid_time, "the time " + std::to_string(now_) +
                                                      " ms is not between 1970 and 9999");
    }
    if (auto e = check_members(act_)) return *e;
    std::string language = doc_.default_language;
    if (act_.language) {
      if (std::find(doc_.languages.begin(), doc_.languages.end(), *act_.language) == doc_.languages.end()) {
        return refuse(act_error_code::unknown_language,
                      "the language " + in_quotes(*act_.language) + " is not one of the policy's languages");
      }
      language = *act_.language;
    }
    const purpose* target = nullptr;
    if (act_.purpose) {
      target = find_purpose(doc_, *act_.purpose);
      if (!target) {
        return refuse(act_error_code::unknown_purpose, "the policy has no purpose " + in_quotes(*act_.purpose),
                      act_.purpose);
      }
    }

    start(language);
    const bool material_change = state_.policy.material_hash != identity_.material_hash;
    const bool editorial_change = !material_change && state_.policy.policy_hash != identity_.policy_hash;
    const bool expired = has_decision(state_) && now_ >= state_.expires_ms;

    if (is_choice(act_.action)) {
      if (act_.action == consent_action::renew) {
        if (!has_decision(state_)) return refuse(act_error_code::no_decision, "there is no choice to renew");
        if (material_change) {
          return refuse(act_error_code::asked_again,
                        "the policy changed materially since the choices were made: they must be asked again");
        }
      }
      // A material change or an expiry voids the answers (objections stay); renew keeps
      // them, since the person confirms the choices shown to them.
      reconcile(state_, doc_, material_change || (expired && act_.action != consent_action::renew));
      if (editorial_change) state_.changes_seen = false;
      if (material_change) state_.changes_seen = true;  // the banner asking again shows the whole notice
      state_.policy = identity_;
    }

    if (auto e = act(target)) return *e;
    if (enforce_signal(state_, doc_, now_)) signal_event_ = true;

    if (act_.action == consent_action::gpc_signal && !signal_event_) {
      return transition{before_, std::nullopt};
    }
    if (is_choice(act_.action)) {
      state_.decided_ms = now_;
      state_.expires_ms = now_ + static_cast<std::int64_t>(doc_.consent.expiry_days) * ms_per_day;
      state_.method = act_.method;
    }
    if (act_.action != consent_action::gpc_signal) state_.language = language;
    state_.signals.gpc_honoured = signal_honoured(state_, doc_);
    auto event = make_event(language);
    return transition{std::move(state_), std::move(event)};
  }

 private:
  std::optional<act_error> act(const purpose* target) {
    switch (act_.action) {
      case consent_action::accept_all: {
        const bool any = std::any_of(doc_.purposes.begin(), doc_.purposes.end(),
                                     [](const purpose& p) { return p.basis == legal_basis::consent; });
        if (any) {
          if (auto e = check_age(state_, doc_)) return e;
        }
        for (const auto& p : doc_.purposes) {
          // Never an explicit-consent purpose (Art. 9(2)(a)), and never over the GPC
          // opt-out, which only the person's act for that purpose lifts (§7025(c)(3)).
          if (p.basis != legal_basis::consent) continue;
          if (p.sale_or_sharing && state_.signals.gpc_present) continue;
          set_status(state_.purposes[p.id], purpose_status::granted, now_, act_.method);
        }
        return std::nullopt;
      }
      case consent_action::reject_all:
      case consent_action::withdraw_all:
        for (const auto& p : doc_.purposes) {
          if (is_consent(p)) set_status(state_.purposes[p.id], purpose_status::denied, now_, act_.method);
        }
        return std::nullopt;
      case consent_action::set_purpose:
        if (*act_.granted) return grant(*target, false);
        return withdraw(*target);
      case consent_action::withdraw_purpose: return withdraw(*target);
      case consent_action::grant_explicit: return grant(*target, true);
      case consent_action::object:
      case consent_action::stop_objecting: {
        if (target->basis != legal_basis::legitimate_interest) {
          return refuse(act_error_code::not_objectionable,
                        "only a purpose based on legitimate interest can be objected to (GDPR Art. 21(1)); " +
                            in_quotes(target->id) + " is based on " + std::string(json_io::enum_name(target->basis)),
                        target->id);
        }
        const bool objecting = act_.action == consent_action::object;
        auto& choice = state_.purposes[target->id];
        set_status(choice, objecting ? purpose_status::objected : purpose_status::not_asked, now_, act_.method);
        // Lifting the objection is the person's own act for the purpose (§7025(c)(3)).
        choice.granted_over_signal = !objecting && opted_out_by(*target, state_.signals);
        return std::nullopt;
      }
      case consent_action::declare_age:
        state_.under_minimum_age = *act_.under_minimum_age;
        if (!state_.under_minimum_age) state_.parental_confirmation = false;
        // A child's grants given without a parent's confirmation were never valid.
        if (waiting_for_parent(state_)) {
          for (auto& [id, choice] : state_.purposes) {
            if (choice.status == purpose_status::granted) {
              set_status(choice, purpose_status::not_asked, now_, act_.method);
            }
          }
        }
        return std::nullopt;
      case consent_action::parental_confirmation:
        if (!state_.under_minimum_age) {
          return refuse(act_error_code::not_under_minimum_age,
                        "the person has not declared being under " + std::to_string(doc_.age.minimum_age));
        }
        if (!doc_.age.parental_consent) {
          return refuse(act_error_code::parental_consent_not_offered,
                        "the policy's age rule offers no parental consent (GDPR Art. 8(1))");
        }
        state_.parental_confirmation = true;
        return std::nullopt;
      case consent_action::renew:
        return std::nullopt;  // the choices stand; run() restarts their expiry
      case consent_action::acknowledge_changes:
        if (!has_decision(state_)) return refuse(act_error_code::no_decision, "there are no choices to carry over");
        if (state_.policy.material_hash != identity_.material_hash) {
          return refuse(act_error_code::asked_again,
                        "the policy changed materially: the choices must be asked again, not acknowledged");
        }
        state_.policy = identity_;
        state_.changes_seen = true;
        return std::nullopt;
      case consent_action::gpc_signal:
        signal(*act_.present);
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<act_error> grant(const purpose& p, bool explicit_act) {
    if (is_unrefusable(p) || p.basis == legal_basis::legitimate_interest) {
      return refuse(act_error_code::not_consent_based,
                    in_quotes(p.id) + " is based on " + std::string(json_io::enum_name(p.basis)) +
                        ", not on consent: it is never asked as consent" +
                        (p.basis == legal_basis::legitimate_interest ? " (object to it instead, GDPR Art. 21)" : ""),
                    p.id);
    }
    if (p.basis == legal_basis::explicit_consent && !explicit_act) {
      return refuse(act_error_code::needs_explicit_act,
                    in_quotes(p.id) + " concerns a special category of data: it is granted only by its own explicit "
                                   "act, grant_explicit (GDPR Art. 9(2)(a))",
                    p.id);
    }
    if (p.basis == legal_basis::consent && explicit_act) {
      return refuse(act_error_code::not_explicit_consent,
                    in_quotes(p.id) + " is based on consent, not explicit consent: grant it with set_purpose", p.id);
    }
    if (auto e = check_age(state_, doc_)) {
      e->purpose = p.id;
      return e;
    }
    auto& choice = state_.purposes[p.id];
    set_status(choice, purpose_status::granted, now_, act_.method);
    choice.granted_over_signal = p.sale_or_sharing && state_.signals.gpc_present;
    return std::nullopt;
  }

  std::optional<act_error> withdraw(const purpose& p) {
    if (is_unrefusable(p)) {
      return refuse(act_error_code::not_refusable,
                    in_quotes(p.id) + " is based on " + std::string(json_io::enum_name(p.basis)) +
                        ": it cannot be refused, and is not consent (GDPR Art. 6(1))",
                    p.id);
    }
    if (p.basis == legal_basis::legitimate_interest) {
      return refuse(act_error_code::not_consent_based,
                    in_quotes(p.id) + " is based on legitimate interest: object to it instead (GDPR Art. 21)", p.id);
    }
    set_status(state_.purposes[p.id], purpose_status::denied, now_, act_.method);
    return std::nullopt;
  }

  // CCPA Regs §7025(c)(1): the signal is a valid request to opt out of sale and sharing.
  void signal(bool present) {
    if (present == state_.signals.gpc_present) return;  // seen before: nothing to do, no event
    signal_event_ = true;
    state_.signals.gpc_present = present;
    if (!present) return;  // an opt-out stands when the signal goes; nothing is granted back
    // A new signal is honoured afresh, over the person's earlier choices (§7025(c)(3)).
    for (const auto& p : doc_.purposes) {
      if (opted_out_by(p, state_.signals)) state_.purposes[p.id] = opted_out_by_signal(p, now_);
    }
  }

  consent_event make_event(const std::string& language) const {
    consent_event event;
    event.policy = identity_;
    event.language = language;
    event.method = act_.method;
    event.action = act_.action;
    event.purpose = act_.purpose;
    event.time_ms = now_;
    event.time = format_utc_time(now_);
    event.expires_ms = state_.expires_ms;
    if (state_.expires_ms != 0) event.expires = format_utc_time(state_.expires_ms);
    event.purposes = purpose_outcomes(state_, doc_, identity_, now_);
    event.signals = state_.signals;
    event.under_minimum_age = state_.under_minimum_age;
    event.parental_confirmation = state_.parental_confirmation;
    event.previous_chain_head = before_.chain_head;
    return event;
  }

  const consent_state& before_;
  const policy& doc_;
  const policy_identity& identity_;
  const consent_act& act_;
  std::int64_t now_;
  consent_state state_;
  bool signal_event_ = false;
};

}  // namespace

result<transition, act_error> apply_act(const consent_state& state, const policy& document,
                                        const policy_identity& identity, const consent_act& act,
                                        std::int64_t now_ms) {
  return engine(state, document, identity, act, now_ms).run();
}

namespace {

/// is_active, given the purpose's choice in the state (or null), found once by the caller.
bool active_with(const consent_state& state, const policy_identity& identity, const purpose& p,
                 const purpose_choice* choice, std::int64_t now_ms) {
  if (is_unrefusable(p)) return true;
  const bool same_basis = choice != nullptr && choice->basis == p.basis;
  // Under Global Privacy Control, sale and sharing run only by the person's own act.
  if (opted_out_by(p, state.signals) && !(same_basis && choice->granted_over_signal)) return false;
  if (p.basis == legal_basis::legitimate_interest) {
    return !(same_basis && state.policy.id == identity.id && choice->status == purpose_status::objected);
  }
  return same_basis && choice->status == purpose_status::granted && state.policy.id == identity.id &&
         state.policy.material_hash == identity.material_hash && has_decision(state) && now_ms < state.expires_ms &&
         !waiting_for_parent(state);
}

const purpose_choice* choice_of(const consent_state& state, const std::string& id) {
  const auto found = state.purposes.find(id);
  return found == state.purposes.end() ? nullptr : &found->second;
}

}  // namespace

bool is_active(const consent_state& state, const policy_identity& identity, const purpose& purpose,
               std::int64_t now_ms) {
  return active_with(state, identity, purpose, choice_of(state, purpose.id), now_ms);
}

std::vector<purpose_outcome> purpose_outcomes(const consent_state& state, const policy& document,
                                              const policy_identity& identity, std::int64_t now_ms) {
  std::vector<purpose_outcome> out;
  out.reserve(document.purposes.size());
  const bool same_policy = state.policy.id == identity.id;
  for (const auto& p : document.purposes) {
    purpose_outcome outcome;
    outcome.purpose = p.id;
    outcome.basis = p.basis;
    const auto* choice = choice_of(state, p.id);
    if (choice && choice->basis == p.basis && same_policy) {
      outcome.status = choice->status;
      outcome.granted_over_signal = choice->granted_over_signal;
    }
    outcome.active = active_with(state, identity, p, choice, now_ms);
    out.push_back(std::move(outcome));
  }
  return out;
}

// ---------------------------------------------------------------------------------

namespace {

banner_decision decide(bool ask, banner_reason reason, std::string explanation,
                       std::vector<std::string> purposes = {}) {
  return banner_decision{true, ask, reason, std::move(purposes), std::move(explanation)};
}

}  // namespace

banner_decision should_show_banner(const consent_state& state, const policy& document,
                                   const policy_identity& identity, std::int64_t now_ms,
                                   const browser_signals& signals) {
  if (state.policy.id != identity.id || !has_decision(state)) {
    return decide(true, banner_reason::first_visit, "No choice has been made yet for this policy.");
  }
  if (now_ms >= state.expires_ms) {
    return decide(true, banner_reason::expired,
                  "The choices were made on " + format_utc_time(state.decided_ms) + " and expired on " +
                      format_utc_time(state.expires_ms) + "; they are asked again.");
  }
  std::vector<std::string> unknown;
  for (const auto& p : document.purposes) {
    if (is_unrefusable(p)) continue;
    const auto found = state.purposes.find(p.id);
    if (found == state.purposes.end() || found->second.basis != p.basis) unknown.push_back(p.id);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& id : unknown) list += (list.empty() ? "" : ", ") + in_quotes(id);
    return decide(true, banner_reason::new_purpose,
                  "The policy has purposes the person was not asked about: " + list + ".", unknown);
  }
  if (state.policy.material_hash != identity.material_hash) {
    return decide(true, banner_reason::material_change,
                  "The policy's purposes, legal bases or vendors changed since version " + state.policy.version +
                      "; the choices are asked again.");
  }
  if (signals.gpc != state.signals.gpc_present) {
    std::vector<std::string> affected;
    for (const auto& p : document.purposes) {
      if (p.sale_or_sharing && !is_unrefusable(p)) affected.push_back(p.id);
    }
    return decide(false, banner_reason::signal_changed,
                  signals.gpc ? "The browser now sends Global Privacy Control: sale and sharing are opted out."
                              : "The browser no longer sends Global Privacy Control; the opt-out stands.",
                  affected);
  }
  if (state.policy.policy_hash != identity.policy_hash || !state.changes_seen) {
    return decide(false, banner_reason::editorial_change_unseen,
                  "The notice was reworded (version " + identity.version +
                      ") without changing what is asked; the choices stand and the changes are shown.");
  }
  return banner_decision{false, false, banner_reason::none, {}, "The stored choices stand."};
}

// ---------------------------------------------------------------------------------

std::string format_utc_time(std::int64_t unix_ms) {
  if (unix_ms < 0 || unix_ms > max_time_ms) return {};
  const std::int64_t days = unix_ms / ms_per_day;
  const std::int64_t ms_of_day = unix_ms % ms_per_day;
  // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-compatible low-level date algorithms").
  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t day_of_era = z - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t mp = (5 * day_of_year + 2) / 153;
  const std::int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  char text[] = "0000-00-00T00:00:00.000Z";
  const auto put = [&text](std::size_t end, std::int64_t value, int width) {
    for (; width > 0; --width, value /= 10) text[--end] = static_cast<char>('0' + value % 10);
  };
  put(4, year, 4);
  put(7, month, 2);
  put(10, day, 2);
  put(13, ms_of_day / 3600000, 2);
  put(16, ms_of_day / 60000 % 60, 2);
  put(19, ms_of_day / 1000 % 60, 2);
  put(23, ms_of_day % 1000, 3);
  return std::string(text, sizeof text - 1);
}

}  // namespace consentry
