// Counters for /metrics in the Prometheus text format (exposition format 0.0.4):
// requests by status, a latency histogram, connections; storage adds its own.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "consentry/receipt.hpp"
#include "storage.hpp"

namespace consentry::server {

class metrics {
 public:
  void count_request(unsigned status, std::chrono::steady_clock::duration latency) noexcept;
  void connection_opened() noexcept { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() noexcept { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  void connection_refused() noexcept { refused_connections_.fetch_add(1, std::memory_order_relaxed); }
  std::int64_t open_connections() const noexcept { return open_connections_.load(std::memory_order_relaxed); }

  std::string render(const storage_statistics& storage, const receipt_check_cache::statistics& checks) const;

 private:
  /// Upper bounds of the latency buckets, in seconds; the last bucket is +Inf.
  static constexpr std::array<double, 12> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                 0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  std::array<std::atomic<std::uint64_t>, 600> by_status_{};
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> latency_buckets_{};
  std::atomic<std::uint64_t> latency_sum_microseconds_{0};
  std::atomic<std::uint64_t> latency_count_{0};
  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::uint64_t> refused_connections_{0};
};

}  // namespace consentry::server
