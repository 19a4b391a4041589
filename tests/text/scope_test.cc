#include "text/scope.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd::text {
namespace {

TEST(NegationTest, LooksWithinTheClause) {
  const TokenizedText t("we don't need replay");
  EXPECT_TRUE(NegatedAround(t.tokens(), 3, 4));
  const TokenizedText other("no kafka, but we need replay");
  EXPECT_FALSE(NegatedAround(other.tokens(), 6, 7));
}

TEST(NegationTest, NegatedVerbAfterThePhrase) {
  const TokenizedText t("replay isn't needed");
  EXPECT_TRUE(NegatedAround(t.tokens(), 0, 1));
  const TokenizedText determiner("on azure with no sre");
  EXPECT_FALSE(NegatedAround(determiner.tokens(), 1, 2));
  EXPECT_TRUE(IsNegator("don\xE2\x80\x99t"));
}

TEST(HedgeTest, GuessesAreHedged) {
  const TokenizedText t("maybe one day we need replay");
  EXPECT_TRUE(HedgedBefore(t.tokens(), 5));
  const TokenizedText plain("we need replay, maybe kafka");
  EXPECT_FALSE(HedgedBefore(plain.tokens(), 2));
  EXPECT_TRUE(IsHedge("perhaps"));
  EXPECT_FALSE(IsHedge("replay"));
}

}  // namespace
}  // namespace agentd::text
