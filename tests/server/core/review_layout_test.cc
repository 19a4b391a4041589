#include "server/core/review_layout.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

v1::AgentDefinition Owner(const std::string& name, const std::string& id, const std::string& heading, int order,
                          const std::string& prefix) {
  v1::AgentDefinition def;
  def.set_name(name);
  def.add_sections(id);
  v1::SectionSpec* spec = def.add_section_specs();
  spec->set_id(id);
  spec->set_heading(heading);
  spec->set_order(order);
  if (!prefix.empty()) spec->add_decision_prefixes(prefix);
  return def;
}

TEST(ReviewLayoutTest, HeadingsOrderAndDecisionKeysComeFromTheDefinitions) {
  ReviewLayout layout = ReviewLayout::FromDefinitions(
      {Owner("api-architect", "api_design", "API Design", 110, "api"),
       Owner("backend-architect", "risks", "Risks & Mitigation", 100, ""),
       Owner("other", "api_design", "Second Claim", 1, "database")});
  EXPECT_EQ(layout.Heading("api_design"), "API Design");  // the first definition's spec wins
  EXPECT_EQ(layout.Heading("risks"), "Risks & Mitigation");
  EXPECT_EQ(layout.Heading("cache_tuning"), "Cache Tuning");  // unknown: title-cased
  EXPECT_EQ(layout.Rank("risks"), 100);
  EXPECT_EQ(layout.Rank("api_design"), 110);
  EXPECT_EQ(layout.Rank("cache_tuning"), ReviewLayout::kUnordered);
  EXPECT_EQ(layout.SectionOfDecisionKey("api.versioning"), "api_design");
  EXPECT_EQ(layout.SectionOfDecisionKey("database.primary"), "");  // the losing spec's prefixes went with it
  EXPECT_EQ(layout.SectionOfDecisionKey("nope"), "");
}

TEST(ReviewLayoutTest, AReviewUsesTheSpecsOfItsSectionsAndDecisions) {
  ReviewLayout layout = ReviewLayout::FromDefinitions({Owner("a", "one", "One", 1, "first"),
                                                       Owner("b", "two", "Two", 2, "second"),
                                                       Owner("c", "three", "Three", 3, "third")});
  v1::Review review;
  review.add_sections()->set_id("three");
  review.add_decisions()->set_key("first.choice");
  std::vector<std::string> ids;
  for (const auto& spec : layout.UsedBy(review)) ids.push_back(spec->id());
  EXPECT_THAT(ids, ::testing::ElementsAre("one", "three"));
}

TEST(ReviewLayoutTest, AnswersUseTheSpecsTheirMergedReviewUses) {
  ReviewLayout layout = ReviewLayout::FromDefinitions({Owner("a", "one", "One", 1, "first"),
                                                       Owner("b", "two", "Two", 2, "second"),
                                                       Owner("c", "three", "Three", 3, "third")});
  v1::AgentResponse a, b;
  a.add_sections()->set_id("three");
  b.add_decisions()->set_key("first.choice");
  b.add_decisions()->set_key("unknown.choice");
  std::vector<std::string> ids;
  for (const auto& spec : layout.UsedByAnswers({&a, &b})) ids.push_back(spec->id());
  EXPECT_THAT(ids, ::testing::ElementsAre("one", "three"));
  EXPECT_TRUE(layout.UsedByAnswers({}).empty());
}

// What a turn records of the layout is the layout's own specs, not copies,
// and they stay valid after the layout (a reloaded agent set's) is gone.
TEST(ReviewLayoutTest, UsedSpecsAreTheLayoutsOwnAndOutliveIt) {
  v1::AgentResponse a;
  a.add_sections()->set_id("two");
  SectionSpecs used;
  {
    const ReviewLayout layout = ReviewLayout::FromDefinitions({Owner("a", "one", "One", 1, "first"),
                                                               Owner("b", "two", "Two", 2, "second")});
    used = layout.UsedByAnswers({&a});
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].get(), &layout.specs()[1]);
  }
  EXPECT_EQ(used[0]->id(), "two");
  EXPECT_EQ(used[0]->heading(), "Two");
}

}  // namespace
}  // namespace agentd
