// A fixed set of threads running queued tasks in FIFO order.
//
// Submit is thread-safe. The destructor runs every task already queued,
// then joins the threads; tasks must not Submit after destruction begins.
#ifndef AGENTD_COMMON_THREAD_POOL_H_
#define AGENTD_COMMON_THREAD_POOL_H_

#include <pthread.h>

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace agentd {

class ThreadPool {
 public:
  // `name` (at most 15 characters) names the threads for top -H and perf.
  ThreadPool(int threads, std::string name) : name_(std::move(name)) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        pthread_setname_np(pthread_self(), name_.c_str());
        Loop();
      });
    }
  }
  ~ThreadPool() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& t : threads_) t.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Submit(std::function<void()> task) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(task));
  }

 private:
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }

  void Loop() {
    for (;;) {
      std::function<void()> task;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &ThreadPool::HasWorkOrStopping));
        if (queue_.empty()) return;  // stopping, and nothing left to do
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const std::string name_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace agentd

#endif  // AGENTD_COMMON_THREAD_POOL_H_
