// PluginServer in front of a scripted agent, called through RemoteAgent over
// a Unix socket: answers and progress whether a call runs on the gRPC
// thread or a worker, a slow call does not hold up the others, a client's
// cancel reaches the agent, and health and Describe answer.
#include "server/plugin_host/remote/plugin_server.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/plugin_host/remote/remote_agent.h"

namespace agentd {
namespace {

// Answers at once, with two progress events first; a request whose text is
// "slow" waits for `release` (or its cancel token), "watch" waits for its
// cancel token and notes that it saw it.
class ScriptedAgent : public HostedAgent {
 public:
  absl::StatusOr<v1::AgentResponse> Handle(const v1::AgentRequest& request, const CancelState& cancel,
                                           const ProgressFn* progress) const override {
    if (progress != nullptr) {
      (*progress)("step 1 ");
      (*progress)("step 2");
    }
    if (request.text() == "slow" || request.text() == "watch") {
      started.Notify();
      while (!cancel.IsCancelled() && !(request.text() == "slow" && release.HasBeenNotified())) {
        absl::SleepFor(absl::Milliseconds(1));
      }
      if (cancel.cancelled.load()) saw_cancel.Notify();
      if (cancel.IsCancelled()) return absl::CancelledError("saw the cancel token");
    }
    v1::AgentResponse response;
    response.set_agent("echo");
    v1::Item* item = response.add_sections()->add_items();
    item->set_text("answered: " + request.text());
    response.mutable_sections(0)->set_id("echo_notes");
    return response;
  }
  mutable absl::Notification started, release, saw_cancel;
};

class PluginServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/plugin-server-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    v1::DescribeResponse describe;
    describe.set_name("scripted");
    describe.add_sections("more_notes");
    auto server = PluginServer::Start(target(), &agent_, describe);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    RemoteOptions options;
    options.target = target();
    options.agent = "echo";
    options.sections = {"echo_notes"};
    remote_ = std::make_unique<RemoteAgent>(options);
  }
  void TearDown() override {
    if (!agent_.release.HasBeenNotified()) agent_.release.Notify();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string target() const { return "unix:" + dir_ + "/plugin.sock"; }
  absl::StatusOr<v1::AgentResponse> Ask(const std::string& text, std::string* progress = nullptr,
                                        absl::Duration timeout = absl::Seconds(10)) {
    v1::AgentRequest request;
    request.set_text(text);
    CancelState cancel;
    cancel.deadline = absl::Now() + timeout;
    HostedAgent::ProgressFn collect = [progress](std::string_view text) { progress->append(text); };
    return remote_->Handle(request, cancel, progress != nullptr ? &collect : nullptr);
  }

  std::string dir_;
  ScriptedAgent agent_;
  std::unique_ptr<PluginServer> server_;
  std::unique_ptr<RemoteAgent> remote_;
};

// Probe asks health (SERVING for "") and then Describe.
TEST_F(PluginServerTest, AnswersHealthAndDescribe) {
  absl::StatusOr<v1::DescribeResponse> described = remote_->Probe(absl::Seconds(5));
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_EQ(described->name(), "scripted");
  EXPECT_TRUE(remote_->Availability().ok());
}

// The first calls run on workers; once the agent has been fast they run on
// the gRPC thread. Every one brings its progress, in order, and its answer.
TEST_F(PluginServerTest, EveryCallBringsItsProgressAndAnswer) {
  for (int i = 0; i < 30; ++i) {
    std::string progress;
    absl::StatusOr<v1::AgentResponse> answer = Ask("call " + std::to_string(i), &progress);
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(answer->sections(0).items(0).text(), "answered: call " + std::to_string(i));
    EXPECT_EQ(progress, "step 1 step 2");
  }
}

TEST_F(PluginServerTest, ASlowCallDoesNotHoldUpTheOthers) {
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Ask("fast").ok());  // the gRPC thread now takes calls itself
  absl::StatusOr<v1::AgentResponse> slow;
  std::thread slow_call([&] { slow = Ask("slow"); });
  ASSERT_TRUE(agent_.started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  // The slow call holds whichever thread runs it; calls keep being answered.
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<v1::AgentResponse> fast = Ask("fast", nullptr, absl::Seconds(5));
    EXPECT_TRUE(fast.ok()) << fast.status();
  }
  EXPECT_FALSE(agent_.release.HasBeenNotified());
  agent_.release.Notify();
  slow_call.join();
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(slow->sections(0).items(0).text(), "answered: slow");
}

TEST_F(PluginServerTest, AClientsCancelReachesTheAgent) {
  v1::AgentRequest request;
  request.set_text("watch");
  CancelState cancel;
  absl::StatusOr<v1::AgentResponse> answer;
  std::thread call([&] { answer = remote_->Handle(request, cancel); });
  ASSERT_TRUE(agent_.started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  cancel.cancelled.store(true);
  call.join();
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kCancelled) << answer.status();
  EXPECT_TRUE(agent_.saw_cancel.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

}  // namespace
}  // namespace agentd
