// RemoteAgent against PluginServer (the AgentPlugin service in front of a
// real test plugin) on a Unix socket in a temp folder, and the answer checks
// a remote plugin's answers pass.
#include "server/plugin_host/remote/remote_agent.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/plugin_host/plugin_loader.h"
#include "server/plugin_host/remote/plugin_server.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;

const std::string kTestPlugins = std::string(AGENTD_BUILD_DIR) + "/tests/plugins";
using Options = std::map<std::string, std::string>;

// test_agent (tests/plugins/testing) served over a Unix socket.
class Served {
 public:
  explicit Served(std::map<std::string, std::string> options, int max_concurrency = 0) {
    char dir[] = "/tmp/remote-agent-test-XXXXXX";
    dir_ = ::mkdtemp(dir);
    auto library = PluginLibrary::Load(kTestPlugins + "/libtest_agent.so");
    EXPECT_TRUE(library.ok()) << library.status();
    v1::AgentConfig config;
    config.mutable_definition()->set_name("echo");
    config.mutable_definition()->add_sections("echo_notes");
    for (auto& [k, v] : options) (*config.mutable_options())[k] = v;
    instance_ = *AgentInstance::Create(*library, config);
    v1::DescribeResponse describe;
    describe.set_name("test_agent");
    describe.mutable_capabilities()->set_max_concurrency(max_concurrency);
    auto server = PluginServer::Start(target(), instance_.get(), describe);
    EXPECT_TRUE(server.ok()) << server.status();
    if (server.ok()) server_ = *std::move(server);
  }
  ~Served() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string target() const { return "unix:" + dir_ + "/plugin.sock"; }

 private:
  std::string dir_;
  std::unique_ptr<AgentInstance> instance_;
  std::unique_ptr<PluginServer> server_;
};

RemoteOptions OptionsFor(const std::string& target) {
  RemoteOptions options;
  options.target = target;
  options.agent = "echo";
  options.sections = {"echo_notes"};
  return options;
}

TEST(RemoteAgentTest, AnswersWithProgressOverTheSocket) {
  Served served(Options{{"mode", "progress"}});
  RemoteAgent agent(OptionsFor(served.target()));
  ASSERT_TRUE(agent.Probe(absl::Seconds(5)).ok());
  EXPECT_TRUE(agent.Availability().ok());
  v1::AgentRequest request;
  request.set_text("hello");
  CancelState cancel;
  std::string seen;
  HostedAgent::ProgressFn progress = [&](std::string_view text) { seen.append(text); };
  auto response = agent.Handle(request, cancel, &progress);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->agent(), "echo");
  EXPECT_THAT(response->sections(0).items(0).text(), HasSubstr("hello"));
  EXPECT_EQ(seen, "step 1 step 2");
}

TEST(RemoteAgentTest, ThePluginsErrorKeepsItsCodeAndReason) {
  Served served(Options{{"mode", "fail"}});
  RemoteAgent agent(OptionsFor(served.target()));
  auto response = agent.Handle(v1::AgentRequest(), CancelState());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_EQ(response.status().message(), "echo: echo: configured to fail");
}

TEST(RemoteAgentTest, TheDeadlineEndsTheCallAndReachesThePlugin) {
  Served served(Options{{"mode", "sleep"}, {"sleep_ms", "60000"}});
  RemoteAgent agent(OptionsFor(served.target()));
  CancelState cancel;
  cancel.deadline = absl::Now() + absl::Milliseconds(200);
  auto response = agent.Handle(v1::AgentRequest(), cancel);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
}

TEST(RemoteAgentTest, TheCallersCancelBecomesAGrpcCancel) {
  Served served(Options{{"mode", "sleep"}, {"sleep_ms", "60000"}});
  RemoteAgent agent(OptionsFor(served.target()));
  CancelState cancel;
  cancel.cancelled.store(true);
  auto response = agent.Handle(v1::AgentRequest(), cancel);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled) << response.status();
}

TEST(RemoteAgentTest, CallsPastTheStatedMaxConcurrencyWaitForRoom) {
  const std::string dir = std::filesystem::temp_directory_path() / ("remote-cap-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string hold = dir + "/hold", started = dir + "/started";
  std::ofstream(hold).put('x');
  Served served(Options{{"wait_while", hold}, {"start_marker", started}}, /*max_concurrency=*/1);
  RemoteAgent agent(OptionsFor(served.target()));
  ASSERT_TRUE(agent.Probe(absl::Seconds(5)).ok());
  CancelState first_cancel;
  absl::StatusOr<v1::AgentResponse> first;
  std::thread first_call([&] { first = agent.Handle(v1::AgentRequest(), first_cancel); });
  const absl::Time limit = absl::Now() + absl::Seconds(10);
  while (!std::filesystem::exists(started) && absl::Now() < limit) absl::SleepFor(absl::Milliseconds(2));
  ASSERT_TRUE(std::filesystem::exists(started));
  std::filesystem::remove(started);
  // The one call the plugin takes is in it: a second waits, and at its
  // deadline fails without having reached the plugin.
  CancelState second_cancel;
  second_cancel.deadline = absl::Now() + absl::Milliseconds(300);
  auto second = agent.Handle(v1::AgentRequest(), second_cancel);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted) << second.status();
  EXPECT_THAT(second.status().message(), HasSubstr("max_concurrency"));
  EXPECT_FALSE(std::filesystem::exists(started));
  std::filesystem::remove(hold);
  first_call.join();
  EXPECT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(agent.Handle(v1::AgentRequest(), CancelState()).ok());
  std::filesystem::remove_all(dir);
}

TEST(RemoteAgentTest, NobodyListeningIsUnavailable) {
  RemoteAgent agent(OptionsFor("unix:/nonexistent/agentd-test.sock"));
  EXPECT_EQ(agent.Probe(absl::Seconds(2)).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(agent.Availability().ok());
  CancelState cancel;
  cancel.deadline = absl::Now() + absl::Seconds(5);
  auto response = agent.Handle(v1::AgentRequest(), cancel);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("echo: "));
}

TEST(AnswerCheckTest, RefusesWhatAnAgentMayNotSay) {
  AnswerLimits limits;
  limits.agent = "echo";
  limits.sections = {"echo_notes"};
  limits.max_items = 2;
  auto answer = [] {
    v1::AgentResponse r;
    r.add_sections()->set_id("echo_notes");
    r.mutable_sections(0)->add_items()->set_text("fine");
    return r;
  };
  v1::AgentResponse good = answer();
  EXPECT_TRUE(CheckAnswer(limits, &good).ok());
  EXPECT_EQ(good.agent(), "echo");

  v1::AgentResponse other = answer();
  other.set_agent("someone-else");
  EXPECT_THAT(CheckAnswer(limits, &other).message(), HasSubstr("answered as agent 'someone-else'"));
  v1::AgentResponse section = answer();
  section.mutable_sections(0)->set_id("not_mine");
  EXPECT_THAT(CheckAnswer(limits, &section).message(), HasSubstr("section 'not_mine' is not one it declared"));
  v1::AgentResponse many = answer();
  many.add_questions()->set_text("a");
  many.add_questions()->set_text("b");
  EXPECT_THAT(CheckAnswer(limits, &many).message(), HasSubstr("more than 2 items"));
  v1::AgentResponse blank = answer();
  blank.add_decisions()->set_value("x");
  EXPECT_EQ(CheckAnswer(limits, &blank).code(), absl::StatusCode::kInternal);
  v1::AgentResponse long_text = answer();
  long_text.mutable_sections(0)->mutable_items(0)->set_text(std::string(limits.max_text_bytes + 1, 'x'));
  EXPECT_THAT(CheckAnswer(limits, &long_text).message(), HasSubstr("longer than"));
}

TEST(AnswerCheckTest, ExcerptIsShortPrintableAndWholeUtf8) {
  EXPECT_EQ(Excerpt("a\nb"), "a b");
  std::string cut = Excerpt("ab\xc3\xa9", 3);  // é straddles the cut
  EXPECT_EQ(cut, "ab…");
}

}  // namespace
}  // namespace agentd
