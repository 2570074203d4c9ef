// consentry-make-receipts: distinct, valid, chained receipts for the server
// benchmark, one JWS per line. Devices' chains are interleaved (every device's first
// receipt, then every device's second, …) so that a receipt is sent long after the
// one it follows was stored, as real devices do.
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "interim_base64url.hpp"
#include "openssl_util.hpp"

using consentry::server::sha256;
using consentry::server::interim::base64url_encode;

namespace {

struct device {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
  std::string jwk_x;
  std::string thumbprint;
  std::string head;
};

std::string uuid4(std::mt19937_64& random) {
  const auto high = random();
  const auto low = random();
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xfff),
                static_cast<unsigned>(0x8000 | (low >> 48 & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

std::string sign(device& d, const std::string& payload) {
  const std::string header = R"({"alg":"Ed25519","jwk":{"crv":"Ed25519","kty":"OKP","x":")" + d.jwk_x + "\"}}";
  std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  unsigned char signature[64];
  std::size_t length = sizeof signature;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, d.key.get());
  EVP_DigestSign(context.get(), signature, &length, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  return input + "." + base64url_encode(std::string_view(reinterpret_cast<const char*>(signature), length));
}

}  // namespace

int main(int argc, char** argv) {
  std::string policy_id, policy_hash, out_file;
  std::size_t devices = 1000, per_device = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--policy-id") policy_id = value;
    else if (flag == "--policy-hash") policy_hash = value;
    else if (flag == "--devices") devices = std::stoul(value);
    else if (flag == "--per-device") per_device = std::stoul(value);
    else if (flag == "--out") out_file = value;
    else {
      std::cerr << "consentry-make-receipts: unknown option " << flag << "\n";
      return 2;
    }
  }
  if (policy_id.empty() || policy_hash.empty() || out_file.empty()) {
    std::cerr << "usage: consentry-make-receipts --policy-id ID --policy-hash HASH --devices N --per-device K --out FILE\n";
    return 2;
  }
  std::mt19937_64 random(std::random_device{}());
  std::vector<device> list(devices);
  for (auto& d : list) {
    d.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    unsigned char raw[32];
    std::size_t length = sizeof raw;
    EVP_PKEY_get_raw_public_key(d.key.get(), raw, &length);
    d.jwk_x = base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), length));
    d.thumbprint = base64url_encode(sha256(R"({"crv":"Ed25519","kty":"OKP","x":")" + d.jwk_x + "\"}"));
  }
  std::ofstream out(out_file, std::ios::binary | std::ios::trunc);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::size_t position = 0; position < per_device; ++position) {
    for (auto& d : list) {
      std::string payload = R"({"consent_timestamp":)" + std::to_string(now) + R"(,"policy_hash":")" + policy_hash +
                            R"(","policy_id":")" + policy_id + "\"";
      if (!d.head.empty()) payload += R"(,"previous_receipt_hash":")" + d.head + "\"";
      payload += R"(,"principal_id":")" + d.thumbprint + R"(","receipt_id":")" + uuid4(random) + "\"}";
      const auto jws = sign(d, payload);
      d.head = base64url_encode(sha256(jws));
      out << jws << '\n';
    }
  }
  return out ? 0 : 1;
}
