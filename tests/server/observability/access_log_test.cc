#include "server/observability/access_log.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace agentd {
namespace {

TEST(AccessLogTest, FormatsOneJsonObjectWithEveryField) {
  AccessEntry e;
  e.start = absl::FromUnixMicros(1700000000123456);
  e.method = "Review";
  e.principal = "al\"ice";
  e.session = "s-1";
  e.turn = 2;
  e.agents = {{"backend-architect", "ok"}, {"slow", "timed_out"}};
  e.code = 8;
  e.duration = absl::Microseconds(1500);
  e.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  nlohmann::json line = nlohmann::json::parse(AccessLog::Format(e));
  EXPECT_EQ(line["ts"], "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(line["method"], "Review");
  EXPECT_EQ(line["principal"], "al\"ice");
  EXPECT_EQ(line["session"], "s-1");
  EXPECT_EQ(line["turn"], 2);
  EXPECT_EQ(line["agents"][1]["agent"], "slow");
  EXPECT_EQ(line["agents"][1]["status"], "timed_out");
  EXPECT_EQ(line["code"], "RESOURCE_EXHAUSTED");
  EXPECT_DOUBLE_EQ(line["duration_ms"].get<double>(), 1.5);
  EXPECT_EQ(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(AccessLogTest, WritesLinesToTheFile) {
  std::string path = (std::filesystem::temp_directory_path() / ("access_log_test." + std::to_string(getpid()))).string();
  {
    auto log = AccessLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    AccessEntry e;
    e.method = "Route";
    for (int i = 0; i < 3; ++i) (*log)->Write(e);
    EXPECT_EQ((*log)->dropped(), 0u);
  }  // the destructor writes what is queued
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(nlohmann::json::parse(line)["method"], "Route");
    ++lines;
  }
  EXPECT_EQ(lines, 3);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace agentd
