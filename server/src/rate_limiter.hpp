// Token buckets per key (a device thumbprint, a client address), so that one device
// or one client cannot take the server for itself. Soft state: a restart forgets
// it, and each server of a cluster limits on its own.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace consentry::server {

class rate_limiter {
 public:
  /// `rate` tokens per second, at most `burst` saved up; a rate of 0 allows everything.
  rate_limiter(double rate, double burst);

  /// Takes one token for `key`. When there is none, returns the seconds to wait.
  std::optional<unsigned> take(const std::string& key, std::chrono::steady_clock::time_point now);

 private:
  struct bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
  };
  struct shard {
    std::mutex mutex;
    std::unordered_map<std::string, bucket> buckets;
  };
  void forget_full_buckets(shard& s, std::chrono::steady_clock::time_point now);

  double rate_;
  double burst_;
  std::array<shard, 16> shards_;
};

}  // namespace consentry::server
