// Fan-out: runs one request on several agents side by side, each under its
// own deadline, behind a per-agent bulkhead and circuit breaker, each on
// its own share of the threads (AgentLane). No agent runs on the caller's
// thread, however fast it was: a plugin can hang at any call, and the
// caller must get its answer at the deadline. A call that outlives its
// deadline is abandoned: it keeps its thread and its place in its agent's
// share until the plugin returns, the pool starts a thread in its place,
// and once all of an agent's share is stuck, its calls are skipped (and its
// breaker opens) instead of waiting.
//
// A Run ends at the earliest of: every agent done, the deadline, or the
// caller cancelling; agents still running then are told through their
// cancel token and reported TIMED_OUT / CANCELLED, and their late answers
// are dropped. RunAsync() does not wait for that: the thread that ends the
// Run (the executor thread that ran its last agent, or the timer's thread
// at the deadline or on cancellation) hands the outcomes on, so no thread
// parks for the agents. Run() with an observer waits on the calling thread
// and delivers progress events there, so a caller may write them to a gRPC
// stream without locking.
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
#include "server/core/circuit_breaker.h"
#include "server/core/merger.h"
#include "server/core/run_timer.h"
#include "server/core/worker_pool.h"
#include "server/plugin_host/plugin_loader.h"

namespace agentd {

// An agent's share of the executor's threads: at most `share` of its calls
// are on threads at once, stuck ones included; the rest wait here. A hung
// agent so never holds more than its share (see Executor).
struct AgentLane {
  absl::Mutex mu;
  std::deque<std::function<void()>> waiting ABSL_GUARDED_BY(mu);
  int on_threads ABSL_GUARDED_BY(mu) = 0;
};

// `definition`'s name and sections, the part of it the merger reads.
std::shared_ptr<const v1::AgentDefinition> SectionOwnerOf(const v1::AgentDefinition& definition);

// One hosted agent with its runtime guards. Owned by an AgentSet
// (agent_set.h); lives as long as the set, and the set as long as a call
// on it runs (Executor::Run's keep_alive).
struct AgentSlot {
  AgentSlot(v1::AgentDefinition def, int failure_threshold, absl::Duration cool_down)
      : definition(std::move(def)),
        section_owner(SectionOwnerOf(definition)),
        breaker(failure_threshold, cool_down, definition.name()) {}
  v1::AgentDefinition definition;
  // Name and sections only: what the merger needs. Shared with the turns it
  // serves (MergeRecord::section_owners), which hold it instead of a copy.
  std::shared_ptr<const v1::AgentDefinition> section_owner;
  v1::AgentCard basic_card;           // ListAgents' static parts, built once at load
  v1::AgentCard full_card;
  std::shared_ptr<HostedAgent> instance;  // null when it could not be created
  std::string unavailable_reason;
  std::string plugin_path;
  absl::Duration timeout = absl::Seconds(10);
  int max_in_flight = 64;
  std::atomic<int> in_flight{0};  // queued or running (the bulkhead's count)
  int thread_share = 4;           // executor threads it may hold (AgentLane)
  AgentLane lane;
  // Calls still in the plugin after their deadline passed (abandoned).
  std::atomic<int> stuck{0};
  CircuitBreaker breaker;
  // Average latency of successful calls (a retry hint); -1 until the first one.
  std::atomic<int64_t> average_latency_ns{-1};
  void RecordLatency(absl::Duration latency);
};

// "ok", "failed", "timed_out", "cancelled" or "skipped": an agent's status
// as logs and metrics name it.
std::string_view AgentOutcomeName(v1::AgentStatus status);

// Receives progress on the thread that called Executor::Run.
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  virtual void OnAgentStarted(const std::string& agent) = 0;
  virtual void OnAgentFinished(const AgentOutcome& outcome) = 0;
  // Text an agent wrote so far (a model's tokens), between its start and
  // finish; pieces that came together are delivered as one.
  virtual void OnAgentProgress(const std::string& agent, const std::string& text) {}
};

struct RunState;  // one Run's shared state (executor.cc)

class Executor {
 public:
  // `threads`: the pool's threads, before any are added in place of
  // abandoned calls.
  explicit Executor(int threads);
  // The destructor finishes queued work and joins the threads.

  // Runs `request` (with `agent` and `deadline_unix_ms` set per slot) on
  // every slot; it is serialized once for all of them. Outcomes come
  // back in slot order. `caller_cancelled` is polled while waiting (every
  // 100 ms, and on each event an observer gets).
  // `keep_alive` (what owns the slots) is held until the last call of this
  // Run returns from its plugin, abandoned ones included.
  std::vector<AgentOutcome> Run(const std::vector<AgentSlot*>& slots, v1::AgentRequest request,
                                absl::Time deadline, const std::function<bool()>& caller_cancelled,
                                ExecutionObserver* observer, std::shared_ptr<const void> keep_alive = nullptr);

  // The same without waiting: returns once the calls are queued. `done`
  // gets the outcomes exactly once: on the executor thread that ran the
  // last agent, on the timer's thread at the deadline or once
  // `caller_cancelled` turns true (looked at every 100 ms, or up to 25 ms
  // later), or on this thread when no agent could start. `done` runs on a
  // thread agents or other Runs' deadlines need: it must be short (tens
  // of µs, like a merge), never wait.
  using RunDone = std::function<void(std::vector<AgentOutcome>)>;
  void RunAsync(const std::vector<AgentSlot*>& slots, v1::AgentRequest request, absl::Time deadline,
                std::function<bool()> caller_cancelled, std::shared_ptr<const void> keep_alive, RunDone done);

 private:
  // Builds a Run's state and hands its calls out; the state's `pending`
  // holds one more, the start's own, which the caller drops.
  std::shared_ptr<RunState> StartRun(const std::vector<AgentSlot*>& slots, v1::AgentRequest request,
                                     absl::Time deadline, std::function<bool()> caller_cancelled,
                                     std::shared_ptr<const void> keep_alive, bool want_progress, RunDone done);
  // Runs `task` on the pool within `slot`'s share of threads.
  void Dispatch(AgentSlot* slot, std::function<void()> task);
  void RunInLane(AgentSlot* slot, std::function<void()> task);
  // Settles the agents of an asynchronous Run whose deadline passed (all
  // of them when the caller went away), ends the Run when none is left,
  // else looks again at the next deadline or in 100 ms. On the timer's thread.
  void Watch(const std::shared_ptr<RunState>& state);
  void WatchAt(const std::shared_ptr<RunState>& state, absl::Time now);

  // Declared before pool_: destroyed after it, so a Run whose last call
  // returns while the pool joins is still watched.
  RunTimer timer_;
  WorkerPool pool_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_EXECUTOR_H_
