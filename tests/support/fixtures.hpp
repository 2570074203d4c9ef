// Test helpers: where the repository and the shared test data are, and reading them.
// Inputs are copied into exact-size buffers so that AddressSanitizer catches over-reads.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace consentry::test {

inline std::filesystem::path source_dir() { return CONSENTRY_SOURCE_DIR; }
inline std::filesystem::path shared_dir() { return CONSENTRY_SHARED_DIR; }

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Files of `directory` ending in `extension`, sorted by name.
inline std::vector<std::filesystem::path> files_in(const std::filesystem::path& directory,
                                                   std::string_view extension) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().extension() == extension) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A heap copy of exactly `text.size()` bytes: reading one past it is a sanitizer error.
class exact_buffer {
 public:
  explicit exact_buffer(std::string_view text) : size_(text.size()), data_(new char[text.size() ? text.size() : 1]) {
    std::copy(text.begin(), text.end(), data_.get());
  }
  std::string_view view() const noexcept { return {data_.get(), size_}; }

 private:
  std::size_t size_;
  std::unique_ptr<char[]> data_;
};

}  // namespace consentry::test
