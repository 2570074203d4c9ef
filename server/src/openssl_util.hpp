// OpenSSL's queued errors as text, for the server's start-up messages.
#pragma once

#include <string>
#include <string_view>

namespace consentry::server {

/// OpenSSL's queued errors as one line (and clears the queue), for start-up messages.
std::string openssl_error_text();

}  // namespace consentry::server
