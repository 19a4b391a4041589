// Resilience Patterns, Observability, Scalability and Background Jobs
// (plugins/backend_architect/operations.cc).
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::AssumptionsText;
using testing::DecisionValue;
using testing::ReviewOf;
using testing::SectionText;

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

}  // namespace
}  // namespace agentd::backend_architect
