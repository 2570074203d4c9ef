// Fuzz target: receipt verification, what the command line and the receipt server run
// on every receipt they are sent. Input lines are receipts of one upload, in order:
//  - an input that starts with '{' is a list of payloads (one per line), each put in its
//    RFC 8785 form when it is JSON, and signed with the harness's fixed Ed25519 key (test_signer.hpp: a
//    device signing whatever it likes with its own key), so that the checks after the
//    signature, the chain between the lines included, are reached;
//  - any other input is a list of compact JWS as they are.
// Every receipt also goes through the core's checks alone (`check_receipt`, what a
// browser runs before WebCrypto), with and without a `receipt_check_cache`, which must
// agree on every input.
// What verifies must be canonical, name its own key as principal, render, and give a
// consent state the storage format accepts.
#include <string>
#include <vector>

#include "consentry/consent.hpp"
#include "consentry/jcs.hpp"
#include "consentry/json_io.hpp"
#include "consentry/receipt.hpp"
#include "fuzz_support.hpp"
#include "receipt_verify.hpp"
#include "test_signer.hpp"

namespace {

consentry::fuzz::test_signer* device = nullptr;
// Shared by every input, as a server's is, so that receipts of the corpus fill it and
// their mutations hit it; small, so that eviction is reached too.
consentry::receipt_check_cache* cache = nullptr;

/// With the cache or without, `check_receipt` accepts the same receipts, reads them the
/// same, and refuses the rest with the same words.
void check_cache_agrees(std::string_view compact) {
  using namespace consentry;
  const auto plain = check_receipt(compact);
  const auto cached = check_receipt(compact, cache);
  CONSENTRY_FUZZ_CHECK(plain.has_value() == cached.has_value());
  if (plain && cached) {
    CONSENTRY_FUZZ_CHECK(plain->hash == cached->hash);
    CONSENTRY_FUZZ_CHECK(json_io::write(plain->value) == json_io::write(cached->value));
  } else if (!plain && !cached) {
    CONSENTRY_FUZZ_CHECK(plain.error().message == cached.error().message);
  }
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty() && lines.size() < 16) {
    const auto end = text.find('\n');
    lines.push_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return lines;
}

void check_verified(const consentry::checked_receipt& checked, std::string_view compact) {
  using namespace consentry;
  auto canonical = canonicalize(checked.jws.payload);
  CONSENTRY_FUZZ_CHECK(canonical.has_value() && *canonical == checked.jws.payload);
  CONSENTRY_FUZZ_CHECK(jwk_thumbprint(checked.jws.key) == checked.value.pii_principal_id);
  CONSENTRY_FUZZ_CHECK(checked.hash == receipt_hash(compact) && is_sha256_hex(checked.hash));
  // The core alone agrees with the native verifier.
  CONSENTRY_FUZZ_CHECK(check_receipt(compact).has_value());
  const auto html = render_receipt_html(checked.value, "The signature holds.");
  CONSENTRY_FUZZ_CHECK(html.find("<script") == std::string::npos);
  (void)render_receipt_text(checked.value, "The signature holds.");
  // The state a later receipt of the device continues from is one the storage keeps.
  const auto state = state_from_receipt(checked);
  const auto stored = encode_state(state);
  if (!stored.empty()) {
    const auto decoded = decode_state(stored);
    CONSENTRY_FUZZ_CHECK(decoded.status == stored_state_status::ok);
    CONSENTRY_FUZZ_CHECK(decoded.state == state);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  device = new consentry::fuzz::test_signer;
  cache = new consentry::receipt_check_cache(8);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace consentry;
  const auto text = fuzz::as_text(data, size);
  const bool sign = text.starts_with('{');
  std::vector<native::named_receipt> receipts;
  for (const auto line : lines_of(text)) {
    std::string compact;
    if (sign) {
      compact = device->sign(line, receipt_media_type);
    } else {
      compact = std::string(line);
    }
    check_cache_agrees(compact);
    auto verified = native::verify_receipt(compact);
    if (verified) check_verified(*verified, compact);
    receipts.push_back({"receipt " + std::to_string(receipts.size() + 1), std::move(compact)});
  }
  const auto failures = native::verify_receipts(receipts);
  CONSENTRY_FUZZ_CHECK(failures.size() <= receipts.size());
  for (const auto& failure : failures) CONSENTRY_FUZZ_CHECK(!failure.reason.empty());
  return 0;
}
