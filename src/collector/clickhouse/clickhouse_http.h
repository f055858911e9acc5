#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "collector/clickhouse/clickhouse_endpoint.h"

namespace httplib {
class Client;
}

namespace clt::collector::clickhouse {

// Why a request failed: the server could not be reached or failed (later
// requests may succeed: the writer pushes back and retries), or it refused
// the request itself (bad SQL, bad data: retrying does not help).
enum class Failure { none, unavailable, refused };

// One connection's worth of ClickHouse's HTTP interface (keep-alive). Not
// shared between threads.
class Http {
 public:
  Http(Endpoint endpoint, std::chrono::milliseconds timeout);
  ~Http();
  Http(const Http&) = delete;
  Http& operator=(const Http&) = delete;

  // A statement without an answer (DDL, ALTER).
  bool execute(const std::string& sql);
  // The answer of a SELECT as the server wrote it (ask FORMAT RowBinary).
  bool select(const std::string& sql, std::string& answer);
  // INSERT ... FORMAT RowBinary with `rows` as its data: one block, stored all
  // or nothing.
  bool insert(const std::string& insert_sql, std::string_view rows);

  Failure failure() const { return failure_; }
  // What went wrong with the last request, with what to do about it.
  const std::string& error() const { return error_; }
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  bool post(const std::string& sql, std::string_view body, std::string* answer);

  Endpoint endpoint_;
  std::unique_ptr<httplib::Client> client_;
  Failure failure_ = Failure::none;
  std::string error_;
};

}  // namespace clt::collector::clickhouse
