// What every libFuzzer harness of fuzz/ shares: the input as a string_view and a check
// that, when an invariant of the code under test fails, stops the run with a message,
// so that libFuzzer saves the input as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace consentry::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) noexcept {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void invariant_failed(const char* what, const char* file, int line) noexcept {
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
  std::abort();
}

}  // namespace consentry::fuzz

/// An invariant of the code under test: a false one is a finding, like a crash.
#define CONSENTRY_FUZZ_CHECK(condition) \
  ((condition) ? void() : ::consentry::fuzz::invariant_failed(#condition, __FILE__, __LINE__))
