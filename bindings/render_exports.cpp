// Raw WebAssembly exports of the renderer, lint and diff, for the browser package and
// the offline preview. Strings cross as (pointer, length) pairs of UTF-8 in the wasm
// heap, written by TextEncoder.encodeInto: no Embind on this path (see bindings/js/render-api.js).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include <emscripten/emscripten.h>

#include "consentry/diff.hpp"
#include "consentry/json_io.hpp"
#include "consentry/language.hpp"
#include "consentry/notice.hpp"
#include "consentry/policy.hpp"

namespace {

using consentry::json_io::json;

std::map<std::int32_t, consentry::policy>& policies() {
  static std::map<std::int32_t, consentry::policy> loaded;
  return loaded;
}
std::int32_t next_handle = 1;
std::string output;  // the last answer; valid until the next call

std::string_view view(const char* data, std::size_t size) { return size ? std::string_view(data, size) : std::string_view(); }

json diagnostics_json(const consentry::diagnostics& list) {
  json out = json::array();
  for (const auto& d : list) {
    out.push_back({{"file", d.file},
                   {"location", d.location},
                   {"level", d.level == consentry::severity::error ? "error" : "warning"},
                   {"message", d.message}});
  }
  return out;
}

const consentry::policy* find(std::int32_t handle) {
  const auto it = policies().find(handle);
  return it == policies().end() ? nullptr : &it->second;
}

/// `{"purpose": "granted", …}` with the names of `purpose_status`; anything else is
/// read as no choice at all.
consentry::purpose_choices read_choices(std::string_view text) {
  consentry::purpose_choices choices;
  if (text.empty()) return choices;
  auto parsed = consentry::parse_json(text);
  if (!parsed || !parsed->is_object()) return choices;
  for (const auto& [key, value] : parsed->items()) {
    if (!value.is_string()) continue;
    if (auto status = consentry::json_io::enum_from_name<consentry::purpose_status>(value.get_ref<const std::string&>())) {
      choices[key] = *status;
    }
  }
  return choices;
}

enum layer : std::int32_t { banner = 0, preferences = 1, notice_html = 2, notice_markdown = 3, notice_text = 4 };

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void* consentry_alloc(std::size_t size) { return std::malloc(size ? size : 1); }
EMSCRIPTEN_KEEPALIVE void consentry_free(void* pointer) { std::free(pointer); }
EMSCRIPTEN_KEEPALIVE const char* consentry_output_data() { return output.data(); }
EMSCRIPTEN_KEEPALIVE std::size_t consentry_output_size() { return output.size(); }

/// Loads a policy document. Returns its handle (> 0), or 0 with the diagnostics as a
/// JSON array in the output.
EMSCRIPTEN_KEEPALIVE std::int32_t consentry_policy_load(const char* text, std::size_t size) {
  auto loaded = consentry::load_policy(view(text, size), "policy.json");
  if (!loaded) {
    output = diagnostics_json(loaded.error()).dump();
    return 0;
  }
  const auto handle = next_handle++;
  policies().emplace(handle, std::move(*loaded));
  output.clear();
  return handle;
}

EMSCRIPTEN_KEEPALIVE void consentry_policy_free(std::int32_t handle) { policies().erase(handle); }

/// Renders `layer` (0 banner, 1 preferences, 2 notice HTML, 3 Markdown, 4 text) of a
/// loaded policy in `language` (a tag or an Accept-Language list) with the person's
/// choices as JSON. Returns 1 and the output, or 0 for an unknown handle or layer.
EMSCRIPTEN_KEEPALIVE std::int32_t consentry_render(std::int32_t handle, std::int32_t which, const char* language,
                                                   std::size_t language_size, const char* choices,
                                                   std::size_t choices_size) {
  const auto* doc = find(handle);
  output.clear();
  if (!doc) return 0;
  const consentry::render_options options{.language = std::string(view(language, language_size))};
  switch (which) {
    case banner: output = consentry::render_banner_html(*doc, read_choices(view(choices, choices_size)), options); break;
    case preferences:
      output = consentry::render_preferences_html(*doc, read_choices(view(choices, choices_size)), options);
      break;
    case notice_html: output = consentry::render_notice_html(*doc, options); break;
    case notice_markdown: output = consentry::render_notice_markdown(*doc, options); break;
    case notice_text: output = consentry::render_notice_text(*doc, options); break;
    default: return 0;
  }
  return 1;
}

/// The lint findings of a loaded policy, as a JSON array.
EMSCRIPTEN_KEEPALIVE std::int32_t consentry_lint(std::int32_t handle) {
  const auto* doc = find(handle);
  output.clear();
  if (!doc) return 0;
  output = diagnostics_json(consentry::lint_policy(*doc, "policy.json")).dump();
  return 1;
}

/// The changes from one loaded policy to another, as the JSON of `policy_diff` plus `material`.
EMSCRIPTEN_KEEPALIVE std::int32_t consentry_diff(std::int32_t before, std::int32_t after) {
  const auto* a = find(before);
  const auto* b = find(after);
  output.clear();
  if (!a || !b) return 0;
  const auto diff = consentry::diff_policies(*a, *b);
  auto out = consentry::json_io::write(diff);
  out["material"] = diff.material();
  output = out.dump();
  return 1;
}

/// The policy's language for an Accept-Language list, and the interface's, as
/// `{"notice": "fr", "ui": "fr", "available": [...]}`.
EMSCRIPTEN_KEEPALIVE std::int32_t consentry_languages(std::int32_t handle, const char* accept, std::size_t accept_size) {
  const auto* doc = find(handle);
  output.clear();
  if (!doc) return 0;
  const auto header = view(accept, accept_size);
  output = json{{"notice", consentry::notice_language(*doc, {.language = std::string(header)})},
                {"ui", consentry::ui_language(header.empty() ? doc->default_language : header)},
                {"available", doc->languages}}
               .dump();
  return 1;
}

}  // extern "C"
