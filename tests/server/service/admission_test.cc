#include "server/service/admission.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "common/overload.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;

TEST(AdmissionTest, RefusesPastTheServerLimitWithARetryHintAndFreesPlaces) {
  Admission admission(2, 0);
  auto a = admission.Admit("alice");
  auto b = admission.Admit("bob");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(admission.queued(), 2);
  absl::StatusOr<std::unique_ptr<Admission::Ticket>> refused = admission.Admit("carol");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("the server has 2 calls queued or running"));
  EXPECT_THAT(refused.status().message(), HasSubstr("retry in"));
  std::optional<int64_t> hint = RetryAfterMs(refused.status());
  ASSERT_TRUE(hint.has_value());
  EXPECT_GE(*hint, 10);
  EXPECT_EQ(admission.shed(), 1);

  (*a)->Running();
  EXPECT_EQ(admission.queued(), 1);
  EXPECT_EQ(admission.running(), 1);
  a->reset();  // the call is done: its place is free
  EXPECT_EQ(admission.running(), 0);
  EXPECT_TRUE(admission.Admit("carol").ok());
}

TEST(AdmissionTest, OnePrincipalCannotTakeEveryPlace) {
  Admission admission(10, 2);
  auto first = admission.Admit("alice");
  auto second = admission.Admit("alice");
  ASSERT_TRUE(first.ok() && second.ok());
  absl::StatusOr<std::unique_ptr<Admission::Ticket>> third = admission.Admit("alice");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(), HasSubstr("this caller has 2"));
  // Another principal still gets in.
  EXPECT_TRUE(admission.Admit("bob").ok());
}

TEST(OverloadTest, OnlyOverloadAnswersCarryAHint) {
  EXPECT_FALSE(RetryAfterMs(absl::ResourceExhaustedError("database full")).has_value());
  EXPECT_EQ(RetryAfterMs(Overloaded("busy", absl::Milliseconds(250))), 250);
  EXPECT_EQ(RetryAfterMs(Overloaded("busy", absl::Hours(1))), 30000);  // bounded
}

}  // namespace
}  // namespace agentd
