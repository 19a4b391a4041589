#include "client/agentctl/interrupt.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

namespace agentd::agentctl {
namespace {

sigset_t SigintSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

InterruptWatcher::InterruptWatcher() {
  const sigset_t set = SigintSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { Run(); });
}

InterruptWatcher::~InterruptWatcher() {
  stopping_.store(true);
  // Wake the sigwait() with the signal it waits for; `stopping_` tells it
  // this one is ours, not the user's.
  pthread_kill(thread_.native_handle(), SIGINT);
  thread_.join();
}

void InterruptWatcher::Watch(grpc::ClientContext* context) {
  std::lock_guard<std::mutex> lock(mu_);
  context_ = context;
  if (context_ != nullptr && interrupted_.load()) context_->TryCancel();
}

void InterruptWatcher::Run() {
  const sigset_t set = SigintSet();
  while (true) {
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) continue;
    if (stopping_.load()) return;
    if (interrupted_.exchange(true)) {
      // A second Ctrl-C: the cancelled call did not unwind; leave now.
      static constexpr char kMessage[] = "agentctl: cancelled\n";
      (void)!write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
      _exit(1);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (context_ != nullptr) context_->TryCancel();
  }
}

}  // namespace agentd::agentctl
