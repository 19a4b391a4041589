// Recommendations and Risks & Mitigation (plugins/backend_architect/advice.cc),
// with the rules added while reading the end-to-end goldens as an architect
// would.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::DecisionValue;
using testing::FindSection;
using testing::ReviewOf;
using testing::SectionText;

TEST(RecommendationsTest, ThreeToSixRankedItems) {
  for (bool bursty : {false, true}) {
    v1::Requirements r;
    r.set_bursty(bursty);
    r.set_peak_rps(20000);
    r.set_read_ratio(0.2);
    v1::AgentResponse response = ReviewOf(r);
    const v1::Section* s = FindSection(response, "recommendations");
    ASSERT_NE(s, nullptr);
    EXPECT_GE(s->items_size(), 3);
    EXPECT_LE(s->items_size(), 6);
    for (int i = 0; i < s->items_size(); ++i) EXPECT_EQ(s->items(i).priority(), i + 1);
  }
}

TEST(RisksTest, ConflictingFactsBecomeARisk) {
  v1::Requirements r;
  r.set_team_size(3);
  r.set_planned_services(40);
  v1::AgentResponse response = ReviewOf(r);
  std::string risks = SectionText(response, "risks");
  EXPECT_THAT(risks, HasSubstr("40 independently deployed services for 3 engineers: ~13 "
                               "services each"));
  const v1::Section* s = FindSection(response, "risks");
  for (const v1::Item& item : s->items()) EXPECT_FALSE(item.mitigation().empty());
}

TEST(RisksTest, ImpossibleTeamNumbersAreFlaggedNotFatal) {
  v1::Requirements r;
  r.set_team_size(2);
  r.set_team_count(5);
  r.set_planned_services(0);
  EXPECT_THAT(SectionText(ReviewOf(r), "risks"), HasSubstr("5 teams but only 2 engineers"));
}

TEST(RecommendationsTest, TheQuestionsOwnTopicComesFirst) {
  v1::AgentResponse caching = ReviewOf(
      v1::Requirements(), "Our API response times degrade when Redis is under load.");
  const v1::Section* s = FindSection(caching, "recommendations");
  ASSERT_NE(s, nullptr);
  EXPECT_THAT(s->items(0).text(), HasSubstr("Take load off Redis"));

  v1::Requirements team;
  team.set_team_size(6);
  v1::AgentResponse pattern = ReviewOf(team, "Review our backend");
  EXPECT_THAT(FindSection(pattern, "recommendations")->items(0).text(),
              HasSubstr("one monolith"));
}

// ---- Reading as an architect ---------------------------------------------------

std::string RecommendationsText(const v1::AgentResponse& response) {
  return SectionText(response, "recommendations");
}

TEST(ReadingAsAnArchitectTest, ACacheIsNotRetriedItIsBypassed) {
  v1::AgentResponse response = ReviewOf(
      v1::Requirements(), "Our API response times degrade when Redis is under load.");
  EXPECT_THAT(SectionText(response, "resilience_patterns"),
              HasSubstr("Redis calls are not retried: a 50 ms timeout"));
  std::string recs = RecommendationsText(response);
  EXPECT_THAT(recs, HasSubstr("Give Redis calls a short timeout and no retries"));
  EXPECT_THAT(recs, Not(HasSubstr("Wrap Redis")));
}

TEST(ReadingAsAnArchitectTest, NoRestructuringAdviceForAnOffTopicQuestion) {
  v1::AgentResponse caching = ReviewOf(
      v1::Requirements(), "Our API response times degrade when Redis is under load.");
  EXPECT_THAT(RecommendationsText(caching), Not(HasSubstr("monolith")));
  // The section still answers, from the defaults.
  EXPECT_NE(FindSection(caching, "architecture_pattern"), nullptr);
}

TEST(ReadingAsAnArchitectTest, ExistingServicesAreKeptNotMerged) {
  v1::AgentResponse response = ReviewOf(
      v1::Requirements(), "We want to move from synchronous REST to event-driven architecture.");
  std::string recs = RecommendationsText(response);
  EXPECT_THAT(recs, HasSubstr("Keep the services you have"));
  EXPECT_THAT(recs, Not(HasSubstr("Build one deployable")));
}

TEST(ReadingAsAnArchitectTest, PlannedServicesBeyondTheTeamBecomeModules) {
  v1::Requirements r;
  r.set_team_size(3);
  r.set_planned_services(40);
  EXPECT_THAT(RecommendationsText(ReviewOf(r, "40 microservices")),
              HasSubstr("Treat the 40 planned services as candidate modules"));
}

TEST(ReadingAsAnArchitectTest, AnIngestStreamGetsABroker) {
  v1::Requirements r;
  r.set_peak_rps(20000);
  r.set_write_heavy(true);
  r.set_data_shape(v1::DATA_SHAPE_TIME_SERIES);
  r.set_cloud(v1::CLOUD_PROVIDER_AZURE);
  v1::AgentResponse response = ReviewOf(r, "Telemetry from 200,000 IoT devices");
  EXPECT_EQ(DecisionValue(response, "messaging.broker"), "kafka");
  EXPECT_THAT(SectionText(response, "event_driven_design"), HasSubstr("Event Hubs"));
  EXPECT_EQ(DecisionValue(response, "caching.pattern"), "cache_aside");
  // Without the cue, a high write rate alone still needs a buffer.
  v1::Requirements plain = r;
  plain.clear_data_shape();
  EXPECT_NE(DecisionValue(ReviewOf(plain, "Counters"), "messaging.broker"), "none");
}

TEST(ReadingAsAnArchitectTest, BalancesAreNeverServedFromACache) {
  v1::Requirements r;
  r.set_consistency(v1::CONSISTENCY_STRONG);
  r.set_read_ratio(0.9);
  v1::AgentResponse response = ReviewOf(r, "A payments ledger with account balances");
  EXPECT_EQ(DecisionValue(response, "caching.pattern"), "cache_aside");
  EXPECT_THAT(SectionText(response, "caching_strategy"), HasSubstr("Balances and anything a payment"));
}

TEST(ReadingAsAnArchitectTest, EventSourcingIsARecommendationWhenChosen) {
  v1::Requirements r;
  r.set_needs_audit_trail(true);
  EXPECT_THAT(RecommendationsText(ReviewOf(r, "ledger")),
              HasSubstr("Event-source only the aggregates that need their history"));
}

TEST(ReadingAsAnArchitectTest, BurstsOutsideShopsDoNotTalkAboutSales) {
  v1::Requirements r;
  r.set_bursty(true);
  r.set_peak_rps(1500);
  v1::AgentResponse response = ReviewOf(r, "1,500 transactions per second at peak");
  std::string all = SectionText(response, "scalability") + SectionText(response, "risks") +
                    RecommendationsText(response);
  EXPECT_THAT(all, Not(HasSubstr("sale")));
  EXPECT_THAT(all, Not(HasSubstr("stock")));
  EXPECT_THAT(all, HasSubstr("processing payments"));
}

TEST(ReadingAsAnArchitectTest, OneRetryIsSingular) {
  v1::Requirements r;
  r.set_latency_p99_ms(20);
  EXPECT_THAT(RecommendationsText(ReviewOf(r)), HasSubstr("(1 retry within 20 ms)"));
}

}  // namespace
}  // namespace agentd::backend_architect
