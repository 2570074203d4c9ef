// File access for the native programs (the core itself does no I/O).
#pragma once

#include <limits>
#include <optional>
#include <string>

#include "consentry/policy.hpp"

namespace consentry::native {

/// What went wrong with a file: its name and the system's reason.
struct file_error {
  std::string message;
};

/// The whole file, or an error naming the file and the system's reason. At most
/// `max_bytes` are read, so a huge file costs no more than the limit; a caller that
/// passes its limit plus one can tell "over the limit" from "exactly at it".
result<std::string, file_error> read_file(const std::string& path,
                                          std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

/// Writes `contents` to `path` through a temporary file and a rename, so that a
/// reader never sees half a file.
result<void, file_error> write_file(const std::string& path, std::string_view contents);

/// The name of the policy file in a policy directory.
inline constexpr const char* policy_file_name = "policy.json";

/// Loads `directory/policy.json`. Diagnostics name the file as given on the command line.
result<policy> load_policy_directory(const std::string& directory);

}  // namespace consentry::native
