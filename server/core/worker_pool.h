// The threads that run agent calls. A plugin call cannot be stopped: one
// that outlives its deadline keeps its thread until the plugin returns. The
// executor then calls AddThread(), so stuck calls never shrink the pool
// other agents run on; when the stuck call returns, its task calls
// RetireThisThread() and that thread leaves instead of taking more work.
//
// Thread-safe. The destructor runs every queued task and joins every
// thread, stuck ones included (a process that must not wait for them exits
// without destroying the pool; see server/main.cc).
#ifndef AGENTD_SERVER_CORE_WORKER_POOL_H_
#define AGENTD_SERVER_CORE_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace agentd {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);
  // One more thread, in place of one stuck in a call.
  void AddThread();
  // Called from inside a task: this thread leaves once the task returns.
  void RetireThisThread();
  // Threads alive, stuck ones included (for tests and metrics).
  int threads() const;

 private:
  void Loop();
  void StartThread() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }

  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int alive_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread::id> exited_ ABSL_GUARDED_BY(mu_);  // to join when the next thread starts
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_WORKER_POOL_H_
