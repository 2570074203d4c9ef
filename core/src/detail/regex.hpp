// The regular expressions of `/…/` filter rules: the subset of ECMAScript regex syntax
// (ECMA-262 §22.2) that filter lists use, compiled ahead of time into a small program
// that lives in the rules image and runs as a Pike VM (Thompson's construction): time
// linear in the URL, no backtracking blow-up, no allocation, no std::regex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "consentry/result.hpp"

namespace consentry::detail::regex {

/// Programs are at most this many instructions, so that the matcher's state fits on the stack.
inline constexpr std::size_t max_instructions = 2048;

enum opcode : std::uint32_t {
  op_char = 1,   ///< arg: the byte
  op_any,        ///< any byte but a line terminator
  op_class,      ///< arg: class index; the class is a 256-bit set after the instructions
  op_split,      ///< arg: preferred target; the next word: the other target
  op_jump,       ///< arg: target
  op_line_start,
  op_line_end,
  op_word_boundary,
  op_not_word_boundary,
  op_match,
};

/// A compiled program: `code[0]` instruction words, `code[1]` classes, the instructions
/// (op in the low 8 bits, argument above), then 8 words per class.
struct program {
  std::vector<std::uint32_t> code;
  /// Literal tokens every match contains whole (bounded by non-token characters):
  /// the index files the rule under one of them.
  std::vector<std::string> tokens;
};

/// Compiles `source` (without its slashes). Case-insensitive unless `match_case`, as
/// the `i` flag. Refuses, with the reason, what the subset lacks: back-references,
/// lookaround, Unicode escapes above U+00FF and classes of non-ASCII characters.
result<program, std::string> compile(std::string_view source, bool match_case);

/// Whether `code` is a well-formed program: every target and class in range.
bool valid(const std::uint32_t* code, std::size_t size) noexcept;

/// Whether the program matches anywhere in `input`. `code` must be `valid`.
bool search(const std::uint32_t* code, std::string_view input, bool match_case) noexcept;

}  // namespace consentry::detail::regex
