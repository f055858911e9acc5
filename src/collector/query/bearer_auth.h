#pragma once

#include <array>
#include <string>

#include "collector/http/http_message.h"
#include "collector/model/metrics.h"

namespace clt::collector {

// The bearer token of the query API, /metrics and the UI's data
// (--auth-token-file). Without a token configured everything is open.
class BearerAuth {
 public:
  BearerAuth() = default;
  explicit BearerAuth(const std::string& token);

  bool enabled() const { return enabled_; }
  // Whether `req` carries "Authorization: Bearer <token>". The token is
  // compared by its SHA-256 digest in constant time: neither its bytes nor
  // its length can be guessed from how long a refusal takes.
  bool allows(const HttpRequest& req) const;
  // 401 with WWW-Authenticate: Bearer, and the reason as Jaeger's error JSON.
  static void refuse(const HttpRequest& req, HttpResponse& res);

 private:
  bool enabled_ = false;
  std::array<unsigned char, 32> digest_{};
};

// Reads the token from `path`: the whole file less a trailing newline
// (\n or \r\n). False with `error` saying what is wrong (missing, unreadable,
// empty, more than one line).
bool read_token_file(const std::string& path, std::string& token, std::string& error);

}  // namespace clt::collector
