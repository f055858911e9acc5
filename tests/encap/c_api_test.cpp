// The C ABI of libclt.so: codes, messages and all-or-nothing configuration.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "clt.h"

namespace {

const uint8_t kTrace[16] = {0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd,
                            0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c};
const uint8_t kSpan[8] = {0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31};

TEST(CltCApi, DefaultsComeFromTheHeader) {
  EXPECT_EQ(clt_get_namespace(), 123);
  EXPECT_EQ(clt_get_trace_type(), 0xf60000u);
  EXPECT_EQ(clt_get_slots(), 4);
  // 4 + 2 + 2 + 8 + 24 + 4*24 = 136 bytes, already a multiple of 8.
  EXPECT_EQ(clt_header_size(), 136);
}

TEST(CltCApi, InvalidConfigurationChangesNothing) {
  EXPECT_EQ(clt_set_slots(20), -EMSGSIZE);
  EXPECT_EQ(clt_get_slots(), 4);
  EXPECT_EQ(clt_set_trace_type(0), -EINVAL);
  EXPECT_EQ(clt_get_trace_type(), 0xf60000u);
  EXPECT_EQ(clt_set_trace_id_bits(96), -EINVAL);
  EXPECT_EQ(clt_set_domain("fd00::/8,not-a-prefix"), -EINVAL);
  EXPECT_EQ(clt_set_own_entry(2), -EINVAL);
  EXPECT_EQ(clt_set_slots(3), 0);
  EXPECT_EQ(clt_get_slots(), 3);
  EXPECT_EQ(clt_set_slots(4), 0);
}

TEST(CltCApi, ErrorsAreNegativeErrnoWithActionableText) {
  EXPECT_EQ(clt_enable(987654, kTrace, kSpan), -EBADF);
  const int v4 = ::socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_EQ(clt_enable(v4, kTrace, kSpan), -EAFNOSUPPORT);
  ::close(v4);
  const int udp = ::socket(AF_INET6, SOCK_DGRAM, 0);
  EXPECT_EQ(clt_enable(udp, kTrace, kSpan), -ENOTCONN);
  EXPECT_EQ(clt_enable(udp, nullptr, kSpan), -EINVAL);
  ::close(udp);
  EXPECT_NE(std::string(clt_strerror(-EPERM)).find("CAP_NET_RAW"), std::string::npos);
  EXPECT_NE(std::string(clt_strerror(CLT_OUTSIDE_DOMAIN)).find("outside"), std::string::npos);
  EXPECT_NE(std::string(clt_strerror(-ENOMEM)), "");
}

TEST(CltCApi, OutsideTheDomainIsAPositiveCode) {
  ASSERT_EQ(clt_set_domain("fd00::/8, fd01::/16"), 0);
  const int udp = ::socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  a.sin6_port = htons(9);
  ASSERT_EQ(::connect(udp, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(clt_enable(udp, kTrace, kSpan), CLT_OUTSIDE_DOMAIN);
  ASSERT_EQ(clt_set_domain("::1/128"), 0);
  const int expected = ::geteuid() == 0 ? CLT_OK : -EPERM;
  EXPECT_EQ(clt_enable(udp, kTrace, kSpan), expected);
  EXPECT_EQ(clt_disable(udp), expected);
  ::close(udp);
  ASSERT_EQ(clt_set_domain("fc00::/7"), 0);
}

}  // namespace
