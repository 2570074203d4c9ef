// Lint: what is lawful JSON and a consistent policy, but still likely a mistake
// in the notice — repeated sections or lists, and promises the text makes that
// the data does not keep. Findings here are warnings; errors come from loading.
#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

#include "consentry/json_io.hpp"
#include "consentry/policy.hpp"
#include "detail/text.hpp"

namespace consentry {
namespace {

struct located_block {
  std::string pointer;
  const block* value;
};

void collect_blocks(const std::vector<section>& sections, const std::string& at, std::vector<located_block>& out) {
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const auto pointer = at + "/" + std::to_string(i);
    for (std::size_t b = 0; b < sections[i].blocks.size(); ++b) {
      out.push_back({pointer + "/blocks/" + std::to_string(b), &sections[i].blocks[b]});
    }
    collect_blocks(sections[i].sections, pointer + "/sections", out);
  }
}

/// Lower case, single spaces: two texts that differ only so are the same text.
std::string normalize(std::string_view text) {
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

class linter {
 public:
  linter(const policy& document, std::string_view file, diagnostics& sink)
      : doc_(document), file_(file), sink_(sink) {
    collect_blocks(doc_.notice.sections, "/notice/sections", blocks_);
  }

  void run() {
    repeated_lists();
    repeated_sections(doc_.notice.sections, "/notice/sections");
    promises();
  }

 private:
  void warning(std::string pointer, std::string message) {
    sink_.push_back({std::string(file_), std::move(pointer), severity::warning, std::move(message)});
  }
  const std::string& text(const localized_text& t) const { return t.in(doc_.default_language, doc_.default_language); }

  std::vector<std::string> items_of(const block& b) const {
    std::vector<std::string> items;
    for (const auto& item : b.items) items.push_back(normalize(text(item.text)));
    return items;
  }

  // A list given twice, or twice with a word changed, is almost always an editing
  // slip, and the reader cannot tell which version holds.
  void repeated_lists() {
    std::vector<const located_block*> lists;
    for (const auto& b : blocks_) {
      if (b.value->kind == block_kind::list && b.value->items.size() >= 3) lists.push_back(&b);
    }
    for (std::size_t i = 0; i < lists.size(); ++i) {
      const auto first = items_of(*lists[i]->value);
      for (std::size_t j = i + 1; j < lists.size(); ++j) {
        const auto second = items_of(*lists[j]->value);
        std::vector<std::string> only_first, only_second;
        std::size_t shared = 0;
        for (std::size_t k = 0; k < first.size(); ++k) {
          if (std::find(second.begin(), second.end(), first[k]) != second.end()) {
            ++shared;
          } else {
            only_first.push_back(text(lists[i]->value->items[k].text));
          }
        }
        for (std::size_t k = 0; k < second.size(); ++k) {
          if (std::find(first.begin(), first.end(), second[k]) == first.end()) {
            only_second.push_back(text(lists[j]->value->items[k].text));
          }
        }
        const double similarity = 2.0 * static_cast<double>(shared) / static_cast<double>(first.size() + second.size());
        if (only_first.empty() && only_second.empty()) {
          warning(lists[j]->pointer, "this list repeats the list at " + lists[i]->pointer + " item for item");
        } else if (similarity >= 0.75) {
          std::string differences;
          for (const auto& t : only_first) differences += " \"" + t + "\" there;";
          for (const auto& t : only_second) differences += " \"" + t + "\" here;";
          differences.pop_back();
          warning(lists[j]->pointer, "this list repeats the list at " + lists[i]->pointer + " (" +
                                         std::to_string(shared) + " items in common) but differs:" + differences +
                                         ". Keep one list, so the reader knows which holds");
        }
      }
    }
  }

  void section_texts(const section& s, std::vector<std::string>& out) const {
    for (const auto& b : s.blocks) {
      std::string all = b.text ? text(*b.text) : std::string();
      for (const auto& item : b.items) all += "\n" + text(item.text);
      out.push_back(normalize(all));
    }
    for (const auto& sub : s.sections) section_texts(sub, out);
  }

  void repeated_sections(const std::vector<section>& sections, const std::string& at) {
    std::vector<std::pair<std::string, const section*>> all;
    collect_sections(sections, at, all);
    for (std::size_t i = 0; i < all.size(); ++i) {
      std::vector<std::string> first;
      section_texts(*all[i].second, first);
      for (std::size_t j = i + 1; j < all.size(); ++j) {
        const auto& a = *all[i].second;
        const auto& b = *all[j].second;
        if (normalize(text(a.heading)) == normalize(text(b.heading))) {
          warning(all[j].first + "/heading", "a second section headed \"" + text(b.heading) + "\" (the first is " +
                                                 all[i].first + ")");
          continue;
        }
        std::vector<std::string> second;
        section_texts(b, second);
        if (first.size() < 2 || second.size() < 2) continue;
        std::size_t shared = 0;
        for (const auto& t : second) shared += std::count(first.begin(), first.end(), t) > 0 ? 1 : 0;
        const double similarity = 2.0 * static_cast<double>(shared) / static_cast<double>(first.size() + second.size());
        if (similarity >= 0.8) {
          warning(all[j].first, "section \"" + text(b.heading) + "\" repeats most of section \"" + text(a.heading) +
                                    "\" (" + all[i].first + ")");
        }
      }
    }
  }

  static void collect_sections(const std::vector<section>& sections, const std::string& at,
                               std::vector<std::pair<std::string, const section*>>& out) {
    for (std::size_t i = 0; i < sections.size(); ++i) {
      const auto pointer = at + "/" + std::to_string(i);
      out.emplace_back(pointer, &sections[i]);
      collect_sections(sections[i].sections, pointer + "/sections", out);
    }
  }

  // Each promise: a pattern in the notice's English text, and whether the data keeps it.
  void promises() {
    if (!doc_.default_language.starts_with("en")) return;
    static const std::regex revision(
        R"((date of (the )?last revision|last (updated|revised|modified))[^.]*(appears|shown|given|found|stated)[^.]*(end|bottom|top) of (this|the) (page|policy|document))",
        std::regex::icase);
    static const std::regex business_days(R"(up to\s+(\w+\s+)?\(?(\d+)\)?\s+business days)", std::regex::icase);
    static const std::regex age(R"(under the age of (\d+))", std::regex::icase);
    static const std::regex email(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})");

    for (const auto& b : blocks_) {
      std::vector<std::pair<std::string, std::string>> texts;  // pointer, text
      if (b.value->text) texts.emplace_back(b.pointer + "/text", text(*b.value->text));
      for (std::size_t k = 0; k < b.value->items.size(); ++k) {
        texts.emplace_back(b.pointer + "/items/" + std::to_string(k) + "/text", text(b.value->items[k].text));
      }
      for (const auto& [pointer, t] : texts) {
        std::smatch m;
        if (std::regex_search(t, m, revision) && !doc_.revision_date) {
          warning(pointer, "the text promises the date of the last revision (\"" + m.str(0) +
                               "\") but the policy gives no \"revision_date\", so none can be shown");
        }
        if (std::regex_search(t, m, business_days)) {
          const auto days = static_cast<std::uint32_t>(std::stoul(m.str(2)));
          const bool kept = std::any_of(doc_.rights.begin(), doc_.rights.end(), [&](const right& r) {
            return r.response_business_days && *r.response_business_days == days;
          });
          if (!kept) {
            warning(pointer, "the text promises an answer within " + std::to_string(days) +
                                 " business days, but no right states \"response_business_days\": " +
                                 std::to_string(days));
          }
        }
        if (std::regex_search(t, m, age)) {
          const auto years = static_cast<std::uint32_t>(std::stoul(m.str(1)));
          if (years != doc_.age.minimum_age) {
            warning(pointer, "the text names the age of " + std::to_string(years) + " but the age rule says " +
                                 std::to_string(doc_.age.minimum_age));
          }
        }
        for (auto it = std::sregex_iterator(t.begin(), t.end(), email); it != std::sregex_iterator(); ++it) {
          const auto address = it->str(0);
          const bool known = (doc_.controller.email && *doc_.controller.email == address) ||
                             std::any_of(doc_.rights.begin(), doc_.rights.end(),
                                         [&](const right& r) { return r.email && *r.email == address; });
          if (!known) {
            warning(pointer, "the text gives the address " + address +
                                 ", which is neither the controller's e-mail nor that of any right");
          }
        }
      }
    }
  }

  const policy& doc_;
  std::string_view file_;
  diagnostics& sink_;
  std::vector<located_block> blocks_;
};

}  // namespace

diagnostics lint_policy(const policy& document, std::string_view file) {
  diagnostics found;
  detail::validate_policy(document, file, found);
  linter(document, file, found).run();
  return found;
}

}  // namespace consentry
