// OpenSSL 3 (EVP) for what JWS needs of it: key files (PKCS #8 PEM), ECDSA P-256 with
// signatures converted between DER (OpenSSL) and r‖s (JWS, WebCrypto), and random
// bytes. Ed25519 signing and checking is libsodium's (ed25519.hpp); OpenSSL reads the
// key it signs with.
#include "openssl_keys.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "consentry/base64url.hpp"

namespace consentry::native {
namespace {

struct pkey_free {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct pkey_ctx_free {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct bio_free {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct bn_free {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
struct sig_free {
  void operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
};
struct param_bld_free {
  void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct param_free {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;
using sig_ptr = std::unique_ptr<ECDSA_SIG, sig_free>;

/// OpenSSL's last error, or `fallback` when it queued none.
jws_error openssl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return jws_error{what};
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return jws_error{what + " (" + text + ")"};
}

const unsigned char* bytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

bool is_p256(EVP_PKEY* key) {
  char group[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1) return false;
  return std::string_view(group, length) == "prime256v1" || std::string_view(group, length) == "P-256";
}

result<public_jwk, jws_error> public_jwk_of(EVP_PKEY* key, jws_algorithm algorithm) {
  if (algorithm == jws_algorithm::ed25519) {
    unsigned char raw[32];
    std::size_t length = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1 || length != 32) {
      return openssl_error("cannot read the Ed25519 public key");
    }
    return public_jwk{"OKP", "Ed25519", base64url_encode(std::string_view(reinterpret_cast<char*>(raw), 32)),
                      std::nullopt};
  }
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
      EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1) {
    BN_free(x);
    return openssl_error("cannot read the P-256 public key");
  }
  bn_ptr x_holder(x), y_holder(y);
  std::string xs(32, '\0'), ys(32, '\0');
  if (BN_bn2binpad(x, reinterpret_cast<unsigned char*>(xs.data()), 32) != 32 ||
      BN_bn2binpad(y, reinterpret_cast<unsigned char*>(ys.data()), 32) != 32) {
    return openssl_error("cannot write the P-256 public key");
  }
  return public_jwk{"EC", "P-256", base64url_encode(xs), base64url_encode(ys)};
}

/// The public key of a P-256 JWK as an OpenSSL key.
result<pkey_ptr, jws_error> p256_key_of(const public_jwk& jwk) {
  if (jwk.kty != "EC" || jwk.crv != "P-256" || !jwk.y) return jws_error{"not a P-256 key"};
  auto x = base64url_decode(jwk.x);
  if (!x || x->size() != 32) return jws_error{"the key's \"x\" is not 32 bytes of base64url"};
  auto y = base64url_decode(*jwk.y);
  if (!y || y->size() != 32) return jws_error{"the key's \"y\" is not 32 bytes of base64url"};
  const std::string point = "\x04" + *x + *y;  // SEC 1 §2.3.3, uncompressed
  std::unique_ptr<OSSL_PARAM_BLD, param_bld_free> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return openssl_error("cannot describe the P-256 key");
  }
  std::unique_ptr<OSSL_PARAM, param_free> params(OSSL_PARAM_BLD_to_param(builder.get()));
  pkey_ctx_ptr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return openssl_error("the key's point is not on the P-256 curve");
  }
  return result<pkey_ptr, jws_error>(boost::system::in_place_value, pkey_ptr(raw));
}

}  // namespace

/// One of the two: an Ed25519 key as libsodium signs with it, or a P-256 key for OpenSSL.
struct openssl_signer::key_holder {
  std::optional<ed25519_key> ed25519;
  pkey_ptr p256;
};

std::optional<ed25519_key> ed25519_key_of(EVP_PKEY* key) {
  std::array<unsigned char, 32> seed{};
  std::size_t length = seed.size();
  if (!key || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 ||
      EVP_PKEY_get_raw_private_key(key, seed.data(), &length) != 1 || length != seed.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  auto out = ed25519_key::from_seed(std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()));
  OPENSSL_cleanse(seed.data(), seed.size());
  return out;
}

openssl_signer::openssl_signer(std::unique_ptr<key_holder> key, jws_algorithm algorithm, public_jwk public_key)
    : key_(std::move(key)), algorithm_(algorithm), public_key_(std::move(public_key)) {}

openssl_signer::~openssl_signer() = default;

result<std::string, jws_error> generate_private_key_pem(jws_algorithm algorithm) {
  pkey_ptr key(algorithm == jws_algorithm::es256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                                 : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return openssl_error("key generation failed");
  bio_ptr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error("cannot write the key as PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return result<std::string, jws_error>(boost::system::in_place_value, std::string(data, static_cast<std::size_t>(size)));
}

result<void, jws_error> write_private_key_file(const std::string& path, std::string_view pem) {
  if (::access(path.c_str(), F_OK) == 0) return jws_error{path + ": exists; a key is never overwritten"};
  const auto temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return jws_error{temporary + ": " + std::strerror(errno)};
  std::size_t written = 0;
  while (written < pem.size()) {
    const auto n = ::write(fd, pem.data() + written, pem.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      return jws_error{temporary + ": " + reason};
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temporary.c_str());
    return jws_error{temporary + ": " + std::strerror(errno)};
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return jws_error{path + ": " + std::strerror(errno)};
  }
  return {};
}

result<std::unique_ptr<openssl_signer>, jws_error> openssl_signer::from_pem(std::string_view pem) {
  bio_ptr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  pkey_ptr key(in ? PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return openssl_error("not a PEM private key");
  jws_algorithm algorithm;
  if (EVP_PKEY_is_a(key.get(), "ED25519")) {
    algorithm = jws_algorithm::ed25519;
  } else if (EVP_PKEY_is_a(key.get(), "EC") && is_p256(key.get())) {
    algorithm = jws_algorithm::es256;
  } else {
    return jws_error{"the key is neither Ed25519 nor EC P-256"};
  }
  auto jwk = public_jwk_of(key.get(), algorithm);
  if (!jwk) return jwk.error();
  auto holder = std::make_unique<key_holder>();
  if (algorithm == jws_algorithm::ed25519) {
    holder->ed25519 = ed25519_key_of(key.get());
    if (!holder->ed25519) return jws_error{"cannot read the Ed25519 private key"};
  } else {
    holder->p256 = std::move(key);
  }
  return std::unique_ptr<openssl_signer>(new openssl_signer(std::move(holder), algorithm, std::move(*jwk)));
}

result<std::string, jws_error> openssl_signer::sign(std::string_view signing_input) {
  if (key_->ed25519) {
    const auto signature = key_->ed25519->sign(signing_input);
    return result<std::string, jws_error>(boost::system::in_place_value,
                                          std::string(signature.begin(), signature.end()));
  }
  md_ctx_ptr context(EVP_MD_CTX_new());  // ES256
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key_->p256.get()) != 1) {
    return openssl_error("cannot start signing");
  }
  std::size_t size = 0;
  if (EVP_DigestSign(context.get(), nullptr, &size, bytes(signing_input), signing_input.size()) != 1) {
    return openssl_error("cannot size the signature");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, bytes(signing_input),
                     signing_input.size()) != 1) {
    return openssl_error("signing failed");
  }
  signature.resize(size);

  // OpenSSL writes ECDSA signatures in DER; JWS wants r‖s, each 32 bytes (RFC 7518 §3.4).
  const unsigned char* der = bytes(signature);
  sig_ptr parsed(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size())));
  if (!parsed) return openssl_error("cannot read the ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(parsed.get(), &r, &s);
  std::string raw(64, '\0');
  if (BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32) != 32 ||
      BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32) != 32) {
    return openssl_error("cannot write the ECDSA signature as r||s");
  }
  return result<std::string, jws_error>(boost::system::in_place_value, std::move(raw));
}

result<void, jws_error> verify_jws_signature(const parsed_jws& jws) {
  if (jws.algorithm != jws_algorithm::es256) {  // Ed25519, by either of its names
    if (jws.key.kty != "OKP" || jws.key.crv != "Ed25519") return jws_error{"not an Ed25519 key"};
    auto x = base64url_decode(jws.key.x);
    if (!x || x->size() != 32) return jws_error{"the key's \"x\" is not 32 bytes of base64url"};
    if (!ed25519_verify(*x, jws.signature, jws.signing_input))
      return jws_error{"the signature does not match the header and payload"};
    return {};
  }
  // ES256: OpenSSL reads ECDSA signatures in DER, JWS carries r‖s (RFC 7518 §3.4).
  auto key = p256_key_of(jws.key);
  if (!key) return key.error();
  if (jws.signature.size() != 64) return jws_error{"an ES256 signature has 64 bytes"};
  std::string signature;
  {
    sig_ptr sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(bytes(jws.signature), 32, nullptr);
    BIGNUM* s = BN_bin2bn(bytes(jws.signature) + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
      BN_free(r);
      BN_free(s);
      return openssl_error("cannot read the ECDSA signature");
    }
    unsigned char* der = nullptr;
    const int size = i2d_ECDSA_SIG(sig.get(), &der);
    if (size <= 0) return openssl_error("cannot encode the ECDSA signature");
    signature.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
  }
  md_ctx_ptr context(EVP_MD_CTX_new());
  if (!context || EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key->get()) != 1) {
    return openssl_error("cannot start verifying");
  }
  const int verified = EVP_DigestVerify(context.get(), bytes(signature), signature.size(), bytes(jws.signing_input),
                                        jws.signing_input.size());
  ERR_clear_error();
  if (verified != 1) return jws_error{"the signature does not match the header and payload"};
  return {};
}

std::array<std::uint8_t, 16> random_16_bytes() {
  std::array<std::uint8_t, 16> out{};
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    // No entropy means no receipt id; there is nothing safe to fall back to.
    std::fputs("consentry: the system's random source failed\n", stderr);
    std::abort();
  }
  return out;
}

}  // namespace consentry::native
