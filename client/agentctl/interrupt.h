// Turns Ctrl-C (SIGINT) into ClientContext::TryCancel() on the RPC in flight.
//
// TryCancel() is not async-signal-safe and gRPC runs threads of its own, so no
// signal handler is used: the constructor blocks SIGINT in the calling thread
// (every thread started afterwards, gRPC's included, inherits the mask) and a
// dedicated thread receives it with sigwait(). Construct it first thing in
// main(), before any gRPC object exists.
//
// Thread-safe: Watch() and interrupted() may be called from any thread.
#ifndef AGENTD_CLIENT_AGENTCTL_INTERRUPT_H_
#define AGENTD_CLIENT_AGENTCTL_INTERRUPT_H_

#include <atomic>
#include <mutex>
#include <thread>

#include "grpcpp/client_context.h"

namespace agentd::agentctl {

class InterruptWatcher {
 public:
  InterruptWatcher();
  // Stops the watcher thread; SIGINT stays blocked in this process.
  ~InterruptWatcher();

  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  // The call to cancel on SIGINT, or nullptr once it has finished. The
  // context is not owned and must outlive its registration. A context
  // registered after SIGINT arrived is cancelled at once.
  void Watch(grpc::ClientContext* context);

  // True once SIGINT was received.
  bool interrupted() const { return interrupted_.load(); }

 private:
  void Run();

  std::atomic<bool> interrupted_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  grpc::ClientContext* context_ = nullptr;  // guarded by mu_
  std::thread thread_;
};

// Registers `context` with `watcher` (may be null) for one scope.
class ScopedInterruptWatch {
 public:
  ScopedInterruptWatch(InterruptWatcher* watcher, grpc::ClientContext* context)
      : watcher_(watcher) {
    if (watcher_ != nullptr) watcher_->Watch(context);
  }
  ~ScopedInterruptWatch() {
    if (watcher_ != nullptr) watcher_->Watch(nullptr);
  }
  ScopedInterruptWatch(const ScopedInterruptWatch&) = delete;
  ScopedInterruptWatch& operator=(const ScopedInterruptWatch&) = delete;

 private:
  InterruptWatcher* watcher_;
};

}  // namespace agentd::agentctl

#endif  // AGENTD_CLIENT_AGENTCTL_INTERRUPT_H_
