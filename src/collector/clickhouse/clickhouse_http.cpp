#include "collector/clickhouse/clickhouse_http.h"

#include <httplib.h>

#include <cstdlib>

#include "core/text_excerpt.h"

namespace clt::collector::clickhouse {

namespace {

std::string url_encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' ||
        b == '_' || b == '.' || b == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

// The statement as an error shows it: its first words.
std::string statement_excerpt(const std::string& sql) {
  return core::quoted_excerpt(sql.substr(0, sql.find_first_of("(\n")), 80);
}

// Whether the server failed for now (memory, disk, too many parts, a
// timeout) rather than refused the request. Older servers answer 500 to every
// exception, so the exception's code decides.
bool is_transient(int status, const std::string& body) {
  if (status == 502 || status == 503 || status == 504) return true;
  static constexpr int kTransientCodes[] = {
      74,   // CANNOT_READ_FROM_FILE_DESCRIPTOR
      75,   // CANNOT_WRITE_TO_FILE_DESCRIPTOR
      159,  // TIMEOUT_EXCEEDED
      202,  // TOO_MANY_SIMULTANEOUS_QUERIES
      209,  // SOCKET_TIMEOUT
      210,  // NETWORK_ERROR
      241,  // MEMORY_LIMIT_EXCEEDED
      243,  // NOT_ENOUGH_SPACE
      252,  // TOO_MANY_PARTS
      425,  // SYSTEM_ERROR
  };
  const std::size_t at = body.find("Code: ");
  if (at == std::string::npos) return false;
  const int code = std::atoi(body.c_str() + at + 6);
  for (int c : kTransientCodes)
    if (c == code) return true;
  return false;
}

}  // namespace

Http::Http(Endpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)),
      client_(std::make_unique<httplib::Client>(endpoint_.host, endpoint_.port)) {
  client_->set_keep_alive(true);
  // A request goes out as headers then body: with Nagle's algorithm the body
  // waits for the server's delayed ACK (some 40 ms a query).
  client_->set_tcp_nodelay(true);
  client_->set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
  client_->set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
  client_->set_write_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
}

Http::~Http() = default;

bool Http::post(const std::string& sql, std::string_view body, std::string* answer) {
  failure_ = Failure::none;
  error_.clear();
  // The statement goes in the URL when the body carries the rows.
  const bool rows_in_body = !body.empty();
  const std::string path = rows_in_body ? "/?query=" + url_encoded(sql) : "/";
  auto result = rows_in_body
                    ? client_->Post(path, body.data(), body.size(), "application/octet-stream")
                    : client_->Post(path, sql, "text/plain");
  if (!result) {
    failure_ = Failure::unavailable;
    error_ = "cannot reach ClickHouse at " + endpoint_.address() + " (" +
             httplib::to_string(result.error()) +
             "): is clickhouse-server running and its HTTP port this one?";
    return false;
  }
  if (result->status != 200) {
    failure_ = is_transient(result->status, result->body) ? Failure::unavailable : Failure::refused;
    error_ = "ClickHouse at " + endpoint_.address() + " refused " + statement_excerpt(sql) +
             " (HTTP " + std::to_string(result->status) +
             "): " + core::quoted_excerpt(result->body, 300);
    return false;
  }
  if (answer) *answer = std::move(result->body);
  return true;
}

bool Http::execute(const std::string& sql) {
  return post(sql, {}, nullptr);
}

bool Http::select(const std::string& sql, std::string& answer) {
  return post(sql, {}, &answer);
}

bool Http::insert(const std::string& insert_sql, std::string_view rows) {
  if (rows.empty()) return true;
  return post(insert_sql, rows, nullptr);
}

}  // namespace clt::collector::clickhouse
