// Verifying consent receipts natively: the core's checks plus the signature, for the
// command line and the receipt server alike.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consentry/receipt.hpp"

namespace consentry::native {

/// One receipt in full: a strict compact JWS with an allowed algorithm, a signature
/// that matches the key in its header, a canonical payload that is a receipt, and that
/// key being the receipt's principal.
result<checked_receipt, receipt_error> verify_receipt(std::string_view compact_jws);

/// A receipt file's JWS: its bytes, less one final line feed if there is one.
std::string_view receipt_text_of_file(std::string_view contents) noexcept;

struct named_receipt {
  std::string name;  ///< a file name, for the report
  std::string compact_jws;
};

struct receipt_failure {
  std::string name;
  std::string reason;
};

/// Verifies `receipts` in the order given: each alone (`verify_receipt`); then, per
/// device (principal), each receipt after the first must link to the one before it
/// (`check_chain_link`); then, when `document` is given, each must be of that policy
/// with its hashes. One failure per failing receipt, its first problem.
std::vector<receipt_failure> verify_receipts(const std::vector<named_receipt>& receipts,
                                             const policy* document = nullptr);

}  // namespace consentry::native
