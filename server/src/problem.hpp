// Answers in the server's two shapes: JSON, and RFC 9457 problem details, whose
// `detail` says in plain words what was wrong and what to do.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace consentry::server {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

/// An `application/problem+json` answer (RFC 9457 §3): `type` is
/// `urn:consentry:problem:<kind>`, a stable name clients can branch on.
response problem_response(http::status status, std::string_view kind, std::string_view detail,
                          unsigned version = 11, bool keep_alive = true);

/// An `application/json` answer.
response json_response(http::status status, const nlohmann::json& body, unsigned version, bool keep_alive);

}  // namespace consentry::server
