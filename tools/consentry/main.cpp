// consentry: lint, render, build and verify privacy policies and consent receipts.
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace {
void overview(std::ostream& out) {
  out << "usage: consentry COMMAND [OPTIONS]\n\ncommands:\n";
  for (const auto& [name, c] : consentry::cli::commands()) {
    out << "  " << name << std::string(name.size() < 10 ? 10 - name.size() : 1, ' ') << c.summary << "\n";
  }
  out << "\n`consentry COMMAND --help` describes a command.\n";
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    overview(std::cerr);
    return consentry::cli::usage_error;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    overview(std::cout);
    return consentry::cli::success;
  }
  const auto& commands = consentry::cli::commands();
  auto it = commands.find(args[0]);
  if (it == commands.end()) {
    std::cerr << "consentry: unknown command \"" << args[0] << "\"\n\n";
    overview(std::cerr);
    return consentry::cli::usage_error;
  }
  return it->second.run(std::span<const std::string>(args).subspan(1));
}
