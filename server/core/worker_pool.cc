#include "server/core/worker_pool.h"

#include <pthread.h>

#include <algorithm>

namespace agentd {
namespace {

// Whether the current thread's task called RetireThisThread().
thread_local bool retiring = false;

}  // namespace

WorkerPool::WorkerPool(int threads) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < std::max(1, threads); ++i) StartThread();
}

WorkerPool::~WorkerPool() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // Threads may still start (AddThread) until every one has left.
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (threads_.empty()) break;
      threads.swap(threads_);
    }
    for (std::thread& t : threads) t.join();
    threads.clear();
  }
}

void WorkerPool::Submit(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(task));
}

void WorkerPool::AddThread() {
  absl::MutexLock lock(&mu_);
  if (!stopping_) StartThread();
}

void WorkerPool::RetireThisThread() { retiring = true; }

int WorkerPool::threads() const {
  absl::MutexLock lock(&mu_);
  return alive_;
}

void WorkerPool::StartThread() {
  // Join threads that left since: they have returned, or are returning.
  for (std::thread::id id : exited_) {
    auto it = std::find_if(threads_.begin(), threads_.end(), [&](const std::thread& t) { return t.get_id() == id; });
    if (it != threads_.end()) {
      it->join();
      threads_.erase(it);
    }
  }
  exited_.clear();
  ++alive_;
  threads_.emplace_back([this] {
    pthread_setname_np(pthread_self(), "executor");  // for top -H and perf: the agents' CPU
    Loop();
  });
}

void WorkerPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      if (retiring) {  // another thread took this one's place while it was stuck
        --alive_;
        exited_.push_back(std::this_thread::get_id());
        return;
      }
      mu_.Await(absl::Condition(this, &WorkerPool::HasWorkOrStopping));
      if (queue_.empty()) {  // stopping, and nothing left to do
        --alive_;
        return;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace agentd
