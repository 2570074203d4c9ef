#include <doctest/doctest.h>

#include <string>

#include "consentry/hash.hpp"
#include "fixtures.hpp"

using consentry::sha256_hex;

TEST_CASE("sha256: the NIST FIPS 180-4 example vectors") {
  const struct {
    std::string message;
    const char* digest;
  } cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
      {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message.size());
    consentry::test::exact_buffer input(c.message);
    CHECK(sha256_hex(input.view()) == c.digest);
  }
}

TEST_CASE("sha256: the padding boundaries, 55 and 56 and 64 bytes (one or two final blocks)") {
  // Digests from `printf 'a%.0s' {1..N} | sha256sum`.
  CHECK(sha256_hex(std::string(55, 'a')) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(sha256_hex(std::string(56, 'a')) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(sha256_hex(std::string(64, 'a')) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("sha256: hashing in pieces of any size gives the one-shot digest") {
  std::string message;
  for (int i = 0; i < 1000; ++i) message += static_cast<char>(i * 7 + 3);
  const auto whole = consentry::sha256_of(message);
  for (std::size_t piece : {1u, 3u, 63u, 64u, 65u, 127u, 999u}) {
    consentry::sha256 hasher;
    for (std::size_t at = 0; at < message.size(); at += piece) hasher.update(std::string_view(message).substr(at, piece));
    CHECK(hasher.finish() == whole);
  }
  consentry::sha256 reused;
  reused.update("first message");
  (void)reused.finish();
  reused.update(message);
  CHECK(reused.finish() == whole);
}

TEST_CASE("sha256: the hash form is 64 lower-case hex digits") {
  CHECK(consentry::is_sha256_hex(sha256_hex("x")));
  CHECK_FALSE(consentry::is_sha256_hex("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  CHECK_FALSE(consentry::is_sha256_hex("sha-256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CHECK_FALSE(consentry::is_sha256_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"));
}
