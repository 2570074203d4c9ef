// consentry render DIR --format …: the notice, the banner or the preferences, for people.
#include <iostream>

#include "cli.hpp"
#include "consentry/notice.hpp"
#include "files.hpp"

namespace consentry::cli {
namespace {

int run(std::span<const std::string> args);

const command render_command{
    "render", "write a policy's notice as text, Markdown or HTML",
    "consentry render DIR [--format text|markdown|html|banner|preferences] [--lang L]\n\n"
    "Writes to standard output the notice of DIR/policy.json (text, the default, markdown\n"
    "or html) or an HTML layer of the consent interface (banner, preferences), as nobody\n"
    "has chosen yet. --lang takes a language tag or an Accept-Language list: the policy's\n"
    "text comes in its best match (else the policy's default language), the interface's\n"
    "own words in English, French or German (else English).",
    run};
const registrar registered(render_command);

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(render_command, args, {"--format", "--lang"}, {});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << render_command.usage << "\n";
    return success;
  }
  if (parsed->positionals().size() != 1) return usage(render_command, "expected one policy directory");
  const auto format_name = parsed->value("--format").value_or("text");
  if (format_name != "text" && format_name != "markdown" && format_name != "html" && format_name != "banner" &&
      format_name != "preferences") {
    return usage(render_command,
                 "unknown format \"" + format_name + "\"; expected text, markdown, html, banner or preferences");
  }
  auto loaded = native::load_policy_directory(parsed->positionals()[0]);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::cerr << format(d) << "\n";
    return invalid;
  }
  render_options options;
  options.language = parsed->value("--lang").value_or("");
  if (format_name == "text") {
    std::cout << render_notice_text(*loaded, options);
  } else if (format_name == "markdown") {
    std::cout << render_notice_markdown(*loaded, options);
  } else if (format_name == "html") {
    std::cout << render_notice_html(*loaded, options) << "\n";
  } else if (format_name == "banner") {
    std::cout << render_banner_html(*loaded, {}, options) << "\n";
  } else {
    std::cout << render_preferences_html(*loaded, {}, options) << "\n";
  }
  return success;
}

}  // namespace
}  // namespace consentry::cli
