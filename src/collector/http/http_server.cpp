// Beast's string_view is then std::string_view.
#define BOOST_BEAST_USE_STD_STRING_VIEW
#include "collector/http/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/err.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "collector/http/worker_pool.h"
#include "collector/tls/server_tls.h"
#include "collector/tls/tls_refusals.h"
#include "core/text_excerpt.h"

namespace clt::collector {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

void count(Metrics::Counter& c) {
  c.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

struct Route {
  std::string method;
  std::vector<std::string> pattern;
  HttpHandler handler;
  RunOn where;

  // Fills captures (decoded) when the segments match.
  bool match(const std::vector<std::string_view>& segments,
             std::vector<std::string>& captures) const {
    captures.clear();
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const std::string& p = pattern[i];
      if (p == "**" && i + 1 == pattern.size()) {
        std::string rest;
        for (std::size_t k = i; k < segments.size(); ++k)
          rest += (k > i ? "/" : "") + url_decode(segments[k], false);
        captures.push_back(std::move(rest));
        return true;
      }
      if (i >= segments.size()) return false;
      if (p == "*") {
        if (segments[i].empty()) return false;
        captures.push_back(url_decode(segments[i], false));
      } else if (url_decode(segments[i], false) != p) {
        return false;
      }
    }
    return segments.size() == pattern.size();
  }
};

// Connections per remote address, and in all.
class ConnectionCounter {
 public:
  ConnectionCounter(std::size_t max_total, std::size_t max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}
  bool try_add(const std::string& client) {
    std::lock_guard lock(mu_);
    if (total_ >= max_total_) return false;
    auto& n = per_client_[client];
    if (n >= max_per_client_) {
      if (n == 0) per_client_.erase(client);
      return false;
    }
    ++n;
    ++total_;
    return true;
  }
  void remove(const std::string& client) {
    std::lock_guard lock(mu_);
    auto it = per_client_.find(client);
    if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
    --total_;
  }

 private:
  const std::size_t max_total_, max_per_client_;
  std::mutex mu_;
  std::map<std::string, std::size_t> per_client_;
  std::size_t total_ = 0;
};

// Bytes of request bodies being received, over all connections.
class BodyBudget {
 public:
  explicit BodyBudget(std::size_t bytes) : free_(bytes) {}
  bool take(std::size_t n) {
    std::lock_guard lock(mu_);
    if (n > free_) return false;
    free_ -= n;
    return true;
  }
  void give(std::size_t n) {
    std::lock_guard lock(mu_);
    free_ += n;
  }

 private:
  std::mutex mu_;
  std::size_t free_;
};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 1\r\n"
    "Connection: close\r\nContent-Length: 59\r\n\r\n"
    "too many connections from this address or in all; retry\r\n\r\n";

// Reservations are taken as a body grows, in steps of at least this.
constexpr std::size_t kBudgetStep = 64 * 1024;
// After a refusal, what the client still sends is read and dropped for this long.
constexpr std::chrono::seconds kDrainTime{2};
constexpr std::size_t kDrainChunk = 16 * 1024;
// Said in plaintext to a client that spoke plaintext HTTP to a TLS port.
constexpr std::string_view kTlsRequired =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n"
    "Content-Length: 45\r\n\r\nthis port speaks TLS only: use https:// here\n";

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerOptions o, Metrics& m)
      : options(o),
        metrics(m),
        connections(o.max_connections, o.max_connections_per_client),
        budget(o.body_budget_bytes),
        acceptor(io) {}

  HttpServerOptions options;
  Metrics& metrics;
  std::vector<Route> routes;
  // Before io: connections still queued in it are destroyed with it and
  // give back their counts.
  ConnectionCounter connections;
  BodyBudget budget;
  net::io_context io;
  tcp::acceptor acceptor;
  std::unique_ptr<WorkerPool> workers;
  std::thread thread;
  int port = 0;

  void accept();
  void refuse(tcp::socket socket);
  const Route* find(const std::string& method, const std::vector<std::string_view>& segments,
                    std::vector<std::string>& captures) const {
    const std::string& m = method == "HEAD" ? std::string("GET") : method;
    for (const Route& r : routes)
      if (r.method == m && r.match(segments, captures)) return &r;
    return nullptr;
  }
};

namespace {

// One connection, plaintext (PlainStream) or TLS (TlsStream): the same code
// reads and answers both, only the start (the handshake) and the close
// (close_notify) differ.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  template <class... StreamArgs>
  Session(HttpServer::Impl& server, std::string client, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        server_(server),
        client_(std::move(client)),
        buffer_(server.options.max_header_bytes + kDrainChunk) {
    server_.metrics.http_connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() {
    if (reserved_) server_.budget.give(reserved_);
    server_.connections.remove(client_);
    server_.metrics.http_connections.fetch_sub(1, std::memory_order_relaxed);
  }

  void start() {
    if constexpr (kTls) {
      // A peer that never completes the handshake holds nothing but this
      // connection, and only this long.
      lowest().expires_after(options().header_timeout);
      stream_.async_handshake(
          net::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      read_head();
    }
  }

 private:
  const HttpServerOptions& options() const { return server_.options; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void on_handshake(beast::error_code ec) {
    if (!ec) return read_head();
    // Closed without a word (a port probe): nothing was refused.
    if (ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted || ec == net::ssl::error::stream_truncated)
      return;
    TlsRefusal reason = TlsRefusal::other;
    if (ec == beast::error::timeout)
      reason = TlsRefusal::timeout;
    else if (ec.category() == net::error::get_ssl_category())
      reason = tls_refusal_from_openssl(ERR_GET_REASON(static_cast<unsigned long>(ec.value())));
    if (options().tls_refusals) options().tls_refusals->refused(options().tls_listener, reason);
    if (reason != TlsRefusal::plaintext) return;
    lowest().expires_after(std::chrono::seconds(1));
    net::async_write(lowest(), net::buffer(kTlsRequired.data(), kTlsRequired.size()),
                     [self = this->shared_from_this()](beast::error_code, std::size_t) {
                       beast::error_code ignored;
                       self->lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
                     });
  }

  void read_head() {
    // An idle keep-alive connection keeps no read buffer.
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    parser_->body_limit(options().max_body_bytes);
    request_deadline_ = std::chrono::steady_clock::now() + options().request_timeout;
    lowest().expires_after(options().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_head(ec);
                            });
  }

  // Answers an error the HTTP layer found and closes: the rest of the
  // request was not read.
  void refuse(int status, const std::string& message) {
    HttpResponse r;
    r.status = status;
    r.set_content(message + "\n", "text/plain");
    if (status == 503) r.set_header("Retry-After", "1");
    close_after_ = true;
    write(std::move(r));
  }

  bool read_error(beast::error_code ec) {
    if (!ec) return false;
    if (ec == beast::error::timeout) {
      // The stream closed the socket: nothing can be answered.
      if (buffer_.size() > 0 || parser_->got_some()) count(server_.metrics.http_timeouts);
      return true;
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted ||
        ec == net::ssl::error::stream_truncated)
      return true;
    if (ec == http::error::body_limit) {
      count(server_.metrics.requests_too_large);
      const std::size_t max = options().max_body_bytes;
      const std::string size = max % (1024 * 1024) == 0
                                   ? std::to_string(max / (1024 * 1024)) + " MiB"
                                   : std::to_string(max) + " bytes";
      refuse(413, "the request body is larger than " + size + " (" + options().body_limit_origin +
                      "); send smaller requests");
      return true;
    }
    count(server_.metrics.http_requests_malformed);
    if (ec == http::error::header_limit) {
      refuse(431, "the request head is larger than " + std::to_string(options().max_header_bytes) +
                      " bytes");
      return true;
    }
    refuse(400, "malformed HTTP request: " + describe(ec));
    return true;
  }

  static std::string describe(beast::error_code ec) {
    if (ec == http::error::bad_content_length)
      return "Content-Length is not one non-negative number, or it conflicts with another "
             "Content-Length or with Transfer-Encoding (RFC 9112 section 6.3)";
    if (ec == http::error::bad_transfer_encoding)
      return "Transfer-Encoding is repeated or comes with Content-Length (RFC 9112 section 6.3)";
    if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension)
      return "the chunked body is malformed";
    return ec.message();
  }

  void on_head(beast::error_code ec) {
    if (read_error(ec)) return;
    const auto& head = parser_->get();
    if (auto te = head.find(http::field::transfer_encoding); te != head.end()) {
      if (!beast::iequals(te->value(), "chunked")) {
        count(server_.metrics.http_requests_malformed);
        refuse(400, "Transfer-Encoding '" + core::quoted_excerpt(te->value()) +
                        "' is not supported; send the body with Content-Length or chunked");
        return;
      }
    }
    const std::size_t expected =
        parser_->content_length() ? static_cast<std::size_t>(*parser_->content_length()) : 0;
    if (!reserve(expected)) return;
    lowest().expires_at(request_deadline_);
    if (parser_->is_done()) return dispatch();
    if (auto e = head.find(http::field::expect);
        e != head.end() && beast::iequals(e->value(), "100-continue")) {
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = this->shared_from_this()](beast::error_code wec, std::size_t) {
                         if (!wec) self->read_body();
                       });
      return;
    }
    read_body();
  }

  // Grows the reservation of body bytes to `bytes`; answers 503 when the
  // budget of all connections is spent.
  bool reserve(std::size_t bytes) {
    if (bytes <= reserved_) return true;
    const std::size_t want = std::max(bytes - reserved_, kBudgetStep);
    if (!server_.budget.take(want)) {
      count(server_.metrics.requests_refused_overload);
      refuse(503, "the server is receiving too many request bodies; retry after 1 s");
      return false;
    }
    reserved_ += want;
    return true;
  }

  void read_body() {
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_body(ec);
                          });
  }

  void on_body(beast::error_code ec) {
    if (read_error(ec)) return;
    if (!reserve(parser_->get().body().size())) return;
    if (parser_->is_done()) return dispatch();
    read_body();
  }

  void dispatch() {
    lowest().expires_never();
    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    head_ = message.method() == http::verb::head;
    auto request = std::make_shared<HttpRequest>();
    request->method = std::string(message.method_string());
    const std::string_view target(message.target().data(), message.target().size());
    const auto question = target.find('?');
    const std::string_view raw_path = target.substr(0, question);
    if (question != std::string_view::npos)
      request->params = parse_query_string(target.substr(question + 1));
    request->path = url_decode(raw_path, false);
    for (const auto& field : message)
      request->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    request->body = std::move(message.body());

    const Route* route = server_.find(request->method, split_path(raw_path), request->captures);
    if (!route) {
      HttpResponse r;
      r.status = 404;
      r.set_content("not found: " + core::quoted_excerpt(request->path) + "\n", "text/plain");
      return write(std::move(r));
    }
    // The answer comes back on the network thread, whoever produced it.
    auto replied = std::make_shared<std::atomic<bool>>(false);
    HttpReply reply = [self = this->shared_from_this(), replied](HttpResponse r) {
      if (replied->exchange(true)) return;
      net::post(self->server_.io,
                [self, r = std::move(r)]() mutable { self->write(std::move(r)); });
    };
    auto job = [handler = route->handler, request, reply]() mutable {
      try {
        handler(*request, reply);
      } catch (const std::exception& e) {
        HttpResponse r;
        r.status = 500;
        r.set_content(std::string("internal error: ") + e.what() + "\n", "text/plain");
        reply(std::move(r));
      }
    };
    if (route->where == RunOn::network_thread) return job();
    if (!server_.workers->submit(std::move(job))) {
      count(server_.metrics.requests_refused_overload);
      HttpResponse r;
      r.status = 503;
      r.set_header("Retry-After", "1");
      r.set_content("the server is busy; retry after 1 s\n", "text/plain");
      reply(std::move(r));
    }
  }

  void write(HttpResponse r) {
    if (reserved_) {
      server_.budget.give(reserved_);
      reserved_ = 0;
    }
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    res->set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive_ && !close_after_);
    if (head_) {
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    lowest().expires_after(options().request_timeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        self->on_written(ec, res->keep_alive());
                      });
  }

  void on_written(beast::error_code ec, bool keep_alive) {
    if (ec) return;
    if (keep_alive) return read_head();
    if constexpr (kTls) {
      // close_notify, then the peer's (bounded): the TLS end of the answer.
      lowest().expires_after(kDrainTime);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
      return;
    }
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (!close_after_) return;
    // The client may still be sending what was refused: closing now would
    // reset the connection and could destroy the answer before it is read.
    buffer_.clear();
    lowest().expires_after(kDrainTime);
    drain();
  }

  void drain() {
    stream_.async_read_some(buffer_.prepare(kDrainChunk),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->drain();
                            });
  }

  Stream stream_;
  HttpServer::Impl& server_;
  const std::string client_;
  beast::flat_buffer buffer_;  // at most a head and a read's worth of body
  std::optional<http::request_parser<http::string_body>> parser_;
  std::chrono::steady_clock::time_point request_deadline_;
  std::size_t reserved_ = 0;
  bool keep_alive_ = false;
  bool head_ = false;
  bool close_after_ = false;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors, typically: wait instead of spinning.
      auto timer = std::make_shared<net::steady_timer>(io, std::chrono::milliseconds(100));
      timer->async_wait([this, timer](beast::error_code) { accept(); });
      return;
    }
    beast::error_code aec;
    const auto remote = socket.remote_endpoint(aec);
    std::string client = aec ? std::string("?") : remote.address().to_string();
    if (!connections.try_add(client)) {
      count(metrics.http_connections_refused);
      // A TLS client could not read a plaintext answer: it is just closed.
      if (!options.tls) refuse(std::move(socket));
    } else if (options.tls) {
      std::make_shared<Session<TlsStream>>(*this, std::move(client), std::move(socket),
                                           options.tls->context())
          ->start();
    } else {
      std::make_shared<Session<PlainStream>>(*this, std::move(client), std::move(socket))->start();
    }
    accept();
  });
}

void HttpServer::Impl::refuse(tcp::socket socket) {
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  stream->expires_after(std::chrono::seconds(1));
  net::async_write(*stream, net::buffer(kTooManyConnections.data(), kTooManyConnections.size()),
                   [stream](beast::error_code, std::size_t) {
                     beast::error_code ignored;
                     stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
                   });
}

HttpServer::HttpServer(HttpServerOptions options, Metrics& metrics)
    : impl_(std::make_unique<Impl>(options, metrics)) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(std::string method, std::string pattern, HttpHandler handler, RunOn where) {
  Route r;
  r.method = std::move(method);
  for (auto segment : split_path(pattern)) r.pattern.emplace_back(segment);
  r.handler = std::move(handler);
  r.where = where;
  impl_->routes.push_back(std::move(r));
}

void HttpServer::route(std::string method, std::string pattern, HttpSyncHandler handler,
                       RunOn where) {
  route(std::move(method), std::move(pattern),
        HttpHandler([handler = std::move(handler)](HttpRequest& request, HttpReply reply) {
          HttpResponse response;
          handler(request, response);
          reply(std::move(response));
        }),
        where);
}

bool HttpServer::start(const HttpEndpoint& endpoint, std::string& error) {
  auto fail = [&](const std::string& why) {
    error = "cannot listen on " + endpoint.host + ":" + std::to_string(endpoint.port) + " (" + why +
            ")";
    return false;
  };
  beast::error_code ec;
  const auto address = net::ip::make_address(endpoint.host, ec);
  if (ec) return fail("not an IP address; use e.g. 127.0.0.1 or ::1");
  const tcp::endpoint where(address, static_cast<unsigned short>(endpoint.port));
  auto& a = impl_->acceptor;
  a.open(where.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  // No SO_REUSEPORT: a second collector on the same port must fail, not
  // silently take half of the traffic.
  if (!ec) a.bind(where, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    a.close(ignored);
    return fail(ec.message() + "; in use? use another port or stop the other process");
  }
  impl_->port = a.local_endpoint().port();
  impl_->workers =
      std::make_unique<WorkerPool>(impl_->options.workers, impl_->options.max_queued_requests);
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return true;
}

void HttpServer::stop() {
  if (!impl_->thread.joinable()) return;
  // Handlers still running may post answers: they are dropped with the
  // connections.
  impl_->io.stop();
  impl_->thread.join();
  impl_->workers->stop();
}

int HttpServer::bound_port() const {
  return impl_->port;
}

}  // namespace clt::collector
