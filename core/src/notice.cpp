#include "consentry/notice.hpp"

#include "detail/text.hpp"

namespace consentry {
namespace {

class text_of {
 public:
  text_of(const policy& document, const render_options& options)
      : language_(options.language.empty() ? document.default_language : options.language),
        fallback_(document.default_language) {}
  const std::string& operator()(const localized_text& text) const { return text.in(language_, fallback_); }
  const std::string& language() const noexcept { return language_; }

 private:
  std::string language_;
  std::string fallback_;
};

void text_items(const std::vector<list_item>& items, const text_of& t, int depth, std::string& out) {
  for (const auto& item : items) {
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += "- ";
    out += t(item.text);
    out += '\n';
    text_items(item.items, t, depth + 1, out);
  }
}

void text_sections(const std::vector<section>& sections, const text_of& t, std::string& out) {
  for (const auto& s : sections) {
    out += '\n';
    out += t(s.heading);
    out += "\n\n";
    for (const auto& b : s.blocks) {
      if (b.text) out += t(*b.text) + "\n";
      text_items(b.items, t, 0, out);
    }
    text_sections(s.sections, t, out);
  }
}

std::string escape_markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>': case '#': case '|':
        out += '\\';
        [[fallthrough]];
      default:
        out += c;
    }
  }
  return out;
}

void markdown_items(const std::vector<list_item>& items, const text_of& t, int depth, std::string& out) {
  for (const auto& item : items) {
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += "- " + escape_markdown(t(item.text)) + '\n';
    markdown_items(item.items, t, depth + 1, out);
  }
}

void markdown_sections(const std::vector<section>& sections, const text_of& t, int level, std::string& out) {
  for (const auto& s : sections) {
    out += '\n' + std::string(static_cast<std::size_t>(std::min(level, 6)), '#') + ' ' + escape_markdown(t(s.heading)) +
           "\n\n";
    for (const auto& b : s.blocks) {
      if (b.text) out += escape_markdown(t(*b.text)) + "\n\n";
      if (!b.items.empty()) {
        markdown_items(b.items, t, 0, out);
        out += '\n';
      }
    }
    markdown_sections(s.sections, t, level + 1, out);
  }
}

void html_items(const std::vector<list_item>& items, const text_of& t, std::string& out) {
  out += "<ul>";
  for (const auto& item : items) {
    out += "<li>" + escape_html(t(item.text));
    if (!item.items.empty()) html_items(item.items, t, out);
    out += "</li>";
  }
  out += "</ul>";
}

void html_toc(const std::vector<section>& sections, const text_of& t, std::string& out) {
  out += "<ol>";
  for (const auto& s : sections) {
    out += "<li><a href=\"#" + escape_html(s.id) + "\">" + escape_html(t(s.heading)) + "</a>";
    if (!s.sections.empty()) html_toc(s.sections, t, out);
    out += "</li>";
  }
  out += "</ol>";
}

void html_sections(const std::vector<section>& sections, const text_of& t, int level, std::string& out) {
  const auto h = std::to_string(std::min(level, 6));
  for (const auto& s : sections) {
    out += "<section class=\"consentry-section\" id=\"" + escape_html(s.id) + "\" aria-labelledby=\"" +
           escape_html(s.id) + "-heading\">";
    out += "<h" + h + " id=\"" + escape_html(s.id) + "-heading\">" + escape_html(t(s.heading)) + "</h" + h + ">";
    for (const auto& b : s.blocks) {
      if (b.text) out += "<p>" + escape_html(t(*b.text)) + "</p>";
      if (!b.items.empty()) html_items(b.items, t, out);
    }
    html_sections(s.sections, t, level + 1, out);
    out += "</section>";
  }
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_notice_text(const policy& document, const render_options& options) {
  const text_of t(document, options);
  std::string out = t(document.notice.title) + "\n";
  text_sections(document.notice.sections, t, out);
  const auto& c = document.controller;
  out += "\n" + c.name;
  if (c.email) out += " <" + *c.email + ">";
  if (c.contact_url) out += " " + *c.contact_url;
  out += '\n';
  return out;
}

std::string render_notice_markdown(const policy& document, const render_options& options) {
  const text_of t(document, options);
  std::string out = "# " + escape_markdown(t(document.notice.title)) + "\n";
  markdown_sections(document.notice.sections, t, 2, out);
  const auto& c = document.controller;
  out += "---\n\n" + escape_markdown(c.name);
  if (c.email) out += " <" + *c.email + ">";
  out += '\n';
  return out;
}

std::string render_notice_html(const policy& document, const render_options& options) {
  const text_of t(document, options);
  std::string out = "<article class=\"consentry-notice\" lang=\"" + escape_html(t.language()) + "\">";
  out += "<h1>" + escape_html(t(document.notice.title)) + "</h1>";
  out += "<nav class=\"consentry-toc\" aria-label=\"Contents\">";
  html_toc(document.notice.sections, t, out);
  out += "</nav>";
  html_sections(document.notice.sections, t, 2, out);
  const auto& c = document.controller;
  out += "<footer class=\"consentry-contact\"><address>" + escape_html(c.name);
  if (c.email) {
    out += " <a href=\"mailto:" + escape_html(*c.email) + "\">" + escape_html(*c.email) + "</a>";
  }
  if (c.contact_url && detail::is_web_url(*c.contact_url)) {
    out += " <a href=\"" + escape_html(*c.contact_url) + "\">" + escape_html(*c.contact_url) + "</a>";
  }
  out += "</address></footer></article>";
  return out;
}

}  // namespace consentry
