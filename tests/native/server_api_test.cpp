// The receipt server's router (server/src/api.cpp) on requests the fuzz target
// fuzz/server_request.cpp found mishandled, each with the bytes it found.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "server_fixture.hpp"

namespace {

namespace http = boost::beast::http;
using consentry::test::server_environment;

struct answer {
  unsigned status = 0;
  int count = 0;
  std::string wire;
};

/// Parses `bytes` as one request, as the connection layer does, and routes it.
answer route(server_environment& environment, std::string_view bytes) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(parser.is_done());
  consentry::test::memory_storage store(consentry::server::make_countersigner(*environment.key));
  consentry::server::api handler(environment.options, *environment.checker, store, *environment.key,
                                 environment.counters, &*environment.files);
  answer out;
  handler.handle(parser.release(), "192.0.2.1", [&](unsigned status, http::message_generator generator) {
    ++out.count;
    out.status = status;
    out.wire = consentry::test::serialise(generator);
  });
  return out;
}

}  // namespace

TEST_CASE("server: the answer to HEAD has no content, errors included (RFC 9110 9.3.2; found by fuzz_server_request)") {
  server_environment environment(CONSENTRY_SOURCE_DIR "/server/tests/fixtures/policy");
  REQUIRE(environment.error.empty());
  struct row {
    const char* request;
    unsigned status;
  };
  const row rows[] = {
      // The fuzzer's input: a missing static file answered 404 with its problem body.
      {"HEAD /index.ltml HTTP/1.1\r\nHost: 127.0.01.:8080\r\n\r\n", 404},
      {"HEAD /index.html HTTP/1.1\r\nHost: a\r\n\r\n", 200},
      {"HEAD /v1/receipts HTTP/1.1\r\nHost: a\r\n\r\n", 405},
      {"HEAD /v1/nothing HTTP/1.1\r\nHost: a\r\n\r\n", 404},
      {"HEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\n", 405},
  };
  for (const auto& [request, status] : rows) {
    CAPTURE(request);
    const auto got = route(environment, request);
    CHECK(got.count == 1);
    CHECK(got.status == status);
    // Headers only: the bytes end with the blank line, and a GET's Content-Length is kept.
    CHECK(got.wire.ends_with("\r\n\r\n"));
    CHECK(got.wire.find("Content-Length: ") != std::string::npos);
  }
}
