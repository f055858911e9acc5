#include <gtest/gtest.h>

#include "encap/clt_socket.h"

namespace {

using clt::encap::Config;
using clt::encap::Prefix;
using clt::encap::Status;

TEST(EncapConfig, DefaultsFitTheDefaultTopology) {
  Config c;
  EXPECT_EQ(c.namespace_id, 123);
  EXPECT_EQ(c.trace_type, 0xf60000u);
  EXPECT_GE(c.slots, 3) << "athos, porthos and aramis each need a slot";
  EXPECT_TRUE(c.own_entry);
  EXPECT_EQ(clt::encap::validate(c), Status::kOk);
}

TEST(EncapConfig, TooManySlotsSayWhatFits) {
  Config c;
  c.slots = 10;  // 10 * 24 + 34 > 255
  std::string message;
  EXPECT_EQ(clt::encap::validate(c, &message), Status::kConfigTooLarge);
  EXPECT_NE(message.find("at most 9 slots"), std::string::npos) << message;
  c.slots = 9;
  EXPECT_EQ(clt::encap::validate(c), Status::kOk);
}

TEST(EncapConfig, InvalidTraceTypesAndSlotsAreRejected) {
  Config c;
  c.trace_type = 0;
  EXPECT_EQ(clt::encap::validate(c), Status::kInvalidConfig);
  c.trace_type = 0xf60001;  // reserved bit 23
  EXPECT_EQ(clt::encap::validate(c), Status::kInvalidConfig);
  c.trace_type = 0x1000000;  // more than 24 bits
  EXPECT_EQ(clt::encap::validate(c), Status::kInvalidConfig);
  c = Config{};
  c.slots = 0;
  EXPECT_EQ(clt::encap::validate(c), Status::kInvalidConfig);
  c = Config{};
  c.node_id = 0x1000000;
  EXPECT_EQ(clt::encap::validate(c), Status::kInvalidConfig);
}

TEST(EncapConfig, CreateRefusesAnInvalidConfigWithAMessage) {
  Config c;
  c.slots = 0;
  std::string error;
  EXPECT_EQ(clt::encap::Encapsulator::create(c, clt::encap::NodeFacts{}, error), nullptr);
  EXPECT_FALSE(error.empty());
}

TEST(EncapPrefix, ParsesAndMatches) {
  auto p = Prefix::parse("fd00:1::/64");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, 64);
  auto addr = [](const char* text) { return Prefix::parse(text)->address; };
  EXPECT_TRUE(p->contains(addr("fd00:1::2")));
  EXPECT_FALSE(p->contains(addr("fd00:2::2")));
  auto ula = Prefix::parse("fc00::/7");
  EXPECT_TRUE(ula->contains(addr("fd12::1")));
  EXPECT_TRUE(ula->contains(addr("fc00::1")));
  EXPECT_FALSE(ula->contains(addr("fe80::1")));
  EXPECT_FALSE(ula->contains(addr("2001:db8::1")));
  EXPECT_TRUE(Prefix::parse("::/0")->contains(addr("2001:db8::1")));
  auto host = Prefix::parse("fd00::1");
  EXPECT_EQ(host->length, 128);
  EXPECT_EQ(Prefix::parse("fd00:1::5/64")->to_string(), "fd00:1::/64");
}

TEST(EncapPrefix, RejectsGarbage) {
  for (const char* bad : {"", "/64", "fd00::/129", "fd00::/x", "10.0.0.0/8", "fd00::/64/1", "zz::"})
    EXPECT_FALSE(Prefix::parse(bad)) << bad;
}

TEST(EncapStatus, EveryStatusHasANameAndAnActionableSentence) {
  for (int i = 0; i <= static_cast<int>(Status::kSystemError); ++i) {
    const auto s = static_cast<Status>(i);
    EXPECT_STRNE(clt::encap::to_string(s), "unknown");
    EXPECT_GT(std::string(clt::encap::describe(s)).size(), 10u);
  }
  EXPECT_NE(std::string(clt::encap::describe(Status::kNoPermission)).find("setcap cap_net_raw"),
            std::string::npos);
}

}  // namespace
