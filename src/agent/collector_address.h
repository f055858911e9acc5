#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace clt::agent {

// A collector endpoint as given by -c or IOAM_COLLECTOR: HOST:PORT,
// [IPV6]:PORT or unix:/absolute/path.
struct CollectorAddress {
  std::string grpc_target;  // what grpc::CreateChannel takes
  std::string host;         // for name resolution checks; empty for unix:
  bool is_unix = false;
};

// nullopt and a one-line reason when the text is not a usable address.
std::optional<CollectorAddress> parse_collector_address(std::string_view text, std::string& error);

}  // namespace clt::agent
