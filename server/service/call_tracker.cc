#include "server/service/call_tracker.h"

namespace agentd {

bool CallTracker::Start() {
  absl::MutexLock lock(&mu_);
  ++in_flight_;
  return accepting_;
}

void CallTracker::Done() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void CallTracker::StopAccepting() {
  absl::MutexLock lock(&mu_);
  accepting_ = false;
}

bool CallTracker::WaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
  return mu_.AwaitWithDeadline(absl::Condition(&idle), deadline);
}

int64_t CallTracker::in_flight() const {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

void TrackedUnaryReactor::OnDone() {
  tracker_->Done();
  delete this;
}

}  // namespace agentd
