#include "demo/keepalive_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace clt::demo {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

constexpr int kIoTimeoutMs = 10000;

}  // namespace

KeepAliveClient::~KeepAliveClient() {
  close();
}

KeepAliveClient::KeepAliveClient(KeepAliveClient&& other) noexcept
    : fd_(std::move(other.fd_)),
      host_header_(std::move(other.host_header_)),
      buffer_(std::move(other.buffer_)) {}

KeepAliveClient& KeepAliveClient::operator=(KeepAliveClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::move(other.fd_);
    host_header_ = std::move(other.host_header_);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

void KeepAliveClient::close() {
  fd_.reset();
  buffer_.clear();
}

bool KeepAliveClient::connect(const std::string& address, std::uint16_t port, int timeout_ms,
                              std::string& error) {
  close();
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  if (inet_pton(AF_INET6, address.c_str(), &sa.sin6_addr) != 1) {
    error = "not an IPv6 address: " + address;
    return false;
  }
  os::UniqueFd socket(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const int fd = socket.get();
  if (!socket) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  int one = 1;
  // Each request should leave at once, inside its own span.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
    error = "connect [" + address + "]:" + std::to_string(port) + ": " + std::strerror(errno);
    return false;
  }
  pollfd p{fd, POLLOUT, 0};
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (::poll(&p, 1, timeout_ms) != 1 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
      soerr != 0) {
    error = "connect [" + address + "]:" + std::to_string(port) + ": " +
            (soerr ? std::strerror(soerr) : "timed out");
    return false;
  }
  fd_ = std::move(socket);
  host_header_ = "[" + address + "]:" + std::to_string(port);
  return true;
}

bool KeepAliveClient::read_more(std::string& error) {
  pollfd p{fd_.get(), POLLIN, 0};
  int r = ::poll(&p, 1, kIoTimeoutMs);
  if (r <= 0) {
    error = r == 0 ? "timed out waiting for the response" : std::strerror(errno);
    return false;
  }
  char chunk[16384];
  ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
  if (n <= 0) {
    error = n == 0 ? "connection closed by the server" : std::strerror(errno);
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

bool KeepAliveClient::request(std::string_view method, std::string_view path,
                              const Headers& headers, std::string_view body, HttpResponse& response,
                              std::string& error) {
  if (!fd_) {
    error = "not connected";
    return false;
  }
  std::string out;
  out.reserve(256 + body.size());
  out.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ");
  out.append(host_header_).append("\r\nConnection: keep-alive\r\n");
  for (const auto& [k, v] : headers) out.append(k).append(": ").append(v).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT") {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);

  std::size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd_.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_.get(), POLLOUT, 0};
      if (::poll(&p, 1, kIoTimeoutMs) != 1) {
        error = "timed out sending the request";
        return false;
      }
      continue;
    }
    if (n < 0) {
      error = std::string("send: ") + std::strerror(errno);
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }

  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!read_more(error)) return false;
  }
  std::string_view head(buffer_.data(), header_end);
  std::size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
    error = "malformed status line from the server";
    return false;
  }
  int status = 0;
  auto code = status_line.substr(9, 3);
  std::from_chars(code.data(), code.data() + code.size(), status);
  std::size_t content_length = 0;
  bool have_length = false;
  bool close_after = false;
  std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
  while (!rest.empty()) {
    std::size_t e = rest.find("\r\n");
    std::string_view line = rest.substr(0, e);
    rest = e == std::string_view::npos ? "" : rest.substr(e + 2);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(key, "Content-Length")) {
      have_length = std::from_chars(value.data(), value.data() + value.size(), content_length).ec ==
                    std::errc{};
    } else if (iequals(key, "Connection") && iequals(value, "close")) {
      close_after = true;
    } else if (iequals(key, "Transfer-Encoding")) {
      error = "chunked responses are not supported";
      return false;
    }
  }
  if (!have_length) content_length = 0;
  std::size_t body_start = header_end + 4;
  while (buffer_.size() < body_start + content_length) {
    if (!read_more(error)) return false;
  }
  response.status = status;
  response.body.assign(buffer_, body_start, content_length);
  buffer_.erase(0, body_start + content_length);
  if (close_after) close();
  return true;
}

}  // namespace clt::demo
