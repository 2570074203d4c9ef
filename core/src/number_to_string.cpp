// ECMAScript Number::toString for RFC 8785 §3.2.2.3. The shortest round-trip digits come
// from Ryu (Ulf Adams, PLDI 2018) as Boost.JSON 1.81 ships it, header-only: neither
// Emscripten 3.1.6's libc++ nor a printf/strtod loop gives shortest-and-closest digits in
// both builds. Boost is pinned to 1.81 (cmake/dependencies.cmake); the jcs tests compare
// against Node's String(x) on a million random doubles, so a change there would show.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "consentry/jcs.hpp"

// Ryu's one non-inline function would otherwise be defined here with external linkage.
#ifndef BOOST_JSON_DECL
#define BOOST_JSON_DECL inline
#endif
#include <boost/json/detail/ryu/impl/d2s.ipp>

namespace consentry {
namespace {

struct decimal {
  std::uint64_t digits;  // without trailing zeros
  std::int32_t exponent;  // value = digits × 10^exponent
};

decimal shortest(double x) {
  namespace ryu = boost::json::detail::ryu::detail;
  std::uint64_t bits = 0;
  std::memcpy(&bits, &x, sizeof bits);
  const std::uint64_t mantissa = bits & ((std::uint64_t{1} << 52) - 1);
  const auto exponent = static_cast<std::uint32_t>(bits >> 52 & 0x7ff);
  ryu::floating_decimal_64 v{};
  if (!ryu::d2d_small_int(mantissa, exponent, &v)) v = ryu::d2d(mantissa, exponent);
  decimal out{v.mantissa, v.exponent};
  while (out.digits % 10 == 0) {
    out.digits /= 10;
    ++out.exponent;
  }
  return out;
}

}  // namespace

std::string number_to_string(double x) {
  if (std::isnan(x)) return "NaN";
  if (x == 0) return "0";  // both zeros (step 2)
  std::string out;
  if (x < 0) {
    out += '-';
    x = -x;
  }
  if (std::isinf(x)) return out + "Infinity";

  // Step 5: s has k digits and x = s × 10^(n−k).
  const auto [s, exponent] = shortest(x);
  char digits[24];
  int k = 0;
  for (auto rest = s; rest > 0; rest /= 10) digits[k++] = static_cast<char>('0' + rest % 10);
  for (int i = 0; i < k / 2; ++i) std::swap(digits[i], digits[k - 1 - i]);
  const int n = exponent + k;

  if (k <= n && n <= 21) {  // step 6: an integer, zeros appended
    out.append(digits, static_cast<std::size_t>(k));
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {  // step 7: the point inside the digits
    out.append(digits, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits + n, static_cast<std::size_t>(k - n));
  } else if (-6 < n && n <= 0) {  // step 8: 0.000ddd
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out.append(digits, static_cast<std::size_t>(k));
  } else {  // steps 9 and 10: d.ddde±x
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits + 1, static_cast<std::size_t>(k - 1));
    }
    out += 'e';
    out += n - 1 > 0 ? '+' : '-';
    out += std::to_string(n - 1 > 0 ? n - 1 : 1 - n);
  }
  return out;
}

}  // namespace consentry
