// Requests signed by a device key: how a device proves it may read its own chain.
//
//   Authorization: Consentry-Signature <JWS compact serialisation>
//
// The JWS is signed by the device key, carries the public key as `jwk` in its
// protected header as receipts do, with "typ":"consentry-request+jws" (so that no
// other signed object can pass for a request, RFC 8725 §3.11), and its payload is
// the JSON object
//   {"method":"GET","path":"/v1/devices/<thumbprint>/receipts?…","iat":<unix seconds>}
// naming the request's method and whole target. The server checks the signature,
// that the key's RFC 7638 thumbprint is the one in the path, that method and
// target are this request's, and that `iat` is within five minutes of its clock.
// Reading is the only thing such a request can do, so a replay within those five
// minutes reveals nothing its owner has not already been shown.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "consentry/result.hpp"

namespace consentry::server {

struct device_auth_error {
  unsigned status = 401;  ///< 401 unsigned or badly signed; 403 signed by another device
  std::string kind;
  std::string reason;
};

inline constexpr std::string_view device_auth_scheme = "Consentry-Signature";
inline constexpr std::string_view device_request_type = "consentry-request+jws";
inline constexpr std::chrono::seconds device_auth_window{300};

/// Checks `authorization` (the header's value) for a request of `method` to
/// `target` that must be signed by the device whose thumbprint is `device`.
result<void, device_auth_error> check_device_signature(std::string_view authorization, std::string_view method,
                                                       std::string_view target, std::string_view device,
                                                       std::chrono::system_clock::time_point now);

}  // namespace consentry::server
