// Rendering the policy for people: the layered consent interface (banner, then
// preferences) and the full notice, as HTML fragments the browser package mounts,
// and the notice alone as Markdown and plain text.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "consentry/consent.hpp"
#include "consentry/policy.hpp"

namespace consentry {

/// The person's current choice per purpose id; a purpose that is absent is `not_asked`.
using purpose_choices = std::map<std::string, purpose_status, std::less<>>;

/// The choices of a consent state, as the renderers read them.
purpose_choices choices_of(const consent_state& state);

struct render_options {
  /// The language wanted: a tag or an Accept-Language list. The policy's text comes in
  /// the best of its languages (else its default language), the interface text in
  /// English, French or German (else English). See `negotiate_language`.
  std::string language;
};

/// The language the policy's own text is shown in for `options`.
std::string notice_language(const policy& document, const render_options& options);

// HTML contract, shared with bindings/css/consentry.css and the browser runtime:
//  - every element the renderer makes carries a `consentry-` class, and the root of
//    each fragment `consentry-root`; ids are prefixed `consentry-`;
//  - no script, no style attribute, no event handler; behaviour hangs on
//    `data-consentry-action` (accept-all, reject-all, choose, save) and on the switches'
//    `data-consentry-purpose` with `aria-checked`;
//  - `data-consentry-purpose|vendor|category|section` mark what a policy diff can name;
//  - every string is escaped for its context (text or double-quoted attribute),
//    Unicode bidi embedding, override and isolate controls are removed (they would
//    reorder the interface around the string), words longer than 30 characters get
//    `<wbr>` break points, and only http, https and mailto URLs are emitted.

/// The first layer (GDPR Art. 12(1), EDPB Guidelines 03/2022 on deceptive design):
/// who asks, the policy's two-line summary, the purposes that need a choice, and
/// Accept all / Reject all / Choose as three buttons of one element type and class.
/// Special-category purposes are never among those Accept all grants (Art. 9(2)(a)).
std::string render_banner_html(const policy& document, const purpose_choices& choices,
                               const render_options& options = {});

/// The second layer: every purpose with its legal basis in plain words (Art. 13(1)(c)),
/// a switch for consent, an "object" switch for legitimate interests (Art. 21), a locked
/// state with the reason for the rest; its data, recipients, retention (Art. 13(2)(a))
/// and cookies. Explicit-consent purposes come last as their own step, each a checkbox.
std::string render_preferences_html(const policy& document, const purpose_choices& choices,
                                    const render_options& options = {});

/// The full notice as an HTML fragment: a table of contents, an anchor per section
/// and the controller's contact (Art. 13(1)(a)).
std::string render_notice_html(const policy& document, const render_options& options = {});

/// The full notice as plain text: title, headings, paragraphs and lists, every sentence
/// of the policy verbatim and in order, one paragraph or list item per line (never
/// wrapped), so that tools can find each sentence whole.
std::string render_notice_text(const policy& document, const render_options& options = {});

/// The full notice as CommonMark, with every character that Markdown would read as
/// markup escaped, so the text renders as the same text.
std::string render_notice_markdown(const policy& document, const render_options& options = {});

/// Escapes text for an HTML text node or a double-quoted attribute value.
std::string escape_html(std::string_view text);

/// `url` when it is an http, https or mailto URL that is safe to put in an `href`,
/// else empty: the renderers drop any other link (`javascript:`, `data:`, relative).
std::string safe_url(std::string_view url);

}  // namespace consentry
