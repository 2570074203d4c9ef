// consentry-make-receipts: distinct, valid, chained receipts for the server
// benchmark, one compact JWS per line. Each is one of the template receipts (issued
// by `consentry receipt issue` for the server's policy, one per decision: people do
// not all decide alike) with a fresh id, device key, time and previous hash,
// canonicalised and signed by the core as any receipt is. Templates take turns
// along each device's chain and across devices.
// Devices' chains are interleaved (every device's first receipt, then every
// device's second, …) so that a receipt is sent long after the one it follows.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "consentry/consent.hpp"
#include "consentry/receipt.hpp"
#include "files.hpp"
#include "openssl_keys.hpp"
#include "receipt_verify.hpp"

using namespace consentry;

int main(int argc, char** argv) {
  std::vector<std::string> template_files;
  std::string out_file;
  std::size_t devices = 1000, per_device = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--template") {
      template_files.push_back(value);
    } else if (flag == "--devices") {
      devices = std::stoul(value);
    } else if (flag == "--per-device") {
      per_device = std::stoul(value);
    } else if (flag == "--out") {
      out_file = value;
    } else {
      std::cerr << "consentry-make-receipts: unknown option " << flag << "\n";
      return 2;
    }
  }
  if (template_files.empty() || out_file.empty()) {
    std::cerr << "usage: consentry-make-receipts --template RECEIPT.jws [--template …] --devices N --per-device K "
                 "--out FILE\n";
    return 2;
  }
  std::vector<receipt> templates;
  for (const auto& file : template_files) {
    auto text = native::read_file(file);
    if (!text) {
      std::cerr << "consentry-make-receipts: " << text.error().message << "\n";
      return 1;
    }
    auto checked = native::verify_receipt(native::receipt_text_of_file(*text));
    if (!checked) {
      std::cerr << "consentry-make-receipts: the template " << file << ": " << checked.error().message << "\n";
      return 1;
    }
    templates.push_back(std::move(checked->value));
  }

  struct device {
    std::unique_ptr<native::openssl_signer> key;
    std::string thumbprint;
    std::optional<std::string> head;
  };
  std::vector<device> list;
  for (std::size_t d = 0; d < devices; ++d) {
    auto pem = native::generate_private_key_pem(jws_algorithm::ed25519);
    auto key = pem ? native::openssl_signer::from_pem(*pem) : result<std::unique_ptr<native::openssl_signer>, jws_error>(jws_error{"no key"});
    if (!key) {
      std::cerr << "consentry-make-receipts: " << key.error().message << "\n";
      return 1;
    }
    const auto thumbprint = jwk_thumbprint((*key)->public_key());
    list.push_back({std::move(*key), thumbprint, std::nullopt});
  }

  std::ofstream out(out_file, std::ios::binary | std::ios::trunc);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (std::size_t position = 0; position < per_device; ++position) {
    for (std::size_t d_index = 0; d_index < list.size(); ++d_index) {
      auto& d = list[d_index];
      const auto& model = templates[(d_index + position) % templates.size()];
      const auto from = parse_utc_time(model.validity.from).value_or(0);
      const auto until = model.validity.until ? parse_utc_time(*model.validity.until) : std::nullopt;
      receipt r = model;
      const auto random = native::random_16_bytes();
      r.consent_receipt_id = format_uuid_v4(random);
      r.pii_principal_id = d.thumbprint;
      r.previous_receipt_hash = d.head;
      // Later receipts of a device are a millisecond later: a chain never goes back in time.
      const auto at = now_ms - 60'000 + static_cast<std::int64_t>(position);
      r.event_time = format_utc_time(at);
      r.consent_timestamp = at / 1000;
      r.validity.from = r.event_time;
      if (until) r.validity.until = format_utc_time(at + (*until - from));
      auto jws = sign_receipt(r, *d.key);
      if (!jws) {
        std::cerr << "consentry-make-receipts: " << jws.error().message << "\n";
        return 1;
      }
      d.head = receipt_hash(*jws);
      out << *jws << '\n';
    }
  }
  return out ? 0 : 1;
}
