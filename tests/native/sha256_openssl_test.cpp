// The core's portable SHA-256 against OpenSSL's, on random inputs of every length
// around the block and padding boundaries and some long ones.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <string>

#include "consentry/hash.hpp"

namespace {
consentry::sha256_digest openssl_sha256(const std::string& bytes) {
  consentry::sha256_digest digest{};
  unsigned int size = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) == 1);
  REQUIRE(size == digest.size());
  return digest;
}

std::string random_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  if (size > 0) REQUIRE(RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(size)) == 1);
  return bytes;
}
}  // namespace

TEST_CASE("sha256: agrees with OpenSSL on random inputs of lengths 0 to 1100 and some long ones") {
  std::size_t compared = 0;
  for (std::size_t length = 0; length <= 1100; ++length) {
    for (int round = 0; round < 3; ++round) {
      const auto bytes = random_bytes(length);
      CAPTURE(length);
      CHECK(consentry::sha256_of(bytes) == openssl_sha256(bytes));
      ++compared;
    }
  }
  for (std::size_t length : {4095u, 4096u, 65537u, 1u << 20}) {
    const auto bytes = random_bytes(length);
    CAPTURE(length);
    CHECK(consentry::sha256_of(bytes) == openssl_sha256(bytes));
    ++compared;
  }
  CHECK(compared == 3 * 1101 + 4);
}
