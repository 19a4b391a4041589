// ProcessAgent: a real plugin process (agentd-plugin-serve with the test
// plugin) started, health-checked, called, restarted and stopped; and
// children that never serve, or ignore SIGTERM.
#include "server/plugin_host/remote/process_agent.h"

#include <signal.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/plugin_host/remote/scoped_tmpdir.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;

const std::string kServe = std::string(AGENTD_BUILD_DIR) + "/bin/agentd-plugin-serve";
const std::string kTestAgent = std::string(AGENTD_BUILD_DIR) + "/tests/plugins/libtest_agent.so";

ProcessOptions OptionsFor(std::vector<std::string> argv, std::map<std::string, std::string> options = {}) {
  ProcessOptions o;
  o.agent = "echo";
  o.argv = std::move(argv);
  o.working_dir = "/";
  v1::AgentConfig config;
  config.mutable_definition()->set_name("echo");
  config.mutable_definition()->add_sections("echo_notes");
  for (auto& [k, v] : options) (*config.mutable_options())[k] = v;
  o.config = config.SerializeAsString();
  o.sections = {"echo_notes"};
  o.min_backoff = absl::Milliseconds(10);
  o.max_backoff = absl::Milliseconds(50);
  return o;
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));  // the poll interval, not a wait for the outcome
  }
  return true;
}

// Each test runs under a $TMPDIR of its own and leaves nothing in it: every
// agent's folder is gone once the agent is.
class ProcessAgentTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_THAT(tmp_.Entries(), ::testing::IsEmpty()); }
  ScopedTmpdir tmp_;
};

TEST_F(ProcessAgentTest, StartsServesSurvivesACrashAndStops) {
  auto agent = ProcessAgent::Start(OptionsFor({kServe, kTestAgent}, {{"abort_on", "CRASH"}}));
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->Availability().ok()) << (*agent)->Availability();
  v1::AgentRequest request;
  request.set_text("hello");
  CancelState cancel;
  auto response = (*agent)->Handle(request, cancel);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->sections(0).items(0).text(), HasSubstr("hello"));

  const pid_t first = (*agent)->pid();
  request.set_text("CRASH");
  response = (*agent)->Handle(request, cancel);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("died during the call (killed by signal 6 (SIGABRT))"));
  ASSERT_TRUE(WaitFor([&] { return (*agent)->Availability().ok(); }, absl::Seconds(20)));
  EXPECT_NE((*agent)->pid(), first);
  EXPECT_EQ((*agent)->exits(), 1);
  request.set_text("again");
  EXPECT_TRUE((*agent)->Handle(request, cancel).ok());

  const pid_t second = (*agent)->pid();
  EXPECT_THAT(tmp_.Entries(), ::testing::SizeIs(1));  // this process's parent
  (*agent)->Stop();
  EXPECT_EQ((*agent)->pid(), 0);
  EXPECT_NE(::kill(second, 0), 0);  // reaped: the pid is gone
  EXPECT_THAT(tmp_.Entries(), ::testing::IsEmpty());
}

TEST_F(ProcessAgentTest, KillAllNowKillsTheChildrenAndRemovesTheirFolders) {
  auto agent = ProcessAgent::Start(OptionsFor({kServe, kTestAgent}));
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->Availability().ok()) << (*agent)->Availability();
  EXPECT_THAT(tmp_.Entries(), ::testing::SizeIs(1));
  ProcessAgent::KillAllNow();  // as agentd does before an _exit
  EXPECT_THAT(tmp_.Entries(), ::testing::IsEmpty());
  EXPECT_TRUE(WaitFor([&] { return (*agent)->exits() >= 1; }, absl::Seconds(20)));  // the child is gone
}

TEST_F(ProcessAgentTest, AChildThatNeverServesIsUnavailableWithItsExit) {
  ProcessOptions options = OptionsFor({"/bin/sh", "-c", "echo not a plugin; exit 3"});
  auto agent = ProcessAgent::Start(std::move(options));
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_THAT((*agent)->Availability().message(), HasSubstr("exited with status 3"));
  ASSERT_TRUE(WaitFor([&] { return (*agent)->exits() >= 3; }, absl::Seconds(20)));  // restarted, again and again
  CancelState cancel;
  auto response = (*agent)->Handle(v1::AgentRequest(), cancel);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("echo: plugin process not running"));
}

TEST_F(ProcessAgentTest, AProgramThatCannotStartSaysWhy) {
  auto agent = ProcessAgent::Start(OptionsFor({"/nonexistent/agentd-plugin"}));
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_THAT((*agent)->Availability().message(), HasSubstr("No such file or directory"));
}

TEST_F(ProcessAgentTest, StopKillsAChildThatIgnoresSigterm) {
  // SIGTERM ignored (inherited through exec): only the SIGKILL after the grace ends it.
  ProcessOptions options =
      OptionsFor({"/bin/sh", "-c", "trap '' TERM; exec \"$0\" \"$1\"", kServe, kTestAgent});
  options.stop_grace = absl::Milliseconds(200);
  auto agent = ProcessAgent::Start(std::move(options));
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->Availability().ok()) << (*agent)->Availability();
  const pid_t pid = (*agent)->pid();
  (*agent)->Stop();
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_EQ((*agent)->exits(), 1);
}

}  // namespace
}  // namespace agentd
