// Fan-out: runs one request on several agents side by side, each under its
// own deadline, behind a per-agent bulkhead and circuit breaker.
//
// Run() returns by the earliest of: every agent done, the deadline, or the
// caller cancelling; agents still running then are told through their
// cancel token and reported TIMED_OUT / CANCELLED, and their late answers
// are dropped. Progress events are delivered on the thread that called
// Run(), so a caller may write them to a gRPC stream without locking.
#ifndef AGENTD_SERVER_CORE_EXECUTOR_H_
#define AGENTD_SERVER_CORE_EXECUTOR_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agentd/v1/definition.pb.h"
#include "agentd/v1/orchestrator.pb.h"
#include "server/common/thread_pool.h"
#include "server/core/merger.h"
#include "server/plugin_host/plugin_loader.h"

namespace agentd {

// CLOSED → (N failures in a row) → OPEN → (cool-down) → HALF_OPEN: one probe
// call; its success closes the breaker, its failure opens it again.
// Thread-safe.
class CircuitBreaker {
 public:
  CircuitBreaker(int failure_threshold, absl::Duration cool_down)
      : threshold_(failure_threshold), cool_down_(cool_down) {}
  // Whether a call may start now. In HALF_OPEN only one probe is let through.
  bool Allow(absl::Time now);
  void RecordSuccess();
  void RecordFailure(absl::Time now);
  // "closed", "open" or "half_open".
  std::string State(absl::Time now) const;

 private:
  const int threshold_;
  const absl::Duration cool_down_;
  mutable absl::Mutex mu_;
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time open_until_ ABSL_GUARDED_BY(mu_);
  bool probe_in_flight_ ABSL_GUARDED_BY(mu_) = false;
};

// One hosted agent with its runtime guards. Owned by the orchestrator; lives
// as long as the server.
struct AgentSlot {
  AgentSlot(v1::AgentDefinition def, int failure_threshold, absl::Duration cool_down)
      : definition(std::move(def)), breaker(failure_threshold, cool_down) {}
  v1::AgentDefinition definition;
  v1::AgentDefinition section_owner;  // name and sections only: what the merger needs, cheap to copy
  v1::AgentCard basic_card;           // ListAgents' static parts, built once at load
  v1::AgentCard full_card;
  std::shared_ptr<AgentInstance> instance;  // null when unavailable
  std::string unavailable_reason;
  std::string plugin_path;
  absl::Duration timeout = absl::Seconds(10);
  int max_in_flight = 64;
  std::atomic<int> in_flight{0};
  CircuitBreaker breaker;
  // Average latency of successful calls; -1 until the first one.
  std::atomic<int64_t> average_latency_ns{-1};
  void RecordLatency(absl::Duration latency);
};

// Receives progress on the thread that called Executor::Run.
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  virtual void OnAgentStarted(const std::string& agent) = 0;
  virtual void OnAgentFinished(const AgentOutcome& outcome) = 0;
};

class Executor {
 public:
  // `inline_below`: an agent whose average latency is below this runs on the
  // caller's thread when it is the last one of a Run (the hop to a pool
  // thread costs more than its work); zero never runs inline. An inline
  // agent's deadline is enforced through its cancel token only.
  Executor(int threads, absl::Duration inline_below);
  // The destructor finishes queued work and joins the threads.

  // Runs `request` (with `agent` set per slot) on every slot. Outcomes come
  // back in slot order. `caller_cancelled` is polled while waiting.
  std::vector<AgentOutcome> Run(const std::vector<AgentSlot*>& slots, const v1::AgentRequest& request,
                                absl::Time deadline, const std::function<bool()>& caller_cancelled,
                                ExecutionObserver* observer);

 private:
  void Submit(std::function<void()> task);
  bool RunsInline(const AgentSlot& slot) const;

  ThreadPool pool_;
  const absl::Duration inline_below_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_EXECUTOR_H_
