#include <gtest/gtest.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <cstring>
#include <vector>

#include "capture/ioam_events.h"
#include "os/ioam6_genl.h"

namespace clt::capture {
namespace {

constexpr std::uint16_t kFamily = 0x1e;

void put_attr(std::vector<std::uint8_t>& m, std::uint16_t type, const void* data, std::size_t len) {
  nlattr a{};
  a.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + len);
  a.nla_type = type;
  const std::size_t at = m.size();
  m.resize(at + NLA_ALIGN(a.nla_len), 0);
  std::memcpy(m.data() + at, &a, sizeof a);
  std::memcpy(m.data() + at + NLA_HDRLEN, data, len);
}

// A trace event message as the kernel builds it.
std::vector<std::uint8_t> event_message(bool with_data = true, std::uint8_t cmd = 1) {
  std::vector<std::uint8_t> m(NLMSG_HDRLEN + GENL_HDRLEN, 0);
  const std::uint16_t ns = 123;
  const std::uint8_t node_len = 6;
  const std::uint32_t type = 0xf60000u << 8;
  const std::uint8_t data[24] = {62, 0, 0, 3};
  put_attr(m, os::ioam6_genl::kAttrNamespace, &ns, 2);
  put_attr(m, os::ioam6_genl::kAttrNodeLen, &node_len, 1);
  put_attr(m, os::ioam6_genl::kAttrType, &type, 4);
  if (with_data) put_attr(m, os::ioam6_genl::kAttrData, data, sizeof data);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(m.size());
  h.nlmsg_type = kFamily;
  std::memcpy(m.data(), &h, sizeof h);
  genlmsghdr g{};
  g.cmd = cmd;
  g.version = 1;
  std::memcpy(m.data() + NLMSG_HDRLEN, &g, sizeof g);
  return m;
}

TEST(IoamEventParse, ReadsTheKernelAttributes) {
  const auto m = event_message();
  IoamEvent e;
  ASSERT_EQ(parse_ioam_event(m, kFamily, e), EventParse::kTraceEvent);
  EXPECT_EQ(e.namespace_id, 123);
  EXPECT_EQ(e.node_len, 6);
  EXPECT_EQ(e.trace_type, 0xf60000u);
  ASSERT_EQ(e.data.size(), 24u);
  EXPECT_EQ(e.data[0], 62);
  EXPECT_EQ(e.data[3], 3);
  EXPECT_EQ(netlink_message_length(m), m.size());
}

TEST(IoamEventParse, OtherFamiliesAndCommandsAreNotEvents) {
  IoamEvent e;
  EXPECT_EQ(parse_ioam_event(event_message(), kFamily + 1, e), EventParse::kOtherMessage);
  EXPECT_EQ(parse_ioam_event(event_message(true, 2), kFamily, e), EventParse::kOtherMessage);
}

TEST(IoamEventParse, MissingOrTruncatedPartsAreMalformed) {
  IoamEvent e;
  EXPECT_EQ(parse_ioam_event(event_message(false), kFamily, e), EventParse::kMalformed);
  auto m = event_message();
  // Claims more than it has.
  EXPECT_EQ(parse_ioam_event(std::span(m).first(m.size() - 8), kFamily, e), EventParse::kMalformed);
  EXPECT_EQ(netlink_message_length(std::span(m).first(8)), 0u);
  // An attribute whose length runs past the message.
  m[NLMSG_HDRLEN + GENL_HDRLEN] = 0xff;
  EXPECT_EQ(parse_ioam_event(m, kFamily, e), EventParse::kMalformed);
}

}  // namespace
}  // namespace clt::capture
