#include "server/facts/text_matcher.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd::facts_internal {
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

TEST(ReadNumberTest, DigitsAndWords) {
  struct Case {
    std::string text;
    double value;
    size_t tokens_used;
  };
  for (const Case& c : std::vector<Case>{{"1.2 million", 1.2e6, 2},
                                         {"2M", 2e6, 1},
                                         {"twenty five", 25, 2},
                                         {"a dozen", 12, 2},
                                         {"three hundred", 300, 2},
                                         {"six", 6, 1}}) {
    const TokenizedText t(c.text);
    double value = 0;
    size_t next = 0;
    ASSERT_TRUE(ReadNumber(t.tokens(), 0, &value, &next)) << c.text;
    EXPECT_DOUBLE_EQ(value, c.value) << c.text;
    EXPECT_EQ(next, c.tokens_used) << c.text;
  }
  const TokenizedText words("a team");
  double value = 0;
  size_t next = 0;
  EXPECT_FALSE(ReadNumber(words.tokens(), 0, &value, &next));
}

TEST(PatternTest, OptionalGapAndLookahead) {
  absl::StatusOr<Pattern> p = Pattern::Compile("in order !to");
  ASSERT_TRUE(p.ok()) << p.status();
  PatternMatch m;
  const TokenizedText yes("in order please");
  EXPECT_TRUE(p->MatchAt(yes.tokens(), 0, &m));
  EXPECT_EQ(m.end, 2u);
  const TokenizedText no("in order to go");
  EXPECT_FALSE(p->MatchAt(no.tokens(), 0, &m));

  absl::StatusOr<Pattern> gap = Pattern::Compile("stale ..3 ok");
  ASSERT_TRUE(gap.ok());
  const TokenizedText fine("stale reads are ok");
  ASSERT_TRUE(gap->MatchAt(fine.tokens(), 0, &m));
  EXPECT_FALSE(m.negator_skipped);
  const TokenizedText negated("stale reads are not ok");
  ASSERT_TRUE(gap->MatchAt(negated.tokens(), 0, &m));
  EXPECT_TRUE(m.negator_skipped);
  const TokenizedText across("stale. ok");
  EXPECT_FALSE(gap->MatchAt(across.tokens(), 0, &m));
}

TEST(PatternTest, CapturesNumbers) {
  absl::StatusOr<Pattern> p = Pattern::Compile("# teams? of #");
  ASSERT_TRUE(p.ok());
  PatternMatch m;
  const TokenizedText t("two teams of five");
  ASSERT_TRUE(p->MatchAt(t.tokens(), 0, &m));
  EXPECT_THAT(m.numbers, testing::ElementsAre(2, 5));
  EXPECT_TRUE(p->starts_with_number());
}

TEST(PatternTest, RejectsMalformed) {
  EXPECT_FALSE(Pattern::Compile("").ok());
  EXPECT_FALSE(Pattern::Compile("..3 word").ok());
  EXPECT_FALSE(Pattern::Compile("a|| b").ok());
  EXPECT_FALSE(Pattern::Compile("a ..x b").ok());
  EXPECT_FALSE(Pattern::Compile("a ? b").ok());
}

TEST(NegationTest, LooksWithinTheClause) {
  const TokenizedText t("we don't need replay");
  EXPECT_TRUE(NegatedAround(t.tokens(), 3, 4));
  const TokenizedText other("no kafka, but we need replay");
  EXPECT_FALSE(NegatedAround(other.tokens(), 6, 7));
}

}  // namespace
}  // namespace agentd::facts_internal
