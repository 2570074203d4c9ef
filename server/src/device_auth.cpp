#include "device_auth.hpp"

#include <algorithm>

#include "consentry/json_parse.hpp"
#include "receipt_check.hpp"

namespace consentry::server {

result<void, device_auth_error> check_device_signature(std::string_view authorization, std::string_view method,
                                                       std::string_view target, std::string_view device,
                                                       std::chrono::system_clock::time_point now) {
  if (authorization.empty())
    return device_auth_error{401, "signature-required",
                             "this request must be signed by the device's key (Authorization: Consentry-Signature "
                             "<JWS>)"};
  if (!authorization.starts_with(device_auth_scheme) || authorization.size() <= device_auth_scheme.size() + 1 ||
      authorization[device_auth_scheme.size()] != ' ')
    return device_auth_error{401, "signature-required", "the Authorization scheme must be Consentry-Signature"};
  auto token = authorization.substr(device_auth_scheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);

  auto signed_jws = verify_self_signed(token, device_request_type);
  if (!signed_jws) return device_auth_error{401, "bad-signature", "the request signature: " + signed_jws.error().reason};
  if (signed_jws->thumbprint != device)
    return device_auth_error{403, "wrong-device", "the request is signed by another device's key"};

  auto payload = parse_json(signed_jws->payload);
  if (!payload || !payload->is_object())
    return device_auth_error{401, "bad-signature", "the signed payload is not a JSON object"};
  auto member = [&](const char* name) { return payload->find(name); };
  const auto m = member("method");
  const auto p = member("path");
  const auto iat = member("iat");
  if (m == payload->end() || !m->is_string() || p == payload->end() || !p->is_string() || iat == payload->end() ||
      !iat->is_number_integer())
    return device_auth_error{401, "bad-signature",
                             "the signed payload must hold \"method\", \"path\" and \"iat\" (integer seconds)"};
  if (m->get_ref<const std::string&>() != method || p->get_ref<const std::string&>() != target)
    return device_auth_error{401, "bad-signature", "the signature is for another request (method or path differs)"};
  // Bounded before the conversion: nanoseconds of a huge count would overflow.
  const auto seconds = iat->is_number_unsigned() && iat->get<std::uint64_t>() > 100'000'000'000ull
                           ? std::int64_t{100'000'000'000}
                           : std::clamp<std::int64_t>(iat->get<std::int64_t>(), -100'000'000'000, 100'000'000'000);
  const auto issued = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
  if (issued > now + device_auth_window || issued < now - device_auth_window)
    return device_auth_error{401, "stale-signature",
                             "the signature's \"iat\" is more than five minutes from the server's clock"};
  return {};
}

}  // namespace consentry::server
