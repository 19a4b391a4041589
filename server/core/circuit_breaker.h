// A per-agent circuit breaker: the executor skips an agent whose calls keep
// failing, then lets one probe call through after a cool-down.
#ifndef AGENTD_SERVER_CORE_CIRCUIT_BREAKER_H_
#define AGENTD_SERVER_CORE_CIRCUIT_BREAKER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace agentd {

// CLOSED → (N failures in a row) → OPEN → (cool-down) → HALF_OPEN: one probe
// call; its success closes the breaker, its failure opens it again. Only an
// agent's own answers count: time a call waited for a thread is not the
// agent's failure. Transitions are logged with `agent`. Thread-safe.
class CircuitBreaker {
 public:
  CircuitBreaker(int failure_threshold, absl::Duration cool_down, std::string agent = "")
      : threshold_(failure_threshold), cool_down_(cool_down), agent_(std::move(agent)) {}
  // Whether a call may start now. In HALF_OPEN only one probe is let through;
  // `*probe` (when given) says whether this call is it.
  bool Allow(absl::Time now, bool* probe = nullptr);
  void RecordSuccess();
  void RecordFailure(absl::Time now);
  // A probe that never reached the agent (no thread, no place): neither a
  // success nor a failure; the next call may probe instead.
  void ReleaseProbe();
  // "closed", "open" or "half_open".
  std::string State(absl::Time now) const;
  // How many times the breaker has opened (for metrics).
  int64_t times_opened() const { return times_opened_.load(std::memory_order_relaxed); }

 private:
  const int threshold_;
  const absl::Duration cool_down_;
  mutable absl::Mutex mu_;
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time open_until_ ABSL_GUARDED_BY(mu_);
  bool probe_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  const std::string agent_;
  std::atomic<int64_t> times_opened_{0};
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_CIRCUIT_BREAKER_H_
