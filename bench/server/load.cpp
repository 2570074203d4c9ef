// consentry-load: the server benchmark's load generator. Sends pre-made bodies
// (one per line of a file, each sent once) over keep-alive connections on loopback,
// either as fast as the server answers (closed loop) or at a fixed rate (open loop,
// latency counted from the moment a request was due, so that a stalled server is
// not hidden by requests that were never sent: no coordinated omission).
#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string bodies_file;
  std::string path = "/v1/receipts";
  std::string content_type = "application/jose";
  double rate = 0;  // requests per second; 0: closed loop
  int connections = 64;
  double warmup_seconds = 3;
  double seconds = 15;
};

/// Every body, one after another in one mapping of huge pages when the kernel gives
/// them: each body is sent once, so it is cold when its turn comes, and with 4 KB
/// pages reading a 16 KB body cost this machine's virtualised page walks more than
/// sending it. (Measured: the copy into the socket was 57% of the generator's time.)
class body_store {
 public:
  explicit body_store(const std::string& file) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error("cannot read " + file);
    size_ = static_cast<std::size_t>(in.tellg());
    if (size_ == 0) return;
    data_ = static_cast<char*>(::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (data_ == MAP_FAILED) throw std::runtime_error("cannot map " + std::to_string(size_) + " bytes");
    ::madvise(data_, size_, MADV_HUGEPAGE);  // a hint; without it the bodies still work
    in.seekg(0);
    in.read(data_, static_cast<std::streamsize>(size_));
    std::string_view all(data_, size_);
    while (!all.empty()) {
      const auto end = all.find('\n');
      const auto line = all.substr(0, end);
      if (!line.empty()) bodies_.push_back(line);
      all = end == std::string_view::npos ? std::string_view() : all.substr(end + 1);
    }
  }
  ~body_store() {
    if (data_ && data_ != MAP_FAILED) ::munmap(data_, size_);
  }
  body_store(const body_store&) = delete;
  body_store& operator=(const body_store&) = delete;
  const std::vector<std::string_view>& bodies() const { return bodies_; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::vector<std::string_view> bodies_;
};

/// The machine's CPU time (every core, every process, the kernel's own threads), busy
/// and all, from /proc/stat; and this process's own. Read when the measured window
/// opens and when it closes, so that what the generator does before (reading the
/// bodies, the warm-up) does not count.
struct cpu_sample {
  unsigned long long busy = 0, all = 0;  ///< both 0 when /proc/stat cannot be read
  double own_seconds = 0;

  static cpu_sample now() {
    cpu_sample s;
    std::ifstream stat("/proc/stat");
    std::string cpu;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal && cpu == "cpu") {
      s.busy = user + nice + system + irq + softirq + steal;
      s.all = s.busy + idle + iowait;
    }
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    s.own_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    return s;
  }
};

class generator {
 public:
  generator(net::io_context& io, settings s, const std::vector<std::string_view>& bodies)
      : io_(io), settings_(std::move(s)), bodies_(bodies), ticker_(io) {}

  void start() {
    tcp::resolver resolver(io_);
    const auto endpoints = resolver.resolve(settings_.host, settings_.port);
    for (int i = 0; i < settings_.connections; ++i) {
      auto c = std::make_shared<connection>(io_);
      net::connect(c->socket, endpoints);
      c->socket.set_option(tcp::no_delay(true));
      connections_.push_back(c);
      idle_.push_back(c);
    }
    endpoints_ = endpoints;
    started_ = clock_type::now();
    measure_from_ = started_ + to_duration(settings_.warmup_seconds);
    stop_at_ = measure_from_ + to_duration(settings_.seconds);
    tick();
  }

  void report() const {
    std::vector<std::uint32_t> sorted = latencies_;
    std::sort(sorted.begin(), sorted.end());
    auto percentile = [&](double p) -> double {
      if (sorted.empty()) return 0;
      const auto index = std::min(sorted.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size())));
      return sorted[index] / 1000.0;
    };
    std::uint64_t ok = 0;
    std::string statuses;
    for (const auto& [status, count] : statuses_) {
      if (status >= 200 && status < 300) ok += count;
      statuses += (statuses.empty() ? "" : ",") + std::string("\"") + std::to_string(status) + "\":" + std::to_string(count);
    }
    const double window = settings_.seconds;
    const bool sampled = window_start_ && window_end_;
    const double machine_busy =
        sampled && window_end_->all > window_start_->all
            ? static_cast<double>(window_end_->busy - window_start_->busy) /
                  static_cast<double>(window_end_->all - window_start_->all)
            : -1;
    const double own_us_per_request =
        sampled && !latencies_.empty()
            ? (window_end_->own_seconds - window_start_->own_seconds) * 1e6 / static_cast<double>(latencies_.size())
            : 0;
    std::printf(
        "{\"mode\":\"%s\",\"target_rate\":%.0f,\"connections\":%d,\"seconds\":%.1f,\"requests\":%zu,"
        "\"ok_per_second\":%.0f,\"statuses\":{%s},\"errors\":%llu,\"retried\":%llu,\"late_sends\":%llu,\"ran_out\":%s,"
        "\"latency_ms\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f},"
        "\"machine_busy\":%.3f,\"generator_cpu_us_per_request\":%.1f}\n",
        settings_.rate > 0 ? "fixed-rate" : "saturation", settings_.rate, settings_.connections, window,
        latencies_.size(), static_cast<double>(ok) / window, statuses.c_str(),
        static_cast<unsigned long long>(errors_), static_cast<unsigned long long>(retried_),
        static_cast<unsigned long long>(late_),
        next_body_ >= bodies_.size() ? "true" : "false", percentile(50), percentile(90), percentile(99),
        percentile(99.9), sorted.empty() ? 0.0 : sorted.back() / 1000.0, machine_busy, own_us_per_request);
  }

 private:
  struct connection {
    // Room for a whole answer: a read asks for as much as the buffer has room for.
    explicit connection(net::io_context& io) : socket(io) { buffer.reserve(16 * 1024); }
    tcp::socket socket;
    beast::flat_buffer buffer;
    http::request<http::span_body<const char>> request;
    http::response<http::string_body> response;
    std::string_view body;
    int attempts = 0;
    clock_type::time_point due;
  };

  static clock_type::duration to_duration(double seconds) {
    return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  }

  void tick() {
    const auto now = clock_type::now();
    if (!window_start_ && now >= measure_from_) window_start_ = cpu_sample::now();
    if (!window_end_ && now >= stop_at_) window_end_ = cpu_sample::now();
    if (now >= stop_at_) {
      stopping_ = true;
      if (in_flight_ == 0) io_.stop();
      return;
    }
    if (settings_.rate > 0) {
      // Every request due by now is queued with the time it was due.
      const auto elapsed = std::chrono::duration<double>(now - started_).count();
      const auto due_count = static_cast<std::uint64_t>(elapsed * settings_.rate);
      while (scheduled_ < due_count) {
        due_.push_back(started_ + to_duration(static_cast<double>(scheduled_) / settings_.rate));
        ++scheduled_;
      }
    }
    dispatch();
    // A tick a millisecond: each wakes this thread, and on this kind of virtual machine a
    // wakeup costs tens of microseconds of the CPU the server shares (every 250 µs, the
    // load generator took 45–50 µs per request at 5,000/s; every 1 ms, about 30). A
    // request waits at most a tick to be sent, and that wait counts in its latency.
    ticker_.expires_after(settings_.rate > 0 ? std::chrono::microseconds(1'000) : std::chrono::microseconds(50'000));
    ticker_.async_wait([this](beast::error_code ec) {
      if (!ec) tick();
    });
  }

  void dispatch() {
    while (!idle_.empty() && next_body_ < bodies_.size() && !stopping_) {
      clock_type::time_point due;
      if (settings_.rate > 0) {
        if (due_.empty()) return;
        due = due_.front();
        due_.pop_front();
      } else {
        due = clock_type::now();
      }
      auto c = idle_.back();
      idle_.pop_back();
      send(c, due);
    }
    if (settings_.rate > 0 && idle_.empty() && !due_.empty()) late_ = std::max<std::uint64_t>(late_, due_.size());
  }

  void send(const std::shared_ptr<connection>& c, clock_type::time_point due) {
    c->due = due;
    c->body = bodies_[next_body_++];  // each body is sent once (or again after a closed connection)
    c->attempts = 0;
    ++in_flight_;
    transmit(c);
  }

  void transmit(const std::shared_ptr<connection>& c) {
    ++c->attempts;
    c->request = {http::verb::post, settings_.path, 11};
    c->request.set(http::field::host, settings_.host);
    c->request.set(http::field::content_type, settings_.content_type);
    c->request.body() = {c->body.data(), c->body.size()};
    c->request.prepare_payload();
    http::async_write(c->socket, c->request, [this, c](beast::error_code ec, std::size_t) {
      if (ec) return failed(c);
      c->response = {};
      // Waits for the answer before reading it: a read now would find nothing, and on
      // this kind of virtual machine each such system call costs microseconds of the
      // CPU the server shares.
      c->socket.async_wait(tcp::socket::wait_read, [this, c](beast::error_code wait_error) {
        if (wait_error) return failed(c);
        read_answer(c);
      });
    });
  }

  void read_answer(const std::shared_ptr<connection>& c) {
    http::async_read(c->socket, c->buffer, c->response, [this, c](beast::error_code read_error, std::size_t) {
      if (read_error) return failed(c);
      --in_flight_;
      const auto now = clock_type::now();
      if (c->due >= measure_from_ && c->due < stop_at_) {
        latencies_.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - c->due).count()));
        ++statuses_[c->response.result_int()];
      }
      idle_.push_back(c);
      if (stopping_) {
        if (in_flight_ == 0) io_.stop();
        return;
      }
      dispatch();
    });
  }

  /// A connection that failed before its answer: the server closes a keep-alive
  /// connection that stayed idle past its request time-out (10 s), which the
  /// connections least used here do at low rates. As a browser does with a request on
  /// a connection closed before any answer (RFC 9110 §9.2.2: a client that knows the
  /// request is idempotent may retry it, and the receipt API is idempotent on the receipt
  /// id), the request goes again on a new connection, its latency still counted from when
  /// it was due. Only a second failure counts as an error.
  void failed(const std::shared_ptr<connection>& c) {
    beast::error_code ignored;
    c->socket.close(ignored);
    c->socket = tcp::socket(io_);
    c->buffer.consume(c->buffer.size());  // whatever came on the old connection is not an answer to this
    beast::error_code connect_error;
    net::connect(c->socket, endpoints_, connect_error);
    if (!connect_error) c->socket.set_option(tcp::no_delay(true), ignored);
    if (!connect_error && c->attempts < 2) {
      ++retried_;
      return transmit(c);
    }
    --in_flight_;
    ++errors_;
    idle_.push_back(c);
    if (stopping_ && in_flight_ == 0) io_.stop();
  }

  net::io_context& io_;
  settings settings_;
  const std::vector<std::string_view>& bodies_;
  tcp::resolver::results_type endpoints_;
  std::vector<std::shared_ptr<connection>> connections_;
  std::vector<std::shared_ptr<connection>> idle_;
  std::deque<clock_type::time_point> due_;
  net::steady_timer ticker_;
  std::optional<cpu_sample> window_start_, window_end_;
  clock_type::time_point started_, measure_from_, stop_at_;
  std::uint64_t scheduled_ = 0;
  std::size_t next_body_ = 0;
  std::size_t in_flight_ = 0;
  bool stopping_ = false;
  std::vector<std::uint32_t> latencies_;
  std::map<unsigned, std::uint64_t> statuses_;
  std::uint64_t errors_ = 0;
  std::uint64_t retried_ = 0;
  std::uint64_t late_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--target") {
      const auto colon = value.rfind(':');
      s.host = value.substr(0, colon);
      s.port = value.substr(colon + 1);
    } else if (flag == "--bodies") {
      s.bodies_file = value;
    } else if (flag == "--path") {
      s.path = value;
    } else if (flag == "--rate") {
      s.rate = std::stod(value);
    } else if (flag == "--connections") {
      s.connections = std::stoi(value);
    } else if (flag == "--warmup") {
      s.warmup_seconds = std::stod(value);
    } else if (flag == "--seconds") {
      s.seconds = std::stod(value);
    } else {
      std::cerr << "consentry-load: unknown option " << flag << "\n";
      return 2;
    }
  }
  if (s.bodies_file.empty()) {
    std::cerr << "usage: consentry-load --target HOST:PORT --bodies FILE [--rate R] [--connections N] "
                 "[--warmup S] [--seconds S]\n";
    return 2;
  }
  std::unique_ptr<body_store> store;
  try {
    store = std::make_unique<body_store>(s.bodies_file);
  } catch (const std::exception& error) {
    std::cerr << "consentry-load: " << error.what() << "\n";
    return 1;
  }
  if (store->bodies().empty()) {
    std::cerr << "consentry-load: no bodies in " << s.bodies_file << "\n";
    return 1;
  }
  net::io_context io(1);
  generator g(io, s, store->bodies());
  try {
    g.start();
    io.run();
  } catch (const std::exception& error) {
    std::cerr << "consentry-load: " << error.what() << "\n";
    return 1;
  }
  g.report();
  return 0;
}
