// HostOutOfProcess: how long a plugin process may take to become healthy
// comes from its definition's start_timeout_ms, else from the server's
// default; the reason it is unavailable says which limit passed and how to
// raise it.
#include "server/plugin_host/remote/out_of_process.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/plugin_host/remote/scoped_tmpdir.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;

// A plugin process that never serves: it only sleeps.
v1::AgentConfig NeverHealthy(int start_timeout_ms) {
  v1::AgentConfig config;
  v1::AgentDefinition& def = *config.mutable_definition();
  def.set_name("sleepy");
  def.set_source_path("/sleepy.md");
  def.add_command("/bin/sleep");
  def.add_command("60");
  def.set_start_timeout_ms(start_timeout_ms);
  return config;
}

TEST(HostOutOfProcessTest, TheDefinitionsStartTimeoutWins) {
  ScopedTmpdir tmp;
  auto agent = HostOutOfProcess(NeverHealthy(300), absl::Seconds(600));
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_THAT((*agent)->Availability().message(), HasSubstr("did not become healthy within 300ms"));
  EXPECT_THAT((*agent)->Availability().message(), HasSubstr("start_timeout_ms"));
  EXPECT_THAT((*agent)->Availability().message(), HasSubstr("--plugin_start_timeout_ms"));
}

TEST(HostOutOfProcessTest, WithoutOneTheServersDefaultApplies) {
  ScopedTmpdir tmp;
  auto agent = HostOutOfProcess(NeverHealthy(0), absl::Milliseconds(200));
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_THAT((*agent)->Availability().message(), HasSubstr("did not become healthy within 200ms"));
}

}  // namespace
}  // namespace agentd
