#include "metrics.hpp"

#include <cstdio>

namespace consentry::server {

void metrics::count_request(unsigned status, std::chrono::steady_clock::duration latency) noexcept {
  if (status < by_status_.size()) by_status_[status].fetch_add(1, std::memory_order_relaxed);
  const auto microseconds = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
  const double seconds = static_cast<double>(microseconds) / 1e6;
  std::size_t bucket = 0;
  while (bucket < bounds.size() && seconds > bounds[bucket]) ++bucket;
  latency_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_microseconds_.fetch_add(static_cast<std::uint64_t>(microseconds), std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
}

std::string metrics::render(const storage_statistics& storage, const receipt_check_cache::statistics& checks) const {
  std::string out;
  char line[160];
  out += "# HELP consentry_http_requests_total HTTP requests answered, by status code.\n";
  out += "# TYPE consentry_http_requests_total counter\n";
  for (std::size_t status = 100; status < by_status_.size(); ++status) {
    const auto n = by_status_[status].load(std::memory_order_relaxed);
    if (n == 0) continue;
    std::snprintf(line, sizeof line, "consentry_http_requests_total{status=\"%zu\"} %llu\n", status,
                  static_cast<unsigned long long>(n));
    out += line;
  }
  out += "# HELP consentry_http_request_duration_seconds Time from a request's headers to its answer.\n";
  out += "# TYPE consentry_http_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < latency_buckets_.size(); ++i) {
    cumulative += latency_buckets_[i].load(std::memory_order_relaxed);
    if (i < bounds.size()) {
      std::snprintf(line, sizeof line, "consentry_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[i],
                    static_cast<unsigned long long>(cumulative));
    } else {
      std::snprintf(line, sizeof line, "consentry_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                    static_cast<unsigned long long>(cumulative));
    }
    out += line;
  }
  std::snprintf(line, sizeof line, "consentry_http_request_duration_seconds_sum %.6f\n",
                static_cast<double>(latency_sum_microseconds_.load(std::memory_order_relaxed)) / 1e6);
  out += line;
  std::snprintf(line, sizeof line, "consentry_http_request_duration_seconds_count %llu\n",
                static_cast<unsigned long long>(latency_count_.load(std::memory_order_relaxed)));
  out += line;

  auto gauge = [&](const char* name, const char* type, const char* help, unsigned long long value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    std::snprintf(line, sizeof line, "%s %llu\n", name, value);
    out += line;
  };
  gauge("consentry_receipts_stored_total", "counter", "Receipts stored by this server.", storage.receipts_stored);
  gauge("consentry_storage_errors_total", "counter", "Storage operations that failed.", storage.errors);
  gauge("consentry_storage_batches_total", "counter", "Group commits.", storage.batches);
  gauge("consentry_storage_queue", "gauge", "Receipts waiting for the writer.", storage.queued);
  gauge("consentry_receipt_check_cache_hits_total", "counter",
        "Receipts whose services were those of a receipt checked before (only the rest was parsed).", checks.hits);
  gauge("consentry_receipt_check_cache_misses_total", "counter", "Receipts whose payload was parsed whole.",
        checks.misses);
  gauge("consentry_connections_open", "gauge", "Open client connections.",
        static_cast<unsigned long long>(open_connections_.load(std::memory_order_relaxed)));
  gauge("consentry_connections_refused_total", "counter", "Connections refused over the limit.",
        refused_connections_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace consentry::server
