// The engine as a whole: the shape of every review (sections in the seed's
// order, every item attributed) and how it treats impossible input.
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/backend_architect/engine.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using ::testing::HasSubstr;
using testing::AssumptionsText;
using testing::DecisionValue;
using testing::FindSection;
using testing::Request;
using testing::ReviewOf;
using testing::SectionText;

// ---- Shape ---------------------------------------------------------------------

TEST(EngineTest, SameInputSameBytes) {
  v1::Requirements r;
  r.set_team_size(6);
  r.set_peak_rps(166.67);
  r.set_bursty(true);
  v1::AgentRequest request = Request(r, "10,000 orders per minute; payment and inventory calls");
  EXPECT_EQ(Review(request).SerializeAsString(), Review(request).SerializeAsString());
}

TEST(EngineTest, SectionsInTheSeedOrderAndEveryItemIsAttributed) {
  v1::AgentResponse response = ReviewOf(v1::Requirements());
  std::vector<std::pair<std::string, std::string>> expected = {
      {"architecture_pattern", "Architecture Pattern"},
      {"event_driven_design", "Event-Driven Design"},
      {"caching_strategy", "Caching Strategy"},
      {"database_architecture", "Database Architecture"},
      {"resilience_patterns", "Resilience Patterns"},
      {"observability", "Observability"},
      {"scalability", "Scalability"},
      {"background_jobs", "Background Jobs"},
      {"recommendations", "Recommendations"},
      {"risks", "Risks & Mitigation"}};
  ASSERT_EQ(response.sections_size(), static_cast<int>(expected.size()));
  EXPECT_EQ(response.agent(), "backend-architect");
  for (int i = 0; i < response.sections_size(); ++i) {
    const v1::Section& s = response.sections(i);
    EXPECT_EQ(s.id(), expected[i].first);
    EXPECT_EQ(s.heading(), expected[i].second);
    EXPECT_GT(s.items_size(), 0) << s.id();
    for (const v1::Item& item : s.items()) EXPECT_EQ(item.agent(), "backend-architect") << s.id();
  }
  for (const v1::Decision& d : response.decisions()) {
    EXPECT_EQ(d.agent(), "backend-architect");
    EXPECT_GE(d.confidence(), 0.0);
    EXPECT_LE(d.confidence(), 1.0);
  }
  for (const v1::Item& item : response.assumptions()) EXPECT_EQ(item.agent(), "backend-architect");
  for (const v1::Item& item : response.questions()) EXPECT_EQ(item.agent(), "backend-architect");
}

TEST(EngineTest, ArchitecturePatternAnswersTheSixQuestions) {
  v1::Requirements r;
  r.set_team_size(6);
  r.set_domain_clarity(v1::DOMAIN_CLARITY_UNCLEAR);
  v1::AgentResponse response = ReviewOf(r);
  const v1::Section* s = FindSection(response, "architecture_pattern");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->items(0).label(), "Recommendation");
  EXPECT_EQ(s->items(1).label(), "Rationale");
  EXPECT_THAT(s->items(1).text(), HasSubstr("team of 6 (< 10 engineers)"));
  EXPECT_THAT(s->items(1).text(), HasSubstr("domain boundaries are unclear"));
  std::string all = SectionText(response, "architecture_pattern");
  for (const char* q : {"Team structure:", "Domain clarity:", "Scale patterns:",
                        "Deployment cadence:", "Data consistency:", "Operational maturity:"}) {
    EXPECT_THAT(all, HasSubstr(q));
  }
  EXPECT_THAT(all, HasSubstr("Operational maturity: unknown"));
}

// ---- Input ---------------------------------------------------------------------

TEST(InputTest, ImpossibleFactsAreIgnoredOutLoud) {
  v1::Requirements r;
  r.set_availability_slo(150);
  r.set_read_ratio(3);
  r.set_peak_rps(-5);
  r.set_team_size(0);
  v1::AgentResponse response = ReviewOf(r);
  EXPECT_EQ(DecisionValue(response, "observability.slo_availability"), "99.9");
  std::string assumptions = AssumptionsText(response);
  EXPECT_THAT(assumptions, HasSubstr("availability_slo 150 is not a percentage"));
  EXPECT_THAT(assumptions, HasSubstr("read_ratio 3 is not a share"));
  EXPECT_THAT(assumptions, HasSubstr("peak_rps -5 is not a positive rate"));
  EXPECT_THAT(assumptions, HasSubstr("team_size 0 is not a team"));
}

}  // namespace
}  // namespace agentd::backend_architect
