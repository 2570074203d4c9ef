#include "static_files.hpp"

#include <array>
#include <utility>

namespace consentry::server {
namespace {

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex(text[i + 1]);
    const int low = hex(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

bool inside(const std::filesystem::path& root, const std::filesystem::path& candidate) {
  auto r = root.begin();
  auto c = candidate.begin();
  for (; r != root.end(); ++r, ++c) {
    if (c == candidate.end() || *r != *c) return false;
  }
  return true;
}

}  // namespace

result<static_files, std::string> static_files::open(const std::string& directory, std::string content_security_policy) {
  std::error_code ec;
  auto root = std::filesystem::canonical(directory, ec);
  if (ec || !std::filesystem::is_directory(root, ec))
    return "--static " + directory + ": not a readable folder" + (ec ? " (" + ec.message() + ")" : std::string());
  static_files files;
  files.root_ = std::move(root);
  files.csp_ = std::move(content_security_policy);
  return result<static_files, std::string>(boost::system::in_place_value, std::move(files));
}

std::string_view static_files::content_type(const std::filesystem::path& file) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> types{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".ts", "text/plain; charset=utf-8"},
      {".pem", "text/plain; charset=utf-8"},
  }};
  const auto extension = file.extension().string();
  for (const auto& [suffix, type] : types) {
    if (extension == suffix) return type;
  }
  return "application/octet-stream";
}

std::variant<file_response, response> static_files::serve(const request& req) const {
  const auto version = req.version();
  const auto keep_alive = req.keep_alive();
  auto target = std::string_view(req.target());
  target = target.substr(0, target.find_first_of("?#"));
  auto decoded = percent_decode(target);
  if (!decoded || decoded->empty() || decoded->front() != '/' || decoded->find('\0') != std::string::npos ||
      decoded->find('\\') != std::string::npos)
    return problem_response(http::status::bad_request, "bad-path", "the path is not a valid file path", version,
                            keep_alive);
  const auto not_found = [&] {
    return problem_response(http::status::not_found, "not-found", "there is no such file", version, keep_alive);
  };

  std::filesystem::path path = root_;
  std::string_view rest = *decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty()) continue;
    // ".." never climbs, and dot-files (.git, .env) are never served.
    if (segment.front() == '.') return not_found();
    path /= std::string(segment);
  }

  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    if (!decoded->ends_with('/')) {
      response redirect(http::status::moved_permanently, version);
      redirect.set(http::field::location, std::string(target) + "/");
      redirect.keep_alive(keep_alive);
      redirect.prepare_payload();
      return redirect;
    }
    path /= "index.html";
  }
  const auto resolved = std::filesystem::canonical(path, ec);
  if (ec || !inside(root_, resolved) || !std::filesystem::is_regular_file(resolved, ec)) return not_found();

  http::file_body::value_type body;
  boost::beast::error_code open_error;
  body.open(resolved.c_str(), boost::beast::file_mode::scan, open_error);
  if (open_error) return not_found();
  const auto size = body.size();
  file_response answer(std::piecewise_construct, std::make_tuple(std::move(body)),
                       std::make_tuple(http::status::ok, version));
  answer.set(http::field::content_type, content_type(resolved));
  answer.set(http::field::cache_control, "no-cache");
  answer.set("X-Content-Type-Options", "nosniff");
  answer.set("Referrer-Policy", "no-referrer");
  if (!csp_.empty()) answer.set("Content-Security-Policy", csp_);
  answer.content_length(size);
  answer.keep_alive(keep_alive);
  return answer;
}

}  // namespace consentry::server
