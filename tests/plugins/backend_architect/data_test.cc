// Caching Strategy and Database Architecture
// (plugins/backend_architect/data.cc).
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using ::testing::HasSubstr;
using testing::DecisionValue;
using testing::ReviewOf;
using testing::SectionText;

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

}  // namespace
}  // namespace agentd::backend_architect
