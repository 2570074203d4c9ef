#include "problem.hpp"

namespace consentry::server {

response problem_response(http::status status, std::string_view kind, std::string_view detail, unsigned version,
                          bool keep_alive) {
  nlohmann::json body{{"type", "urn:consentry:problem:" + std::string(kind)},
                      {"title", std::string(http::obsolete_reason(status))},
                      {"status", static_cast<unsigned>(status)},
                      {"detail", std::string(detail)}};
  response answer(status, version);
  answer.set(http::field::content_type, "application/problem+json");
  answer.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  answer.keep_alive(keep_alive);
  answer.prepare_payload();
  return answer;
}

response json_response(http::status status, const nlohmann::json& body, unsigned version, bool keep_alive) {
  response answer(status, version);
  answer.set(http::field::content_type, "application/json");
  answer.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  answer.keep_alive(keep_alive);
  answer.prepare_payload();
  return answer;
}

}  // namespace consentry::server
