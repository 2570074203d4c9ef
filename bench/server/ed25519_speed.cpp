// consentry-ed25519-speed: Ed25519 signatures and checks per second on one core, with
// the implementation the server uses (libsodium, tools/lib/ed25519.hpp), measured as
// `openssl speed ed25519` measures OpenSSL's: a 20-byte message, each for a few
// seconds. Prints "sign/s verify/s". The benchmark reports both ceilings: OpenSSL's,
// which the issue names, and this one, which is the server's.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ed25519.hpp"

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  if (!(seconds > 0)) {
    std::fprintf(stderr, "usage: consentry-ed25519-speed [SECONDS]\n");
    return 2;
  }
  auto key = consentry::native::ed25519_key::from_seed(std::string(32, '\x2a'));
  if (!key) return 1;
  std::string message(20, 'm');
  using clock = std::chrono::steady_clock;
  const auto rate = [&](auto&& operation) {
    std::size_t count = 0;
    const auto start = clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    while (clock::now() < until) {
      for (int i = 0; i < 64; ++i) operation(count++);
    }
    return static_cast<double>(count) / std::chrono::duration<double>(clock::now() - start).count();
  };
  std::array<std::uint8_t, 64> signature{};
  const double signs = rate([&](std::size_t n) {
    message[0] = static_cast<char>(n);
    signature = key->sign(message);
  });
  message[0] = 'm';
  signature = key->sign(message);
  const std::string signature_text(signature.begin(), signature.end());
  std::size_t refused = 0;
  const double verifies = rate(
      [&](std::size_t) { refused += !consentry::native::ed25519_verify(key->public_key(), signature_text, message); });
  if (refused != 0) {
    std::fprintf(stderr, "consentry-ed25519-speed: a good signature was refused\n");
    return 1;
  }
  std::printf("%.1f %.1f\n", signs, verifies);
  return 0;
}
