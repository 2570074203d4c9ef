// With exceptions off (the wasm build), Boost reports what it would have thrown
// here. The core never lets it come to that: it checks before it calls `value()`.
#include <boost/config.hpp>

#ifdef BOOST_NO_EXCEPTIONS
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <boost/assert/source_location.hpp>

namespace boost {
[[noreturn]] void throw_exception(const std::exception& error) {
  std::fprintf(stderr, "consentry: fatal: %s\n", error.what());
  std::abort();
}
[[noreturn]] void throw_exception(const std::exception& error, const boost::source_location&) {
  throw_exception(error);
}
}  // namespace boost
#endif
