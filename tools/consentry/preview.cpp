// consentry preview DIR -o FILE.html [--since OLD_DIR]: one self-contained HTML file
// for a policy author offline: the wasm core, its JS, the stylesheet and the policy
// inlined, rendered in the page exactly as the browser package renders them.
#include <openssl/evp.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <iostream>

#include "cli.hpp"
#include "consentry/notice.hpp"
#include "files.hpp"
#include "preview_assets.hpp"

namespace consentry::cli {
namespace {

int run(std::span<const std::string> args);

const command preview_command{
    "preview", "write a self-contained offline HTML preview of a policy's banner, preferences and notice",
    "consentry preview DIR -o FILE.html [--since OLD_DIR]\n\n"
    "Writes one HTML file with everything inlined (the wasm build of the core, its script, the\n"
    "stylesheet and DIR/policy.json) that works opened from disk with no network: the banner, the\n"
    "preferences and the full notice as a visitor sees them, an interface-language switch (en, fr,\n"
    "de), a desktop/phone width switch and the lint findings. With --since, the changes from\n"
    "OLD_DIR/policy.json are listed and marked where they show.\n"
    "Needs the wasm build (cmake --preset wasm && cmake --build --preset wasm), found where CMake\n"
    "saw it or in $CONSENTRY_WASM_DIST.",
    run};
const registrar registered(preview_command);

/// The wasm build's dist/ folder, as CMake found it; CONSENTRY_WASM_DIST overrides it
/// for an installed binary or a test.
std::filesystem::path dist_dir() {
  const char* override = std::getenv("CONSENTRY_WASM_DIST");
  return override && *override ? override : CONSENTRY_WASM_DIST_DIR;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

/// The CSP source of an inline script or style: `'sha256-…'` (CSP Level 3 §8.4).
std::string csp_hash(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return "'sha256-" + base64(std::string_view(reinterpret_cast<const char*>(digest), size)) + "'";
}

/// JSON in a `<script type="application/json">`: a `<` only ever occurs inside a JSON
/// string, where `\u003c` means the same, and then nothing can close the element.
std::string json_data_block(std::string_view json_text) {
  std::string out;
  out.reserve(json_text.size());
  for (char c : json_text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

bool closes_script(std::string_view text) {
  for (std::size_t at = text.find("</"); at != std::string_view::npos; at = text.find("</", at + 2)) {
    std::string tag(text.substr(at + 2, 6));
    for (auto& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (tag == "script" || tag == "style") return true;
  }
  return false;
}

int run(std::span<const std::string> args) {
  auto parsed = arguments::parse(preview_command, args, {"-o", "--output", "--since"}, {});
  if (!parsed) return usage_error;
  if (parsed->help()) {
    std::cout << "usage: " << preview_command.usage << "\n";
    return success;
  }
  if (parsed->positionals().size() != 1) return usage(preview_command, "expected one policy directory");
  const auto output = parsed->value("-o") ? parsed->value("-o") : parsed->value("--output");
  if (!output) return usage(preview_command, "expected -o FILE.html");
  const auto& directory = parsed->positionals()[0];

  auto loaded = native::load_policy_directory(directory);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::cerr << format(d) << "\n";
    return invalid;
  }
  auto policy_text = native::read_file((std::filesystem::path(directory) / native::policy_file_name).string());
  std::optional<std::string> previous_text;
  if (const auto since = parsed->value("--since")) {
    auto previous = native::load_policy_directory(*since);
    if (!previous) {
      for (const auto& d : previous.error()) std::cerr << format(d) << "\n";
      return invalid;
    }
    auto text = native::read_file((std::filesystem::path(*since) / native::policy_file_name).string());
    if (!text) return std::cerr << "consentry preview: " << text.error().message << "\n", invalid;
    previous_text = *text;
  }
  if (!policy_text) return std::cerr << "consentry preview: " << policy_text.error().message << "\n", invalid;

  // The browser package's files, from the wasm build.
  std::map<std::string, std::string> dist;
  for (const char* name : {"consentry-render.js", "consentry-render.wasm", "consentry-render-api.js", "consentry.css"}) {
    const auto path = (dist_dir() / name).string();
    auto file = native::read_file(path);
    if (!file) {
      std::cerr << "consentry preview: the wasm build is missing: " << file.error().message
                << "\nBuild it first: cmake --preset wasm && cmake --build --preset wasm\n";
      return invalid;
    }
    dist[name] = std::move(*file);
  }

  const std::string style = dist["consentry.css"] + "\n" + std::string(preview_assets::preview_style);
  const std::string scripts[] = {dist["consentry-render.js"], dist["consentry-render-api.js"],
                                 std::string(preview_assets::preview_script)};
  if (closes_script(style)) return std::cerr << "consentry preview: the stylesheet contains </style>\n", invalid;
  for (const auto& script : scripts) {
    if (closes_script(script)) return std::cerr << "consentry preview: a script contains </script>\n", invalid;
  }

  // Only what is inlined here may run or style the page, and nothing may be fetched;
  // 'wasm-unsafe-eval' lets the page compile the module it carries.
  std::string script_sources;
  for (const auto& script : scripts) script_sources += " " + csp_hash(script);
  const std::string csp = "default-src 'none'; script-src" + script_sources + " 'wasm-unsafe-eval'; style-src " +
                          csp_hash(style) + "; img-src data:; base-uri 'none'; form-action 'none'";

  const auto title = escape_html(loaded->id + " " + loaded->version);
  std::string html;
  html.reserve(dist["consentry-render.wasm"].size() * 4 / 3 + 200000);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta http-equiv=\"Content-Security-Policy\" content=\"" + csp + "\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>Consentry preview: " + title + "</title>\n<style>" + style + "</style>\n</head>\n<body>\n";
  html += "<header class=\"preview-toolbar\">\n<h1>Consentry preview: " + title + "</h1>\n";
  html += "<label for=\"preview-language\">Interface language</label><select id=\"preview-language\">"
          "<option value=\"en\" lang=\"en\">English</option><option value=\"fr\" lang=\"fr\">Français</option>"
          "<option value=\"de\" lang=\"de\">Deutsch</option></select>\n";
  html += "<fieldset><legend>Width</legend>"
          "<label><input type=\"radio\" name=\"preview-width\" value=\"desktop\" checked> Desktop</label>"
          "<label><input type=\"radio\" name=\"preview-width\" value=\"phone\"> Phone</label></fieldset>\n";
  html += "<p class=\"preview-status\" id=\"preview-status\" role=\"status\">Loading the wasm core…</p>\n</header>\n";
  html += "<main class=\"preview-main\" id=\"preview-main\" data-width=\"desktop\">\n";
  auto panel = [&](const std::string& id, const std::string& heading, const std::string& body) {
    html += "<section class=\"preview-panel\" id=\"" + id + "-panel\" aria-labelledby=\"" + id + "-heading\">\n";
    html += "<h2 class=\"preview-panel-title\" id=\"" + id + "-heading\">" + heading + "</h2>\n" + body + "\n</section>\n";
  };
  if (previous_text) {
    panel("preview-diff", "Changes since the previous version", "<ul class=\"preview-changes\" id=\"preview-changes\"></ul>");
  }
  panel("preview-lint", "Lint findings", "<ul class=\"preview-findings\" id=\"preview-findings\"></ul>");
  panel("preview-banner", "Banner", "<div class=\"preview-frame\" id=\"preview-banner\"></div>");
  panel("preview-preferences", "Preferences", "<div class=\"preview-frame\" id=\"preview-preferences\"></div>");
  panel("preview-notice", "Full notice", "<div class=\"preview-frame\" id=\"preview-notice\"></div>");
  html += "</main>\n";
  html += "<script type=\"application/json\" id=\"preview-policy\">" + json_data_block(*policy_text) + "</script>\n";
  if (previous_text) {
    html += "<script type=\"application/json\" id=\"preview-previous\">" + json_data_block(*previous_text) +
            "</script>\n";
  }
  html += "<script type=\"application/octet-stream\" id=\"preview-wasm\">" + base64(dist["consentry-render.wasm"]) +
          "</script>\n";
  for (const auto& script : scripts) html += "<script>" + script + "</script>\n";
  html += "</body>\n</html>\n";

  if (auto written = native::write_file(*output, html); !written) {
    std::cerr << "consentry preview: " << written.error().message << "\n";
    return invalid;
  }
  std::cerr << "consentry preview: wrote " << *output << " (" << html.size() / 1024 << " KiB)\n";
  return success;
}

}  // namespace
}  // namespace consentry::cli
