// The engine decides from facts alone (plugins/backend_architect/cues.cc and
// the section builders): the request text changes nothing, and each situation
// field behind a seed rule moves its decision.
#include <string>

#include "gtest/gtest.h"
#include "plugins/backend_architect/engine.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using testing::DecisionValue;
using testing::Request;

TEST(CuesTest, TextIsNeverRead) {
  v1::Requirements r;
  r.set_current_cache(v1::DATASTORE_REDIS);
  r.set_peak_rps(500);
  const std::string a = Review(Request(r, "Redis is under load; payments, orders, kafka, saga"))
                            .SerializeAsString();
  const std::string b = Review(Request(r, "we download files")).SerializeAsString();
  const std::string c = Review(Request(r, "")).SerializeAsString();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(CuesTest, BrokerFollowsReplayCloudAndRouting) {
  v1::Requirements r;
  r.set_needs_replay(true);
  EXPECT_EQ(DecisionValue(Review(Request(r)), "messaging.broker"), "kafka");

  v1::Requirements gcp;
  gcp.set_cloud(v1::CLOUD_PROVIDER_GCP);
  gcp.set_event_streaming(true);
  EXPECT_EQ(DecisionValue(Review(Request(gcp)), "messaging.broker"), "pubsub");
  gcp.set_needs_ordering(true);  // a log's guarantee: Kafka even on GCP
  EXPECT_EQ(DecisionValue(Review(Request(gcp)), "messaging.broker"), "kafka");

  v1::Requirements routed;
  routed.set_complex_routing(true);
  routed.set_event_streaming(true);
  EXPECT_EQ(DecisionValue(Review(Request(routed)), "messaging.broker"), "rabbitmq");
}

TEST(CuesTest, RefusingACoordinatorChoosesChoreographyUnlessTheFlowMustBeSeen) {
  v1::Requirements r;
  r.set_distributed_transaction(true);
  r.set_handles_money(true);
  EXPECT_EQ(DecisionValue(Review(Request(r)), "messaging.saga"), "orchestration");
  r.set_no_coordinator(true);
  r.set_saga_steps(3);
  EXPECT_EQ(DecisionValue(Review(Request(r)), "messaging.saga"), "choreography");
  r.set_central_flow_view(true);
  EXPECT_EQ(DecisionValue(Review(Request(r)), "messaging.saga"), "orchestration");
  r.clear_central_flow_view();
  r.set_saga_steps(7);
  EXPECT_EQ(DecisionValue(Review(Request(r)), "messaging.saga"), "orchestration");
}

TEST(CuesTest, CachePatternFollowsTheSituation) {
  v1::Requirements raw;
  raw.set_read_after_write(true);
  EXPECT_EQ(DecisionValue(Review(Request(raw)), "caching.pattern"), "write_through");

  v1::Requirements counters;
  counters.set_bursty(true);
  counters.set_write_loss_ok(true);
  EXPECT_EQ(DecisionValue(Review(Request(counters)), "caching.pattern"), "write_behind");
  counters.set_handles_money(true);  // never a loss window for money
  EXPECT_EQ(DecisionValue(Review(Request(counters)), "caching.pattern"), "cache_aside");

  v1::Requirements hot;
  hot.set_hot_keys(true);
  EXPECT_EQ(DecisionValue(Review(Request(hot)), "caching.pattern"), "refresh_ahead");
}

TEST(CuesTest, InvalidationFollowsTheSituation) {
  v1::Requirements r;
  EXPECT_EQ(DecisionValue(Review(Request(r)), "caching.invalidation"), "ttl");
  r.set_grouped_invalidation(true);
  EXPECT_EQ(DecisionValue(Review(Request(r)), "caching.invalidation"), "tag");
  r.set_changes_published(true);
  EXPECT_EQ(DecisionValue(Review(Request(r)), "caching.invalidation"), "event");
  r.set_immutable_content(true);
  EXPECT_EQ(DecisionValue(Review(Request(r)), "caching.invalidation"), "version");
}

TEST(CuesTest, PrimaryDatabaseFollowsTheSituation) {
  auto primary = [](const v1::Requirements& r) {
    return DecisionValue(Review(Request(r)), "database.primary");
  };
  v1::Requirements r;
  EXPECT_EQ(primary(r), "postgresql");
  r.set_varied_records(true);
  EXPECT_EQ(primary(r), "mongodb");
  r.set_key_access_only(true);
  EXPECT_EQ(primary(r), "redis");
  r.set_cloud(v1::CLOUD_PROVIDER_AWS);
  EXPECT_EQ(primary(r), "dynamodb");
  r.set_append_only_series(true);
  EXPECT_EQ(primary(r), "cassandra");
  r.set_data_shape(v1::DATA_SHAPE_RELATIONAL);  // "recursive joins time out"
  r.set_relationship_traversal(true);
  EXPECT_EQ(primary(r), "neo4j");
}

TEST(CuesTest, ScalingFollowsReadsWritesAndConnections) {
  auto scaling = [](const v1::Requirements& r) {
    return DecisionValue(Review(Request(r)), "database.scaling");
  };
  v1::Requirements r;
  EXPECT_EQ(scaling(r), "connection_pooling");  // the first step when nothing else is needed
  r.set_read_ratio(0.9);
  EXPECT_EQ(scaling(r), "read_replicas");
  r.set_connections_exhausted(true);
  EXPECT_EQ(scaling(r), "read_replicas,connection_pooling");

  v1::Requirements pods;
  pods.set_instance_count(60);
  pods.set_connections_per_instance(25);
  EXPECT_EQ(scaling(pods), "connection_pooling");

  v1::Requirements writes;
  writes.set_writes_beyond_one_node(true);
  EXPECT_EQ(scaling(writes), "sharding");
}

}  // namespace
}  // namespace agentd::backend_architect
