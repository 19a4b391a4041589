// The orchestrator: the core of agentd, with no gRPC in it. It owns the
// hosted agents (definitions, plugin instances, guards), the router, the
// fan-out executor and the session store, and answers the service's calls
// with absl::Status. Thread-safe: every public method may be called from any
// number of threads at once.
#ifndef AGENTD_SERVER_CORE_ORCHESTRATOR_H_
#define AGENTD_SERVER_CORE_ORCHESTRATOR_H_

#include <atomic>
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
#include "server/core/executor.h"
#include "server/core/route_assist.h"
#include "server/core/router.h"
#include "server/observability/metrics.h"

namespace agentd {

struct OrchestratorConfig {
  std::string agents_dir;
  // Labelled requests the router takes as examples (labelled_requests.h): a
  // .jsonl file or a directory of them. Empty: <agents_dir>/routing-examples
  // when that directory exists. "none": route on the definitions alone.
  std::string routing_examples;
  std::string plugins_dir;
  std::string db_path;                  // SQLite file or postgresql:// URL (StoreOptions::path)
  int db_pool_size = 4;                 // StoreOptions::reader_connections
  std::string fallback_agent;           // chosen when nothing is in scope
  absl::Duration agent_timeout = absl::Seconds(10);  // unless the definition says timeout_ms
  int max_in_flight = 256;              // per agent, queued or running, unless the definition says max_in_flight
  int breaker_failures = 5;             // failures in a row that open an agent's breaker
  absl::Duration breaker_cool_down = absl::Seconds(30);
  int executor_threads = 8;
  // Executor threads one agent may hold at once, stuck calls included
  // (AgentLane); 0 = half of executor_threads, at least 1.
  int agent_threads = 0;
  bool strict = false;                  // refuse to start when a definition or plugin fails
  size_t max_text_bytes = 64 * 1024;
  // Sessions not updated for this many days are deleted, at start and then
  // every retention_interval, in small batches beside serving. 0 = keep forever.
  int retention_days = 0;
  absl::Duration retention_interval = absl::Hours(1);
  // Quota on the session database file: a review that would grow it past
  // this fails with RESOURCE_EXHAUSTED, as on a full disk. 0 = no quota.
  int64_t db_max_bytes = 0;
  // Compress turn blobs (db/blob_codec.h): about 2.6x less disk for CPU
  // on the request thread.
  bool compress_turns = true;
  // Where agent outcomes and store commits are counted; null = nowhere.
  // Not owned; must outlive the orchestrator.
  Metrics* metrics = nullptr;
  // A language model endpoint (plugins/llm, docs/llm.md). With no base_url,
  // nothing below changes anything: agentd behaves as it does without them.
  struct Llm {
    std::string base_url;          // OpenAI-compatible, e.g. http://127.0.0.1:11434/v1
    std::string model;
    std::string api_key;           // handed to the llm plugin only; never logged
    int max_retries = 2;
    std::string response_format;   // json_schema | json_object | none; empty = json_schema
    bool default_for_stubs = false;  // definitions on stub_peer are answered by the model
    int history_turns = 8;         // earlier turns a model-backed agent sees
  } llm;
  // Hosts a definition whose plugin runs outside agentd (`command:` or
  // `endpoint:`; server/plugin_host/remote/out_of_process.h). Unset: such
  // definitions load as unavailable. Set by the binary, so the core links
  // no plugin runtime it does not need.
  std::function<absl::StatusOr<std::shared_ptr<HostedAgent>>(const v1::AgentConfig&)> host_out_of_process;
  // --route_assist=llm: ask the model when the lexical router is unsure
  // (route_assist.h). Needs llm.base_url.
  bool route_assist = false;
  double route_assist_threshold = 0.5;
};

// Per-call context from the service edge.
struct CallContext {
  std::string principal = "default";   // sessions are scoped by it
  bool admin = false;                   // may make the admin calls (PruneSessions)
  absl::Time deadline = absl::InfiniteFuture();
  std::function<bool()> cancelled;      // polled while agents run; may be empty
  std::string traceparent;              // W3C trace context passed on to plugins; may be empty
};

// Progress of one review, delivered on the calling thread, in order:
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
  // The same without waiting for the durable write: routes, runs the agents
  // and merges on this thread, queues the turn, and returns. `done` gets the
  // response (or the error) exactly once: on this thread for an error before
  // the write, otherwise on the store's writer thread after the COMMIT, so it
  // must be short (hand the rest to another thread).
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
  absl::StatusOr<v1::ExportSessionResponse> ExportSession(const CallContext& ctx, const v1::ExportSessionRequest& request);
  absl::StatusOr<v1::PruneSessionsResponse> PruneSessions(const v1::PruneSessionsRequest& request);

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

  // What went wrong at load time ("path:line: reason"), for logs and tests.
  const std::vector<std::string>& load_errors() const { return load_errors_; }
  SessionStore& store() { return *store_; }

 private:
  Orchestrator() = default;
  absl::Status LoadAgents();
  absl::StatusOr<std::vector<LabelledRequest>> LoadRoutingExamples();
  absl::Status ValidateText(const std::string& text) const;
  AgentSlot* FindSlot(const std::string& name) const;
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
  // Everything of a review before its durable write.
  absl::StatusOr<PreparedTurn> PrepareTurn(const CallContext& ctx, const v1::ReviewRequest& request,
                                           ReviewObserver* observer);

  OrchestratorConfig config_;
  std::vector<std::string> load_errors_;
  std::vector<std::unique_ptr<AgentSlot>> slots_;  // sorted by name
  std::unique_ptr<PluginRegistry> plugins_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<RouteAssist> route_assist_;  // null unless configured
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
