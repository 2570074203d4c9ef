#include "http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace consentry::server {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

struct shared_state {
  api& handler;
  metrics& counters;
  connection_limits limits;
};

/// One client connection: reads a request within the time allowed, hands it to the
/// API, writes the answer, and reads the next while the client keeps the connection.
class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, std::shared_ptr<const shared_state> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    state_->counters.connection_opened();
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) client_ = remote.address().to_string();
  }
  ~session() { state_->counters.connection_closed(); }

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::read_request, shared_from_this())); }

 private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->limits.max_header_bytes));
    parser_->body_limit(state_->limits.max_body_bytes);
    // One deadline for the whole request, headers and body: a client that trickles
    // bytes (slowloris) is cut off when it runs out.
    stream_.expires_after(state_->limits.request_timeout);
    http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    started_ = std::chrono::steady_clock::now();
    auto& header = parser_->get();
    const auto length = parser_->content_length();
    if (length && *length > state_->limits.max_body_bytes)
      return refuse(http::status::payload_too_large, "body-too-large",
                    "the body is larger than " + std::to_string(state_->limits.max_body_bytes) + " bytes");
    // A read asks the socket for as much as the buffer has room for: room for the
    // whole body makes a 16 KB receipt one read instead of thirty of 512 bytes. (The
    // body is within the limit, and a body of that size is about to be allocated anyway.)
    if (length && buffer_.capacity() < *length) buffer_.reserve(static_cast<std::size_t>(*length));
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      auto proceed = std::make_shared<http::response<http::empty_body>>(http::status::continue_, header.version());
      return http::async_write(stream_, *proceed,
                               [self = shared_from_this(), proceed](beast::error_code write_error, std::size_t) {
                                 if (write_error) return self->close();
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    stream_.expires_never();  // the API may wait for the storage; the answer gets its own deadline
    auto self = shared_from_this();
    state_->handler.handle(parser_->release(), client_, [self](unsigned status, http::message_generator answer) {
      net::post(self->stream_.get_executor(), [self, status, answer = std::move(answer)]() mutable {
        self->send(status, std::move(answer), false);
      });
    });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted)
      return close();
    if (ec == http::error::header_limit)
      return refuse(http::status::request_header_fields_too_large, "headers-too-large",
                    "the request's headers are larger than " + std::to_string(state_->limits.max_header_bytes) +
                        " bytes");
    if (ec == http::error::body_limit)
      return refuse(http::status::payload_too_large, "body-too-large",
                    "the body is larger than " + std::to_string(state_->limits.max_body_bytes) + " bytes");
    if (ec.category() == make_error_code(http::error::bad_target).category() || ec == http::error::partial_message)
      return refuse(http::status::bad_request, "bad-request", "the request is not valid HTTP/1.1: " + ec.message());
    close();
  }

  /// Answers an error the connection layer found itself, then closes: the rest of
  /// the request is not worth reading.
  void refuse(http::status status, std::string_view kind, std::string detail) {
    if (started_ == std::chrono::steady_clock::time_point()) started_ = std::chrono::steady_clock::now();
    auto answer = problem_response(status, kind, detail, 11, false);
    answer.set(http::field::server, "consentry-server");
    send(static_cast<unsigned>(status), http::message_generator(std::move(answer)), true);
  }

  void send(unsigned status, http::message_generator answer, bool close_after) {
    state_->counters.count_request(status, std::chrono::steady_clock::now() - started_);
    const bool keep_alive = answer.keep_alive() && !close_after;
    stream_.expires_after(state_->limits.request_timeout);
    beast::async_write(stream_, std::move(answer),
                       [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                         if (ec) return self->close();
                         if (!keep_alive) return self->linger();
                         self->read_request();
                       });
  }

  /// Half-closes and reads what the client still sends for a moment, so that the
  /// answer is not lost to a reset when the client had not finished its request.
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    stream_.expires_after(std::chrono::seconds(2));
    drain();
  }

  void drain() {
    auto scratch = std::make_shared<std::array<char, 4096>>();
    stream_.async_read_some(net::buffer(*scratch), [self = shared_from_this(), scratch](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const shared_state> state_;
  std::string client_;
  std::chrono::steady_clock::time_point started_;
};

/// A connection over the limit: told so (503) and closed, without reading it.
class refusal : public std::enable_shared_from_this<refusal> {
 public:
  explicit refusal(tcp::socket&& socket) : stream_(std::move(socket)) {}
  void run() {
    answer_ = problem_response(http::status::service_unavailable, "too-many-connections",
                               "the server has too many open connections; retry later", 11, false);
    answer_.set(http::field::retry_after, "1");
    answer_.set(http::field::server, "consentry-server");
    stream_.expires_after(std::chrono::seconds(2));
    http::async_write(stream_, answer_, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.socket().close(ec);
    });
  }

 private:
  beast::tcp_stream stream_;
  response answer_;
};

}  // namespace

struct http_server::listener : std::enable_shared_from_this<http_server::listener> {
  listener(net::io_context& context, shared_state shared)
      : io(context),
        acceptor(net::make_strand(context)),
        retry(acceptor.get_executor()),
        state(std::make_shared<const shared_state>(std::move(shared))) {}

  void accept() {
    acceptor.async_accept(net::make_strand(io), beast::bind_front_handler(&listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // Out of file descriptors, most likely: wait a little rather than spin.
      retry.expires_after(std::chrono::milliseconds(50));
      retry.async_wait([self = shared_from_this()](beast::error_code) { self->accept(); });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (static_cast<std::size_t>(state->counters.open_connections()) >= state->limits.max_connections) {
      state->counters.connection_refused();
      std::make_shared<refusal>(std::move(socket))->run();
    } else {
      std::make_shared<session>(std::move(socket), state)->run();
    }
    accept();
  }

  net::io_context& io;
  tcp::acceptor acceptor;
  net::steady_timer retry;
  std::shared_ptr<const shared_state> state;
};

http_server::http_server(net::io_context& context, api& handler, metrics& counters, connection_limits limits)
    : listener_(std::make_shared<listener>(context, shared_state{handler, counters, limits})) {}

http_server::~http_server() = default;

result<void, std::string> http_server::listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return "--listen: \"" + host + "\" is not an IP address";
  const tcp::endpoint endpoint(address, port);
  auto& acceptor = listener_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
  listener_->accept();
  return {};
}

std::uint16_t http_server::port() const {
  beast::error_code ec;
  return listener_->acceptor.local_endpoint(ec).port();
}

void http_server::stop_accepting() {
  net::post(listener_->acceptor.get_executor(), [l = listener_] {
    beast::error_code ec;
    l->acceptor.close(ec);
  });
}

}  // namespace consentry::server
