#include "server/facts/text_matcher.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd::facts_internal {
namespace {

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

TEST(PatternTest, StartsLookPastOptionalHeads) {
  absl::StatusOr<Pattern> words = Pattern::Compile("the? !a peak|max* #");
  ASSERT_TRUE(words.ok()) << words.status();
  EXPECT_THAT(words->starts().words, testing::ElementsAre("the", "peak"));
  EXPECT_THAT(words->starts().prefixes, testing::ElementsAre("max"));
  EXPECT_FALSE(words->starts().number);
  EXPECT_FALSE(words->starts().any_token);

  absl::StatusOr<Pattern> number = Pattern::Compile("#? per");
  ASSERT_TRUE(number.ok());
  EXPECT_TRUE(number->starts().number);
  EXPECT_THAT(number->starts().words, testing::ElementsAre("per"));

  absl::StatusOr<Pattern> gap = Pattern::Compile("_? ..2 x");
  ASSERT_TRUE(gap.ok());
  EXPECT_TRUE(gap->starts().any_word);
  EXPECT_TRUE(gap->starts().any_token);
}

TEST(PatternTest, RejectsMalformed) {
  EXPECT_FALSE(Pattern::Compile("").ok());
  EXPECT_FALSE(Pattern::Compile("..3 word").ok());
  EXPECT_FALSE(Pattern::Compile("a|| b").ok());
  EXPECT_FALSE(Pattern::Compile("a ..x b").ok());
  EXPECT_FALSE(Pattern::Compile("a ? b").ok());
}

}  // namespace
}  // namespace agentd::facts_internal
