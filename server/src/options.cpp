#include "options.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <thread>

namespace consentry::server {
namespace {

using parse_result = result<server_options, std::string>;

// server_options is an aggregate, so a string would also construct it: say which.
parse_result parse_error(std::string message) {
  return parse_result(boost::system::in_place_error, std::move(message));
}

template <class Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  const auto* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_rate(std::string_view text) {
  // from_chars for double is in GCC 12; a rate is never negative, NaN or infinite.
  auto value = parse_number<double>(text);
  if (!value || !std::isfinite(*value) || *value < 0) return std::nullopt;
  return value;
}

result<void, std::string> parse_listen(std::string_view text, server_options& options) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return std::string("--listen expects HOST:PORT, such as 127.0.0.1:8080, not \"") + std::string(text) + "\"";
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto port = parse_number<unsigned>(text.substr(colon + 1));
  if (!port || *port > 65535)
    return "--listen: \"" + std::string(text.substr(colon + 1)) + "\" is not a port number (0 to 65535)";
  options.listen_host = std::string(host);
  options.listen_port = static_cast<std::uint16_t>(*port);
  return {};
}

}  // namespace

result<database_location, std::string> parse_database_location(std::string_view text) {
  if (text.starts_with("sqlite:")) {
    auto path = text.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);  // sqlite:///abs/path, as SQLAlchemy writes it
    if (path.empty()) return std::string("--db sqlite: needs a file name, such as sqlite:var/receipts.db");
    return database_location{database_kind::sqlite, std::string(path)};
  }
  if (text.starts_with("postgresql://") || text.starts_with("postgres://"))
    return database_location{database_kind::postgresql, std::string(text)};
  return "--db expects sqlite:PATH or postgresql://…, not \"" + std::string(text) + "\"";
}

std::string usage_text() {
  return R"(usage: consentry-server --policy DIR... [options]

Verifies consent receipts (JWS), stores them durably and countersigns them.

  --listen HOST:PORT        address to listen on (default 127.0.0.1:8080; port 0 picks one)
  --db sqlite:PATH          SQLite database file (default sqlite:var/receipts.db)
  --db postgresql://...     PostgreSQL, for several servers sharing one database
  --policy DIR...           policy directories whose receipts are accepted (required)
  --key FILE                the server's Ed25519 key, PEM; created with mode 0600 if
                            missing (default var/server-key.pem)
  --static DIR              also serve the files of DIR
  --allow-origin ORIGIN     allow cross-origin calls from ORIGIN (repeatable)
  --threads N               I/O threads (default: one per core)
  --max-connections N       open connections at most (default 1024)
  --request-timeout MS      time allowed for a whole request (default 10000)
  --device-rate R           receipts per second per device key (default 2; 0: no limit)
  --client-rate R           requests per second per client address (default 50; 0: no limit)
  --max-skew SECONDS        how far in the future a receipt may be dated (default 300)
  --max-age SECONDS         how old a new receipt may be (default 2592000, 30 days)
  --max-queue N             receipts waiting for storage before answering 503 (default 20000)
  --busy-timeout MS         SQLite: how long to wait for another writer (default 5000)
  --csp POLICY              Content-Security-Policy header of static files
  --help                    this text
)";
}

result<server_options, std::string> parse_options(std::span<const std::string> args) {
  server_options options;
  bool policy_given = false;

  // Each flag takes one value, except --policy which takes every value up to the next flag.
  using setter = std::function<result<void, std::string>(const std::string&)>;
  auto count = [](std::string_view flag, auto& target, auto minimum) -> setter {
    return [flag, &target, minimum](const std::string& value) -> result<void, std::string> {
      using number = std::remove_reference_t<decltype(target)>;
      auto parsed = parse_number<unsigned long long>(value);
      if (!parsed || *parsed < static_cast<unsigned long long>(minimum))
        return std::string(flag) + " expects a whole number of at least " + std::to_string(minimum) + ", not \"" +
               value + "\"";
      target = static_cast<number>(*parsed);
      return {};
    };
  };
  auto milliseconds = [](std::string_view flag, std::chrono::milliseconds& target) -> setter {
    return [flag, &target](const std::string& value) -> result<void, std::string> {
      auto parsed = parse_number<unsigned long long>(value);
      if (!parsed || *parsed == 0) return std::string(flag) + " expects milliseconds (> 0), not \"" + value + "\"";
      target = std::chrono::milliseconds(static_cast<long long>(*parsed));
      return {};
    };
  };
  auto seconds = [](std::string_view flag, std::chrono::seconds& target) -> setter {
    return [flag, &target](const std::string& value) -> result<void, std::string> {
      auto parsed = parse_number<unsigned long long>(value);
      if (!parsed) return std::string(flag) + " expects a number of seconds, not \"" + value + "\"";
      target = std::chrono::seconds(static_cast<long long>(*parsed));
      return {};
    };
  };
  auto rate = [](std::string_view flag, double& target) -> setter {
    return [flag, &target](const std::string& value) -> result<void, std::string> {
      auto parsed = parse_rate(value);
      if (!parsed) return std::string(flag) + " expects a rate per second (0 for no limit), not \"" + value + "\"";
      target = *parsed;
      return {};
    };
  };

  std::size_t queue_minimum = 1;
  const std::map<std::string_view, setter> flags{
      {"--listen", [&](const std::string& v) { return parse_listen(v, options); }},
      {"--db",
       [&](const std::string& v) -> result<void, std::string> {
         auto parsed = parse_database_location(v);
         if (!parsed) return parsed.error();
         options.database = *parsed;
         return {};
       }},
      {"--key",
       [&](const std::string& v) -> result<void, std::string> {
         options.key_file = v;
         return {};
       }},
      {"--static",
       [&](const std::string& v) -> result<void, std::string> {
         options.static_directory = v;
         return {};
       }},
      {"--allow-origin",
       [&](const std::string& v) -> result<void, std::string> {
         if (!(v.starts_with("http://") || v.starts_with("https://")) || v.ends_with("/"))
           return "--allow-origin expects an origin such as https://example.org (scheme and host, no "
                  "path), not \"" +
                  v + "\"";
         options.allowed_origins.push_back(v);
         return {};
       }},
      {"--threads", count("--threads", options.threads, 1u)},
      {"--max-connections", count("--max-connections", options.max_connections, std::size_t{1})},
      {"--request-timeout", milliseconds("--request-timeout", options.request_timeout)},
      {"--device-rate", rate("--device-rate", options.device_rate)},
      {"--client-rate", rate("--client-rate", options.client_rate)},
      {"--max-skew", seconds("--max-skew", options.max_future_skew)},
      {"--max-age", seconds("--max-age", options.max_age)},
      {"--max-queue", count("--max-queue", options.max_queue, queue_minimum)},
      {"--busy-timeout", milliseconds("--busy-timeout", options.busy_timeout)},
      {"--csp",
       [&](const std::string& v) -> result<void, std::string> {
         options.content_security_policy = v;
         return {};
       }},
  };

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (auto equals = flag.find('='); flag.starts_with("--") && equals != std::string::npos) {
      inline_value = flag.substr(equals + 1);
      flag.resize(equals);
    }
    if (flag == "--policy") {
      std::size_t taken = 0;
      if (inline_value) {
        options.policy_directories.push_back(*inline_value);
        ++taken;
      }
      while (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
        options.policy_directories.push_back(args[++i]);
        ++taken;
      }
      if (taken == 0) return parse_error("--policy expects one or more policy directories");
      policy_given = true;
      continue;
    }
    auto found = flags.find(flag);
    if (found == flags.end()) return parse_error("unknown option \"" + args[i] + "\" (see --help)");
    if (!inline_value) {
      if (i + 1 >= args.size()) return parse_error(flag + " expects a value");
      inline_value = args[++i];
    }
    if (auto set = found->second(*inline_value); !set) return parse_error(set.error());
  }
  if (!policy_given) return parse_error("--policy DIR is required: the policies whose receipts are accepted");
  if (options.threads == 0) options.threads = std::max(1u, std::thread::hardware_concurrency());
  return parse_result(boost::system::in_place_value, std::move(options));
}

}  // namespace consentry::server
