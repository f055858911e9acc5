#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "os/unique_fd.h"

namespace clt::demo {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// A minimal HTTP/1.1 client over ONE connected TCP socket, kept alive across
// requests. It exists because CLT is a per-socket option: the caller needs the
// socket's fd to enable CLT around each request it sends on that connection.
// Responses must carry Content-Length (what cpp-httplib sends).
class KeepAliveClient {
 public:
  KeepAliveClient() = default;
  ~KeepAliveClient();
  KeepAliveClient(KeepAliveClient&& other) noexcept;
  KeepAliveClient& operator=(KeepAliveClient&& other) noexcept;
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  // Connects to [address]:port (IPv6 literal). On failure returns false and
  // sets error.
  bool connect(const std::string& address, std::uint16_t port, int timeout_ms, std::string& error);
  bool connected() const { return static_cast<bool>(fd_); }
  int fd() const { return fd_.get(); }

  using Headers = std::vector<std::pair<std::string, std::string>>;
  // Sends one request and reads its response on the same connection.
  bool request(std::string_view method, std::string_view path, const Headers& headers,
               std::string_view body, HttpResponse& response, std::string& error);

  void close();

 private:
  bool read_more(std::string& error);

  os::UniqueFd fd_;
  std::string host_header_;
  std::string buffer_;
};

}  // namespace clt::demo
