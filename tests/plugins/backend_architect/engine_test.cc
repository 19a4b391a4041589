// The backend-architect rules, one test (or one parameter) per rule.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/backend_architect/engine.h"
#include "server/facts/fact_reader.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::AssumptionsText;
using testing::DecisionValue;
using testing::FindDecision;
using testing::FindSection;
using testing::QuestionsText;
using testing::Request;
using testing::SectionText;

// `r` with the facts read from `text` beneath it, as the orchestrator layers
// them: the engine reads no text, so a situation a test states in words
// reaches it as a Requirements field, the way a caller's question does.
v1::AgentResponse ReviewOf(const v1::Requirements& r, const std::string& text = "") {
  const FactSet facts = LayerFacts(FactSet{}, ReadFacts(text), FactsFromFields(r));
  return Review(Request(facts.requirements, text));
}

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

// ---- Messaging -----------------------------------------------------------------

TEST(BrokerTest, NoneWithoutAnyAsynchronousNeed) {
  EXPECT_EQ(DecisionValue(ReviewOf(v1::Requirements()), "messaging.broker"), "none");
}

TEST(BrokerTest, KafkaTriggers) {
  std::vector<void (*)(v1::Requirements*)> triggers = {
      [](v1::Requirements* r) { r->set_needs_replay(true); },
      [](v1::Requirements* r) { r->set_needs_ordering(true); },
      [](v1::Requirements* r) { r->set_needs_audit_trail(true); },
      [](v1::Requirements* r) {
        r->set_peak_rps(20000);
        r->set_bursty(true);
      },
  };
  for (size_t i = 0; i < triggers.size(); ++i) {
    v1::Requirements r;
    r.set_cloud(v1::CLOUD_PROVIDER_AWS);  // Kafka wins over the managed queue.
    triggers[i](&r);
    EXPECT_EQ(DecisionValue(ReviewOf(r), "messaging.broker"), "kafka") << "trigger " << i;
  }
  EXPECT_EQ(DecisionValue(ReviewOf(v1::Requirements(), "Move to event-driven architecture"),
                          "messaging.broker"),
            "kafka");
}

TEST(BrokerTest, RabbitMqForRoutingAndPlainWorkQueues) {
  v1::Requirements routing;
  routing.set_complex_routing(true);
  routing.set_cloud(v1::CLOUD_PROVIDER_AWS);
  EXPECT_EQ(DecisionValue(ReviewOf(routing), "messaging.broker"), "rabbitmq");
  v1::Requirements queue;
  queue.set_bursty(true);
  v1::AgentResponse response = ReviewOf(queue);
  EXPECT_EQ(DecisionValue(response, "messaging.broker"), "rabbitmq");
  EXPECT_THAT(QuestionsText(response), HasSubstr("Which cloud"));
}

TEST(BrokerTest, ManagedQueuesOnTheirClouds) {
  v1::Requirements aws;
  aws.set_bursty(true);
  aws.set_cloud(v1::CLOUD_PROVIDER_AWS);
  aws.set_ops_maturity(v1::OPS_MATURITY_LOW);
  EXPECT_EQ(DecisionValue(ReviewOf(aws), "messaging.broker"), "sqs");
  v1::Requirements gcp;
  gcp.set_cloud(v1::CLOUD_PROVIDER_GCP);
  EXPECT_EQ(DecisionValue(ReviewOf(gcp, "Pick a queue for image processing jobs"), "messaging.broker"),
            "pubsub");
}

TEST(BrokerTest, StatesTheEventualConsistencyTradeOff) {
  v1::Requirements r;
  r.set_needs_replay(true);
  std::string text = SectionText(ReviewOf(r), "event_driven_design");
  EXPECT_THAT(text, HasSubstr("Trade-offs: Consumers see changes after a delay"));
  EXPECT_THAT(text, HasSubstr("at-least-once"));
}

TEST(EventSourcingTest, YesForAuditReplayOrTemporalQueries) {
  v1::Requirements audit;
  audit.set_needs_audit_trail(true);
  EXPECT_EQ(DecisionValue(ReviewOf(audit), "messaging.event_sourcing"), "yes");
  v1::Requirements replay;
  replay.set_needs_replay(true);
  EXPECT_EQ(DecisionValue(ReviewOf(replay), "messaging.event_sourcing"), "yes");
  EXPECT_EQ(DecisionValue(ReviewOf(v1::Requirements(), "What was the balance as of last Friday?"),
                          "messaging.event_sourcing"),
            "yes");
  EXPECT_EQ(DecisionValue(ReviewOf(v1::Requirements()), "messaging.event_sourcing"), "no");
}

TEST(CqrsTest, WithEventSourcingOrADifferentReadModel) {
  v1::Requirements audit;
  audit.set_needs_audit_trail(true);
  EXPECT_EQ(DecisionValue(ReviewOf(audit), "messaging.cqrs"), "yes");
  v1::Requirements reads;
  reads.set_read_ratio(0.95);
  EXPECT_EQ(DecisionValue(ReviewOf(reads, "Separate read and write models for our analytics panel?"),
                          "messaging.cqrs"),
            "yes");
  EXPECT_EQ(DecisionValue(ReviewOf(reads), "messaging.cqrs"), "no");
}

TEST(SagaTest, OrchestrationForCompensationOrLowOps) {
  v1::Requirements r;
  r.set_distributed_transaction(true);
  r.set_ops_maturity(v1::OPS_MATURITY_LOW);
  v1::AgentResponse response = ReviewOf(r);
  EXPECT_EQ(DecisionValue(response, "messaging.saga"), "orchestration");
  const v1::Decision* d = FindDecision(response, "messaging.saga");
  EXPECT_THAT(d->rationale(), HasSubstr("Pros:"));
  EXPECT_THAT(d->rationale(), HasSubstr("Cons:"));
  EXPECT_EQ(DecisionValue(ReviewOf(v1::Requirements(),
                              "Design a saga for hotel, flight and car booking where any step "
                              "can fail."),
                          "messaging.saga"),
            "orchestration");
}

TEST(SagaTest, ChoreographyForFewStepsOnAMaturePlatform) {
  v1::Requirements r;
  r.set_distributed_transaction(true);
  r.set_ops_maturity(v1::OPS_MATURITY_HIGH);
  r.set_consistency(v1::CONSISTENCY_EVENTUAL);
  r.set_planned_services(3);
  v1::AgentResponse response = ReviewOf(r);
  EXPECT_EQ(DecisionValue(response, "messaging.saga"), "choreography");
  EXPECT_THAT(FindDecision(response, "messaging.saga")->rationale(), HasSubstr("loose coupling"));
}

TEST(SagaTest, NoSagaInsideOneDeployable) {
  EXPECT_EQ(DecisionValue(ReviewOf(v1::Requirements()), "messaging.saga"), "<absent>");
}

// ---- Caching ---------------------------------------------------------------------

TEST(CachePatternTest, CacheAsideByDefault) {
  v1::AgentResponse response = ReviewOf(v1::Requirements());
  EXPECT_EQ(DecisionValue(response, "caching.pattern"), "cache_aside");
  std::string text = SectionText(response, "caching_strategy");
  EXPECT_THAT(text, HasSubstr("L1 (CDN)"));
  EXPECT_THAT(text, HasSubstr("L2 (Application)"));
  EXPECT_THAT(text, HasSubstr("L3 (Database)"));
}

TEST(CachePatternTest, WriteThroughForStrongConsistencyWithHeavyReads) {
  v1::Requirements r;
  r.set_consistency(v1::CONSISTENCY_STRONG);
  r.set_read_ratio(0.9);
  EXPECT_EQ(DecisionValue(ReviewOf(r), "caching.pattern"), "write_through");
}

TEST(CachePatternTest, WriteBehindForWriteHeavyButNeverForMoney) {
  v1::Requirements r;
  r.set_write_heavy(true);
  r.set_consistency(v1::CONSISTENCY_EVENTUAL);
  EXPECT_EQ(DecisionValue(ReviewOf(r, "Page-view counters updated on every request"),
                          "caching.pattern"),
            "write_behind");
  EXPECT_NE(DecisionValue(ReviewOf(r, "Payment ledger updates"), "caching.pattern"), "write_behind");
  // An ingest stream is already buffered by its log: write-behind would only
  // add a loss window.
  v1::AgentResponse telemetry = ReviewOf(r, "Telemetry from sensors");
  EXPECT_EQ(DecisionValue(telemetry, "caching.pattern"), "cache_aside");
  EXPECT_THAT(SectionText(telemetry, "caching_strategy"), HasSubstr("Writes bypass the cache"));
}

TEST(CachePatternTest, RefreshAheadForHotKeysUnderALatencyTarget) {
  v1::Requirements r;
  r.set_latency_p99_ms(50);
  EXPECT_EQ(DecisionValue(ReviewOf(r, "The homepage leaderboard is read constantly"),
                          "caching.pattern"),
            "refresh_ahead");
}

TEST(CacheInvalidationTest, EachStrategy) {
  EXPECT_EQ(DecisionValue(ReviewOf(v1::Requirements()), "caching.invalidation"), "ttl");
  v1::Requirements events;
  events.set_bursty(true);  // brings a broker
  events.set_consistency(v1::CONSISTENCY_STRONG);
  EXPECT_EQ(DecisionValue(ReviewOf(events), "caching.invalidation"), "event");
  EXPECT_EQ(DecisionValue(ReviewOf(v1::Requirements(), "Serve immutable versioned assets"),
                          "caching.invalidation"),
            "version");
  EXPECT_EQ(DecisionValue(ReviewOf(v1::Requirements(),
                                   "A product change must purge its page and every listing "
                                   "that shows it together."),
                          "caching.invalidation"),
            "tag");
}

TEST(CachingTest, RedisUnderLoadGetsStampedeProtection) {
  std::string text = SectionText(
      ReviewOf(v1::Requirements(), "Our API response times degrade when Redis is under load."),
      "caching_strategy");
  EXPECT_THAT(text, HasSubstr("single-flight"));
  EXPECT_THAT(text, HasSubstr("near cache"));
}

// ---- Database --------------------------------------------------------------------

struct DbCase {
  const char* name;
  v1::DataShape shape;
  v1::CloudProvider cloud;
  v1::OpsMaturity ops;
  double latency_ms;  // 0 = not given
  const char* text;
  const char* expected;
};

class DatabaseFamilyTest : public ::testing::TestWithParam<DbCase> {};

TEST_P(DatabaseFamilyTest, PicksTheEngine) {
  const DbCase& c = GetParam();
  v1::Requirements r;
  r.set_data_shape(c.shape);
  r.set_cloud(c.cloud);
  r.set_ops_maturity(c.ops);
  if (c.latency_ms > 0) r.set_latency_p99_ms(c.latency_ms);
  EXPECT_EQ(DecisionValue(ReviewOf(r, c.text), "database.primary"), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Families, DatabaseFamilyTest,
    ::testing::Values(
        DbCase{"relational", v1::DATA_SHAPE_RELATIONAL, v1::CLOUD_PROVIDER_UNSPECIFIED,
               v1::OPS_MATURITY_UNSPECIFIED, 0, "", "postgresql"},
        DbCase{"relational_mysql", v1::DATA_SHAPE_RELATIONAL, v1::CLOUD_PROVIDER_UNSPECIFIED,
               v1::OPS_MATURITY_UNSPECIFIED, 0, "We run MySQL today", "mysql"},
        DbCase{"document", v1::DATA_SHAPE_DOCUMENT, v1::CLOUD_PROVIDER_UNSPECIFIED,
               v1::OPS_MATURITY_UNSPECIFIED, 0, "", "mongodb"},
        DbCase{"document_aws_low_ops", v1::DATA_SHAPE_DOCUMENT, v1::CLOUD_PROVIDER_AWS,
               v1::OPS_MATURITY_LOW, 0, "", "dynamodb"},
        DbCase{"key_value", v1::DATA_SHAPE_KEY_VALUE, v1::CLOUD_PROVIDER_UNSPECIFIED,
               v1::OPS_MATURITY_UNSPECIFIED, 0, "", "redis"},
        DbCase{"key_value_aws", v1::DATA_SHAPE_KEY_VALUE, v1::CLOUD_PROVIDER_AWS,
               v1::OPS_MATURITY_UNSPECIFIED, 0, "", "dynamodb"},
        DbCase{"time_series", v1::DATA_SHAPE_TIME_SERIES, v1::CLOUD_PROVIDER_UNSPECIFIED,
               v1::OPS_MATURITY_UNSPECIFIED, 0, "", "cassandra"},
        DbCase{"time_series_latency", v1::DATA_SHAPE_TIME_SERIES, v1::CLOUD_PROVIDER_UNSPECIFIED,
               v1::OPS_MATURITY_UNSPECIFIED, 10, "", "scylladb"},
        DbCase{"graph", v1::DATA_SHAPE_GRAPH, v1::CLOUD_PROVIDER_UNSPECIFIED,
               v1::OPS_MATURITY_UNSPECIFIED, 0, "", "neo4j"},
        DbCase{"unknown_defaults_relational", v1::DATA_SHAPE_UNSPECIFIED,
               v1::CLOUD_PROVIDER_UNSPECIFIED, v1::OPS_MATURITY_UNSPECIFIED, 0, "",
               "postgresql"}),
    [](const ::testing::TestParamInfo<DbCase>& info) { return std::string(info.param.name); });

TEST(DatabaseScalingTest, ReadReplicasShardingAndPooling) {
  v1::Requirements reads;
  reads.set_read_ratio(0.8);
  reads.set_peak_rps(1000);
  // Read replicas alone: pooling is for connection pressure, or the first
  // step when nothing else is needed.
  EXPECT_EQ(DecisionValue(ReviewOf(reads), "database.scaling"), "read_replicas");
  reads.set_instance_count(40);
  EXPECT_EQ(DecisionValue(ReviewOf(reads), "database.scaling"), "read_replicas,connection_pooling");

  v1::Requirements writes;
  writes.set_read_ratio(0.5);
  writes.set_peak_rps(20000);  // 10,000 writes/s
  v1::AgentResponse response = ReviewOf(writes);
  EXPECT_EQ(DecisionValue(response, "database.scaling"), "sharding");
  EXPECT_THAT(SectionText(response, "database_architecture"), HasSubstr("10,000 writes/s"));

  v1::Requirements heavy;
  heavy.set_write_heavy(true);
  heavy.set_peak_rps(8000);
  EXPECT_THAT(DecisionValue(ReviewOf(heavy), "database.scaling"), HasSubstr("sharding"));

  v1::Requirements graph;
  graph.set_data_shape(v1::DATA_SHAPE_GRAPH);
  EXPECT_EQ(DecisionValue(ReviewOf(graph), "database.scaling"), "<absent>");
}

// ---- Operations ------------------------------------------------------------------

TEST(ResilienceTest, CircuitBreakersOnNamedDownstreams) {
  std::string named = SectionText(
      ReviewOf(v1::Requirements(), "Our service falls over when the recommendation service is slow."),
      "resilience_patterns");
  EXPECT_THAT(named, HasSubstr("Circuit breakers for recommendation service: open after 5 "
                               "consecutive failures"));
  std::string generic = SectionText(ReviewOf(v1::Requirements()), "resilience_patterns");
  EXPECT_THAT(generic, HasSubstr("Circuit breakers for every synchronous downstream call"));
  // An order flow implies its dependencies even when they are not named.
  EXPECT_THAT(SectionText(ReviewOf(v1::Requirements(), "Checkout for our orders"), "resilience_patterns"),
              HasSubstr("the payment provider, inventory and other synchronous downstream calls"));
  EXPECT_THAT(generic, HasSubstr("half-open after 30 s"));
}

TEST(ResilienceTest, RetryScheduleFitsTheLatencyBudget) {
  v1::Requirements r;
  r.set_latency_p99_ms(200);
  v1::AgentResponse response = ReviewOf(r);
  std::string text = SectionText(response, "resilience_patterns");
  EXPECT_THAT(text, HasSubstr("3 retries at 20 ms, 40 ms, 80 ms"));
  EXPECT_THAT(text, HasSubstr("Only idempotent operations are retried"));
  EXPECT_THAT(AssumptionsText(response), Not(HasSubstr("Latency target not stated")));
  EXPECT_THAT(AssumptionsText(ReviewOf(v1::Requirements())),
              HasSubstr("a 1000 ms budget per request assumed"));
}

TEST(SloTest, ErrorBudgetDecisions) {
  struct Case {
    double slo;
    const char* slo_text;
    const char* budget;
  };
  for (const Case& c : {Case{99.5, "99.5", "216"}, Case{99.9, "99.9", "43.2"},
                        Case{99.95, "99.95", "21.6"}, Case{99.99, "99.99", "4.32"}}) {
    v1::Requirements r;
    r.set_availability_slo(c.slo);
    v1::AgentResponse response = ReviewOf(r);
    EXPECT_EQ(DecisionValue(response, "observability.slo_availability"), c.slo_text);
    EXPECT_EQ(DecisionValue(response, "observability.error_budget_minutes_30d"), c.budget);
    EXPECT_THAT(AssumptionsText(response), Not(HasSubstr("SLO not stated")));
  }
}

TEST(SloTest, MissingSloIsAssumedOutLoud) {
  v1::AgentResponse response = ReviewOf(v1::Requirements());
  EXPECT_EQ(DecisionValue(response, "observability.slo_availability"), "99.9");
  EXPECT_EQ(DecisionValue(response, "observability.error_budget_minutes_30d"), "43.2");
  EXPECT_THAT(AssumptionsText(response), HasSubstr("99.9% over 30 days assumed"));
}

TEST(ObservabilityTest, BusinessMetricsFromTheText) {
  v1::Requirements r;
  r.set_bursty(true);
  std::string text = SectionText(ReviewOf(r, "10,000 orders per minute in flash sales"),
                                 "observability");
  EXPECT_THAT(text, HasSubstr("orders/min"));
  EXPECT_THAT(text, HasSubstr("trace_id"));
  EXPECT_THAT(text, HasSubstr("RED"));
}

TEST(ScalabilityTest, InstanceEstimateAndTriggers) {
  v1::Requirements r;
  r.set_peak_rps(1000);
  v1::AgentResponse response = ReviewOf(r);
  std::string text = SectionText(response, "scalability");
  EXPECT_THAT(text, HasSubstr("1,000 req/s / 200 req/s per instance = 5 at peak"));
  EXPECT_THAT(text, HasSubstr("N+1 headroom -> 6 instances"));
  EXPECT_THAT(text, HasSubstr("queue depth > 10,000"));
  EXPECT_THAT(AssumptionsText(response), HasSubstr("about 200 req/s"));

  r.set_bursty(true);
  std::string bursty = SectionText(ReviewOf(r), "scalability");
  EXPECT_THAT(bursty, HasSubstr("2x burst headroom -> 10 instances"));
  EXPECT_THAT(bursty, HasSubstr("pre-scale"));
  EXPECT_THAT(bursty, HasSubstr("queue-based load levelling"));
}

TEST(BackgroundJobsTest, JobDesignRules) {
  std::string text = SectionText(ReviewOf(v1::Requirements()), "background_jobs");
  for (const char* rule : {"Idempotent", "Atomic", "Timeout", "Retry", "Dead-letter", "pull"}) {
    EXPECT_THAT(text, HasSubstr(rule));
  }
}

// ---- Advice ----------------------------------------------------------------------

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

}  // namespace
}  // namespace agentd::backend_architect

namespace agentd::backend_architect {
namespace {

TEST(InputTest, ImpossibleFactsAreIgnoredOutLoud) {
  v1::Requirements r;
  r.set_availability_slo(150);
  r.set_read_ratio(3);
  r.set_peak_rps(-5);
  r.set_team_size(0);
  v1::AgentResponse response = ReviewOf(r);
  EXPECT_EQ(testing::DecisionValue(response, "observability.slo_availability"), "99.9");
  std::string assumptions = testing::AssumptionsText(response);
  EXPECT_THAT(assumptions, ::testing::HasSubstr("availability_slo 150 is not a percentage"));
  EXPECT_THAT(assumptions, ::testing::HasSubstr("read_ratio 3 is not a share"));
  EXPECT_THAT(assumptions, ::testing::HasSubstr("peak_rps -5 is not a positive rate"));
  EXPECT_THAT(assumptions, ::testing::HasSubstr("team_size 0 is not a team"));
}

}  // namespace
}  // namespace agentd::backend_architect

namespace agentd::backend_architect {
namespace {

TEST(RecommendationsTest, TheQuestionsOwnTopicComesFirst) {
  v1::AgentResponse caching = ReviewOf(
      v1::Requirements(), "Our API response times degrade when Redis is under load.");
  const v1::Section* s = testing::FindSection(caching, "recommendations");
  ASSERT_NE(s, nullptr);
  EXPECT_THAT(s->items(0).text(), ::testing::HasSubstr("Take load off Redis"));

  v1::Requirements team;
  team.set_team_size(6);
  v1::AgentResponse pattern = ReviewOf(team, "Review our backend");
  EXPECT_THAT(testing::FindSection(pattern, "recommendations")->items(0).text(),
              ::testing::HasSubstr("one monolith"));
}

}  // namespace
}  // namespace agentd::backend_architect

// Rules added while reading the end-to-end goldens as an architect would.
namespace agentd::backend_architect {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::DecisionValue;
using testing::FindSection;
using testing::Request;
using testing::SectionText;

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
