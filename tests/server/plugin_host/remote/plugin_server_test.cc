// PluginServer in front of a scripted agent, called through RemoteAgent over
// a Unix socket: answers and progress whether a call runs on the gRPC
// thread or a worker, a slow call does not hold up the others, a call the
// standby thread polled beside ends cleanly, a client's cancel reaches the
// agent, and health and Describe answer.
#include "server/plugin_host/remote/plugin_server.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <functional>
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
// cancel token and notes that it saw it; the n-th "hold" waits until
// `holds_released` reaches n (or its cancel token).
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
    if (request.text() == "hold") {
      const int mine = holds_started.fetch_add(1) + 1;
      while (!cancel.IsCancelled() && holds_released.load() < mine) absl::SleepFor(absl::Milliseconds(1));
    }
    v1::AgentResponse response;
    response.set_agent("echo");
    v1::Item* item = response.add_sections()->add_items();
    item->set_text("answered: " + request.text());
    response.mutable_sections(0)->set_id("echo_notes");
    return response;
  }
  mutable absl::Notification started, release, saw_cancel;
  mutable std::atomic<int> holds_started{0};
  std::atomic<int> holds_released{0};
};

// A call on its own thread. Leaving the scope (also through a failed ASSERT)
// first runs `unblock`, so that the call ends, then joins the thread: the
// call never outlives the fixture's server and client.
class CallThread {
 public:
  CallThread(std::function<void()> call, std::function<void()> unblock)
      : unblock_(std::move(unblock)), thread_(std::move(call)) {}
  ~CallThread() { Join(); }
  void Join() {
    if (!thread_.joinable()) return;
    unblock_();
    thread_.join();
  }

 private:
  std::function<void()> unblock_;
  std::thread thread_;
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
  for (int i = 0; i < 30; ++i) {  // the gRPC thread now takes calls itself
    absl::StatusOr<v1::AgentResponse> fast = Ask("fast");
    ASSERT_TRUE(fast.ok()) << fast.status();
  }
  absl::StatusOr<v1::AgentResponse> slow;
  CallThread slow_call([&] { slow = Ask("slow"); }, [&] {
    if (!agent_.release.HasBeenNotified()) agent_.release.Notify();
  });
  ASSERT_TRUE(agent_.started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  // The slow call holds whichever thread runs it; calls keep being answered.
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<v1::AgentResponse> fast = Ask("fast", nullptr, absl::Seconds(5));
    EXPECT_TRUE(fast.ok()) << fast.status();
  }
  EXPECT_FALSE(agent_.release.HasBeenNotified());
  agent_.release.Notify();
  slow_call.Join();
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(slow->sections(0).items(0).text(), "answered: slow");
}

// A call that holds the gRPC thread gets the standby thread polling beside
// it, which then may take the call's last tags and delete it as soon as it
// has answered: the gRPC thread must not touch the call after that (it did,
// and crashed now and then). Rounds of: fast calls (so the next runs on the
// gRPC thread), a held call, a call answered beside it, the release.
TEST_F(PluginServerTest, CallsTheStandbyPolledBesideEndCleanly) {
  for (int round = 1; round <= 10; ++round) {
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<v1::AgentResponse> fast = Ask("fast");
      ASSERT_TRUE(fast.ok()) << fast.status();
    }
    absl::StatusOr<v1::AgentResponse> held;
    CallThread call([&] { held = Ask("hold"); }, [&] { agent_.holds_released.store(round); });
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (agent_.holds_started.load() < round && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
    ASSERT_EQ(agent_.holds_started.load(), round);
    absl::StatusOr<v1::AgentResponse> beside = Ask("fast", nullptr, absl::Seconds(5));
    EXPECT_TRUE(beside.ok()) << beside.status();
    call.Join();
    ASSERT_TRUE(held.ok()) << held.status();
    EXPECT_EQ(held->sections(0).items(0).text(), "answered: hold");
  }
}

TEST_F(PluginServerTest, AClientsCancelReachesTheAgent) {
  v1::AgentRequest request;
  request.set_text("watch");
  CancelState cancel;
  absl::StatusOr<v1::AgentResponse> answer;
  CallThread call([&] { answer = remote_->Handle(request, cancel); }, [&] { cancel.cancelled.store(true); });
  ASSERT_TRUE(agent_.started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  call.Join();
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kCancelled) << answer.status();
  EXPECT_TRUE(agent_.saw_cancel.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

}  // namespace
}  // namespace agentd
