#include "consentry/diagnostic.hpp"

namespace consentry {

std::string format(const diagnostic& d) {
  std::string line = d.file;
  if (!d.location.empty()) {
    line += ':';
    line += d.location;
  }
  line += d.level == severity::error ? ": error: " : ": warning: ";
  line += d.message;
  return line;
}

bool has_errors(const diagnostics& list) noexcept {
  for (const auto& d : list) {
    if (d.level == severity::error) return true;
  }
  return false;
}

}  // namespace consentry
