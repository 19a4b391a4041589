// The seed's three example questions, reviewed end to end and compared with
// text-format golden files. AGENTD_UPDATE_GOLDEN=1 rewrites the files instead.
//
// The Requirements are written here by hand, as the fact reader would produce
// them from each question's text; the engine takes facts as given.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/plugins/backend_architect/golden.h"
#include "plugins/backend_architect/engine.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using testing::ExpectMatchesGolden;
using testing::Request;

std::string GoldenPath(const std::string& name) {
  return std::string(AGENTD_SOURCE_DIR) + "/tests/plugins/backend_architect/golden/" + name +
         ".textproto";
}

void CompareWithGolden(const std::string& name, const v1::AgentRequest& request) {
  v1::AgentResponse response = Review(request);
  std::string actual;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(response, &actual));
  ExpectMatchesGolden(GoldenPath(name), actual);
}

TEST(GoldenTest, FlashSaleOrders) {
  v1::Requirements r;
  r.set_peak_rps(10000.0 / 60.0);
  r.set_bursty(true);
  r.set_handles_money(true);                            // "orders"
  r.set_throughput_unit(v1::THROUGHPUT_UNIT_ORDERS);
  r.add_topics(v1::TOPIC_ARCHITECTURE);                 // "microservices"
  CompareWithGolden("flash_sale",
                    Request(r, "We need to handle 10,000 orders per minute during flash sales. "
                               "Should we use microservices or a monolith?"));
}

TEST(GoldenTest, RedisUnderLoad) {
  v1::Requirements r;
  r.set_current_cache(v1::DATASTORE_REDIS);
  r.add_downstreams(v1::DEPENDENCY_REDIS);
  r.add_topics(v1::TOPIC_CACHING);
  r.set_cache_under_load(true);  // "degrade when Redis is under load"
  CompareWithGolden("redis_caching",
                    Request(r, "Our API response times degrade when Redis is under load. How "
                               "should we structure our caching strategy?"));
}

TEST(GoldenTest, SyncRestToEvents) {
  v1::Requirements r;
  r.set_event_streaming(true);            // "event-driven"
  r.set_services_call_each_other(true);   // "synchronous REST"
  r.set_throughput_unit(v1::THROUGHPUT_UNIT_EVENTS);
  CompareWithGolden("event_driven",
                    Request(r, "We want to move from synchronous REST to event-driven "
                               "architecture. What patterns should we use?"));
}

}  // namespace
}  // namespace agentd::backend_architect
