#include "server/core/agent_selector.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

SelectionSignals Peer() {
  SelectionSignals s;
  s.agent = "peer";
  s.score = 3.0;
  s.top_score = 9.0;
  s.evidence = 2;
  s.coverage = 0.25;
  s.passes_gates = true;
  return s;
}

TEST(AgentSelectorTest, MoreEvidenceOfEveryKindNeverLowersTheProbability) {
  const double base = SelectionProbability(Peer());
  SelectionSignals s = Peer();
  s.score = 6.0;
  EXPECT_GT(SelectionProbability(s), base);
  s = Peer();
  s.evidence = 6;
  EXPECT_GT(SelectionProbability(s), base);
  s = Peer();
  s.coverage = 0.8;
  EXPECT_GT(SelectionProbability(s), base);
  s = Peer();
  s.clause_score = 4.0;
  EXPECT_GT(SelectionProbability(s), base);
}

// Next to a strong first choice, the same match counts for less.
TEST(AgentSelectorTest, AStrongerTopAgentLowersAPeersProbability) {
  SelectionSignals s = Peer();
  s.top_score = 30.0;
  EXPECT_LT(SelectionProbability(s), SelectionProbability(Peer()));
}

TEST(AgentSelectorTest, ProbabilityStaysInRangeOnExtremeSignals) {
  SelectionSignals s = Peer();
  for (double score : {0.0, -5.0, 1e300, std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::quiet_NaN()}) {
    s.score = score;
    s.top_score = score;
    s.evidence = 1 << 20;
    const double p = SelectionProbability(s);
    EXPECT_TRUE(p >= 0.0 && p <= 1.0) << score << " -> " << p;
  }
}

// With a vote, the second model decides: a vote for the agent raises its
// probability, one against lowers it, and no vote leaves the first model.
TEST(AgentSelectorTest, TheLabelledVoteMovesTheProbabilityItsWay) {
  SelectionSignals s = Peer();
  s.has_labelled_vote = true;
  s.labelled_vote = 0;
  const double neutral = SelectionProbability(s);
  s.labelled_vote = 8;
  EXPECT_GT(SelectionProbability(s), neutral);
  s.labelled_vote = -8;
  EXPECT_LT(SelectionProbability(s), neutral);
  s.labelled_vote = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(SelectionProbability(s), neutral);
  s.has_labelled_vote = false;
  s.labelled_vote = 8;
  EXPECT_EQ(SelectionProbability(s), SelectionProbability(Peer()));
  EXPECT_EQ(SelectionFeaturesOf(s)[kSelectionFeatureCount], 0.0);
  EXPECT_EQ(SelectionFeaturesOf(s)[kSelectionFeatureCount + 1], 0.0);
}

// The same vote counts for more when it is the request's best than when
// another agent's vote is far ahead of it.
TEST(AgentSelectorTest, AVoteFarBehindTheBestCountsForLess) {
  SelectionSignals s = Peer();
  s.has_labelled_vote = true;
  s.labelled_vote = 6;
  s.top_labelled_vote = 6;
  const double best = SelectionProbability(s);
  s.top_labelled_vote = 16;
  EXPECT_LT(SelectionProbability(s), best);
  EXPECT_DOUBLE_EQ(SelectionFeaturesOf(s)[kSelectionFeatureCount + 1], -1.0);
  s.top_labelled_vote = std::numeric_limits<double>::infinity();
  EXPECT_EQ(SelectionFeaturesOf(s)[kSelectionFeatureCount + 1], 0.0);
}

TEST(AgentSelectorTest, FeaturesStartWithTheConstant) {
  const SelectionFeatures f = SelectionFeaturesOf(Peer());
  EXPECT_EQ(f[0], 1.0);
  EXPECT_DOUBLE_EQ(f[1], std::log1p(3.0));
}

TEST(AgentSelectorTest, DescriptionNamesTheProbabilityAndTheSignals) {
  SelectionSignals s = Peer();
  s.redirected_to = true;
  const std::string text = DescribeSelection(s, 0.5);
  EXPECT_THAT(text, HasSubstr("selection probability 0."));
  EXPECT_THAT(text, HasSubstr("(0.50 needed)"));
  EXPECT_THAT(text, HasSubstr("score 3.00 of top 9.00"));
  EXPECT_THAT(text, HasSubstr("2 distinctive term(s)"));
  EXPECT_THAT(text, HasSubstr("25% of the request's words"));
  EXPECT_THAT(text, HasSubstr("named by a \"do not use\" rule"));
  EXPECT_THAT(text, HasSubstr("within the thresholds"));
  EXPECT_THAT(text, Not(HasSubstr("vote")));
  s.has_labelled_vote = true;
  s.labelled_vote = -3.25;
  EXPECT_THAT(DescribeSelection(s, 0.5), HasSubstr("labelled requests' vote -3.2 (best +0.0)"));
}

}  // namespace
}  // namespace agentd
