#include "ed25519.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace consentry::native {
namespace {

const unsigned char* bytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

/// libsodium is set up once, before its first use (it picks its code for this CPU).
void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) {
    // Only when the system's random source cannot be opened: nothing safe remains.
    std::fputs("consentry: libsodium could not be initialised\n", stderr);
    std::abort();
  }
}

}  // namespace

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_BYTES == 64 && crypto_sign_SEEDBYTES == 32 &&
              crypto_sign_SECRETKEYBYTES == 64);

bool ed25519_verify(std::string_view public_key, std::string_view signature, std::string_view message) noexcept {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) return false;
  ensure_sodium();
  return crypto_sign_verify_detached(bytes(signature), bytes(message), message.size(), bytes(public_key)) == 0;
}

std::optional<ed25519_key> ed25519_key::from_seed(std::string_view seed) {
  if (seed.size() != crypto_sign_SEEDBYTES) return std::nullopt;
  ensure_sodium();
  ed25519_key key;
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  if (crypto_sign_seed_keypair(public_key, key.secret_.data(), bytes(seed)) != 0) return std::nullopt;
  return key;
}

ed25519_key::~ed25519_key() { sodium_memzero(secret_.data(), secret_.size()); }

std::array<std::uint8_t, 64> ed25519_key::sign(std::string_view message) const noexcept {
  std::array<std::uint8_t, 64> signature{};
  crypto_sign_detached(signature.data(), nullptr, bytes(message), message.size(), secret_.data());
  return signature;
}

std::string_view ed25519_key::public_key() const noexcept {
  return {reinterpret_cast<const char*>(secret_.data()) + crypto_sign_SEEDBYTES, crypto_sign_PUBLICKEYBYTES};
}

}  // namespace consentry::native
