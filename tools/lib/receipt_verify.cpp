#include "receipt_verify.hpp"

#include <map>

#include "openssl_keys.hpp"

namespace consentry::native {

result<checked_receipt, receipt_error> verify_receipt(std::string_view compact_jws) {
  // Structure first, then the signature, then what the payload says: a changed payload
  // byte is reported as the broken signature it is.
  auto jws = parse_compact_jws(compact_jws);
  if (!jws) return receipt_error{jws.error().message};
  if (auto signature = verify_jws_signature(*jws); !signature) return receipt_error{signature.error().message};
  return check_receipt(compact_jws);
}

std::string_view receipt_text_of_file(std::string_view contents) noexcept {
  if (contents.ends_with('\n')) contents.remove_suffix(1);
  return contents;
}

std::vector<receipt_failure> verify_receipts(const std::vector<named_receipt>& receipts, const policy* document) {
  std::vector<receipt_failure> failures;
  std::optional<policy_hashes> hashes;
  if (document) hashes = compute_policy_hashes(*document);
  std::map<std::string, checked_receipt> last_of_device;
  for (const auto& item : receipts) {
    auto checked = verify_receipt(item.compact_jws);
    if (!checked) {
      failures.push_back({item.name, checked.error().message});
      continue;
    }
    const auto device = checked->value.pii_principal_id;
    std::optional<std::string> problem;
    auto last = last_of_device.find(device);
    if (last != last_of_device.end()) problem = check_chain_link(last->second, *checked);
    if (!problem && document) problem = check_receipt_policy(checked->value, *document, *hashes);
    if (problem) failures.push_back({item.name, *problem});
    // A broken link is reported once: the chain goes on from this receipt.
    last_of_device.insert_or_assign(device, std::move(*checked));
  }
  return failures;
}

}  // namespace consentry::native
