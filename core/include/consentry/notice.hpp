// Rendering the notice for people: plain text, Markdown and HTML, in a language
// the policy provides. The layered banner and preferences are built on these.
#pragma once

#include <string>
#include <string_view>

#include "consentry/policy.hpp"

namespace consentry {

struct render_options {
  /// The language wanted; the policy's default language fills what it lacks.
  std::string language;
};

/// The full notice as plain text: title, headings, paragraphs and indented lists,
/// every sentence of the policy in order and unchanged.
std::string render_notice_text(const policy& document, const render_options& options = {});

/// The full notice as CommonMark, with Markdown's special characters escaped.
std::string render_notice_markdown(const policy& document, const render_options& options = {});

/// The full notice as an HTML fragment: a table of contents, an anchor per section
/// and the controller's contact; every string escaped for its context.
std::string render_notice_html(const policy& document, const render_options& options = {});

/// Escapes text for an HTML text node or a double-quoted attribute value.
std::string escape_html(std::string_view text);

}  // namespace consentry
