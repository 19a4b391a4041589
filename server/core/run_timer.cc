#include "server/core/run_timer.h"

#include <pthread.h>

#include <utility>

namespace agentd {

RunTimer::RunTimer() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "executor-timer");
    Loop();
  });
}

RunTimer::~RunTimer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void RunTimer::At(absl::Time when, absl::Duration slack, std::function<void()> fire) {
  absl::MutexLock lock(&mu_);
  const absl::Time latest = when + slack;
  entries_.push(Entry{when, latest, std::move(fire)});
  // The thread already looks by then: no wake-up (the usual case under
  // load, where new entries come due after the ones queued before them).
  if (latest < wake_) wake_ = absl::InfinitePast();
}

void RunTimer::Loop() {
  std::vector<std::function<void()>> due;
  absl::MutexLock lock(&mu_);
  for (;;) {
    const absl::Time now = absl::Now();
    if (stopping_) {
      // Dropped unrun: a callback may schedule another, without end.
      while (!entries_.empty()) entries_.pop();
      return;
    }
    // Everything that may run now: those at the end of their slack, and
    // the first one, whose time has come, though it could wait longer
    // (saves a later wake-up).
    while (!entries_.empty() && (entries_.top().latest <= now || entries_.top().when <= now)) {
      due.push_back(std::move(const_cast<Entry&>(entries_.top()).fire));
      entries_.pop();
    }
    if (!due.empty()) {
      mu_.Unlock();
      for (auto& fire : due) fire();
      due.clear();
      mu_.Lock();
      continue;
    }
    wake_ = entries_.empty() ? absl::InfiniteFuture() : entries_.top().latest;
    mu_.AwaitWithDeadline(absl::Condition(+[](RunTimer* t) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                            return t->stopping_ || t->wake_ == absl::InfinitePast();
                          }, this),
                          wake_);
  }
}

}  // namespace agentd
