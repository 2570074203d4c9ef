// The `consentry` command line: each command lives in its own file and registers
// itself here, so adding one touches nothing else.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace consentry::cli {

/// Exit codes: 0 success, 1 the input is invalid (lint errors, a failed verification), 2 misuse.
enum exit_code : int { success = 0, invalid = 1, usage_error = 2 };

struct command {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;  ///< shown by --help: synopsis, then the options
  int (*run)(std::span<const std::string> args);
};

struct registrar {
  explicit registrar(const command& c);
};

const std::map<std::string_view, command>& commands();

/// Parsed options: `--name value`, `--flag`, `-o value`, and positionals.
/// `value_options` lists the options that take a value; anything else starting
/// with `-` is a flag. `--` ends options.
class arguments {
 public:
  /// Parses `args`; on a malformed line prints the error and the usage to stderr.
  static std::optional<arguments> parse(const command& c, std::span<const std::string> args,
                                        std::vector<std::string_view> value_options,
                                        std::vector<std::string_view> flags);

  bool has(std::string_view name) const { return flags_.count(std::string(name)) > 0; }
  std::optional<std::string> value(std::string_view name) const;
  std::vector<std::string> values(std::string_view name) const;
  const std::vector<std::string>& positionals() const noexcept { return positionals_; }
  bool help() const noexcept { return help_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::map<std::string, bool> flags_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

/// Prints `consentry NAME: message` and the usage to stderr; returns usage_error.
int usage(const command& c, std::string_view message);

}  // namespace consentry::cli
