// The orchestrator: the core of agentd, with no gRPC in it. It owns the
// hosted agents (definitions, plugin instances, guards), the router, the
// fan-out executor and the session store, and answers the service's calls
// with absl::Status. Thread-safe: every public method may be called from any
// number of threads at once.
#ifndef AGENTD_SERVER_CORE_ORCHESTRATOR_H_
#define AGENTD_SERVER_CORE_ORCHESTRATOR_H_

#include <atomic>
#include <deque>
#include <functional>
#include <thread>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentd/v1/orchestrator.pb.h"
#include "db/retention_pruner.h"
#include "db/session_store.h"
#include "server/core/agent_set.h"
#include "server/facts/fact_reader.h"
#include "server/core/executor.h"
#include "server/core/orchestrator_config.h"
#include "server/core/route_assist.h"
#include "server/core/router.h"
#include "server/observability/metrics.h"

namespace agentd {

// Per-call context from the service edge.
struct CallContext {
  std::string principal = "default";   // sessions are scoped by it
  bool admin = false;                   // may make the admin calls (PruneSessions)
  absl::Time deadline = absl::InfiniteFuture();
  std::function<bool()> cancelled;      // polled while agents run, from any thread; may be empty
  std::string traceparent;              // W3C trace context passed on to plugins; may be empty
  // Applied to each reply before `done` (ReviewAsync) gets it: to a new
  // review's reply (its turn not yet set) on the thread that merged it,
  // before the turn is queued for the store, and to a stored one. The service renders
  // the Markdown here, and may encode the reply while it is still in cache
  // and take the review and route out of it: `done` then gets the rest (the
  // session id, and the turn once the turn is stored). May be empty.
  std::function<void(v1::ReviewResponse*)> finish_reply;
};

// Progress of one review, delivered on the calling thread (which then
// waits for the agents), in order:
// OnRouted, then OnAgentStarted / OnAgentFinished per agent as they happen.
class ReviewObserver : public ExecutionObserver {
 public:
  virtual void OnRouted(const v1::RouteDecision& decision) = 0;
};

class Orchestrator {
 public:
  // Loads definitions and plugins and opens the store. A bad definition or
  // plugin is logged and skipped (its agents listed as unavailable) unless
  // config.strict; a store that cannot open is an error.
  static absl::StatusOr<std::unique_ptr<Orchestrator>> Create(OrchestratorConfig config);
  ~Orchestrator();

  // Route, run, merge, persist. Returns only after the turn is durable.
  absl::StatusOr<v1::ReviewResponse> Review(const CallContext& ctx, const v1::ReviewRequest& request,
                                            ReviewObserver* observer = nullptr);
  // The same without waiting: routes on this thread and starts the agents
  // (Executor::RunAsync), and returns; the thread that ends the agents (the
  // executor thread of the last one, or the executor's timer at a deadline
  // or on cancellation) merges, calls ctx.finish_reply and queues the turn.
  // At most config.max_reviews_running reviews run their agents at once;
  // one past them waits its turn. With an observer, this thread runs the
  // agents and merges, delivering the events in order. `done` gets the
  // response (or the error) exactly once: on this thread for an error
  // before the agents, on the thread that ended them for one before the
  // write, otherwise on the store's writer thread after the COMMIT, so it
  // must be short (hand the rest to another thread). ctx is copied.
  using ReviewDone = std::function<void(absl::StatusOr<v1::ReviewResponse>)>;
  void ReviewAsync(const CallContext& ctx, const v1::ReviewRequest& request, ReviewObserver* observer,
                   ReviewDone done);
  absl::StatusOr<v1::RouteDecision> Route(const v1::RouteRequest& request) const;
  // The same, into `*decision` (cleared first; see Router::RouteInto).
  absl::Status RouteInto(const v1::RouteRequest& request, v1::RouteDecision* decision) const;
  v1::ListAgentsResponse ListAgents(const v1::ListAgentsRequest& request = {}) const;

  absl::StatusOr<v1::Session> CreateSession(const CallContext& ctx, const v1::CreateSessionRequest& request);
  absl::StatusOr<v1::GetSessionResponse> GetSession(const CallContext& ctx, const v1::GetSessionRequest& request);
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(const CallContext& ctx, const v1::ListSessionsRequest& request);
  absl::Status DeleteSession(const CallContext& ctx, const v1::DeleteSessionRequest& request);
  // Every turn of the session; the service formats the export (review_edge.h).
  absl::StatusOr<v1::GetSessionResponse> ExportSession(const CallContext& ctx, const v1::ExportSessionRequest& request);
  absl::StatusOr<v1::PruneSessionsResponse> PruneSessions(const v1::PruneSessionsRequest& request);
  // Re-reads the agents folder and the plugins and swaps the new set in
  // (LoadAgentSet: unchanged agents keep their plugin instance, a file that
  // fails keeps what it held). Calls already running finish on the old set;
  // plugins only it holds stop once its last call ends. One reload at a time.
  // Errors, with the set in use unchanged: the router cannot be built, or
  // config.strict and something failed to load.
  absl::StatusOr<v1::ReloadAgentsResponse> ReloadAgents();

  // Agents with calls still in their plugin, one line each ("agent (plugin
  // path): N call(s) in flight, M past their deadline"); empty when none. Used
  // at shutdown to say which plugin is abandoned. Thread-safe.
  std::vector<std::string> BusyAgents() const;

  // Whether the store could write at its last attempt. It turns false when
  // a write fails because of the store itself (disk full, read-only or
  // unreadable file, I/O error, lock held elsewhere; a full quota set by
  // db_max_bytes is not a fault) and true again at the next write that
  // commits; while false, a probe write is tried every second.
  bool store_writable() const { return store_writable_.load(); }
  // Called on each change of store_writable(), from the store's writer
  // thread. Set before serving.
  void SetStoreHealthListener(std::function<void(bool writable)> listener);

  // Each agent's guards now, for metrics. Thread-safe.
  struct AgentState {
    std::string agent;
    int in_flight;        // queued or running
    int stuck;            // abandoned calls still in the plugin
    std::string breaker;  // "closed", "open", "half_open"
    int64_t breaker_opened;
  };
  std::vector<AgentState> AgentStates() const;

  // What went wrong loading the agents in use ("path:line: reason"), for
  // logs and tests.
  std::vector<std::string> load_errors() const { return Agents()->load_errors; }
  SessionStore& store() { return *store_; }

 private:
  Orchestrator() = default;
  absl::Status ValidateText(const std::string& text) const;
  // The agents in use now. A call keeps the set it got until it is done.
  std::shared_ptr<const AgentSet> Agents() const;
  // The turn `principal` stored earlier with request.request_id(), as a
  // reply; nullopt when there is none. ALREADY_EXISTS when that turn was for
  // a different request (other text or session).
  absl::StatusOr<std::optional<v1::ReviewResponse>> StoredReply(const std::string& principal,
                                                                const v1::ReviewRequest& request);
  // A review ready to be stored: the response for the caller (its turn not
  // yet set) and the turn encoded for the store.
  struct PreparedTurn {
    v1::ReviewResponse response;
    EncodedTurn encoded;
  };
  // A routed review, its agents not yet run.
  struct ReviewPlan {
    absl::Time start;
    std::string session_id;
    bool new_session = false;
    int turn = 1;
    FactSet facts;
    std::shared_ptr<const AgentSet> agents;
    v1::RouteDecision route;
    std::vector<AgentSlot*> slots;
    v1::AgentRequest agent_request;
    absl::Time agents_deadline;
  };
  // A review's steps: validate, load the session, route (PlanReview); run
  // the agents; merge and encode the turn (PrepareTurn's tail, FinishTurn);
  // queue it for the store (QueueTurn).
  absl::StatusOr<ReviewPlan> PlanReview(const CallContext& ctx, const v1::ReviewRequest& request,
                                        ReviewObserver* observer);
  absl::StatusOr<PreparedTurn> FinishTurn(const CallContext& ctx, const v1::ReviewRequest& request, ReviewPlan plan,
                                          std::vector<AgentOutcome> outcomes);
  void QueueTurn(const CallContext& ctx, std::shared_ptr<v1::ReviewRequest> retry, PreparedTurn prepared,
                 ReviewDone done);
  // Everything of a review before its durable write, on this thread.
  absl::StatusOr<PreparedTurn> PrepareTurn(const CallContext& ctx, const v1::ReviewRequest& request,
                                           ReviewObserver* observer);
  // The unary path: the agents run while no thread waits (Executor::RunAsync);
  // the thread that ends them merges and queues the turn.
  struct AsyncReview;
  void RunReviewAsync(const std::shared_ptr<AsyncReview>& review);
  void FinishReviewAsync(const std::shared_ptr<AsyncReview>& review, std::vector<AgentOutcome> outcomes);
  // Places for reviews whose agents run (config_.max_reviews_running): a
  // review past them waits, and the review whose agents end hands its place
  // to the first waiting one (starting its agents, which is short).
  void EnterRunning(std::function<void()> start);
  void LeaveRunning();
  absl::Mutex running_mu_;
  int running_reviews_ ABSL_GUARDED_BY(running_mu_) = 0;
  std::deque<std::function<void()>> waiting_reviews_ ABSL_GUARDED_BY(running_mu_);
  // Unary reviews between their start and their `done` (the destructor
  // waits for them).
  int async_reviews_ ABSL_GUARDED_BY(running_mu_) = 0;

  OrchestratorConfig config_;
  mutable absl::Mutex agents_mu_;
  std::shared_ptr<const AgentSet> agents_ ABSL_GUARDED_BY(agents_mu_);
  // Sets replaced by a reload, until their last call ends (orchestrator_reload.cc).
  std::vector<std::shared_ptr<const AgentSet>> retired_ ABSL_GUARDED_BY(agents_mu_);
  absl::Mutex reload_mu_;  // held through a reload
  // Destroys the retired sets no call holds any more (stopping plugin
  // processes only they held); called by reloads and every second.
  void ReleaseRetiredAgents();
  std::unique_ptr<Executor> executor_;
  // Store health (store_writable()); before store_, whose writer reports
  // to it until the store is closed.
  void OnStoreCommit(const StoreCommit& commit);
  void ProbeLoop();
  std::atomic<bool> store_writable_{true};
  absl::Mutex health_mu_;
  std::function<void(bool)> health_listener_ ABSL_GUARDED_BY(health_mu_);
  bool stopping_ ABSL_GUARDED_BY(health_mu_) = false;
  std::thread prober_;  // joined by the destructor, before store_ goes
  std::unique_ptr<SessionStore> store_;
  std::unique_ptr<RetentionPruner> pruner_;  // after store_: stopped before it closes
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_ORCHESTRATOR_H_
