// consentry-server: verify, store durably, countersign. Start-up reports a bad flag,
// an unreadable key or an unreachable database in one clear line, before listening.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "api.hpp"
#include "http_server.hpp"
#include "thread_name.hpp"

namespace {

int fail(const std::string& message, int code = 1) {
  std::cerr << "consentry-server: " << message << "\n";
  return code;
}

/// Each connection is a file descriptor: take all the process may have.
void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace consentry::server;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << usage_text();
      return 0;
    }
  }
  auto parsed = parse_options(args);
  if (!parsed) return fail(parsed.error() + "\n" + usage_text(), 2);
  const auto& options = *parsed;

  auto policies = load_known_policies(options.policy_directories);
  if (!policies) return fail(policies.error());
  const receipt_checker checker(std::move(*policies));

  auto key = server_key::load_or_create(options.key_file);
  if (!key) return fail(key.error());

  std::optional<static_files> files;
  if (options.static_directory) {
    auto opened = static_files::open(*options.static_directory, options.content_security_policy);
    if (!opened) return fail(opened.error());
    files = std::move(*opened);
  }

  storage_options storage_settings;
  storage_settings.max_queue = options.max_queue;
  storage_settings.busy_timeout = options.busy_timeout;
  auto store = open_storage(options.database, make_countersigner(*key), storage_settings);
  if (!store) return fail(store.error());

  raise_file_limit();
  std::signal(SIGPIPE, SIG_IGN);

  metrics counters;
  api handler(options, checker, **store, *key, counters, files ? &*files : nullptr);
  boost::asio::io_context io(static_cast<int>(options.threads));
  http_server server(io, handler, counters,
                     {options.max_connections, options.max_header_bytes, options.max_body_bytes,
                      options.request_timeout});
  if (auto listening = server.listen(options.listen_host, options.listen_port); !listening)
    return fail(listening.error());

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server.stop_accepting();
    (*store)->stop();  // answers what is queued; nothing acknowledged is left behind
    io.stop();
  });

  const auto shown_host = options.listen_host.find(':') != std::string::npos ? "[" + options.listen_host + "]"
                                                                                : options.listen_host;
  std::cout << "consentry-server: listening on http://" << shown_host << ":" << server.port() << " with "
            << options.threads << " threads, "
            << (options.database.kind == database_kind::sqlite ? "SQLite " + options.database.target : "PostgreSQL")
            << std::endl;

  if (key->created()) std::cerr << "consentry-server: created the server key " << options.key_file << "\n";

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < options.threads; ++i) {
    threads.push_back(named_thread("cs-io-" + std::to_string(i), [&io] { io.run(); }));
  }
  name_this_thread("cs-io-0");
  io.run();
  for (auto& t : threads) t.join();
  (*store)->stop();
  return 0;
}
