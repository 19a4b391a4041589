#include "server/auth/authenticator.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

std::string Line(const std::string& principal, const std::string& token, bool admin = false) {
  TokenDigest d = DigestOf(token);
  return principal + " " +
         absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(d.data()), d.size())) +
         (admin ? " admin\n" : "\n");
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("agentd-tokens-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }
  std::string path_;
};

TEST_F(AuthenticatorTest, NothingConfiguredIsDefaultAdmin) {
  auto auth = Authenticator::Create({});
  ASSERT_TRUE(auth.ok());
  EXPECT_FALSE((*auth)->required());
  absl::StatusOr<Principal> p = (*auth)->Authenticate(std::nullopt, "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "default");
  EXPECT_TRUE(p->admin);
}

TEST_F(AuthenticatorTest, SingleTokenIsDefaultAdmin) {
  auto auth = Authenticator::Create({.token = "s3cret"});
  ASSERT_TRUE(auth.ok());
  EXPECT_TRUE((*auth)->required());
  EXPECT_EQ((*auth)->Authenticate("Bearer s3cret", "")->name, "default");
  EXPECT_TRUE((*auth)->Authenticate("bearer s3cret", "")->admin);
  EXPECT_EQ((*auth)->Authenticate("Bearer nope", "").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*auth)->Authenticate("s3cret", "").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*auth)->Authenticate(std::nullopt, "").status().code(), absl::StatusCode::kUnauthenticated);
  // A certificate counts only with mTLS configured.
  EXPECT_EQ((*auth)->Authenticate(std::nullopt, "alice").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, TokensFileGivesPrincipals) {
  Write(Line("alice", "a-token") + Line("ops", "o-token", true));
  auto auth = Authenticator::Create({.tokens_file = path_});
  ASSERT_TRUE(auth.ok()) << auth.status();
  absl::StatusOr<Principal> alice = (*auth)->Authenticate("Bearer a-token", "");
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->name, "alice");
  EXPECT_FALSE(alice->admin);
  EXPECT_TRUE((*auth)->Authenticate("Bearer o-token", "")->admin);
}

TEST_F(AuthenticatorTest, ReloadKeepsTheOldTableOnABadFile) {
  Write(Line("alice", "a-token"));
  auto auth = Authenticator::Create({.tokens_file = path_});
  ASSERT_TRUE(auth.ok());
  Write(Line("bob", "b-token"));
  ASSERT_TRUE((*auth)->Reload().ok());
  EXPECT_EQ((*auth)->Authenticate("Bearer b-token", "")->name, "bob");
  EXPECT_FALSE((*auth)->Authenticate("Bearer a-token", "").ok());

  Write("bob not-a-digest\n");
  absl::Status reloaded = (*auth)->Reload();
  EXPECT_EQ(reloaded.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(reloaded.message().find("line 1"), absl::string_view::npos);
  EXPECT_EQ((*auth)->Authenticate("Bearer b-token", "")->name, "bob");  // still the old table
  EXPECT_EQ((*auth)->token_count(), 1u);
}

TEST_F(AuthenticatorTest, MissingFileAtStartIsAnError) {
  EXPECT_FALSE(Authenticator::Create({.tokens_file = path_ + ".missing"}).ok());
}

TEST_F(AuthenticatorTest, ClientCertificateCnWhenNoToken) {
  Write(Line("ops", "o-token", true));
  auto auth = Authenticator::Create({.tokens_file = path_, .client_certificates = true});
  ASSERT_TRUE(auth.ok());
  absl::StatusOr<Principal> by_cert = (*auth)->Authenticate(std::nullopt, "svc-billing");
  ASSERT_TRUE(by_cert.ok());
  EXPECT_EQ(by_cert->name, "svc-billing");
  EXPECT_FALSE(by_cert->admin);
  // A token, when sent, decides; a wrong one is refused even with a certificate.
  EXPECT_EQ((*auth)->Authenticate("Bearer o-token", "svc-billing")->name, "ops");
  EXPECT_FALSE((*auth)->Authenticate("Bearer wrong", "svc-billing").ok());
  EXPECT_FALSE((*auth)->Authenticate(std::nullopt, "").ok());
  EXPECT_FALSE((*auth)->Authenticate(std::nullopt, "bad cn with spaces").ok());
}

}  // namespace
}  // namespace agentd
