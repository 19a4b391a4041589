// The fact reader's whole pass (server/facts/fact_reader.cc): facts in
// field order, deterministic, the seed's example questions, facts from
// fields, and how layers of facts override each other. The phrasing tables
// are tested in fact_rules_test.cc.
#include "server/facts/fact_reader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/facts/fact_lookup.h"

namespace agentd {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ReadFactsTest, EmptyTextHasNoFacts) {
  const FactSet set = ReadFacts("");
  EXPECT_THAT(set.facts, IsEmpty());
  EXPECT_THAT(SetFieldNames(set.requirements), IsEmpty());
}

TEST(ReadFactsTest, FactsComeInFieldNumberOrder) {
  const FactSet set = ReadFacts(
      "Payments on AWS, a team of 6, 300 rps, unclear domain boundaries.");
  std::vector<std::string> fields;
  for (const v1::Fact& f : set.facts) fields.push_back(f.field());
  EXPECT_THAT(fields, ElementsAre("team_size", "domain_clarity", "peak_rps",
                                  "consistency", "cloud", "handles_money",
                                  "downstreams", "throughput_unit"));
  EXPECT_EQ(SetFieldNames(set.requirements), fields);
}

TEST(ReadFactsTest, IsDeterministic) {
  const std::string text =
      "We need to handle 10,000 orders per minute during flash sales.";
  const FactSet a = ReadFacts(text);
  const FactSet b = ReadFacts(text);
  EXPECT_EQ(a.requirements.SerializeAsString(),
            b.requirements.SerializeAsString());
  ASSERT_EQ(a.facts.size(), b.facts.size());
  for (size_t i = 0; i < a.facts.size(); ++i) {
    EXPECT_EQ(a.facts[i].SerializeAsString(), b.facts[i].SerializeAsString());
  }
}

TEST(ReadFactsTest, CurlyApostropheNegates) {
  const FactSet set = ReadFacts("we don\xE2\x80\x99t need replay");
  EXPECT_EQ(FactValue(set.requirements, "needs_replay"), "false");
}

// The seed's three example questions.
TEST(SeedExamplesTest, FlashSaleOrders) {
  const FactSet set = ReadFacts(
      "We need to handle 10,000 orders per minute during flash sales. Should "
      "we use microservices or a monolith?");
  EXPECT_EQ(FactValue(set.requirements, "peak_rps"), "166.67");
  EXPECT_EQ(FactValue(set.requirements, "bursty"), "true");
  EXPECT_EQ(FindFact(set, "peak_rps")->quote(), "10,000 orders per minute");
  EXPECT_EQ(FindFact(set, "bursty")->quote(), "flash sales");
  EXPECT_EQ(FactValue(set.requirements, "throughput_unit"), "orders");
  EXPECT_EQ(FactValue(set.requirements, "topics"), "architecture");
  EXPECT_THAT(SetFieldNames(set.requirements),
              ElementsAre("peak_rps", "bursty", "handles_money",
                          "throughput_unit", "topics"));
}

TEST(SeedExamplesTest, RedisUnderLoad) {
  const FactSet set = ReadFacts(
      "Our API response times degrade when Redis is under load. How should "
      "we structure our caching strategy?");
  EXPECT_THAT(SetFieldNames(set.requirements),
              ElementsAre("current_cache", "downstreams", "topics",
                          "cache_under_load"))
      << Describe(set);
  EXPECT_EQ(FindFact(set, "cache_under_load")->quote(), "degrade when Redis");
  EXPECT_EQ(FactValue(set.requirements, "topics"), "caching");
}

TEST(SeedExamplesTest, RestToEventDriven) {
  const FactSet set = ReadFacts(
      "We want to move from synchronous REST to event-driven architecture. "
      "What patterns should we use?");
  EXPECT_THAT(SetFieldNames(set.requirements),
              ElementsAre("event_streaming", "services_call_each_other",
                          "throughput_unit"))
      << Describe(set);
  EXPECT_EQ(FindFact(set, "event_streaming")->quote(), "event-driven");
}

TEST(ReadFactsTest, ReadsAParagraph) {
  const FactSet set = ReadFacts(
      "We're a team of 8 engineers in two teams, all on AWS, with no "
      "dedicated ops. Checkout does 10,000 orders per minute on Black Friday, "
      "95% reads, and payments need strong consistency. We want p99 under "
      "200 ms and 99.95% monthly availability. The domain is still fuzzy.");
  const v1::Requirements& r = set.requirements;
  EXPECT_EQ(FactValue(r, "team_size"), "8");
  EXPECT_EQ(FactValue(r, "team_count"), "2");
  EXPECT_EQ(FactValue(r, "cloud"), "aws");
  EXPECT_EQ(FactValue(r, "ops_maturity"), "low");
  EXPECT_EQ(FactValue(r, "peak_rps"), "166.67");
  EXPECT_EQ(FactValue(r, "bursty"), "true");
  EXPECT_EQ(FactValue(r, "read_ratio"), "0.95");
  EXPECT_EQ(FactValue(r, "consistency"), "strong");
  EXPECT_EQ(FactValue(r, "latency_p99_ms"), "200");
  EXPECT_EQ(FactValue(r, "availability_slo"), "99.95");
  EXPECT_EQ(FactValue(r, "domain_clarity"), "unclear");
  EXPECT_EQ(r.team_size(), 8);
  EXPECT_DOUBLE_EQ(r.peak_rps(), 10000.0 / 60);
  EXPECT_EQ(r.cloud(), v1::CLOUD_PROVIDER_AWS);
}

TEST(FactsFromFieldsTest, OneFactPerSetFieldTaggedField) {
  v1::Requirements r;
  r.set_team_size(4);
  r.set_peak_rps(1234.5678);
  r.set_cloud(v1::CLOUD_PROVIDER_ON_PREM);
  r.set_needs_replay(false);  // present: an explicit "no"
  const FactSet set = FactsFromFields(r);
  ASSERT_EQ(set.facts.size(), 4u);
  EXPECT_EQ(set.facts[0].field(), "team_size");
  EXPECT_EQ(set.facts[0].value(), "4");
  EXPECT_EQ(set.facts[1].field(), "peak_rps");
  EXPECT_EQ(set.facts[1].value(), "1234.57");
  EXPECT_EQ(set.facts[2].field(), "cloud");
  EXPECT_EQ(set.facts[2].value(), "on_prem");
  EXPECT_EQ(set.facts[3].field(), "needs_replay");
  EXPECT_EQ(set.facts[3].value(), "false");
  for (const v1::Fact& f : set.facts) {
    EXPECT_EQ(f.source(), v1::Fact::SOURCE_FIELD);
  }
  EXPECT_EQ(set.requirements.SerializeAsString(), r.SerializeAsString());
}

TEST(SetFieldNamesTest, EnumSetOnlyWhenNonZero) {
  v1::Requirements r;
  r.set_consistency(v1::CONSISTENCY_UNSPECIFIED);
  r.set_read_ratio(0);  // present, though zero
  EXPECT_THAT(SetFieldNames(r), ElementsAre("read_ratio"));
}

TEST(LayerFactsTest, LaterSourcesOverrideFieldByField) {
  FactSet earlier = ReadFacts("a team of 5 on AWS with 100 rps");
  for (v1::Fact& f : earlier.facts) {
    if (f.field() == "cloud") f.set_turn(1);  // already carried once
  }
  const FactSet text = ReadFacts("we now do 2,000 rps");
  v1::Requirements fields;
  fields.set_team_size(9);
  const FactSet layered = LayerFacts(earlier, text, FactsFromFields(fields),
                                     /*earlier_turn=*/2);

  EXPECT_EQ(layered.requirements.team_size(), 9);
  EXPECT_DOUBLE_EQ(layered.requirements.peak_rps(), 2000);
  EXPECT_EQ(layered.requirements.cloud(), v1::CLOUD_PROVIDER_AWS);
  ASSERT_EQ(layered.facts.size(), 3u);

  const v1::Fact& team = layered.facts[0];
  EXPECT_EQ(team.field(), "team_size");
  EXPECT_EQ(team.value(), "9");
  EXPECT_EQ(team.source(), v1::Fact::SOURCE_FIELD);

  const v1::Fact& rps = layered.facts[1];
  EXPECT_EQ(rps.field(), "peak_rps");
  EXPECT_EQ(rps.value(), "2000");
  EXPECT_EQ(rps.source(), v1::Fact::SOURCE_TEXT);
  EXPECT_EQ(rps.quote(), "2,000 rps");

  const v1::Fact& cloud = layered.facts[2];
  EXPECT_EQ(cloud.field(), "cloud");
  EXPECT_EQ(cloud.source(), v1::Fact::SOURCE_SESSION);
  EXPECT_EQ(cloud.quote(), "AWS");  // provenance kept
  EXPECT_EQ(cloud.turn(), 1);       // its own turn, not earlier_turn
}

TEST(LayerFactsTest, UntaggedEarlierFactsGetEarlierTurn) {
  const FactSet earlier = ReadFacts("three nines");
  const FactSet layered = LayerFacts(earlier, FactSet{}, FactSet{}, 4);
  ASSERT_EQ(layered.facts.size(), 1u);
  EXPECT_EQ(layered.facts[0].source(), v1::Fact::SOURCE_SESSION);
  EXPECT_EQ(layered.facts[0].turn(), 4);
  EXPECT_EQ(layered.facts[0].value(), "99.9");
  EXPECT_EQ(layered.facts[0].quote(), "three nines");
}

TEST(LayerFactsTest, FieldExplicitlyFalseOverridesTextTrue) {
  v1::Requirements fields;
  fields.set_bursty(false);
  const FactSet layered = LayerFacts(FactSet{}, ReadFacts("a flash sale"),
                                     FactsFromFields(fields));
  ASSERT_EQ(layered.facts.size(), 1u);
  EXPECT_EQ(layered.facts[0].value(), "false");
  EXPECT_EQ(layered.facts[0].source(), v1::Fact::SOURCE_FIELD);
  EXPECT_TRUE(layered.requirements.has_bursty());
  EXPECT_FALSE(layered.requirements.bursty());
}

TEST(LayerFactsTest, FactMissingFromSetIsRebuiltFromRequirements) {
  FactSet earlier;
  earlier.requirements.set_planned_services(12);  // no Fact alongside
  const FactSet layered = LayerFacts(earlier, FactSet{}, FactSet{}, 3);
  ASSERT_EQ(layered.facts.size(), 1u);
  EXPECT_EQ(layered.facts[0].field(), "planned_services");
  EXPECT_EQ(layered.facts[0].value(), "12");
  EXPECT_EQ(layered.facts[0].source(), v1::Fact::SOURCE_SESSION);
  EXPECT_EQ(layered.facts[0].turn(), 3);
}

}  // namespace
}  // namespace agentd
