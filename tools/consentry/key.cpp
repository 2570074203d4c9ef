// consentry key generate --alg Ed25519|ES256 -o KEY.pem: a signing key for receipts.
#include <iostream>

#include "cli.hpp"
#include "files.hpp"
#include "openssl_keys.hpp"

namespace consentry::cli {
namespace {

int run(std::span<const std::string> args);

const command key_command{
    "key", "make a key that signs consent receipts",
    "consentry key generate --alg Ed25519|ES256 -o KEY.pem\n\n"
    "Writes a new private key as PKCS#8 PEM, readable by its owner only, and prints its\n"
    "public JWK and RFC 7638 thumbprint (the principal id of the receipts it signs).\n"
    "Ed25519 is the default; ES256 (P-256) is for browsers without Ed25519. An existing\n"
    "file is never overwritten.",
    run};
const registrar registered(key_command);

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(key_command, args, {"--alg", "-o", "--output"}, {});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << key_command.usage << "\n";
    return success;
  }
  if (parsed->positionals().size() != 1 || parsed->positionals()[0] != "generate") {
    return usage(key_command, "expected the subcommand generate");
  }
  const auto name = parsed->value("--alg").value_or("Ed25519");
  const auto algorithm = jws_algorithm_from_name(name);
  if (!algorithm || *algorithm == jws_algorithm::eddsa) {
    return usage(key_command, "unknown algorithm \"" + name + "\"; expected Ed25519 or ES256");
  }
  const auto output = parsed->value("-o") ? parsed->value("-o") : parsed->value("--output");
  if (!output) return usage(key_command, "expected -o KEY.pem");

  auto pem = native::generate_private_key_pem(*algorithm);
  if (!pem) {
    std::cerr << "consentry key: " << pem.error().message << "\n";
    return invalid;
  }
  if (auto written = native::write_private_key_file(*output, *pem); !written) {
    std::cerr << "consentry key: " << written.error().message << "\n";
    return invalid;
  }
  auto signer = native::openssl_signer::from_pem(*pem);
  if (!signer) {
    std::cerr << "consentry key: " << signer.error().message << "\n";
    return invalid;
  }
  const auto jwk = (*signer)->public_key();
  std::cout << "public key: " << to_json(jwk).dump() << "\nthumbprint: " << jwk_thumbprint(jwk) << "\n";
  return success;
}

}  // namespace
}  // namespace consentry::cli
