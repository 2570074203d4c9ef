#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

namespace consentry::server {

namespace {
// A map this large is swept for buckets that have refilled: those carry no information.
constexpr std::size_t sweep_threshold = 50'000;
}  // namespace

rate_limiter::rate_limiter(double rate, double burst) : rate_(rate), burst_(std::max(burst, 1.0)) {}

std::optional<unsigned> rate_limiter::take(const std::string& key, std::chrono::steady_clock::time_point now) {
  if (rate_ <= 0) return std::nullopt;
  auto& s = shards_[std::hash<std::string>{}(key) % shards_.size()];
  std::lock_guard lock(s.mutex);
  if (s.buckets.size() >= sweep_threshold) forget_full_buckets(s, now);
  auto [it, fresh] = s.buckets.try_emplace(key, bucket{burst_, now});
  auto& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.updated = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return static_cast<unsigned>(std::ceil((1 - b.tokens) / rate_));
}

void rate_limiter::forget_full_buckets(shard& s, std::chrono::steady_clock::time_point now) {
  std::erase_if(s.buckets, [&](const auto& entry) {
    const double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
    return entry.second.tokens + elapsed * rate_ >= burst_;
  });
}

}  // namespace consentry::server
