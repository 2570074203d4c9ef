// --static DIR: the demo site and the browser package, from the same origin as
// the receipt API. Only regular files under DIR are served: no "..", no hidden
// files, no symbolic link that leads out of DIR.
#pragma once

#include <filesystem>
#include <string>
#include <variant>

#include <boost/beast/http.hpp>

#include "consentry/result.hpp"
#include "problem.hpp"

namespace consentry::server {

using file_response = http::response<http::file_body>;

class static_files {
 public:
  static result<static_files, std::string> open(const std::string& directory, std::string content_security_policy);

  /// The file the request names, or the answer that replaces it (404, 400, a
  /// redirect from a folder to its trailing-slash form).
  std::variant<file_response, response> serve(const request& req) const;

  /// The Content-Type for a file name: text/javascript for .js and .mjs (RFC 9239),
  /// application/wasm for .wasm (so that streaming compilation works).
  static std::string_view content_type(const std::filesystem::path& file);

 private:
  std::filesystem::path root_;
  std::string csp_;
};

}  // namespace consentry::server
