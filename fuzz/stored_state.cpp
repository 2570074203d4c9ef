// Fuzz target: the stored-state decoder, which reads a first-party cookie or
// localStorage value that any script of the page can write. It must never crash, and
// whatever it accepts must be a state the engine could have written: one that encodes
// and decodes to itself, and that grants nothing without a decision.
//
// An input that starts with 'c' is taken as the stored value itself. Any other input is
// taken as the JSON payload and wrapped in a valid envelope ("c1." base64url "." CRC-32),
// so that the fuzzer reaches the payload reader without having to forge a checksum.
#include <array>
#include <string>

#include "consentry/base64url.hpp"
#include "consentry/consent.hpp"
#include "fuzz_support.hpp"

namespace {

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFU;
  for (const char ch : bytes) {
    crc ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc & 1U) ? 0xEDB88320U ^ (crc >> 1) : crc >> 1;
  }
  return crc ^ 0xFFFFFFFFU;
}

std::string envelope(std::string_view payload) {
  std::string value(consentry::stored_state_prefix);
  value += consentry::base64url_encode(payload);
  const auto crc = crc32(value);
  constexpr char digits[] = "0123456789abcdef";
  value += '.';
  for (int shift = 28; shift >= 0; shift -= 4) value += digits[(crc >> shift) & 0xFU];
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace consentry;
  const auto input = fuzz::as_text(data, size);
  const std::string stored = !input.empty() && input.front() == 'c' ? std::string(input) : envelope(input);

  const auto decoded = decode_state(stored);
  if (decoded.status != stored_state_status::ok) {
    // Refused: "no decision", and a reason.
    CONSENTRY_FUZZ_CHECK(decoded.state == consent_state{});
    CONSENTRY_FUZZ_CHECK(!decoded.reason.empty());
    return 0;
  }
  const auto& state = decoded.state;
  CONSENTRY_FUZZ_CHECK(!state.policy.id.empty());
  for (const auto& [id, choice] : state.purposes) {
    if (choice.status != purpose_status::granted) continue;
    CONSENTRY_FUZZ_CHECK(needs_consent(choice.basis));
    CONSENTRY_FUZZ_CHECK(has_decision(state));
    CONSENTRY_FUZZ_CHECK(!state.under_minimum_age || state.parental_confirmation);
  }
  // What the decoder accepts, the encoder writes, and the decoder reads back unchanged.
  const auto encoded = encode_state(state);
  const auto again = decode_state(encoded);
  CONSENTRY_FUZZ_CHECK(again.status == stored_state_status::ok);
  CONSENTRY_FUZZ_CHECK(again.state == state);
  CONSENTRY_FUZZ_CHECK(encode_state(again.state) == encoded);
  return 0;
}
