#include "text/tokenizer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd::text {
namespace {

std::vector<std::string> Texts(const TokenizedText& t) {
  std::vector<std::string> out;
  for (const Token& token : t.tokens()) out.emplace_back(token.text);
  return out;
}

TEST(TokenizerTest, NumbersWordsAndPunctuation) {
  const TokenizedText t("10,000 Orders/min, p99 50ms; read-heavy 5k 1,5");
  EXPECT_THAT(Texts(t), testing::ElementsAre("10,000", "orders", "/", "min",
                                             ",", "p99", "50", "ms", ";",
                                             "read", "heavy", "5k", "1", ",",
                                             "5"));
  EXPECT_DOUBLE_EQ(t.tokens()[0].number, 10000);
  EXPECT_EQ(t.tokens()[0].kind, TokenKind::kNumber);
  EXPECT_DOUBLE_EQ(t.tokens()[6].number, 50);
  EXPECT_EQ(t.tokens()[8].kind, TokenKind::kBoundary);
  EXPECT_DOUBLE_EQ(t.tokens()[11].number, 5000);
  // Offsets point into the original text.
  EXPECT_EQ(t.tokens()[1].begin, 7u);
  EXPECT_EQ(t.tokens()[1].end, 13u);
}

TEST(TokenizerTest, ClauseBreaks) {
  const TokenizedText t("replay, but ordering");
  EXPECT_TRUE(IsClauseBreak(t.tokens()[1]));
  EXPECT_TRUE(IsClauseBreak(t.tokens()[2]));
  EXPECT_FALSE(IsClauseBreak(t.tokens()[3]));
}

}  // namespace
}  // namespace agentd::text
