#include "files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace consentry::native {

result<std::string, file_error> read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return file_error{path + ": is a directory"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error{path + ": " + std::strerror(errno)};
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return file_error{path + ": read error"};
  return result<std::string, file_error>(boost::system::in_place_value, std::move(contents).str());
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
  auto text = read_file(path);
  if (!text) return diagnostics{{path, "", severity::error, text.error().message.substr(path.size() + 2)}};
  return load_policy(*text, path);
}

}  // namespace consentry::native
