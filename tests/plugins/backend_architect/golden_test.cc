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
#include "plugins/backend_architect/engine.h"
#include "tests/plugins/backend_architect/test_util.h"

namespace agentd::backend_architect {
namespace {

using testing::Request;

std::string GoldenPath(const std::string& name) {
  return std::string(AGENTD_SOURCE_DIR) + "/tests/plugins/backend_architect/golden/" + name +
         ".textproto";
}

void CompareWithGolden(const std::string& name, const v1::AgentRequest& request) {
  v1::AgentResponse response = Review(request);
  std::string actual;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(response, &actual));
  const char* update = std::getenv("AGENTD_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(GoldenPath(name), std::ios::binary | std::ios::trunc);
    out << actual;
    ASSERT_TRUE(out.good()) << "cannot write " << GoldenPath(name);
    return;
  }
  std::ifstream in(GoldenPath(name), std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden file " << GoldenPath(name)
                         << " (run with AGENTD_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  if (expected.str() == actual) return;
  // Report the first differing line rather than two whole reviews.
  std::istringstream want(expected.str()), got(actual);
  std::string want_line, got_line;
  int line = 0;
  while (true) {
    ++line;
    bool more_want = static_cast<bool>(std::getline(want, want_line));
    bool more_got = static_cast<bool>(std::getline(got, got_line));
    if (!more_want && !more_got) break;
    if (!more_want || !more_got || want_line != got_line) break;
  }
  ADD_FAILURE() << "review differs from " << GoldenPath(name) << " at line " << line
                << "\n  golden: " << want_line << "\n  actual: " << got_line
                << "\nIf the change is intended, rerun with AGENTD_UPDATE_GOLDEN=1 and read "
                   "the diff (git diff) before committing.";
}

TEST(GoldenTest, FlashSaleOrders) {
  v1::Requirements r;
  r.set_peak_rps(10000.0 / 60.0);
  r.set_bursty(true);
  CompareWithGolden("flash_sale",
                    Request(r, "We need to handle 10,000 orders per minute during flash sales. "
                               "Should we use microservices or a monolith?"));
}

TEST(GoldenTest, RedisUnderLoad) {
  v1::Requirements r;
  CompareWithGolden("redis_caching",
                    Request(r, "Our API response times degrade when Redis is under load. How "
                               "should we structure our caching strategy?"));
}

TEST(GoldenTest, SyncRestToEvents) {
  v1::Requirements r;
  CompareWithGolden("event_driven",
                    Request(r, "We want to move from synchronous REST to event-driven "
                               "architecture. What patterns should we use?"));
}

}  // namespace
}  // namespace agentd::backend_architect
