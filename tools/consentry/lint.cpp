// consentry lint DIR: every problem in a policy, as `file:pointer: level: message`.
#include <iostream>

#include "cli.hpp"
#include "files.hpp"

namespace consentry::cli {
namespace {

int run(std::span<const std::string> args);

const command lint_command{
    "lint", "check a policy directory for errors and likely mistakes",
    "consentry lint DIR\n\n"
    "Loads DIR/policy.json and prints one line per finding, `file:pointer: error|warning: message`.\n"
    "Exits 1 when there is any error, 0 otherwise (warnings alone do not fail).",
    run};
const registrar registered(lint_command);

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(lint_command, args, {}, {});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << lint_command.usage << "\n";
    return success;
  }
  if (parsed->positionals().size() != 1) return usage(lint_command, "expected one policy directory");
  const auto& directory = parsed->positionals()[0];
  auto loaded = native::load_policy_directory(directory);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::cout << format(d) << "\n";
    return invalid;
  }
  const auto findings = lint_policy(*loaded, directory + "/" + native::policy_file_name);
  for (const auto& d : findings) std::cout << format(d) << "\n";
  return has_errors(findings) ? invalid : success;
}

}  // namespace
}  // namespace consentry::cli
