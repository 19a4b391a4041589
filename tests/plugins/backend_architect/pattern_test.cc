// Architecture Pattern (plugins/backend_architect/pattern.cc): every row of
// the seed's decision matrix moves the outcome, and the section answers the
// six evaluation questions.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::DecisionValue;
using testing::FindDecision;
using testing::QuestionsText;
using testing::ReviewOf;
using testing::SectionText;

// ---- Decision matrix: every row moves the outcome --------------------------------

struct Row {
  const char* name;
  void (*apply)(v1::Requirements*);
};

// Starting from one microservices signal against none, any single monolith
// row ties the score, and ties go to the monolith side.
class MonolithRowTest : public ::testing::TestWithParam<Row> {};

TEST_P(MonolithRowTest, TurnsMicroservicesIntoMonolithSide) {
  v1::Requirements base;
  base.set_independent_scaling(true);
  ASSERT_EQ(DecisionValue(ReviewOf(base), "architecture.pattern"), "microservices");
  GetParam().apply(&base);
  EXPECT_NE(DecisionValue(ReviewOf(base), "architecture.pattern"), "microservices");
}

INSTANTIATE_TEST_SUITE_P(
    Rows, MonolithRowTest,
    ::testing::Values(
        Row{"team_under_10", [](v1::Requirements* r) { r->set_team_size(7); }},
        Row{"single_team", [](v1::Requirements* r) { r->set_team_count(1); }},
        Row{"unclear_domain",
            [](v1::Requirements* r) { r->set_domain_clarity(v1::DOMAIN_CLARITY_UNCLEAR); }},
        Row{"deployment_simplicity", [](v1::Requirements* r) { r->set_independent_releases(false); }},
        Row{"strong_consistency",
            [](v1::Requirements* r) { r->set_consistency(v1::CONSISTENCY_STRONG); }},
        Row{"early_stage", [](v1::Requirements* r) { r->set_early_stage(true); }},
        Row{"low_ops", [](v1::Requirements* r) { r->set_ops_maturity(v1::OPS_MATURITY_LOW); }}),
    [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

// Starting from no signal at all (monolith side by default), any single
// microservices row wins.
class MicroservicesRowTest : public ::testing::TestWithParam<Row> {};

TEST_P(MicroservicesRowTest, TurnsMonolithSideIntoMicroservices) {
  v1::Requirements base;
  ASSERT_NE(DecisionValue(ReviewOf(base), "architecture.pattern"), "microservices");
  GetParam().apply(&base);
  EXPECT_EQ(DecisionValue(ReviewOf(base), "architecture.pattern"), "microservices");
}

INSTANTIATE_TEST_SUITE_P(
    Rows, MicroservicesRowTest,
    ::testing::Values(
        Row{"several_teams", [](v1::Requirements* r) { r->set_team_count(4); }},
        Row{"large_org", [](v1::Requirements* r) { r->set_team_size(30); }},
        Row{"independent_scaling", [](v1::Requirements* r) { r->set_independent_scaling(true); }},
        Row{"polyglot", [](v1::Requirements* r) { r->set_polyglot(true); }},
        Row{"clear_contexts",
            [](v1::Requirements* r) { r->set_domain_clarity(v1::DOMAIN_CLARITY_CLEAR); }},
        Row{"high_ops", [](v1::Requirements* r) { r->set_ops_maturity(v1::OPS_MATURITY_HIGH); }},
        Row{"independent_releases",
            [](v1::Requirements* r) { r->set_independent_releases(true); }}),
    [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

TEST(PatternTest, MicroservicesNamesTheDecidingSignals) {
  v1::Requirements r;
  r.set_team_count(5);
  r.set_domain_clarity(v1::DOMAIN_CLARITY_CLEAR);
  r.set_ops_maturity(v1::OPS_MATURITY_HIGH);
  r.set_independent_releases(true);
  v1::AgentResponse response = ReviewOf(r);
  EXPECT_EQ(DecisionValue(response, "architecture.pattern"), "microservices");
  EXPECT_THAT(FindDecision(response, "architecture.pattern")->rationale(),
              HasSubstr("5 teams that can each own a domain"));
  EXPECT_THAT(QuestionsText(response), Not(HasSubstr("How many engineers")));
}

TEST(PatternTest, TinyEarlyTeamWithoutScalePressureGetsPlainMonolith) {
  v1::Requirements r;
  r.set_team_size(3);
  r.set_early_stage(true);
  EXPECT_EQ(DecisionValue(ReviewOf(r), "architecture.pattern"), "monolith");
}

TEST(PatternTest, NonTrivialSystemGetsModularMonolith) {
  v1::Requirements tiny;
  tiny.set_team_size(3);
  tiny.set_early_stage(true);
  v1::Requirements bursty = tiny;
  bursty.set_bursty(true);
  EXPECT_EQ(DecisionValue(ReviewOf(bursty), "architecture.pattern"), "modular_monolith");
  v1::Requirements planned = tiny;
  planned.set_planned_services(4);
  EXPECT_EQ(DecisionValue(ReviewOf(planned), "architecture.pattern"), "modular_monolith");
  v1::Requirements load = tiny;
  load.set_peak_rps(500);
  EXPECT_EQ(DecisionValue(ReviewOf(load), "architecture.pattern"), "modular_monolith");
}

TEST(PatternTest, ThroughputAloneDoesNotDemandMicroservices) {
  v1::Requirements r;
  r.set_team_size(6);
  r.set_domain_clarity(v1::DOMAIN_CLARITY_UNCLEAR);
  r.set_peak_rps(10000.0 / 60.0);
  r.set_bursty(true);
  v1::AgentResponse response =
      ReviewOf(r, "We need to handle 10,000 orders per minute during flash sales.");
  EXPECT_EQ(DecisionValue(response, "architecture.pattern"), "modular_monolith");
  std::string text = SectionText(response, "architecture_pattern");
  EXPECT_THAT(text, HasSubstr("10,000 orders/min = 166.67/s"));
  EXPECT_THAT(text, HasSubstr("throughput alone does not demand microservices"));
}

TEST(PatternTest, ConfidenceIsLowerOnAssumptions) {
  v1::Requirements known;
  known.set_team_size(6);
  known.set_domain_clarity(v1::DOMAIN_CLARITY_UNCLEAR);
  known.set_ops_maturity(v1::OPS_MATURITY_LOW);
  known.set_consistency(v1::CONSISTENCY_STRONG);
  double with_facts = FindDecision(ReviewOf(known), "architecture.pattern")->confidence();
  double without = FindDecision(ReviewOf(v1::Requirements()), "architecture.pattern")->confidence();
  EXPECT_LT(without, with_facts);
}

TEST(PatternTest, AsksWhatCouldFlipItAndNothingTheCallerTold) {
  v1::Requirements r;
  r.set_peak_rps(166.67);
  r.set_bursty(true);
  std::string questions = QuestionsText(ReviewOf(r, "10,000 orders per minute during flash sales"));
  EXPECT_THAT(questions, HasSubstr("How many engineers"));
  EXPECT_THAT(questions, HasSubstr("domain boundaries"));
  EXPECT_THAT(questions, Not(HasSubstr("peak load")));

  // Decided beyond what the unknown facts could change: no pattern questions.
  v1::Requirements settled;
  settled.set_team_size(4);
  settled.set_team_count(1);
  settled.set_domain_clarity(v1::DOMAIN_CLARITY_UNCLEAR);
  settled.set_ops_maturity(v1::OPS_MATURITY_LOW);
  settled.set_consistency(v1::CONSISTENCY_STRONG);
  settled.set_early_stage(true);
  settled.set_independent_releases(false);
  EXPECT_THAT(QuestionsText(ReviewOf(settled)), Not(HasSubstr("How many engineers")));
}

}  // namespace
}  // namespace agentd::backend_architect
