// Event-Driven Design (plugins/backend_architect/messaging.cc): broker, event
// sourcing, CQRS and sagas.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using ::testing::HasSubstr;
using testing::DecisionValue;
using testing::FindDecision;
using testing::QuestionsText;
using testing::ReviewOf;
using testing::SectionText;

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

}  // namespace
}  // namespace agentd::backend_architect
