#include "server_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "consentry/base64url.hpp"
#include "consentry/jws.hpp"
#include "files.hpp"
#include "openssl_keys.hpp"
#include "openssl_util.hpp"

namespace consentry::server {
namespace {

using key_result = result<server_key, std::string>;

std::string system_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// The key is written to a private temporary file, synced, then linked into place:
// link() fails when the name exists, so two servers starting together on one key
// path end up sharing one complete key rather than a torn one.
result<void, std::string> write_private_file(const std::filesystem::path& path, std::string_view contents) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return path.parent_path().string() + ": cannot create the folder: " + ec.message();
  }
  const auto temporary = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return system_error(temporary);
  bool written = ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size());
  written = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return system_error(temporary);
  }
  const int linked = ::link(temporary.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temporary.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    errno = link_errno;
    return system_error(path.string());
  }
  return {};
}

}  // namespace

key_result server_key::load_or_create(const std::string& path) {
  server_key key;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> fresh(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
                                                              EVP_PKEY_free);
    if (!fresh) return "cannot create an Ed25519 key: " + openssl_error_text();
    std::unique_ptr<BIO, decltype(&BIO_free)> memory(BIO_new(BIO_s_mem()), BIO_free);
    if (!PEM_write_bio_PrivateKey(memory.get(), fresh.get(), nullptr, nullptr, 0, nullptr, nullptr))
      return "cannot encode the new key: " + openssl_error_text();
    char* data = nullptr;
    const long size = BIO_get_mem_data(memory.get(), &data);
    if (auto written = write_private_file(path, std::string_view(data, static_cast<std::size_t>(size)));
        !written)
      return "cannot create the key file " + written.error();
    key.created_ = true;
  }

  auto text = native::read_file(path);
  if (!text) return "cannot read the key file " + text.error().message;
  std::unique_ptr<BIO, decltype(&BIO_free)> memory(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())),
                                                   BIO_free);
  const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned(
      PEM_read_bio_PrivateKey(memory.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  EVP_PKEY* loaded = owned.get();
  if (!loaded) {
    openssl_error_text();
    return "the key file " + path + " does not hold a PEM private key (PKCS #8, unencrypted)";
  }
  if (EVP_PKEY_get_id(loaded) != EVP_PKEY_ED25519)
    return "the key file " + path + " holds a " + std::string(EVP_PKEY_get0_type_name(loaded)) +
           " key; the server signs with Ed25519";

  struct stat status {};
  if (::stat(path.c_str(), &status) == 0 && (status.st_mode & 077) != 0)
    std::fprintf(stderr, "consentry-server: warning: the key file %s is readable by others (mode %03o)\n",
                 path.c_str(), static_cast<unsigned>(status.st_mode & 0777));

  auto signing = native::ed25519_key_of(loaded);
  if (!signing) return "cannot read the Ed25519 private key in " + path;
  key.signing_ = std::make_shared<const native::ed25519_key>(std::move(*signing));

  const public_jwk jwk{"OKP", "Ed25519", base64url_encode(key.signing_->public_key()), std::nullopt};
  key.key_id_ = jwk_thumbprint(jwk);  // RFC 7638, as receipts name their device keys
  auto published = to_json(jwk);
  published["kid"] = key.key_id_;
  published["alg"] = "Ed25519";
  published["use"] = "sig";
  key.jwk_ = published.dump();
  return key_result(boost::system::in_place_value, std::move(key));
}

std::string server_key::sign_compact(std::string_view payload, std::string_view type) const {
  // Members in lexicographic order, so the header is the same bytes on every server.
  const std::string header = R"({"alg":"Ed25519","kid":")" + key_id_ + R"(","typ":")" + std::string(type) + "\"}";
  std::string signing_input = base64url_encode(header);
  signing_input += '.';
  signing_input += base64url_encode(payload);

  const auto signature = signing_->sign(signing_input);
  signing_input += '.';
  signing_input += base64url_encode(
      std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
  return signing_input;
}

}  // namespace consentry::server
