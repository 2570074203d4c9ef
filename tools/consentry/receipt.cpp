// consentry receipt issue|verify|show: sign a consent receipt natively, check receipts
// and their chain, and show one as the person's proof.
#include <chrono>
#include <iostream>

#include "cli.hpp"
#include "consentry/json_io.hpp"
#include "consentry/receipt.hpp"
#include "files.hpp"
#include "openssl_keys.hpp"
#include "receipt_verify.hpp"

namespace consentry::cli {

/// The `--decision` file: one act of the person, as the consent engine reads it, and
/// when it happened (ISO 8601 UTC with milliseconds; now when absent).
struct receipt_decision {
  std::optional<std::string> time;
  consent_act act;
};
BOOST_DESCRIBE_STRUCT(receipt_decision, (), (time, act))

namespace {

int run(std::span<const std::string> args);

const command receipt_command{
    "receipt", "issue, verify and show signed consent receipts",
    "consentry receipt issue --key KEY.pem --policy DIR --decision FILE.json [--previous FILE.jws] [-o FILE.jws]\n"
    "consentry receipt verify FILE... [--policy DIR]\n"
    "consentry receipt show FILE [--html]\n\n"
    "issue    applies the decision to the consent state (empty, or the one --previous records,\n"
    "         whose chain the new receipt continues) under the policy of DIR, and writes the\n"
    "         signed receipt, a compact JWS, to FILE.jws or standard output. The decision is\n"
    "         {\"time\": \"2025-01-31T09:00:00.000Z\", \"act\": {\"action\": \"set_purpose\",\n"
    "         \"method\": \"phone\", \"purpose\": \"analytics\", \"granted\": true}}: how a\n"
    "         controller records consent collected by phone or on paper.\n"
    "verify   checks each receipt: strict JWS, algorithm Ed25519, EdDSA or ES256, the signature,\n"
    "         the payload in RFC 8785 canonical form, the header key being the receipt's\n"
    "         principal; then the chain of each device in the order the files are given, and\n"
    "         with --policy the policy's id, version and hashes. Prints one line per failing\n"
    "         receipt, `FILE: error: reason`, and exits 1 if there is any.\n"
    "show     prints the receipt as the person's proof, as text or as HTML (--html); exits 1\n"
    "         when its signature does not hold.",
    run};
const registrar registered(receipt_command);

void print_error(const std::string& where, const std::string& message) {
  std::cerr << format(diagnostic{where, "", severity::error, message}) << "\n";
}

std::optional<std::string> read_or_report(const std::string& path) {
  auto contents = native::read_file(path);
  if (!contents) {
    print_error(path, contents.error().message.substr(path.size() + 2));
    return std::nullopt;
  }
  return std::move(*contents);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int issue(const arguments& parsed) {
  const auto key_path = parsed.value("--key");
  const auto policy_dir = parsed.value("--policy");
  const auto decision_path = parsed.value("--decision");
  if (!key_path || !policy_dir || !decision_path) {
    return usage(receipt_command, "issue needs --key, --policy and --decision");
  }
  auto document = native::load_policy_directory(*policy_dir);
  if (!document) {
    for (const auto& d : document.error()) std::cerr << format(d) << "\n";
    return invalid;
  }
  const auto key_text = read_or_report(*key_path);
  if (!key_text) return invalid;
  auto key = native::openssl_signer::from_pem(*key_text);
  if (!key) {
    print_error(*key_path, key.error().message);
    return invalid;
  }
  const auto decision_text = read_or_report(*decision_path);
  if (!decision_text) return invalid;
  auto decision_json = parse_json(*decision_text);
  if (!decision_json) {
    std::cerr << format(diagnostic{*decision_path, decision_json.error().location(), severity::error,
                                   decision_json.error().message})
              << "\n";
    return invalid;
  }
  receipt_decision decision;
  diagnostics problems;
  if (!json_io::read_document(*decision_json, decision, *decision_path, problems)) {
    for (const auto& d : problems) std::cerr << format(d) << "\n";
    return invalid;
  }
  std::int64_t time = now_ms();
  if (decision.time) {
    const auto parsed_time = parse_utc_time(*decision.time);
    if (!parsed_time) {
      std::cerr << format(diagnostic{*decision_path, "/time", severity::error,
                                     "\"" + *decision.time + "\" is not of the form 2025-01-31T09:00:00.000Z"})
                << "\n";
      return invalid;
    }
    time = *parsed_time;
  }

  const auto principal = jwk_thumbprint((*key)->public_key());
  consent_state state;
  if (const auto previous_path = parsed.value("--previous")) {
    const auto previous_text = read_or_report(*previous_path);
    if (!previous_text) return invalid;
    auto previous = native::verify_receipt(native::receipt_text_of_file(*previous_text));
    if (!previous) {
      print_error(*previous_path, previous.error().message);
      return invalid;
    }
    if (previous->value.pii_principal_id != principal) {
      print_error(*previous_path, "the previous receipt is of another device key than " + *key_path);
      return invalid;
    }
    state = state_from_receipt(*previous);
  }

  const auto hashes = compute_policy_hashes(*document);
  const policy_identity identity{document->id, document->version, hashes.policy_hash, hashes.material_hash};
  auto applied = apply_act(state, *document, identity, decision.act, time);
  if (!applied) {
    std::cerr << format(diagnostic{*decision_path, "/act", severity::error,
                                   std::string(json_io::enum_name(applied.error().code)) + ": " +
                                       applied.error().message})
              << "\n";
    return invalid;
  }
  if (!applied->event) {
    print_error(*decision_path, "the act changes nothing, so there is nothing to record");
    return invalid;
  }
  const auto random = native::random_16_bytes();
  auto built = build_receipt(*applied->event, *document, format_uuid_v4(random), principal);
  if (!built) {
    print_error(*decision_path, built.error().message);
    return invalid;
  }
  auto signed_receipt = sign_receipt(*built, **key);
  if (!signed_receipt) {
    print_error(*key_path, signed_receipt.error().message);
    return invalid;
  }
  const auto output = parsed.value("-o") ? parsed.value("-o") : parsed.value("--output");
  if (!output) {
    std::cout << *signed_receipt;
    return std::cout.flush() ? success : invalid;
  }
  if (auto written = native::write_file(*output, *signed_receipt); !written) {
    std::cerr << "consentry receipt: " << written.error().message << "\n";
    return invalid;
  }
  return success;
}

int verify(const arguments& parsed) {
  const auto& files = parsed.positionals();
  if (files.size() < 2) return usage(receipt_command, "verify needs at least one receipt file");
  std::optional<policy> document;
  if (const auto policy_dir = parsed.value("--policy")) {
    auto loaded = native::load_policy_directory(*policy_dir);
    if (!loaded) {
      for (const auto& d : loaded.error()) std::cerr << format(d) << "\n";
      return invalid;
    }
    document = std::move(*loaded);
  }
  std::vector<native::named_receipt> receipts;
  std::vector<native::receipt_failure> unreadable;
  for (std::size_t i = 1; i < files.size(); ++i) {
    auto contents = native::read_file(files[i]);
    if (!contents) {
      unreadable.push_back({files[i], contents.error().message.substr(files[i].size() + 2)});
      continue;
    }
    receipts.push_back({files[i], std::string(native::receipt_text_of_file(*contents))});
  }
  auto failures = native::verify_receipts(receipts, document ? &*document : nullptr);
  failures.insert(failures.begin(), unreadable.begin(), unreadable.end());
  for (const auto& f : failures) std::cout << format(diagnostic{f.name, "", severity::error, f.reason}) << "\n";
  if (!failures.empty()) return invalid;
  std::cout << receipts.size() << (receipts.size() == 1 ? " receipt" : " receipts") << " verified\n";
  return success;
}

int show(const arguments& parsed) {
  if (parsed.positionals().size() != 2) return usage(receipt_command, "show needs one receipt file");
  const auto& path = parsed.positionals()[1];
  const auto contents = read_or_report(path);
  if (!contents) return invalid;
  const auto text = native::receipt_text_of_file(*contents);
  auto jws = parse_compact_jws(text);
  if (!jws) {
    print_error(path, jws.error().message);
    return invalid;
  }
  const auto signature = native::verify_jws_signature(*jws);
  auto checked = check_receipt(text);
  if (!checked) {
    print_error(path, signature ? checked.error().message : signature.error().message);
    return invalid;
  }
  std::string verification;
  int status = success;
  if (!signature) {
    verification = "NOT VERIFIED: " + signature.error().message + ". This receipt proves nothing.";
    status = invalid;
  } else {
    verification = "Signature verified (" + std::string(jws_algorithm_name(checked->jws.algorithm)) +
                   ") with the device key named below; the content is exactly what was signed.";
  }
  if (parsed.has("--html")) {
    std::cout << render_receipt_html(checked->value, verification);
  } else {
    std::cout << render_receipt_text(checked->value, verification);
  }
  return status;
}

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(receipt_command, args,
                                 {"--key", "--policy", "--decision", "--previous", "-o", "--output"}, {"--html"});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << receipt_command.usage << "\n";
    return success;
  }
  if (parsed->positionals().empty()) return usage(receipt_command, "expected issue, verify or show");
  const auto& subcommand = parsed->positionals()[0];
  if (subcommand == "issue") {
    if (parsed->positionals().size() != 1) return usage(receipt_command, "issue takes no file arguments");
    return issue(*parsed);
  }
  if (subcommand == "verify") return verify(*parsed);
  if (subcommand == "show") return show(*parsed);
  return usage(receipt_command, "unknown subcommand \"" + subcommand + "\"; expected issue, verify or show");
}

}  // namespace
}  // namespace consentry::cli
