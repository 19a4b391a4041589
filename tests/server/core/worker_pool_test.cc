#include "server/core/worker_pool.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

TEST(WorkerPoolTest, AStuckTaskIsReplacedAndItsThreadLeavesWhenItReturns) {
  WorkerPool pool(1);
  absl::Notification release, stuck_started, other_ran;
  pool.Submit([&] {
    stuck_started.Notify();
    release.WaitForNotification();  // a plugin stuck in a call
    pool.RetireThisThread();
  });
  stuck_started.WaitForNotification();
  pool.AddThread();  // the executor gives up on it
  pool.Submit([&] { other_ran.Notify(); });
  // The only original thread is stuck; the added one runs the next task.
  EXPECT_TRUE(other_ran.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(pool.threads(), 2);
  release.Notify();
  // The stuck thread leaves once its task returns: back to one.
  for (int i = 0; i < 30000 && pool.threads() != 1; ++i) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(pool.threads(), 1);
  std::atomic<int> ran{0};
  absl::Notification done;
  pool.Submit([&] {
    ran++;
    done.Notify();
  });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
}

TEST(WorkerPoolTest, DestructorRunsQueuedTasks) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(2);
    for (int i = 0; i < 100; ++i) pool.Submit([&] { ran++; });
  }
  EXPECT_EQ(ran.load(), 100);
}

}  // namespace
}  // namespace agentd
