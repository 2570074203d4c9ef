// Errors are values: every fallible function of the core returns a result.
#pragma once

#include <boost/system/result.hpp>

#include "consentry/diagnostic.hpp"

namespace consentry {

/// An expected-like value: `T` or the error `E`. Boost.System's `result` is used
/// rather than a home-made one; call `has_value()` before `value()`, since with
/// exceptions off (the wasm build) `value()` on an error aborts.
template <class T, class E = diagnostics>
using result = boost::system::result<T, E>;

}  // namespace consentry
