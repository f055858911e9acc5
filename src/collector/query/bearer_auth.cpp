#include "collector/query/bearer_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "collector/query/query_service.h"

namespace clt::collector {

namespace {

constexpr std::string_view kScheme = "Bearer ";
constexpr std::size_t kMaxTokenBytes = 4096;

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

}  // namespace

BearerAuth::BearerAuth(const std::string& token) : enabled_(true), digest_(sha256(token)) {}

bool BearerAuth::allows(const HttpRequest& req) const {
  if (!enabled_) return true;
  const std::string value = req.header("Authorization");
  // The scheme is case-insensitive (RFC 7235); the token is not.
  if (value.size() <= kScheme.size() ||
      !equals_ignoring_case(std::string_view(value).substr(0, kScheme.size()), kScheme))
    return false;
  const auto given = sha256(std::string_view(value).substr(kScheme.size()));
  return CRYPTO_memcmp(given.data(), digest_.data(), digest_.size()) == 0;
}

void BearerAuth::refuse(const HttpRequest& req, HttpResponse& res) {
  const bool had_token = !req.header("Authorization").empty();
  res.status = 401;
  res.set_header("WWW-Authenticate", had_token ? "Bearer realm=\"clt\", error=\"invalid_token\""
                                               : "Bearer realm=\"clt\"");
  res.set_content(
      jaeger_error(401, had_token ? "the bearer token is not the collector's "
                                    "(--auth-token-file); send Authorization: Bearer TOKEN"
                                  : "this collector needs a bearer token: send "
                                    "Authorization: Bearer TOKEN (--auth-token-file)"),
      "application/json");
}

bool read_token_file(const std::string& path, std::string& token, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "--auth-token-file " + path + " is a directory; give the file holding the token";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "--auth-token-file " + path + ": cannot read it (" + std::strerror(errno) +
            "); write the bearer token into it";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  token = text.str();
  if (!token.empty() && token.back() == '\n') token.pop_back();
  if (!token.empty() && token.back() == '\r') token.pop_back();
  if (token.empty()) {
    error = "--auth-token-file " + path + " is empty; write the bearer token into it";
    return false;
  }
  if (token.size() > kMaxTokenBytes) {
    error = "--auth-token-file " + path + " holds more than " + std::to_string(kMaxTokenBytes) +
            " bytes; a bearer token is one short line";
    return false;
  }
  // RFC 6750's token68: what a header can carry unquoted.
  for (const char c : token) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    (c != '\0' && std::strchr("-._~+/=", c) != nullptr);
    if (!ok) {
      error = "--auth-token-file " + path +
              ": the token may only hold letters, digits and -._~+/= (one line, e.g. from "
              "`openssl rand -hex 32`)";
      return false;
    }
  }
  return true;
}

}  // namespace clt::collector
