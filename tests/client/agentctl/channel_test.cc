#include "client/agentctl/channel.h"

#include "gtest/gtest.h"

namespace agentd::agentctl {
namespace {

TEST(MakeChannelCredentialsTest, PlaintextWithoutFlags) { EXPECT_TRUE(MakeChannelCredentials({}).ok()); }

TEST(MakeChannelCredentialsTest, CertAndKeyGoTogether) {
  absl::Status s = MakeChannelCredentials({.cert = "c.pem"}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--tls_key"), absl::string_view::npos);
}

TEST(MakeChannelCredentialsTest, UnreadableFileNamesTheFlag) {
  absl::Status s = MakeChannelCredentials({.ca = "/nonexistent/ca.pem"}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--tls_ca"), absl::string_view::npos);
}

}  // namespace
}  // namespace agentd::agentctl
