// What the tracker-engine harnesses share: requests to try an engine on, each checked
// against what a verdict promises whatever the rules (blocker.hpp).
#pragma once

#include <array>
#include <string_view>

#include "consentry/blocker.hpp"
#include "fuzz_support.hpp"

namespace consentry::fuzz {

struct sample_request {
  std::string_view url;
  request_type type;
  std::string_view page;
};

/// First- and third-party, every kind of host (IP, IDN, public suffix, port, userinfo),
/// and URLs that are hardly URLs at all.
inline constexpr std::array<sample_request, 12> sample_requests{{
    {"https://www.google-analytics.com/g/collect?v=2&tid=G-1", request_type::ping, "https://shop.example/"},
    {"https://stats.measure.example/pixel.gif?id=1", request_type::image, "https://shop.example/cart"},
    {"https://ads.network.example/ad.js", request_type::script, "https://news.example.co.uk/a"},
    {"https://shop.example/style.css", request_type::stylesheet, "https://shop.example/"},
    {"http://user:pw@[::1]:8080/track?x=%2fbeacon_", request_type::xmlhttprequest, "http://127.0.0.1/"},
    {"wss://cdn.xn--bcher-kva.example/socket", request_type::websocket, "https://bücher.example/"},
    {"https://a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.example.com/", request_type::subdocument, "https://example.com"},
    {"https://co.uk/", request_type::document, "https://co.uk/"},
    {"//no-scheme.example/x", request_type::other, ""},
    {"", request_type::media, ""},
    {"https:///", request_type::font, "about:blank"},
    {"data:text/html,<script>", request_type::other, "https://shop.example/"},
}};

/// What any verdict promises, whatever the rules: its host is a view into the URL, a
/// block names a vendor of the image, a decision names its filter, and consent decides
/// nothing for an undisclosed tracker.
inline void check_verdict(const blocker& engine, const verdict& v, std::string_view url) {
  const auto within = [&](std::string_view part) {
    return part.empty() || (part.data() >= url.data() && part.data() + part.size() <= url.data() + url.size());
  };
  CONSENTRY_FUZZ_CHECK(within(v.host));
  switch (v.kind) {
    case verdict_kind::allow:
      CONSENTRY_FUZZ_CHECK(engine.allows(v, 0));
      break;
    case verdict_kind::block:
      CONSENTRY_FUZZ_CHECK(v.vendor < engine.vendor_count());
      CONSENTRY_FUZZ_CHECK(v.filter != no_filter && v.filter < engine.filter_count());
      break;
    case verdict_kind::undisclosed:
      CONSENTRY_FUZZ_CHECK(!engine.allows(v, ~purpose_set{0}));
      CONSENTRY_FUZZ_CHECK(v.filter != no_filter && v.filter < engine.filter_count());
      break;
  }
  if (v.filter != no_filter) (void)engine.describe_filter(v);
}

/// Matches `url` both ways (page URL, prepared page) and checks that they agree.
inline verdict match_and_check(const blocker& engine, std::string_view url, request_type type, std::string_view page) {
  const auto v = engine.match(url, type, page);
  check_verdict(engine, v, url);
  const page_context prepared(page);
  const auto again = engine.match(url, type, prepared);
  CONSENTRY_FUZZ_CHECK(again.kind == v.kind && again.filter == v.filter && again.vendor == v.vendor &&
                       again.purposes == v.purposes && again.exception == v.exception);
  return v;
}

/// Every vendor and purpose of a loaded image, read as the reports read them.
inline void read_tables(const blocker& engine) {
  for (std::size_t i = 0; i < engine.vendor_count(); ++i) (void)engine.vendor(i);
  for (std::size_t i = 0; i < engine.purpose_count(); ++i) (void)engine.purpose(i);
}

}  // namespace consentry::fuzz
