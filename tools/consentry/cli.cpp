#include "cli.hpp"

#include <algorithm>
#include <iostream>

namespace consentry::cli {
namespace {
std::map<std::string_view, command>& registry() {
  static std::map<std::string_view, command> commands;
  return commands;
}
}  // namespace

registrar::registrar(const command& c) { registry().emplace(c.name, c); }

const std::map<std::string_view, command>& commands() { return registry(); }

int usage(const command& c, std::string_view message) {
  std::cerr << "consentry " << c.name << ": " << message << "\n\nusage: " << c.usage << "\n";
  return usage_error;
}

std::optional<arguments> arguments::parse(const command& c, std::span<const std::string> args,
                                          std::vector<std::string_view> value_options,
                                          std::vector<std::string_view> flags) {
  arguments parsed;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      parsed.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed.help_ = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.starts_with("--")) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    if (std::find(value_options.begin(), value_options.end(), name) != value_options.end()) {
      if (!inline_value) {
        if (i + 1 >= args.size()) {
          usage(c, name + " needs a value");
          return std::nullopt;
        }
        inline_value = args[++i];
      }
      parsed.values_.emplace(name, *inline_value);
    } else if (std::find(flags.begin(), flags.end(), name) != flags.end() && !inline_value) {
      parsed.flags_[name] = true;
    } else {
      usage(c, "unknown option " + name);
      return std::nullopt;
    }
  }
  return parsed;
}

std::optional<std::string> arguments::value(std::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> arguments::values(std::string_view name) const {
  std::vector<std::string> out;
  auto [first, last] = values_.equal_range(std::string(name));
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

}  // namespace consentry::cli
