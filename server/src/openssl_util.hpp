// Small OpenSSL helpers of the server: SHA-256 and the last error as text.
#pragma once

#include <string>
#include <string_view>

namespace consentry::server {

/// The 32 raw bytes of SHA-256 (FIPS 180-4) over `data`.
std::string sha256(std::string_view data);

/// OpenSSL's queued errors as one line (and clears the queue), for start-up messages.
std::string openssl_error_text();

}  // namespace consentry::server
