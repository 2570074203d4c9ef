// Fuzz target: the receipt server's request handling, without a socket. The bytes are
// what a client sends on one connection: Beast's parser reads them with the limits the
// connection layer sets (server/src/http_server.cpp), and each complete request goes to
// the API's router (api::handle) over an in-memory storage. Every request must get
// exactly one answer, a well-formed HTTP response whose errors are RFC 9457 problems,
// and no answer may carry a byte of a file outside the --static folder.
//
// Two harness conveniences reach past the signature checks, as a device signing what it
// likes with its own key would: a POST /v1/receipts body that is a JSON object, and an
// `Authorization: Consentry-Signature {…}` whose token is a JSON object, are signed by
// the harness's fixed device key (test_signer.hpp) before the API sees them.
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "consentry/json_parse.hpp"
#include "consentry/receipt.hpp"
#include "device_auth.hpp"
#include "fuzz_support.hpp"
#include "server_fixture.hpp"
#include "test_signer.hpp"

namespace {

using namespace consentry;
using namespace consentry::server;
namespace beast = boost::beast;

/// What lives for the whole run: the server key, the policy, the static folder.
struct environment {
  test::server_environment server{CONSENTRY_SOURCE_DIR "/server/tests/fixtures/policy"};
  fuzz::test_signer device;
};

environment* env = nullptr;

/// A body or token that is a JSON object is signed by the device key, as explained above.
void sign_for_the_fuzzer(request& req) {
  if (req.method() == http::verb::post && req.target() == "/v1/receipts" && req.body().starts_with('{')) {
    req.body() = env->device.sign(req.body(), receipt_media_type);
    req.prepare_payload();
  }
  const auto authorization = std::string_view(req[http::field::authorization]);
  constexpr std::string_view scheme = "Consentry-Signature {";
  if (authorization.starts_with(scheme)) {
    const auto token = env->device.sign(authorization.substr(scheme.size() - 1), device_request_type);
    req.set(http::field::authorization, "Consentry-Signature " + token);
  }
}

/// `input_has_secret`: the fuzzer learns the secret from the check below (libFuzzer hooks
/// string searches) and may send it in a receipt or a path, which answers may echo; only
/// an input without it shows that the secret came from a file outside `--static`.
void check_answer(const request& req, unsigned status, const std::string& wire, bool input_has_secret) {
  CONSENTRY_FUZZ_CHECK(status >= 100 && status <= 599);
  CONSENTRY_FUZZ_CHECK(input_has_secret || wire.find(test::server_environment::secret) == std::string::npos);
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(std::uint64_t{1} << 24);
  if (req.method() == http::verb::head) parser.skip(true);
  beast::error_code ec;
  const auto used = parser.put(boost::asio::buffer(wire), ec);
  CONSENTRY_FUZZ_CHECK(!ec);
  if (!parser.is_done()) {
    parser.put_eof(ec);
    CONSENTRY_FUZZ_CHECK(!ec);
  }
  CONSENTRY_FUZZ_CHECK(parser.is_done());
  CONSENTRY_FUZZ_CHECK(used == wire.size());
  const auto& answer = parser.get();
  CONSENTRY_FUZZ_CHECK(answer.result_int() == status);
  if (status >= 400 && req.method() != http::verb::head) {
    // RFC 9457: a problem, with the status it is sent with, and a reason for people.
    CONSENTRY_FUZZ_CHECK(answer[http::field::content_type] == "application/problem+json");
    auto problem = parse_json(answer.body());
    CONSENTRY_FUZZ_CHECK(problem.has_value() && problem->is_object());
    const auto status_member = problem->find("status");
    CONSENTRY_FUZZ_CHECK(status_member != problem->end() && *status_member == status);
    const auto detail = problem->find("detail");
    CONSENTRY_FUZZ_CHECK(detail != problem->end() && detail->is_string() && !detail->get_ref<const std::string&>().empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  env = new environment;
  if (!env->server.error.empty()) {
    std::fprintf(stderr, "fuzz_server_request: setup: %s\n", env->server.error.c_str());
    std::exit(2);
  }
  std::atexit([] { delete env; });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& setup = env->server;
  test::memory_storage store(make_countersigner(*setup.key));
  // A new API per input: its rate limiters start afresh, so each run is deterministic.
  api handler(setup.options, *setup.checker, store, *setup.key, setup.counters, &*setup.files);

  const auto input = std::string_view(reinterpret_cast<const char*>(data), size);
  const bool input_has_secret = input.find(test::server_environment::secret) != std::string_view::npos;
  auto bytes = boost::asio::const_buffer(data, size);
  // Pipelined requests on one connection; a handful is enough to find state between them.
  for (int n = 0; n < 8 && bytes.size() > 0; ++n) {
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(static_cast<std::uint32_t>(setup.options.max_header_bytes));
    parser.body_limit(setup.options.max_body_bytes);
    beast::error_code ec;
    const auto used = parser.put(bytes, ec);
    // The connection layer answers these itself (400, 413, 431) and closes.
    if (ec || !parser.is_done()) return 0;
    bytes += used;

    auto req = parser.release();
    sign_for_the_fuzzer(req);
    const auto copy = req;  // for the checks, after the API has taken the request
    int answers = 0;
    unsigned status = 0;
    std::optional<http::message_generator> answer;
    handler.handle(std::move(req), "192.0.2.1", [&](unsigned s, http::message_generator a) {
      ++answers;
      status = s;
      answer.emplace(std::move(a));
    });
    CONSENTRY_FUZZ_CHECK(answers == 1);
    check_answer(copy, status, test::serialise(*answer), input_has_secret);
  }
  return 0;
}
