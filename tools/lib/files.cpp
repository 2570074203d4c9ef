#include "files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace consentry::native {

result<std::string, file_error> read_file(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return file_error{path + ": is a directory"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error{path + ": " + std::strerror(errno)};
  std::string contents;
  char buffer[65536];
  while (contents.size() < max_bytes && in) {
    const auto wanted = std::min(sizeof buffer, max_bytes - contents.size());
    in.read(buffer, static_cast<std::streamsize>(wanted));
    contents.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return file_error{path + ": read error"};
  return result<std::string, file_error>(boost::system::in_place_value, std::move(contents));
}

result<void, file_error> write_file(const std::string& path, std::string_view contents) {
  const auto temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return file_error{temporary + ": " + std::strerror(errno)};
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) return file_error{temporary + ": write error"};
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return file_error{path + ": " + ec.message()};
  return {};
}

result<policy> load_policy_directory(const std::string& directory) {
  const auto path = (std::filesystem::path(directory) / policy_file_name).string();
  const auto limit = json_parse_options{}.max_bytes;
  // One byte past the limit tells an oversized file without reading all of it.
  auto text = read_file(path, limit + 1);
  if (!text) return diagnostics{{path, "", severity::error, text.error().message.substr(path.size() + 2)}};
  if (text->size() > limit) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return diagnostics{{path, "", severity::error,
                        "input is " + (ec ? "over " + std::to_string(limit) : std::to_string(size)) +
                            " bytes, more than the limit of " + std::to_string(limit)}};
  }
  return load_policy(*text, path);
}

}  // namespace consentry::native
