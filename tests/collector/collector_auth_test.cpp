// The query API's bearer token: which Authorization headers pass, the 401
// answer, and what a token file may hold.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "collector/query/bearer_auth.h"

namespace clt::collector {
namespace {

HttpRequest with_authorization(const std::string& value) {
  HttpRequest req;
  req.headers.emplace_back("Authorization", value);
  return req;
}

TEST(BearerAuth, OnlyTheExactTokenPasses) {
  const BearerAuth auth("s3cr3t-token");
  EXPECT_TRUE(auth.allows(with_authorization("Bearer s3cr3t-token")));
  EXPECT_TRUE(auth.allows(with_authorization("bearer s3cr3t-token")));  // the scheme's case
  EXPECT_FALSE(auth.allows(HttpRequest{}));
  EXPECT_FALSE(auth.allows(with_authorization("Bearer s3cr3t-toke")));
  EXPECT_FALSE(auth.allows(with_authorization("Bearer s3cr3t-tokenx")));
  EXPECT_FALSE(auth.allows(with_authorization("Bearer S3CR3T-TOKEN")));
  EXPECT_FALSE(auth.allows(with_authorization("Bearer ")));
  EXPECT_FALSE(auth.allows(with_authorization("Basic s3cr3t-token")));
  EXPECT_FALSE(auth.allows(with_authorization("s3cr3t-token")));
}

TEST(BearerAuth, WithoutATokenEverythingIsOpen) {
  const BearerAuth open;
  EXPECT_FALSE(open.enabled());
  EXPECT_TRUE(open.allows(HttpRequest{}));
}

TEST(BearerAuth, TheRefusalIs401WithTheScheme) {
  HttpResponse res;
  BearerAuth::refuse(HttpRequest{}, res);
  EXPECT_EQ(res.status, 401);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(res.headers[0].second.rfind("Bearer", 0), 0u);
  EXPECT_NE(res.body.find("--auth-token-file"), std::string::npos) << res.body;
  HttpResponse wrong;
  BearerAuth::refuse(with_authorization("Bearer nope"), wrong);
  EXPECT_NE(wrong.headers[0].second.find("invalid_token"), std::string::npos);
}

class TokenFile : public ::testing::Test {
 protected:
  std::string write(const std::string& content) {
    std::ofstream(path_, std::ios::binary) << content;
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_ = ::testing::TempDir() + "clt-token-" + std::to_string(::getpid());
};

TEST_F(TokenFile, TheTrailingNewlineIsNotPartOfTheToken) {
  std::string token, error;
  ASSERT_TRUE(read_token_file(write("abc123\n"), token, error)) << error;
  EXPECT_EQ(token, "abc123");
  ASSERT_TRUE(read_token_file(write("abc123\r\n"), token, error)) << error;
  EXPECT_EQ(token, "abc123");
  ASSERT_TRUE(read_token_file(write("abc123"), token, error)) << error;
  EXPECT_EQ(token, "abc123");
}

TEST_F(TokenFile, BadFilesSayWhatIsWrong) {
  std::string token, error;
  EXPECT_FALSE(read_token_file(write(""), token, error));
  EXPECT_NE(error.find("is empty"), std::string::npos) << error;
  EXPECT_FALSE(read_token_file(write("\n"), token, error));
  EXPECT_NE(error.find("is empty"), std::string::npos) << error;
  EXPECT_FALSE(read_token_file(write("one\ntwo\n"), token, error));
  EXPECT_NE(error.find("may only hold"), std::string::npos) << error;
  EXPECT_FALSE(read_token_file(write(std::string("a\0b", 3)), token, error));
  EXPECT_NE(error.find("may only hold"), std::string::npos) << error;
  EXPECT_FALSE(read_token_file(path_ + "-missing", token, error));
  EXPECT_NE(error.find("cannot read it"), std::string::npos) << error;
}

}  // namespace
}  // namespace clt::collector
