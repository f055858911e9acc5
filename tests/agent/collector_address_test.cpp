#include "agent/collector_address.h"

#include <gtest/gtest.h>

namespace clt::agent {
namespace {

TEST(CollectorAddress, AcceptsHostPortIpv6AndUnix) {
  std::string error;
  auto a = parse_collector_address("127.0.0.1:7123", error);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->grpc_target, "127.0.0.1:7123");
  EXPECT_EQ(a->host, "127.0.0.1");
  a = parse_collector_address("[::1]:9000", error);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->grpc_target, "ipv6:[::1]:9000");
  a = parse_collector_address("collector.example:7123", error);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "collector.example");
  a = parse_collector_address("unix:/run/clt/ioam.sock", error);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_unix);
  EXPECT_EQ(a->grpc_target, "unix:/run/clt/ioam.sock");
}

TEST(CollectorAddress, RejectsWithOneLineReason) {
  for (const char* bad : {"localhost", "localhost:", ":7123", "host:0", "host:70000", "host:12ab",
                          "::1:7123", "[::1]", "[::1]7123", "[not-v6]:1", "unix:", "unix:rel"}) {
    std::string error;
    EXPECT_FALSE(parse_collector_address(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace clt::agent
