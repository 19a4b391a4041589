#include "server/service/call_tracker.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

TEST(CallTrackerTest, IdleAtOnceWhenNoCallRuns) {
  CallTracker calls;
  EXPECT_TRUE(calls.WaitIdle(absl::Now()));
  EXPECT_EQ(calls.in_flight(), 0);
}

TEST(CallTrackerTest, NotIdleWhileACallRunsUntilTheDeadline) {
  CallTracker calls;
  ASSERT_TRUE(calls.Start());
  EXPECT_EQ(calls.in_flight(), 1);
  EXPECT_FALSE(calls.WaitIdle(absl::Now() + absl::Milliseconds(20)));
  calls.Done();
  EXPECT_TRUE(calls.WaitIdle(absl::Now()));
}

TEST(CallTrackerTest, WaitEndsWhenTheLastCallIsDone) {
  CallTracker calls;
  ASSERT_TRUE(calls.Start());
  ASSERT_TRUE(calls.Start());
  absl::Notification waiting;
  bool idle = false;
  std::thread waiter([&] {
    waiting.Notify();
    idle = calls.WaitIdle(absl::InfiniteFuture());
  });
  waiting.WaitForNotification();
  calls.Done();
  calls.Done();
  waiter.join();  // returns only because the count reached zero
  EXPECT_TRUE(idle);
}

TEST(CallTrackerTest, CallsAfterStopAcceptingAreCountedAndRefused) {
  CallTracker calls;
  ASSERT_TRUE(calls.Start());
  calls.StopAccepting();
  EXPECT_FALSE(calls.Start());  // to be refused, but still in flight until Done
  EXPECT_EQ(calls.in_flight(), 2);
  calls.Done();
  calls.Done();
  EXPECT_TRUE(calls.WaitIdle(absl::Now()));
}

}  // namespace
}  // namespace agentd
