#include "db/paging.h"

#include "gtest/gtest.h"

namespace agentd::paging {
namespace {

TEST(PagingTest, ResolvesPageSizes) {
  EXPECT_EQ(*ResolvePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*ResolvePageSize(7), 7);
  EXPECT_EQ(*ResolvePageSize(kMaxPageSize + 1), kMaxPageSize);
  EXPECT_EQ(ResolvePageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PagingTest, TurnTokensRoundTripAndAreOpaqueHex) {
  std::string token = TurnToken(42);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << token;
  EXPECT_EQ(*DecodeTurnToken(token), 42);
}

TEST(PagingTest, SessionTokensRoundTripIdsWithColons) {
  std::string token = SessionToken({1700, "a:b"});
  auto position = DecodeSessionToken(token);
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(position->updated_ms, 1700);
  EXPECT_EQ(position->id, "a:b");
}

TEST(PagingTest, RejectsTokensOfAnotherListingOrGarbage) {
  EXPECT_EQ(DecodeTurnToken(SessionToken({1, "x"})).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeSessionToken(TurnToken(1)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodeTurnToken("xyz").ok());
  EXPECT_FALSE(DecodeTurnToken("abc").ok());  // odd length
  EXPECT_FALSE(DecodeTurnToken("7431").ok());  // "t1" without the colon
  EXPECT_FALSE(DecodeSessionToken(SessionToken({5, ""})).ok());
}

TEST(PagingTest, LikePatternTakesWildcardsLiterally) {
  EXPECT_EQ(LikeSubstringPattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
  EXPECT_EQ(LikeSubstringPattern(""), "%%");
}

}  // namespace
}  // namespace agentd::paging
