#include "core/hex.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace clt::core {
namespace {

TEST(Hex, LowerCaseOut) {
  const std::uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  std::string out = "x";
  append_hex(out, bytes, sizeof bytes);
  EXPECT_EQ(out, "x000fa5ff");
  EXPECT_EQ(to_hex(std::string_view("\x01\xab", 2)), "01ab");
  EXPECT_EQ(hex_digit(0x1c), 'c');
  std::string be;
  append_be_hex(be, 0xa0000001, 4);
  EXPECT_EQ(be, "a0000001");
  be.clear();
  append_be_hex(be, 0x0102, 8);
  EXPECT_EQ(be, "0000000000000102");
}

TEST(Hex, ParsesEitherCaseUnlessLowerOnly) {
  std::uint8_t out[2] = {};
  ASSERT_TRUE(parse_hex("aBcD", out));
  EXPECT_EQ(out[0], 0xab);
  EXPECT_EQ(out[1], 0xcd);
  EXPECT_FALSE(parse_hex("aBcD", out, true));
  EXPECT_TRUE(parse_hex("abcd", out, true));
  EXPECT_FALSE(parse_hex("abc", out));
  EXPECT_FALSE(parse_hex("zz", out));
  EXPECT_EQ(from_hex("00ff"), std::string("\x00\xff", 2));
  EXPECT_FALSE(from_hex("0"));
  EXPECT_EQ(hex_value('g'), -1);
}

}  // namespace
}  // namespace clt::core
