// consentry jcs [FILE]: the RFC 8785 canonical form of a JSON document.
#include <iostream>
#include <iterator>

#include "cli.hpp"
#include "consentry/jcs.hpp"
#include "files.hpp"

namespace consentry::cli {
namespace {

int run(std::span<const std::string> args);

const command jcs_command{
    "jcs", "print the RFC 8785 canonical form of a JSON document",
    "consentry jcs [FILE]\n\n"
    "Reads FILE, or standard input when FILE is absent or `-`, and writes its RFC 8785\n"
    "(JSON Canonicalization Scheme) form to standard output with no trailing newline.\n"
    "Invalid input (a syntax error, a duplicate member name, invalid UTF-8, a lone\n"
    "surrogate, a number beyond the double range) prints `file:location: error: message`\n"
    "to standard error and exits 1.",
    run};
const registrar registered(jcs_command);

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(jcs_command, args, {}, {});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << jcs_command.usage << "\n";
    return success;
  }
  if (parsed->positionals().size() > 1) return usage(jcs_command, "expected at most one file");
  const std::string path = parsed->positionals().empty() ? "-" : parsed->positionals()[0];

  std::string text;
  std::string name = path;
  if (path == "-") {
    name = "<stdin>";
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto contents = native::read_file(path);
    if (!contents) {
      std::cerr << format(diagnostic{path, "", severity::error, contents.error().message.substr(path.size() + 2)})
                << "\n";
      return invalid;
    }
    text = std::move(*contents);
  }

  // A file on disk may be larger than what the core accepts from the network.
  json_parse_options options;
  options.max_bytes = std::size_t{1} << 30;
  auto canonical = canonicalize(text, options);
  if (!canonical) {
    std::cerr << format(diagnostic{name, canonical.error().location(), severity::error, canonical.error().message})
              << "\n";
    return invalid;
  }
  std::cout.write(canonical->data(), static_cast<std::streamsize>(canonical->size()));
  std::cout.flush();
  return std::cout ? success : invalid;
}

}  // namespace
}  // namespace consentry::cli
