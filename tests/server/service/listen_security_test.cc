#include "server/service/listen_security.h"

#include <string>

#include "gtest/gtest.h"

namespace agentd {
namespace {

TEST(IsLoopbackListenTest, LoopbackForms) {
  for (const char* a : {"127.0.0.1:50051", "127.1.2.3:0", "localhost:80", "[::1]:50051", "unix:/tmp/agentd.sock"}) {
    EXPECT_TRUE(IsLoopbackListen(a)) << a;
  }
  for (const char* a : {"0.0.0.0:50051", "[::]:50051", "10.0.0.5:1", "example.com:443", "127.example.com:1",
                        "127.0.0.1.nip.io:1", ":50051"}) {
    EXPECT_FALSE(IsLoopbackListen(a)) << a;
  }
}

TEST(CheckListenSecurityTest, RemoteNeedsAuthenticationOrTheFlag) {
  std::string warning;
  EXPECT_TRUE(CheckListenSecurity("127.0.0.1:0", false, false, false, &warning).ok());
  EXPECT_TRUE(warning.empty());

  absl::Status refused = CheckListenSecurity("0.0.0.0:50051", false, false, false, &warning);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("--allow_insecure_remote"), absl::string_view::npos);

  EXPECT_TRUE(CheckListenSecurity("0.0.0.0:50051", false, true, true, &warning).ok());
  EXPECT_NE(warning.find("no authentication"), std::string::npos);

  EXPECT_TRUE(CheckListenSecurity("0.0.0.0:50051", true, true, false, &warning).ok());
  EXPECT_TRUE(warning.empty());
  EXPECT_TRUE(CheckListenSecurity("0.0.0.0:50051", true, false, false, &warning).ok());
  EXPECT_NE(warning.find("without TLS"), std::string::npos);
}

TEST(MakeServerCredentialsTest, FlagsGoTogether) {
  EXPECT_TRUE(MakeServerCredentials({}).ok());
  EXPECT_EQ(MakeServerCredentials({.cert_file = "c.pem"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeServerCredentials({.client_ca_file = "ca.pem"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status missing = MakeServerCredentials({.cert_file = "/nonexistent/c.pem", .key_file = "/nonexistent/k.pem"})
                             .status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("--tls_cert"), absl::string_view::npos);
}

}  // namespace
}  // namespace agentd
