// The regex subset of filter rules: a recursive-descent parser to a small tree, code
// generation by Thompson's construction, and a Pike VM that runs the code in place.
#include <algorithm>
#include <array>
#include <cstring>

#include "detail/blocker_image.hpp"
#include "detail/regex.hpp"

namespace consentry::detail::regex {
namespace {

using byte_set = std::array<std::uint32_t, 8>;

constexpr bool has(const byte_set& s, unsigned c) noexcept { return (s[c >> 5] >> (c & 31)) & 1u; }
constexpr void add(byte_set& s, unsigned c) noexcept { s[c >> 5] |= 1u << (c & 31); }
constexpr void add_range(byte_set& s, unsigned first, unsigned last) noexcept {
  for (unsigned c = first; c <= last; ++c) add(s, c);
}
void add_all(byte_set& s, const byte_set& other) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) s[i] |= other[i];
}
byte_set complement(const byte_set& s) noexcept {
  byte_set out{};
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = ~s[i];
  return out;
}
std::size_t count(const byte_set& s) noexcept {
  std::size_t n = 0;
  for (auto w : s) n += static_cast<std::size_t>(__builtin_popcount(w));
  return n;
}

constexpr bool is_word(unsigned c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

byte_set digit_set() {
  byte_set s{};
  add_range(s, '0', '9');
  return s;
}
byte_set word_set() {
  byte_set s{};
  for (unsigned c = 0; c < 128; ++c) {
    if (is_word(c)) add(s, c);
  }
  return s;
}
byte_set space_set() {
  byte_set s{};
  for (unsigned c : {' ', '\t', '\n', '\v', '\f', '\r'}) add(s, c);
  return s;
}
byte_set dot_set() {
  byte_set s = complement(byte_set{});
  s[0] &= ~((1u << '\n') | (1u << '\r'));
  return s;
}

/// With the `i` flag a class holds both cases of its letters (ECMA-262 Canonicalize),
/// and the matcher folds the input to lower case.
void close_under_case(byte_set& s) noexcept {
  for (unsigned c = 'a'; c <= 'z'; ++c) {
    if (has(s, c) || has(s, c - 32)) {
      add(s, c);
      add(s, c - 32);
    }
  }
}

enum class node_kind { set, concat, alternation, repeat, assertion };
inline constexpr std::uint32_t unbounded = 0xFFFF'FFFFu;

struct node {
  node_kind kind = node_kind::concat;
  byte_set set{};
  int literal = -1;  ///< for a set of one character written as a literal
  std::vector<int> children;
  std::uint32_t min = 1, max = 1;
  opcode assertion = op_match;
};

class parser {
 public:
  parser(std::string_view source, bool match_case) : s_(source), fold_(!match_case) {}

  result<int, std::string> parse() {
    const int root = alternation();
    if (!error_.empty()) return result<int, std::string>(boost::system::in_place_error, error_);
    if (i_ != s_.size()) return result<int, std::string>(boost::system::in_place_error, "unmatched ')'");
    return root;
  }
  std::vector<node>& nodes() noexcept { return nodes_; }

 private:
  int make(node n) {
    nodes_.push_back(std::move(n));
    return static_cast<int>(nodes_.size() - 1);
  }
  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  bool at_end() const noexcept { return i_ >= s_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : s_[i_]; }

  int alternation() {
    if (++depth_ > 32) {
      fail("nested too deeply");
      return -1;
    }
    node alt;
    alt.kind = node_kind::alternation;
    alt.children.push_back(concatenation());
    while (error_.empty() && peek() == '|') {
      ++i_;
      alt.children.push_back(concatenation());
    }
    --depth_;
    if (alt.children.size() == 1) return alt.children.front();
    return make(std::move(alt));
  }

  int concatenation() {
    node seq;
    seq.kind = node_kind::concat;
    while (error_.empty() && !at_end() && peek() != '|' && peek() != ')') {
      const int atom_index = atom();
      if (atom_index < 0) break;
      seq.children.push_back(quantified(atom_index));
    }
    return make(std::move(seq));
  }

  /// `{n}`, `{n,}` or `{n,m}` at the cursor; false (cursor unmoved) when it is none.
  bool braces(std::uint32_t& min, std::uint32_t& max) {
    std::size_t j = i_;
    auto number = [&](std::uint32_t& out) {
      const std::size_t start = j;
      std::uint64_t value = 0;
      while (j < s_.size() && s_[j] >= '0' && s_[j] <= '9') {
        value = std::min<std::uint64_t>(value * 10 + static_cast<std::uint64_t>(s_[j] - '0'), 100000);
        ++j;
      }
      out = static_cast<std::uint32_t>(value);
      return j > start;
    };
    if (j >= s_.size() || s_[j] != '{') return false;
    ++j;
    if (!number(min)) return false;
    max = min;
    if (j < s_.size() && s_[j] == ',') {
      ++j;
      max = unbounded;
      if (j < s_.size() && s_[j] != '}' && !number(max)) return false;
    }
    if (j >= s_.size() || s_[j] != '}') return false;
    i_ = j + 1;
    return true;
  }

  int quantified(int atom_index) {
    std::uint32_t min = 1, max = 1;
    const char c = peek();
    if (c == '*') {
      min = 0, max = unbounded, ++i_;
    } else if (c == '+') {
      min = 1, max = unbounded, ++i_;
    } else if (c == '?') {
      min = 0, max = 1, ++i_;
    } else if (!braces(min, max)) {
      return atom_index;
    }
    if (peek() == '?') ++i_;  // lazy: the same language, and only whether it matches counts
    if (max != unbounded && min > max) {
      fail("numbers out of order in {} quantifier");
      return atom_index;
    }
    if (min > 1000 || (max != unbounded && max > 1000)) {
      fail("a repetition count over 1000");
      return atom_index;
    }
    if (nodes_[static_cast<std::size_t>(atom_index)].kind == node_kind::assertion) {
      fail("a quantified assertion");
      return atom_index;
    }
    const char after = peek();
    if (after == '*' || after == '+' || after == '?') {
      fail("nothing to repeat");
      return atom_index;
    }
    node repeat;
    repeat.kind = node_kind::repeat;
    repeat.children.push_back(atom_index);
    repeat.min = min;
    repeat.max = max;
    return make(std::move(repeat));
  }

  int literal(unsigned char c) {
    node n;
    n.kind = node_kind::set;
    const unsigned char folded = fold_ ? detail::fold(c) : c;
    add(n.set, folded);
    if (fold_ && folded != c) add(n.set, c);
    n.literal = folded;
    return make(std::move(n));
  }
  int set_node(byte_set s) {
    node n;
    n.kind = node_kind::set;
    n.set = s;
    return make(std::move(n));
  }
  int assertion(opcode op) {
    node n;
    n.kind = node_kind::assertion;
    n.assertion = op;
    return make(std::move(n));
  }

  int atom() {
    const auto c = static_cast<unsigned char>(s_[i_]);
    switch (c) {
      case '(': {
        ++i_;
        if (peek() == '?') {
          ++i_;
          const char kind = peek();
          if (kind == ':') {
            ++i_;
          } else if (kind == '<' && i_ + 1 < s_.size() && s_[i_ + 1] != '=' && s_[i_ + 1] != '!') {
            const auto close = s_.find('>', i_);
            if (close == std::string_view::npos) {
              fail("an unterminated group name");
              return -1;
            }
            i_ = close + 1;
          } else {
            fail("lookaround");
            return -1;
          }
        }
        const int inner = alternation();
        if (peek() != ')') {
          fail("an unterminated group");
          return -1;
        }
        ++i_;
        return inner;
      }
      case '[':
        return char_class();
      case '.':
        ++i_;
        return set_node(dot_set());
      case '^':
        ++i_;
        return assertion(op_line_start);
      case '$':
        ++i_;
        return assertion(op_line_end);
      case '\\':
        return escape();
      case '*':
      case '+':
      case '?':
        fail("nothing to repeat");
        return -1;
      case '{': {
        std::uint32_t min = 0, max = 0;
        const std::size_t at = i_;
        if (braces(min, max)) {
          i_ = at;
          fail("nothing to repeat");
          return -1;
        }
        ++i_;
        return literal(c);
      }
      default:
        ++i_;
        return literal(c);
    }
  }

  /// `\x` after the backslash; `in_class` for `\b` (backspace there). Sets `out` to the
  /// class of a class escape, or returns the character (-1 on error, -2 for a class).
  int escape_char(bool in_class, byte_set& out) {
    if (at_end()) {
      fail("\\ at end of pattern");
      return -1;
    }
    const auto c = static_cast<unsigned char>(s_[i_++]);
    auto hex = [&](std::size_t digits) -> int {
      if (i_ + digits > s_.size()) return -1;
      int value = 0;
      for (std::size_t k = 0; k < digits; ++k) {
        const char h = s_[i_ + k];
        int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
        if (d < 0) return -1;
        value = value * 16 + d;
      }
      i_ += digits;
      return value;
    };
    switch (c) {
      case 'd': out = digit_set(); return -2;
      case 'D': out = complement(digit_set()); return -2;
      case 'w': out = word_set(); return -2;
      case 'W': out = complement(word_set()); return -2;
      case 's': out = space_set(); return -2;
      case 'S': out = complement(space_set()); return -2;
      case 't': return '\t';
      case 'n': return '\n';
      case 'r': return '\r';
      case 'v': return '\v';
      case 'f': return '\f';
      case 'b':
        if (in_class) return '\b';
        fail("internal: \\b handled by the caller");
        return -1;
      case '0':
        if (!at_end() && peek() >= '0' && peek() <= '9') {
          fail("an octal escape");
          return -1;
        }
        return 0;
      case 'x': {
        const int value = hex(2);
        return value < 0 ? 'x' : value;
      }
      case 'u': {
        const int value = hex(4);
        if (value < 0) return 'u';
        if (value > 0xFF) {
          fail("a \\u escape above U+00FF");
          return -1;
        }
        return value;
      }
      case 'c':
        fail("a control escape");
        return -1;
      default:
        if (c >= '1' && c <= '9') {
          fail("a back-reference");
          return -1;
        }
        return c;  // an identity escape: \/ \. \- \? …
    }
  }

  int escape() {
    ++i_;  // the backslash
    if (!at_end() && (peek() == 'b' || peek() == 'B')) {
      const bool boundary = peek() == 'b';
      ++i_;
      return assertion(boundary ? op_word_boundary : op_not_word_boundary);
    }
    byte_set s{};
    const int c = escape_char(false, s);
    if (c == -1) return -1;
    if (c == -2) {
      if (fold_) close_under_case(s);
      return set_node(s);
    }
    return literal(static_cast<unsigned char>(c));
  }

  int char_class() {
    ++i_;  // [
    bool negated = false;
    if (peek() == '^') {
      negated = true;
      ++i_;
    }
    byte_set s{};
    while (true) {
      if (at_end()) {
        fail("an unterminated character class");
        return -1;
      }
      if (peek() == ']') {
        ++i_;
        break;
      }
      byte_set escaped{};
      int first = class_atom(escaped);
      if (first == -1) return -1;
      if (first == -2) {
        add_all(s, escaped);
        continue;
      }
      if (peek() == '-' && i_ + 1 < s_.size() && s_[i_ + 1] != ']') {
        ++i_;
        byte_set other{};
        const int last = class_atom(other);
        if (last == -1) return -1;
        if (last == -2) {  // [a-\d]: Annex B reads the dash as a literal
          add(s, static_cast<unsigned>(first));
          add(s, '-');
          add_all(s, other);
          continue;
        }
        if (last < first) {
          fail("a range out of order in a character class");
          return -1;
        }
        add_range(s, static_cast<unsigned>(first), static_cast<unsigned>(last));
        continue;
      }
      add(s, static_cast<unsigned>(first));
    }
    if (fold_) close_under_case(s);
    return set_node(negated ? complement(s) : s);
  }

  int class_atom(byte_set& escaped) {
    const auto c = static_cast<unsigned char>(s_[i_]);
    if (c >= 0x80) {
      fail("a non-ASCII character in a class");
      return -1;
    }
    if (c == '\\') {
      ++i_;
      return escape_char(true, escaped);
    }
    ++i_;
    return c;
  }

  std::string_view s_;
  bool fold_;
  std::size_t i_ = 0;
  int depth_ = 0;
  std::vector<node> nodes_;
  std::string error_;
};

class generator {
 public:
  explicit generator(const std::vector<node>& nodes) : nodes_(nodes) {}

  bool emit(int index) {
    if (code_.size() > max_instructions) return false;
    const node& n = nodes_[static_cast<std::size_t>(index)];
    switch (n.kind) {
      case node_kind::set:
        if (n.literal >= 0 && count(n.set) <= 2) {
          code_.push_back(op_char | static_cast<std::uint32_t>(n.literal) << 8);
        } else if (n.set == dot_set()) {
          code_.push_back(op_any);
        } else {
          code_.push_back(op_class | class_index(n.set) << 8);
        }
        return true;
      case node_kind::concat:
        for (int child : n.children) {
          if (!emit(child)) return false;
        }
        return true;
      case node_kind::assertion:
        code_.push_back(n.assertion);
        return true;
      case node_kind::alternation: {
        std::vector<std::size_t> jumps;
        for (std::size_t k = 0; k < n.children.size(); ++k) {
          std::size_t split = 0;
          if (k + 1 < n.children.size()) {
            split = code_.size();
            code_.push_back(op_split);
            code_.push_back(0);
            patch_arg(split, code_.size());
          }
          if (!emit(n.children[k])) return false;
          if (k + 1 < n.children.size()) {
            jumps.push_back(code_.size());
            code_.push_back(op_jump);
            code_[split + 1] = static_cast<std::uint32_t>(code_.size());
          }
        }
        for (auto j : jumps) patch_arg(j, code_.size());
        return true;
      }
      case node_kind::repeat: {
        for (std::uint32_t k = 0; k < n.min; ++k) {
          if (!emit(n.children.front())) return false;
        }
        if (n.max == unbounded) {
          const std::size_t loop = code_.size();
          code_.push_back(op_split);
          code_.push_back(0);
          patch_arg(loop, code_.size());
          if (!emit(n.children.front())) return false;
          code_.push_back(op_jump | static_cast<std::uint32_t>(loop) << 8);
          code_[loop + 1] = static_cast<std::uint32_t>(code_.size());
          return true;
        }
        std::vector<std::size_t> splits;
        for (std::uint32_t k = n.min; k < n.max; ++k) {
          splits.push_back(code_.size());
          code_.push_back(op_split);
          code_.push_back(0);
          patch_arg(splits.back(), code_.size());
          if (!emit(n.children.front())) return false;
        }
        for (auto s : splits) code_[s + 1] = static_cast<std::uint32_t>(code_.size());
        return true;
      }
    }
    return false;
  }

  std::vector<std::uint32_t> finish() {
    code_.push_back(op_match);
    std::vector<std::uint32_t> out;
    out.reserve(2 + code_.size() + classes_.size() * 8);
    out.push_back(static_cast<std::uint32_t>(code_.size()));
    out.push_back(static_cast<std::uint32_t>(classes_.size()));
    out.insert(out.end(), code_.begin(), code_.end());
    for (const auto& c : classes_) out.insert(out.end(), c.begin(), c.end());
    return out;
  }
  std::size_t size() const noexcept { return code_.size(); }

 private:
  void patch_arg(std::size_t at, std::size_t target) {
    code_[at] = (code_[at] & 0xFFu) | static_cast<std::uint32_t>(target) << 8;
  }
  std::uint32_t class_index(const byte_set& s) {
    for (std::size_t k = 0; k < classes_.size(); ++k) {
      if (classes_[k] == s) return static_cast<std::uint32_t>(k);
    }
    classes_.push_back(s);
    return static_cast<std::uint32_t>(classes_.size() - 1);
  }

  const std::vector<node>& nodes_;
  std::vector<std::uint32_t> code_;
  std::vector<byte_set> classes_;
};

/// One element of the regex's top-level sequence, for finding literal tokens.
enum class item_kind { token_char, separator, line_start, line_end, other };
struct item {
  item_kind kind;
  char c = 0;
};

void flatten(const std::vector<node>& nodes, int index, std::vector<item>& out) {
  const node& n = nodes[static_cast<std::size_t>(index)];
  switch (n.kind) {
    case node_kind::concat:
      for (int child : n.children) flatten(nodes, child, out);
      return;
    case node_kind::repeat:
      if (n.min == n.max && n.min <= 4) {
        for (std::uint32_t k = 0; k < n.min; ++k) flatten(nodes, n.children.front(), out);
      } else {
        out.push_back({item_kind::other});
      }
      return;
    case node_kind::assertion:
      out.push_back({n.assertion == op_line_start ? item_kind::line_start
                     : n.assertion == op_line_end ? item_kind::line_end
                                                  : item_kind::other});
      return;
    case node_kind::alternation:
      out.push_back({item_kind::other});
      return;
    case node_kind::set: {
      if (n.literal >= 0 && detail::is_token_char(static_cast<unsigned char>(n.literal))) {
        out.push_back({item_kind::token_char, static_cast<char>(n.literal)});
        return;
      }
      bool only_separators = true;
      for (unsigned c = 0; c < 256 && only_separators; ++c) {
        if (has(n.set, c) && detail::is_token_char(static_cast<unsigned char>(c))) only_separators = false;
      }
      out.push_back({only_separators ? item_kind::separator : item_kind::other});
      return;
    }
  }
}

std::vector<std::string> literal_tokens(const std::vector<node>& nodes, int root) {
  std::vector<item> items;
  flatten(nodes, root, items);
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < items.size();) {
    if (items[i].kind != item_kind::token_char) {
      ++i;
      continue;
    }
    std::size_t j = i;
    std::string token;
    while (j < items.size() && items[j].kind == item_kind::token_char) token += items[j++].c;
    const bool left = i > 0 && (items[i - 1].kind == item_kind::separator || items[i - 1].kind == item_kind::line_start);
    const bool right =
        j < items.size() && (items[j].kind == item_kind::separator || items[j].kind == item_kind::line_end);
    if (left && right) tokens.push_back(std::move(token));
    i = j;
  }
  return tokens;
}

}  // namespace

result<program, std::string> compile(std::string_view source, bool match_case) {
  parser p(source, match_case);
  auto root = p.parse();
  if (!root) return result<program, std::string>(boost::system::in_place_error, root.error());
  generator g(p.nodes());
  if (!g.emit(*root) || g.size() + 1 > max_instructions) {
    return result<program, std::string>(boost::system::in_place_error,
                                        "more than " + std::to_string(max_instructions) + " instructions");
  }
  program out;
  out.code = g.finish();
  out.tokens = literal_tokens(p.nodes(), *root);
  return out;
}

bool valid(const std::uint32_t* code, std::size_t size) noexcept {
  if (size < 2) return false;
  const std::size_t instructions = code[0], classes = code[1];
  if (instructions == 0 || instructions > max_instructions || classes > instructions) return false;
  if (size != 2 + instructions + classes * 8) return false;
  const std::uint32_t* ops = code + 2;
  std::array<bool, max_instructions> start{};
  for (std::size_t pc = 0; pc < instructions;) {
    start[pc] = true;
    pc += (ops[pc] & 0xFFu) == op_split ? 2 : 1;
    if (pc > instructions) return false;
  }
  auto target_ok = [&](std::uint32_t t) { return t < instructions && start[t]; };
  for (std::size_t pc = 0; pc < instructions;) {
    const std::uint32_t op = ops[pc] & 0xFFu, arg = ops[pc] >> 8;
    switch (op) {
      case op_char:
        if (arg > 0xFF || pc + 1 >= instructions) return false;
        break;
      case op_class:
        if (arg >= classes || pc + 1 >= instructions) return false;
        break;
      case op_any:
      case op_line_start:
      case op_line_end:
      case op_word_boundary:
      case op_not_word_boundary:
        if (arg != 0 || pc + 1 >= instructions) return false;
        break;
      case op_split:
        if (!target_ok(arg) || !target_ok(ops[pc + 1])) return false;
        break;
      case op_jump:
        if (!target_ok(arg)) return false;
        break;
      case op_match:
        if (arg != 0) return false;
        break;
      default:
        return false;
    }
    pc += op == op_split ? 2 : 1;
  }
  return true;
}

namespace {

struct vm {
  const std::uint32_t* ops;
  const std::uint32_t* classes;
  std::string_view input;
  std::array<std::uint32_t, max_instructions> marks;
  std::array<std::uint16_t, 2 * max_instructions> stack;
  std::uint32_t generation = 0;

  bool word_at(std::size_t pos) const noexcept {
    return pos < input.size() && is_word(static_cast<unsigned char>(input[pos]));
  }

  /// Adds `pc` and every state reachable from it without input to `list`; true on a match.
  bool add_thread(std::uint16_t* list, std::size_t& list_size, std::uint32_t pc, std::size_t pos) noexcept {
    std::size_t top = 0;
    stack[top++] = static_cast<std::uint16_t>(pc);
    while (top > 0) {
      const std::uint32_t at = stack[--top];
      if (marks[at] == generation) continue;
      marks[at] = generation;
      const std::uint32_t op = ops[at] & 0xFFu, arg = ops[at] >> 8;
      switch (op) {
        case op_jump:
          stack[top++] = static_cast<std::uint16_t>(arg);
          break;
        case op_split:
          stack[top++] = static_cast<std::uint16_t>(ops[at + 1]);
          stack[top++] = static_cast<std::uint16_t>(arg);
          break;
        case op_line_start:
          if (pos == 0) stack[top++] = static_cast<std::uint16_t>(at + 1);
          break;
        case op_line_end:
          if (pos == input.size()) stack[top++] = static_cast<std::uint16_t>(at + 1);
          break;
        case op_word_boundary:
        case op_not_word_boundary: {
          const bool boundary = (pos > 0 && word_at(pos - 1)) != word_at(pos);
          if (boundary == (op == op_word_boundary)) stack[top++] = static_cast<std::uint16_t>(at + 1);
          break;
        }
        case op_match:
          return true;
        default:
          list[list_size++] = static_cast<std::uint16_t>(at);
          break;
      }
      // Each state is pushed at most once per incoming edge, and each has at most two.
      if (top + 2 > stack.size()) return false;
    }
    return false;
  }
};

}  // namespace

bool search(const std::uint32_t* code, std::string_view input, bool match_case) noexcept {
  const std::size_t instructions = code[0];
  vm machine;
  machine.ops = code + 2;
  machine.classes = code + 2 + instructions;
  machine.input = input;
  std::fill_n(machine.marks.begin(), instructions, 0u);
  std::array<std::uint16_t, max_instructions> first{}, second{};
  std::uint16_t* current = first.data();
  std::uint16_t* next = second.data();
  std::size_t current_size = 0, next_size = 0;
  const bool anchored = (machine.ops[0] & 0xFFu) == op_line_start;

  machine.generation = 1;
  if (machine.add_thread(current, current_size, 0, 0)) return true;
  for (std::size_t pos = 0; pos < input.size(); ++pos) {
    if (current_size == 0 && anchored) return false;
    auto c = static_cast<unsigned char>(input[pos]);
    if (!match_case) c = detail::fold(c);
    ++machine.generation;
    next_size = 0;
    for (std::size_t k = 0; k < current_size; ++k) {
      const std::uint32_t at = current[k];
      const std::uint32_t op = machine.ops[at] & 0xFFu, arg = machine.ops[at] >> 8;
      bool step = false;
      if (op == op_char) {
        step = c == arg;
      } else if (op == op_any) {
        step = c != '\n' && c != '\r';
      } else if (op == op_class) {
        step = (machine.classes[arg * 8 + (c >> 5)] >> (c & 31)) & 1u;
      }
      if (step && machine.add_thread(next, next_size, at + 1, pos + 1)) return true;
    }
    if (!anchored && machine.add_thread(next, next_size, 0, pos + 1)) return true;
    std::swap(current, next);
    current_size = next_size;
  }
  return false;
}

}  // namespace consentry::detail::regex
