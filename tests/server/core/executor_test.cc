#include "server/core/executor.h"

#include <filesystem>
#include <fstream>
#include <pthread.h>

#include "absl/synchronization/notification.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kTestAgent = std::string(AGENTD_BUILD_DIR) + "/tests/plugins/libtest_agent.so";

std::unique_ptr<AgentSlot> Slot(const std::string& name, std::map<std::string, std::string> options,
                                absl::Duration timeout = absl::Seconds(5), int breaker_failures = 3,
                                absl::Duration cool_down = absl::Minutes(10)) {
  v1::AgentConfig config;
  config.mutable_definition()->set_name(name);
  for (auto& [k, v] : options) (*config.mutable_options())[k] = v;
  auto slot = std::make_unique<AgentSlot>(config.definition(), breaker_failures, cool_down);
  auto library = PluginLibrary::Load(kTestAgent);
  EXPECT_TRUE(library.ok()) << library.status();
  auto instance = AgentInstance::Create(*library, config);
  EXPECT_TRUE(instance.ok()) << instance.status();
  slot->instance = std::move(*instance);
  slot->timeout = timeout;
  return slot;
}

class RecordingObserver : public ExecutionObserver {
 public:
  void OnAgentStarted(const std::string& agent) override { events.push_back("started " + agent); }
  void OnAgentFinished(const AgentOutcome& o) override { events.push_back("finished " + o.run.agent()); }
  std::vector<std::string> events;
};

TEST(ExecutorTest, RunsEveryAgentAndKeepsSlotOrder) {
  auto a = Slot("a", {});
  auto b = Slot("b", {{"mode", "sleep"}, {"sleep_ms", "20"}});
  v1::AgentRequest request;
  request.set_text("q");
  RecordingObserver observer;
  // Declared after the slots: it must join its threads before they go.
  Executor executor(4);
  auto outcomes = executor.Run({a.get(), b.get()}, request, absl::InfiniteFuture(), nullptr, &observer);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].run.agent(), "a");
  EXPECT_EQ(outcomes[1].run.agent(), "b");
  EXPECT_EQ(outcomes[0].run.status(), v1::AGENT_STATUS_OK);
  EXPECT_EQ(outcomes[1].run.status(), v1::AGENT_STATUS_OK);
  ASSERT_TRUE(outcomes[1].response.has_value());
  EXPECT_EQ(outcomes[1].response->agent(), "b");
  // Each answer comes with the merger's item signatures, worked out where it was parsed.
  EXPECT_EQ(outcomes[1].item_signatures, ItemSignatures(*outcomes[1].response));
  // Each agent starts before it finishes; b (sleeping) finishes last.
  ASSERT_EQ(observer.events.size(), 4u);
  EXPECT_EQ(observer.events.back(), "finished b");
  auto pos = [&](const std::string& e) { return std::find(observer.events.begin(), observer.events.end(), e); };
  EXPECT_LT(pos("started a"), pos("finished a"));
  EXPECT_LT(pos("started b"), pos("finished b"));
}

TEST(ExecutorTest, SlowAgentTimesOutAndTheOthersStand) {
  auto fast = Slot("fast", {});
  std::string marker = testing::TempDir() + "/cancel_marker_timeout";
  std::filesystem::remove(marker);
  auto slow = Slot("slow", {{"mode", "sleep"}, {"sleep_ms", "60000"}, {"cancel_marker", marker}},
                   absl::Milliseconds(100));
  // Declared after the slots: it must join its threads before they go.
  Executor executor(4);
  absl::Time start = absl::Now();
  auto outcomes = executor.Run({fast.get(), slow.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr);
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(outcomes[0].run.status(), v1::AGENT_STATUS_OK);
  EXPECT_EQ(outcomes[1].run.status(), v1::AGENT_STATUS_TIMED_OUT);
  EXPECT_FALSE(outcomes[1].response.has_value());
  // Returned at the slow agent's deadline, not after its 60 s of work.
  EXPECT_LT(took, absl::Seconds(30));
  // The plugin was told through its cancel token (it writes the marker when it sees it).
  for (int i = 0; i < 500 && !std::filesystem::exists(marker); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(std::filesystem::exists(marker));
}

TEST(ExecutorTest, CallerDeadlineCapsEveryAgent) {
  auto slow = Slot("slow", {{"mode", "sleep"}, {"sleep_ms", "60000"}}, absl::Seconds(60));
  // Declared after the slots: it must join its threads before they go.
  Executor executor(2);
  auto outcomes = executor.Run({slow.get()}, v1::AgentRequest(), absl::Now() + absl::Milliseconds(50), nullptr, nullptr);
  EXPECT_EQ(outcomes[0].run.status(), v1::AGENT_STATUS_TIMED_OUT);
}

TEST(ExecutorTest, CallerCancelReachesThePlugin) {
  std::string marker = testing::TempDir() + "/cancel_marker_caller";
  std::filesystem::remove(marker);
  auto slow = Slot("slow", {{"mode", "sleep"}, {"sleep_ms", "60000"}, {"cancel_marker", marker}}, absl::Seconds(60));
  std::atomic<bool> cancel{false};
  RecordingObserver observer;
  struct CancelOnStart : ExecutionObserver {
    std::atomic<bool>* cancel;
    void OnAgentStarted(const std::string&) override { *cancel = true; }
    void OnAgentFinished(const AgentOutcome&) override {}
  } on_start;
  on_start.cancel = &cancel;
  // Declared after the slots: it must join its threads before they go.
  Executor executor(2);
  auto outcomes = executor.Run({slow.get()}, v1::AgentRequest(), absl::InfiniteFuture(),
                               [&] { return cancel.load(); }, &on_start);
  EXPECT_EQ(outcomes[0].run.status(), v1::AGENT_STATUS_CANCELLED);
  for (int i = 0; i < 500 && !std::filesystem::exists(marker); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(std::filesystem::exists(marker));
}

TEST(ExecutorTest, FailingAgentIsReportedWithItsReason) {
  auto bad = Slot("bad", {{"mode", "fail"}});
  // Declared after the slots: it must join its threads before they go.
  Executor executor(2);
  auto outcomes = executor.Run({bad.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr);
  EXPECT_EQ(outcomes[0].run.status(), v1::AGENT_STATUS_FAILED);
  EXPECT_THAT(outcomes[0].run.error(), HasSubstr("configured to fail"));
}

TEST(ExecutorTest, CircuitBreakerOpensAfterFailuresAndSkips) {
  auto bad = Slot("bad", {{"mode", "fail"}}, absl::Seconds(5), /*breaker_failures=*/3);
  // Declared after the slots: it must join its threads before they go.
  Executor executor(2);
  for (int i = 0; i < 3; ++i) {
    auto o = executor.Run({bad.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr);
    EXPECT_EQ(o[0].run.status(), v1::AGENT_STATUS_FAILED);
  }
  auto skipped = executor.Run({bad.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr);
  EXPECT_EQ(skipped[0].run.status(), v1::AGENT_STATUS_SKIPPED);
  EXPECT_THAT(skipped[0].run.error(), HasSubstr("circuit breaker open"));
  EXPECT_EQ(skipped[0].run.circuit_state(), "open");
}

TEST(ExecutorTest, FastAgentThatHangsIsLeftOnItsOwnThread) {
  // It was fast, then hangs, ignoring its cancel token. Run still returns at
  // its deadline: the call never ran on the caller's thread, and it stays
  // in the plugin, abandoned, on a thread of the agent's own share.
  auto hangs = Slot("hangs", {{"mode", "hang"}, {"sleep_ms", "5000"}}, absl::Milliseconds(100));
  hangs->average_latency_ns = 1000;
  // Declared after the slots: it must join its threads before they go.
  Executor executor(2);
  auto outcomes = executor.Run({hangs.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr);
  EXPECT_EQ(hangs->stuck.load(), 1);
  EXPECT_EQ(outcomes[0].run.status(), v1::AGENT_STATUS_TIMED_OUT);
  EXPECT_FALSE(outcomes[0].response.has_value());
}

TEST(ExecutorTest, BulkheadBoundsCallsInFlight) {
  auto slow = Slot("slow", {{"mode", "sleep"}, {"sleep_ms", "60000"}}, absl::Seconds(3));
  slow->max_in_flight = 1;
  // Occupy the only place from another thread, then try again.
  // Declared after the slots: it must join its threads before they go.
  Executor executor(4);
  std::thread first([&] { executor.Run({slow.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr); });
  for (int i = 0; i < 1000 && slow->in_flight.load() == 0; ++i) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(slow->in_flight.load(), 1);
  auto second = executor.Run({slow.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr);
  EXPECT_EQ(second[0].run.status(), v1::AGENT_STATUS_SKIPPED);
  EXPECT_THAT(second[0].run.error(), HasSubstr("bulkhead full"));
  EXPECT_TRUE(second[0].overloaded);
  first.join();
}

TEST(ExecutorTest, TimeWaitingForAThreadIsNotTheAgentsFailure) {
  auto slow = Slot("slow", {{"mode", "sleep"}, {"sleep_ms", "400"}}, absl::Seconds(5));
  auto queued = Slot("queued", {}, absl::Milliseconds(50), /*breaker_failures=*/1);
  // One thread: `slow` takes it, `queued` waits past its 50 ms.
  Executor executor(1);
  auto outcomes = executor.Run({slow.get(), queued.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr,
                               nullptr);
  EXPECT_EQ(outcomes[0].run.status(), v1::AGENT_STATUS_OK);
  EXPECT_EQ(outcomes[1].run.status(), v1::AGENT_STATUS_TIMED_OUT);
  EXPECT_THAT(outcomes[1].run.error(), HasSubstr("never started"));
  // One failure would open this breaker; the wait was not one.
  EXPECT_EQ(queued->breaker.State(absl::Now()), "closed");
  EXPECT_EQ(queued->breaker.times_opened(), 0);
}

TEST(ExecutorTest, AHungAgentHoldsOnlyItsShareOfThreads) {
  // `hung` ignores its cancel token and blocks 5 s per call; its deadline is 50 ms.
  auto hung = Slot("hung", {{"mode", "hang"}, {"sleep_ms", "5000"}}, absl::Milliseconds(50), /*breaker_failures=*/100);
  auto good = Slot("good", {}, absl::Seconds(5));
  hung->thread_share = 2;
  // Declared after the slots: it must join its threads (stuck ones too) before they go.
  Executor executor(2);
  for (int round = 0; round < 4; ++round) {
    auto outcomes = executor.Run({hung.get(), good.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr,
                                 nullptr);
    EXPECT_EQ(outcomes[1].run.status(), v1::AGENT_STATUS_OK) << "round " << round << ": "
                                                             << outcomes[1].run.error();
    if (round < 2) {
      EXPECT_EQ(outcomes[0].run.status(), v1::AGENT_STATUS_TIMED_OUT);
    } else {  // its share is stuck: skipped at once, not queued
      EXPECT_EQ(outcomes[0].run.status(), v1::AGENT_STATUS_SKIPPED);
      EXPECT_THAT(outcomes[0].run.error(), HasSubstr("stuck in calls past their deadline"));
    }
  }
  EXPECT_EQ(hung->stuck.load(), 2);
}

// What an asynchronous Run handed its `done`, and where.
struct AsyncResult {
  absl::Notification ended;
  std::vector<AgentOutcome> outcomes;
  std::string thread;  // the name of the thread `done` ran on
  absl::Time at;
  Executor::RunDone Done() {
    return [this](std::vector<AgentOutcome> result) {
      char name[32] = "";
      pthread_getname_np(pthread_self(), name, sizeof(name));
      thread = name;
      at = absl::Now();
      outcomes = std::move(result);
      ended.Notify();
    };
  }
};

TEST(ExecutorAsyncTest, ReturnsAtOnceAndTheLastAgentsThreadCarriesOn) {
  auto a = Slot("a", {});
  auto b = Slot("b", {{"mode", "sleep"}, {"sleep_ms", "300"}});
  AsyncResult result;
  // Declared after the slots: it must join its threads before they go.
  Executor executor(4);
  executor.RunAsync({a.get(), b.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr, result.Done());
  EXPECT_FALSE(result.ended.HasBeenNotified());  // b sleeps 300 ms: nobody waited for it
  ASSERT_TRUE(result.ended.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(result.thread, "executor");
  ASSERT_EQ(result.outcomes.size(), 2u);
  EXPECT_EQ(result.outcomes[0].run.status(), v1::AGENT_STATUS_OK);
  EXPECT_EQ(result.outcomes[1].run.status(), v1::AGENT_STATUS_OK);
  EXPECT_EQ(result.outcomes[1].response->agent(), "b");
}

TEST(ExecutorAsyncTest, TheTimerEndsTheRunAtTheDeadlineWithTheAnswersSoFar) {
  auto fast = Slot("fast", {});
  auto slow = Slot("slow", {{"mode", "sleep"}, {"sleep_ms", "60000"}}, absl::Milliseconds(200));
  AsyncResult result;
  // Declared after the slots: it must join its threads before they go.
  Executor executor(4);
  const absl::Time start = absl::Now();
  executor.RunAsync({fast.get(), slow.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr,
                    result.Done());
  EXPECT_FALSE(result.ended.HasBeenNotified());
  ASSERT_TRUE(result.ended.WaitForNotificationWithTimeout(absl::Seconds(30)));
  // At the slow agent's deadline (a deadline is not a look at the caller:
  // it comes on time), not after its 60 s.
  EXPECT_GE(result.at - start, absl::Milliseconds(200));
  EXPECT_LT(result.at - start, absl::Seconds(5));
  EXPECT_EQ(result.outcomes[0].run.status(), v1::AGENT_STATUS_OK);
  EXPECT_EQ(result.outcomes[1].run.status(), v1::AGENT_STATUS_TIMED_OUT);
  EXPECT_THAT(result.outcomes[1].run.error(), HasSubstr("no answer within"));
}

TEST(ExecutorAsyncTest, TheCallersDeadlineEndsTheRun) {
  auto slow = Slot("slow", {{"mode", "sleep"}, {"sleep_ms", "60000"}}, absl::Seconds(60));
  AsyncResult result;
  // Declared after the slots: it must join its threads before they go.
  Executor executor(2);
  const absl::Time start = absl::Now();
  executor.RunAsync({slow.get()}, v1::AgentRequest(), start + absl::Milliseconds(150), nullptr, nullptr,
                    result.Done());
  ASSERT_TRUE(result.ended.WaitForNotificationWithTimeout(absl::Seconds(30)));
  // Ended at the deadline, not after the agent's 60 s: by the timer, or by
  // the agent's own thread when the plugin gives up at the deadline it was
  // handed (whichever comes first; both are right).
  EXPECT_GE(result.at - start, absl::Milliseconds(150));
  EXPECT_LT(result.at - start, absl::Seconds(5));
  EXPECT_EQ(result.outcomes[0].run.status(), v1::AGENT_STATUS_TIMED_OUT);
}

TEST(ExecutorAsyncTest, ACallerThatGoesAwayWhileNoThreadWaitsCancelsTheAgents) {
  std::string marker = testing::TempDir() + "/cancel_marker_async";
  std::filesystem::remove(marker);
  auto slow = Slot("slow", {{"mode", "sleep"}, {"sleep_ms", "60000"}, {"cancel_marker", marker}}, absl::Seconds(60));
  std::atomic<bool> cancel{false};
  AsyncResult result;
  // Declared after the slots: it must join its threads before they go.
  Executor executor(2);
  executor.RunAsync({slow.get()}, v1::AgentRequest(), absl::InfiniteFuture(), [&] { return cancel.load(); }, nullptr,
                    result.Done());
  EXPECT_FALSE(result.ended.HasBeenNotified());
  const absl::Time cancelled_at = absl::Now();
  cancel = true;  // after RunAsync returned: only the timer looks now
  ASSERT_TRUE(result.ended.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(result.thread, "executor-timer");
  // Within a look (100 ms, up to 25 ms late), with room for a busy machine.
  EXPECT_LT(result.at - cancelled_at, absl::Seconds(2));
  EXPECT_EQ(result.outcomes[0].run.status(), v1::AGENT_STATUS_CANCELLED);
  EXPECT_EQ(result.outcomes[0].run.error(), "the caller cancelled");
  for (int i = 0; i < 500 && !std::filesystem::exists(marker); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(std::filesystem::exists(marker));
}

TEST(ExecutorAsyncTest, ARunWithNothingToStartEndsOnTheCallersThread) {
  auto missing = Slot("missing", {});
  missing->instance = nullptr;
  missing->unavailable_reason = "no plugin";
  AsyncResult result;
  // Declared after the slots: it must join its threads before they go.
  Executor executor(2);
  executor.RunAsync({missing.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr, result.Done());
  ASSERT_TRUE(result.ended.HasBeenNotified());
  EXPECT_EQ(result.outcomes[0].run.status(), v1::AGENT_STATUS_SKIPPED);
  EXPECT_THAT(result.outcomes[0].run.error(), HasSubstr("unavailable: no plugin"));
}

TEST(ExecutorAsyncTest, ManyRunsEachEndExactlyOnce) {
  auto a = Slot("a", {});
  auto b = Slot("b", {{"mode", "sleep"}, {"sleep_ms", "1"}});
  constexpr int kRuns = 200;
  a->max_in_flight = b->max_in_flight = kRuns;  // all at once, none skipped
  std::atomic<int> ended{0}, ok{0};
  absl::Notification all;
  // Declared after the slots: it must join its threads before they go.
  Executor executor(4);
  for (int i = 0; i < kRuns; ++i) {
    executor.RunAsync({a.get(), b.get()}, v1::AgentRequest(), absl::InfiniteFuture(), nullptr, nullptr,
                      [&](std::vector<AgentOutcome> outcomes) {
                        if (outcomes.size() == 2 && outcomes[0].run.status() == v1::AGENT_STATUS_OK &&
                            outcomes[1].run.status() == v1::AGENT_STATUS_OK) {
                          ok.fetch_add(1);
                        }
                        if (ended.fetch_add(1) + 1 == kRuns) all.Notify();
                      });
  }
  ASSERT_TRUE(all.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_EQ(ok.load(), kRuns);
  EXPECT_EQ(a->in_flight.load(), 0);
  EXPECT_EQ(b->in_flight.load(), 0);
}

}  // namespace
}  // namespace agentd
