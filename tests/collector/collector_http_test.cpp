// The HTTP layer of the collector: body decoding within limits, media
// types, query strings, and the server itself on a loopback port (routes,
// deadlines, caps, framing errors).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <string>
#include <thread>

#include "collector/http/http_message.h"
#include "collector/http/http_server.h"
#include "collector/ingest/http_body.h"
#include "core/text_excerpt.h"

namespace clt::collector {
namespace {

std::string deflated(const std::string& data, int window_bits) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
std::string gzipped(const std::string& data) {
  return deflated(data, 15 + 16);
}

TEST(HttpBody, InflatesGzipAndDeflate) {
  const std::string data = "an OTLP body, repeated. an OTLP body, repeated.";
  for (const char* coding : {"gzip", "x-gzip", "GZIP", "identity, gzip"}) {
    std::string body = gzipped(data), error;
    EXPECT_EQ(decode_content_encoding(coding, body, 1024, error), 200) << coding << error;
    EXPECT_EQ(body, data);
  }
  std::string body = deflated(data, 15), error;
  EXPECT_EQ(decode_content_encoding("deflate", body, 1024, error), 200) << error;
  EXPECT_EQ(body, data);
  body = gzipped(data) + gzipped(data);  // two members
  EXPECT_EQ(decode_content_encoding("gzip", body, 1024, error), 200) << error;
  EXPECT_EQ(body, data + data);
  body = gzipped(gzipped(data));
  EXPECT_EQ(decode_content_encoding("gzip, gzip", body, 1024, error), 200) << error;
  EXPECT_EQ(body, data);
  body = data;
  EXPECT_EQ(decode_content_encoding("", body, 1024, error), 200);
  EXPECT_EQ(body, data);
}

TEST(HttpBody, StopsInflatingAtTheLimit) {
  std::string body = gzipped(std::string(64 << 20, '\0')), error;
  EXPECT_LT(body.size(), 100'000u);
  EXPECT_EQ(decode_content_encoding("gzip", body, 1 << 20, error), 413);
  EXPECT_NE(error.find("1 MiB"), std::string::npos) << error;
  body = gzipped(std::string(1 << 20, 'a'));
  EXPECT_EQ(decode_content_encoding("gzip", body, 1 << 20, error), 200) << "exactly the limit";
  body = gzipped(std::string((1 << 20) + 1, 'a'));
  EXPECT_EQ(decode_content_encoding("gzip", body, 1 << 20, error), 413);
}

TEST(HttpBody, RefusesUnknownCorruptAndTruncatedData) {
  std::string body = "x", error;
  EXPECT_EQ(decode_content_encoding("br", body, 1024, error), 415);
  EXPECT_NE(error.find("'br' is not supported"), std::string::npos) << error;
  body = "not gzip";
  EXPECT_EQ(decode_content_encoding("gzip", body, 1024, error), 400);
  EXPECT_NE(error.find("corrupt"), std::string::npos) << error;
  body = gzipped(std::string(1000, 'z'));
  body.resize(body.size() / 2);
  EXPECT_EQ(decode_content_encoding("gzip", body, 1024, error), 400);
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  body = gzipped("a") + "trailing garbage";
  EXPECT_EQ(decode_content_encoding("gzip", body, 1024, error), 400);
  body = "";
  EXPECT_EQ(decode_content_encoding("gzip", body, 1024, error), 400);
}

TEST(HttpBody, MediaTypesIgnoreCaseAndParameters) {
  EXPECT_EQ(otlp_media_type("application/json"), OtlpMediaType::json);
  EXPECT_EQ(otlp_media_type("Application/JSON; charset=utf-8"), OtlpMediaType::json);
  EXPECT_EQ(otlp_media_type(" application/x-protobuf "), OtlpMediaType::protobuf);
  EXPECT_EQ(otlp_media_type("APPLICATION/PROTOBUF"), OtlpMediaType::protobuf);
  EXPECT_EQ(otlp_media_type("application/jsonx"), OtlpMediaType::other);
  EXPECT_EQ(otlp_media_type(""), OtlpMediaType::other);
}

TEST(HttpMessage, QueryStringsAreDecoded) {
  auto p = parse_query_string("service=a%20b&tag=k:v&tag=x%3Ay&empty=&plus=1+2&bad=%zz&%");
  EXPECT_EQ(p.find("service")->second, "a b");
  EXPECT_EQ(p.count("tag"), 2u);
  EXPECT_EQ(p.find("empty")->second, "");
  EXPECT_EQ(p.find("plus")->second, "1 2");
  EXPECT_EQ(p.find("bad")->second, "%zz");
  EXPECT_EQ(url_decode("%2Fa%2fb+", false), "/a/b+");
  EXPECT_EQ(url_decode("%4", false), "%4");
}

TEST(TextExcerpt, BoundsAndEscapes) {
  EXPECT_EQ(core::quoted_excerpt("plain"), "plain");
  EXPECT_EQ(core::quoted_excerpt(std::string("a\0\n\xff\\", 5)), "a\\x00\\x0a\\xff\\x5c");
  EXPECT_EQ(core::quoted_excerpt(std::string(100, 'x'), 4), "xxxx... (100 bytes)");
}

// A server on an ephemeral loopback port with short deadlines.
class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options) {
    server_ = std::make_unique<HttpServer>(options, metrics_);
    server_->route(
        "GET", "/hello/*", HttpSyncHandler([](const HttpRequest& req, HttpResponse& res) {
          res.set_content("hello " + req.captures[0] + " " + req.param("q"), "text/plain");
        }));
    server_->route("POST", "/echo", HttpSyncHandler([](const HttpRequest& req, HttpResponse& res) {
                     res.set_content(std::to_string(req.body.size()), "text/plain");
                   }));
    server_->route("GET", "/slow", HttpHandler([](HttpRequest&, HttpReply reply) {
                     std::thread([reply] {
                       std::this_thread::sleep_for(std::chrono::milliseconds(100));
                       HttpResponse r;
                       r.set_content("late", "text/plain");
                       reply(std::move(r));
                     }).detach();
                   }));
    server_->route("GET", "/throws", HttpSyncHandler([](const HttpRequest&, HttpResponse&) {
                     throw std::runtime_error("boom");
                   }));
    server_->route("GET", "/static/**",
                   HttpSyncHandler([](const HttpRequest& req, HttpResponse& res) {
                     res.set_content("rest=" + req.captures[0], "text/plain");
                   }),
                   RunOn::network_thread);
    std::string error;
    HttpEndpoint endpoint;
    ASSERT_TRUE(server_->start(endpoint, error)) << error;
    port_ = server_->bound_port();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  int connect_client() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port_));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }
  static void send_all(int fd, const std::string& data) {
    ASSERT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }
  // Everything until the peer closes (or the 5 s receive timeout).
  static std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    while (true) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  std::string exchange(const std::string& request) {
    const int fd = connect_client();
    send_all(fd, request);
    std::string answer = read_all(fd);
    ::close(fd);
    return answer;
  }

  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpServerTest, RoutesCapturesAndMethods) {
  start({});
  EXPECT_NE(exchange("GET /hello/w%20x?q=1 HTTP/1.1\r\nConnection: close\r\n\r\n")
                .find("\r\n\r\nhello w x 1"),
            std::string::npos);
  EXPECT_NE(
      exchange("GET /static/a/b.js HTTP/1.1\r\nConnection: close\r\n\r\n").find("rest=a/b.js"),
      std::string::npos);
  const std::string head = exchange("HEAD /hello/x HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 8\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("hello"), std::string::npos) << head;
  EXPECT_EQ(exchange("GET /hello/ HTTP/1.1\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 404", 0),
            0u);
  EXPECT_EQ(exchange("PUT /echo HTTP/1.1\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 404", 0),
            0u);
  EXPECT_NE(exchange("GET /slow HTTP/1.1\r\nConnection: close\r\n\r\n").find("late"),
            std::string::npos);
  EXPECT_EQ(exchange("GET /throws HTTP/1.1\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 500", 0),
            0u);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start({});
  const int fd = connect_client();
  send_all(fd, "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  send_all(fd, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");
  send_all(fd, "GET /hello/z HTTP/1.1\r\nConnection: close\r\n\r\n");
  const std::string answers = read_all(fd);
  ::close(fd);
  EXPECT_NE(answers.find("\r\n\r\n3HTTP/1.1 200"), std::string::npos) << answers;
  EXPECT_NE(answers.find("\r\n\r\n2HTTP/1.1 200"), std::string::npos) << answers;
  EXPECT_NE(answers.find("hello z"), std::string::npos) << answers;
}

TEST_F(HttpServerTest, BodiesOverTheLimitAreRefusedHoweverTheyArrive) {
  HttpServerOptions o;
  o.max_body_bytes = 1000;
  start(o);
  EXPECT_EQ(
      exchange("POST /echo HTTP/1.1\r\nContent-Length: 1001\r\n\r\n").rfind("HTTP/1.1 413", 0), 0u);
  std::string chunked = "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) chunked += "100\r\n" + std::string(256, 'a') + "\r\n";
  chunked += "0\r\n\r\n";
  EXPECT_EQ(exchange(chunked).rfind("HTTP/1.1 413", 0), 0u);
  EXPECT_EQ(metrics_.requests_too_large.load(), 2u);
}

TEST_F(HttpServerTest, AmbiguousFramingIsRefused) {
  start({});
  for (const char* framing :
       {"Content-Length: 2\r\nContent-Length: 3", "Content-Length: 3\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: chunked\r\nContent-Length: 3", "Content-Length: -1",
        "Transfer-Encoding: gzip"}) {
    const auto start = std::chrono::steady_clock::now();
    const std::string answer =
        exchange(std::string("POST /echo HTTP/1.1\r\n") + framing + "\r\n\r\nabc");
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << framing << ": " << answer;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1)) << framing;
  }
  EXPECT_EQ(metrics_.http_requests_malformed.load(), 5u);
  HttpServerOptions small;
  small.max_header_bytes = 1024;
  server_.reset();
  start(small);
  EXPECT_EQ(exchange("GET /hello/x HTTP/1.1\r\nX-Big: " + std::string(2000, 'b') + "\r\n\r\n")
                .rfind("HTTP/1.1 431", 0),
            0u);
}

TEST_F(HttpServerTest, TheHeadDeadlineIsNotResetByEachLine) {
  HttpServerOptions o;
  o.header_timeout = std::chrono::milliseconds(300);
  o.request_timeout = std::chrono::milliseconds(600);
  start(o);
  const int fd = connect_client();
  send_all(fd, "GET /hello/x HTTP/1.1\r\n");
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 20 && !closed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    closed = ::send(fd, "X-A: b\r\n", 8, MSG_NOSIGNAL) < 0;
    char c;
    if (!closed) closed = ::recv(fd, &c, 1, MSG_DONTWAIT) == 0;
  }
  ::close(fd);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(metrics_.http_timeouts.load(), 1u);
  // A body trickling in is cut by the request deadline.
  const int body = connect_client();
  send_all(body, "POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\n");
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (::send(body, "a", 1, MSG_NOSIGNAL) < 0) break;
  }
  char c;
  EXPECT_LE(::recv(body, &c, 1, 0), 0);
  ::close(body);
  EXPECT_EQ(metrics_.http_timeouts.load(), 2u);
}

TEST_F(HttpServerTest, ConnectionsAreCappedPerClient) {
  HttpServerOptions o;
  o.max_connections_per_client = 2;
  start(o);
  const int a = connect_client(), b = connect_client();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(exchange("GET /hello/x HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 503", 0), 0u);
  EXPECT_EQ(metrics_.http_connections_refused.load(), 1u);
  ::close(a);
  ::close(b);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(exchange("GET /hello/x HTTP/1.1\r\nConnection: close\r\n\r\n").find("hello x"),
            std::string::npos);
}

}  // namespace
}  // namespace clt::collector
