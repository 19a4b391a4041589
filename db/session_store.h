// SessionStore: agentd's durable record of sessions and their turns, in one
// SQLite database (WAL mode, synchronous=FULL, schema migrated at Open).
//
// Every call names the principal it acts for. A session belongs to the
// principal that created it; for anyone else it does not exist (NOT_FOUND),
// whichever call is made.
//
// Writes (CreateSession, AppendTurn, DeleteSession, PruneOlderThan) are
// handed to a single writer thread that commits whatever is queued in one
// transaction (group commit): a caller returns only after its own change is
// committed and synced, but N concurrent callers share about one fsync.
// AppendTurnAsync is the same write without a waiting thread: the callback
// runs on the writer thread after the COMMIT.
// Reads use a small pool of read-only connections and see the last committed
// state; they never wait for the writer.
//
// Errors: SQLITE_FULL → RESOURCE_EXHAUSTED; read-only, busy/locked past
// busy_timeout, cannot open, I/O error → UNAVAILABLE. A failed write is rolled
// back without affecting the other writes of its group, and reads keep working.
//
// All methods are thread-safe. The destructor finishes the queued writes.
#ifndef AGENTD_DB_SESSION_STORE_H_
#define AGENTD_DB_SESSION_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agentd/v1/orchestrator.pb.h"
#include "agentd/v1/plugin.pb.h"
#include "agentd/v1/review.pb.h"

namespace agentd {

struct StoreOptions {
  std::string path;                 // file path; parent directories are created
  int reader_connections = 4;
  int busy_timeout_ms = 5000;
  // Extra wait to grow a group; 0 = commit what is queued.
  absl::Duration max_batch_delay = absl::ZeroDuration();
  int max_batch_size = 256;
  // Quota on the database file (PRAGMA max_page_count); writes past it fail
  // with RESOURCE_EXHAUSTED like a full disk. 0 = no quota.
  int64_t max_database_bytes = 0;
  // Compress turn blobs (db/blob_codec.h): about 2.6x smaller turns for
  // about 30 µs of CPU per 16 KB blob on the caller's thread. Either way the
  // store reads both forms.
  bool compress_turns = true;
  // Source of created/updated timestamps; tests inject a fake clock.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

struct AgentOutputRecord {
  v1::AgentRun run;                 // agent, status, latency, error
  v1::AgentResponse output;         // empty when the agent did not answer
};

struct TurnRecord {
  std::string principal;
  std::string session_id;           // chosen by the caller (new or existing)
  bool create_session = false;      // true: the session is created in the same transaction
  std::string title;                // for a new session
  v1::ReviewRequest request;
  v1::RouteDecision route;
  std::vector<AgentOutputRecord> outputs;
  v1::Review review;
  v1::Requirements session_facts;   // the session's accumulated facts after this turn
  std::vector<v1::Fact> session_fact_sources;  // their provenance (turn numbers set)
  std::string status;               // "ok", "partial"
  double latency_ms = 0;
};

// A turn serialized (and compressed) for the store, ready to be written.
// Made by SessionStore::EncodeTurn on the caller's thread, so the writer
// thread only runs SQL.
struct EncodedTurn {
  std::string principal;
  std::string session_id;
  bool create_session = false;
  std::string title;
  std::string facts;                // session facts + provenance
  std::string request, route, review;
  struct Output {
    std::string agent, status, error;
    double latency_ms = 0;
    std::string output;             // empty: the agent gave none
  };
  std::vector<Output> outputs;
  std::string status;
  double latency_ms = 0;
};

namespace store_internal {
class Connection;
class ReaderPool;
struct WriteOp;
}  // namespace store_internal

class SessionStore {
 public:
  // Opens (creating if needed) the database at options.path and migrates it
  // to the newest schema this binary knows. FAILED_PRECONDITION if the file's
  // schema is newer than that; UNAVAILABLE if it cannot be opened for writing.
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(StoreOptions options);

  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;
  ~SessionStore();                  // drains the queue, joins the writer

  // A new session owned by `principal`, with no turns yet. `facts` (and their
  // provenance, `sources`: one Fact per field set) are stored as the
  // session's facts, so its first turn builds on them as on an earlier turn's.
  absl::StatusOr<v1::Session> CreateSession(std::string_view principal, std::string_view title,
                                            const v1::Requirements& facts,
                                            const std::vector<v1::Fact>& sources = {});
  // Session header with facts and turn_count; NOT_FOUND for an unknown id or
  // another principal's.
  absl::StatusOr<v1::Session> LoadSession(std::string_view principal, std::string_view session_id);
  // The provenance of the session's facts, as stored by the last turn.
  absl::StatusOr<std::vector<v1::Fact>> LoadSessionFactSources(std::string_view principal,
                                                               std::string_view session_id);
  // Appends the turn durably (group commit); returns its seq (1-based).
  // Returns only after COMMIT. NOT_FOUND if the session is not the
  // principal's; ALREADY_EXISTS if create_session and the id is taken.
  absl::StatusOr<int> AppendTurn(const TurnRecord& turn);
  // The same in two steps, for callers that must not block a thread on the
  // fsync: EncodeTurn serializes the record (it is not needed afterwards);
  // AppendTurnAsync queues it and returns at once. `done` gets the seq or
  // the error, exactly once, on the writer thread after the COMMIT (or on
  // the calling thread if the store is shutting down): keep it short and
  // hand real work to another thread.
  // (EncodeTurn compresses as options.compress_turns says.)
  absl::StatusOr<EncodedTurn> EncodeTurn(const TurnRecord& turn) const;
  void AppendTurnAsync(EncodedTurn turn, std::function<void(absl::StatusOr<int>)> done);
  // The session and one page of its turns, oldest first. page_size 0 = 50,
  // at most 1000; the token comes from a previous response.
  absl::StatusOr<v1::GetSessionResponse> GetSession(std::string_view principal,
                                                    std::string_view session_id, int page_size,
                                                    std::string_view page_token);
  // The principal's sessions, most recently updated first; title_filter is a
  // case-insensitive substring ("" = all).
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(std::string_view principal, int page_size,
                                                        std::string_view page_token,
                                                        std::string_view title_filter);
  // The agents' own answers in turn `seq`, in the order they ran.
  absl::StatusOr<std::vector<AgentOutputRecord>> LoadAgentOutputs(std::string_view principal,
                                                                  std::string_view session_id, int seq);
  // Removes the session with its turns and agent outputs.
  absl::Status DeleteSession(std::string_view principal, std::string_view session_id);
  // Deletes sessions not updated since `cutoff`, in batches of `batch_size`
  // per transaction (so serving is never blocked for long). Returns how many.
  absl::StatusOr<int64_t> PruneOlderThan(absl::Time cutoff, int batch_size = 500);

  // For tests and metrics: transactions committed by the writer, turns written.
  struct Stats {
    int64_t commits;
    int64_t turns;
  };
  Stats stats() const;

 private:
  SessionStore(StoreOptions options, std::unique_ptr<store_internal::Connection> writer,
               std::unique_ptr<store_internal::ReaderPool> readers);

  // Queues `apply` for the writer thread and waits until its transaction has
  // committed (or failed). `turns` is what the op adds to stats().turns.
  absl::StatusOr<int64_t> Write(int turns,
                                std::function<absl::StatusOr<int64_t>(store_internal::Connection&)> apply);
  // Queues `op` (the writer completes it), or returns UNAVAILABLE if the
  // store is shutting down.
  absl::Status Enqueue(store_internal::WriteOp* op);
  void WriterLoop();
  void CommitGroup(std::vector<store_internal::WriteOp*>& group);

  const StoreOptions options_;
  std::unique_ptr<store_internal::Connection> writer_;  // used by the writer thread only
  std::unique_ptr<store_internal::ReaderPool> readers_;

  absl::Mutex mu_;
  std::deque<store_internal::WriteOp*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> turns_{0};
  std::thread writer_thread_;
};

// A new random session id (128 bits, lowercase hex with dashes like a UUIDv4).
std::string NewSessionId();


}  // namespace agentd

#endif  // AGENTD_DB_SESSION_STORE_H_
