#include "server/observability/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;

TEST(HistogramTest, BucketsAreCumulativeAndCountMatchesInf) {
  Histogram h({0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string out;
  h.Render(&out, "x_seconds", "k=\"v\"");
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{k=\"v\",le=\"0.10000000000000001\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{k=\"v\",le=\"1\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{k=\"v\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_count{k=\"v\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_sum{k=\"v\"} 5.5499999999999998\n"));
}

TEST(MetricsTest, RecordsRpcsAgentsCommitsAndCollectors) {
  Metrics metrics({"Review", "Route"}, {"backend-architect"});
  metrics.RecordRpc("Review", 0, absl::Milliseconds(20));
  metrics.RecordRpc("Review", 8, absl::Milliseconds(1));
  metrics.RecordRpc("Nonsense", 0, absl::Milliseconds(1));
  metrics.RecordAgent("backend-architect", "ok", absl::Milliseconds(3));
  metrics.RecordAgent("backend-architect", "skipped", absl::ZeroDuration());
  metrics.RecordCommit(absl::Milliseconds(2), 3, 3);
  metrics.AddCollector([](std::string* out) { *out += "# TYPE extra gauge\nextra 7\n"; });
  std::string page = metrics.Render();
  EXPECT_THAT(page, HasSubstr("agentd_rpc_requests_total{method=\"Review\",code=\"OK\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("agentd_rpc_requests_total{method=\"Review\",code=\"RESOURCE_EXHAUSTED\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("agentd_rpc_requests_total{method=\"other\",code=\"OK\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("agentd_agent_calls_total{agent=\"backend-architect\",outcome=\"ok\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("agentd_agent_calls_total{agent=\"backend-architect\",outcome=\"skipped\"} 1\n"));
  // A skipped call took no time: not in the duration histogram.
  EXPECT_THAT(page, HasSubstr("agentd_agent_call_duration_seconds_count{agent=\"backend-architect\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("agentd_store_commit_group_size_count 1\n"));
  EXPECT_THAT(page, HasSubstr("agentd_turns_stored_total 3\n"));
  EXPECT_THAT(page, HasSubstr("extra 7\n"));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(LabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace agentd
