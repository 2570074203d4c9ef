// The connection layer: Boost.Beast over Asio, one io_context run by one thread per
// core. It enforces the limits that protect the server from its clients: open
// connections, header and body size, and the time a request may take.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "api.hpp"

namespace consentry::server {

struct connection_limits {
  std::size_t max_connections = 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds request_timeout{10'000};
};

class http_server {
 public:
  http_server(boost::asio::io_context& context, api& handler, metrics& counters, connection_limits limits);
  ~http_server();

  /// Binds and listens; the error says why (address in use, not an address).
  result<void, std::string> listen(const std::string& host, std::uint16_t port);
  /// The port actually bound (after asking for port 0).
  std::uint16_t port() const;
  void stop_accepting();

 private:
  struct listener;
  std::shared_ptr<listener> listener_;
};

}  // namespace consentry::server
