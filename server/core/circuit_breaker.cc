#include "server/core/circuit_breaker.h"

#include "spdlog/spdlog.h"

namespace agentd {

bool CircuitBreaker::Allow(absl::Time now, bool* probe) {
  if (probe != nullptr) *probe = false;
  absl::MutexLock lock(&mu_);
  if (!open_) return true;
  if (now < open_until_ || probe_in_flight_) return false;
  probe_in_flight_ = true;  // half-open: this call is the probe
  if (probe != nullptr) *probe = true;
  spdlog::info("circuit breaker of agent {} half-open: one probe call after the cool-down", agent_);
  return true;
}

void CircuitBreaker::RecordSuccess() {
  absl::MutexLock lock(&mu_);
  consecutive_failures_ = 0;
  if (open_) spdlog::info("circuit breaker of agent {} closed: the agent answered", agent_);
  open_ = false;
  probe_in_flight_ = false;
}

void CircuitBreaker::RecordFailure(absl::Time now) {
  absl::MutexLock lock(&mu_);
  ++consecutive_failures_;
  if (probe_in_flight_ || consecutive_failures_ >= threshold_) {
    if (!open_ || probe_in_flight_) {
      times_opened_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("circuit breaker of agent {} opened after {} failure(s) in a row; skipping it for {}", agent_,
                   consecutive_failures_, absl::FormatDuration(cool_down_));
    }
    open_ = true;
    open_until_ = now + cool_down_;
  }
  probe_in_flight_ = false;
}

void CircuitBreaker::ReleaseProbe() {
  absl::MutexLock lock(&mu_);
  probe_in_flight_ = false;
}

std::string CircuitBreaker::State(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  if (!open_) return "closed";
  return (now < open_until_ && !probe_in_flight_) ? "open" : "half_open";
}

}  // namespace agentd
