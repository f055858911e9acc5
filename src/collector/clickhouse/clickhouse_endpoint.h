#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace clt::collector::clickhouse {

// Where the store lives: clickhouse://HOST:PORT/DB, HTTP interface (8123 by default).
struct Endpoint {
  std::string host;  // without brackets for IPv6 literals
  int port = 8123;
  std::string database;

  // "host:port" as a message shows it.
  std::string address() const;
};

// nullopt with `error` saying what is wrong and how it is spelled.
std::optional<Endpoint> parse_endpoint(std::string_view url, std::string& error);

}  // namespace clt::collector::clickhouse
