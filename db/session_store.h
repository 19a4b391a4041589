// SessionStore: agentd's durable record of sessions and their turns. This is
// the contract the orchestrator uses, with two implementations:
// SqliteSessionStore (db/sqlite_session_store.h: one file, one process) and
// PostgresSessionStore (db/postgres_session_store.h: one database shared by
// replicas). Open picks one from StoreOptions::path. Both build on
// SessionStoreBase (db/session_store_base.h), which holds the
// backend-neutral parts: argument checks, the group writer
// (db/group_writer.h), the turn codec (db/turn_codec.h) and page tokens
// (db/paging.h).
//
// Every call names the principal it acts for. A session belongs to the
// principal that created it; for anyone else it does not exist (NOT_FOUND),
// whichever call is made.
//
// Writes (CreateSession, AppendTurn, DeleteSession, PruneOlderThan) return
// only after their change is committed and synced; concurrent writers share
// commits (group commit). Reads see the last committed state and never wait
// for the writer.
//
// Errors: storage full → RESOURCE_EXHAUSTED; read-only, busy/locked, cannot
// open or reach the server, I/O error → UNAVAILABLE; damaged data →
// DATA_LOSS. A failed write is
// rolled back without affecting other writes, and reads keep working.
//
// All methods are thread-safe. Destroying the store finishes queued writes.
#ifndef AGENTD_DB_SESSION_STORE_H_
#define AGENTD_DB_SESSION_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentd/v1/orchestrator.pb.h"
#include "agentd/v1/review.pb.h"
#include "db/group_writer.h"
#include "db/turn_codec.h"
#include "db/turn_record.h"

namespace agentd {

using StoreCommit = GroupCommit;

struct StoreOptions {
  // A postgresql:// or postgres:// URL (libpq's form, e.g.
  // postgresql://agentd@db:5432/agentd?sslmode=require) selects PostgreSQL;
  // anything else is a SQLite file path (parent directories are created).
  std::string path;
  // Connections that serve reads (the pool; the writer has one more).
  int reader_connections = 4;
  // Wait for a lock held by another process (SQLite) or transaction
  // (PostgreSQL lock_timeout) before the write fails with UNAVAILABLE.
  int busy_timeout_ms = 5000;
  // Extra wait to grow a group; 0 = commit what is queued.
  absl::Duration max_batch_delay = absl::ZeroDuration();
  int max_batch_size = 256;
  // Quota on the database file (PRAGMA max_page_count); writes past it fail
  // with RESOURCE_EXHAUSTED like a full disk. 0 = no quota. SQLite only:
  // on PostgreSQL, Open refuses it (use the server's own limits).
  int64_t max_database_bytes = 0;
  // Compress turn bodies with the shipped zstd dictionary (db/turn_codec.h).
  // Either way the store reads both forms.
  bool compress_turns = true;
  // Merges a stored turn's review again on read (GetSession): the
  // orchestrator's merger, by the version recorded with the turn. Without
  // it, reading a turn is FAILED_PRECONDITION.
  ReviewMerger merge_review;
  // Source of created/updated timestamps; tests inject a fake clock.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // Told of each write transaction, on the writer thread (GroupCommit:
  // latency, group size, turns, whether the store could write). May be empty.
  std::function<void(const StoreCommit&)> on_commit;
};

class SessionStore {
 public:
  // Opens (creating if needed) the store at options.path — a SQLite file or
  // a PostgreSQL URL — and migrates it to the newest schema this binary
  // knows. FAILED_PRECONDITION if the schema is newer than that; DATA_LOSS
  // if a SQLite file is not a database or is damaged (checked whole before
  // serving); UNAVAILABLE if it cannot be opened for writing or the server
  // cannot be reached.
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(StoreOptions options);

  virtual ~SessionStore() = default;

  // A new session owned by `principal`, with no turns yet. `facts` (and their
  // provenance, `sources`: one Fact per field set) are stored as the
  // session's facts, so its first turn builds on them as on an earlier turn's.
  virtual absl::StatusOr<v1::Session> CreateSession(std::string_view principal, std::string_view title,
                                                    const v1::Requirements& facts,
                                                    const std::vector<v1::Fact>& sources = {}) = 0;
  // Session header with facts and turn_count; NOT_FOUND for an unknown id or
  // another principal's.
  virtual absl::StatusOr<v1::Session> LoadSession(std::string_view principal,
                                                  std::string_view session_id) = 0;
  // The provenance of the session's facts, as stored by the last turn.
  virtual absl::StatusOr<std::vector<v1::Fact>> LoadSessionFactSources(std::string_view principal,
                                                                       std::string_view session_id) = 0;
  // Appends the turn durably (group commit); returns its seq (1-based).
  // Returns only after COMMIT. NOT_FOUND if the session is not the
  // principal's; ALREADY_EXISTS if create_session and the id is taken.
  virtual absl::StatusOr<int> AppendTurn(const TurnRecord& turn) = 0;
  // The same in two steps, for callers that must not block a thread on the
  // fsync: EncodeTurn serializes the record, moving its messages;
  // AppendTurnAsync queues it and returns at once. `done` gets the seq or
  // the error, exactly once, on the writer thread after the COMMIT (or on
  // the calling thread if the store is shutting down): keep it short and
  // hand real work to another thread.
  // (EncodeTurn compresses as options.compress_turns says.)
  virtual absl::StatusOr<EncodedTurn> EncodeTurn(TurnRecord turn) const = 0;
  // The same, leaving `*turn` as it was (its messages are lent to the
  // encoder, not copied).
  virtual absl::StatusOr<EncodedTurn> EncodeTurnKeeping(TurnRecord* turn) const = 0;
  virtual void AppendTurnAsync(EncodedTurn turn, std::function<void(absl::StatusOr<int>)> done) = 0;
  // The session and one page of its turns, oldest first, each with its
  // review merged again (options.merge_review). page_size 0 = 50, at most
  // 1000; the token comes from a previous response.
  virtual absl::StatusOr<v1::GetSessionResponse> GetSession(std::string_view principal,
                                                            std::string_view session_id, int page_size,
                                                            std::string_view page_token) = 0;
  // The principal's sessions, most recently updated first; title_filter is a
  // case-insensitive substring ("" = all). A page also ends at about
  // paging::kMaxPageBytes (db/paging.h).
  virtual absl::StatusOr<v1::ListSessionsResponse> ListSessions(std::string_view principal,
                                                                int page_size,
                                                                std::string_view page_token,
                                                                std::string_view title_filter) = 0;
  // The session and the one turn that `principal` stored with `request_id`
  // (TurnRecord::request_id); NOT_FOUND if there is none. (principal,
  // request_id) is unique: AppendTurn of a second such turn is ALREADY_EXISTS.
  virtual absl::StatusOr<v1::GetSessionResponse> FindRequest(std::string_view principal,
                                                             std::string_view request_id) = 0;
  // The agents' own answers in turn `seq`, in the order they ran.
  virtual absl::StatusOr<std::vector<AgentOutputRecord>> LoadAgentOutputs(std::string_view principal,
                                                                          std::string_view session_id,
                                                                          int seq) = 0;
  // Removes the session with its turns and agent outputs.
  virtual absl::Status DeleteSession(std::string_view principal, std::string_view session_id) = 0;
  // Deletes sessions not updated since `cutoff`, in batches of `batch_size`
  // per transaction (so serving is never blocked for long). Returns how many.
  virtual absl::StatusOr<int64_t> PruneOlderThan(absl::Time cutoff, int batch_size = 500) = 0;

  // For tests and metrics: transactions committed by the writer, turns written.
  struct Stats {
    int64_t commits;
    int64_t turns;
  };
  virtual Stats stats() const = 0;

  // A write transaction that changes nothing but must reach the disk: OK
  // when the store can write now (the server's health probe).
  virtual absl::Status ProbeWrite() = 0;
};

// A new session id: a UUIDv7 (RFC 9562; lowercase hex with dashes), the
// Unix milliseconds of `now` in its first 48 bits and 74 random bits after.
// Ids made later sort after earlier ones, so a new session's rows land at
// the right-hand end of the indexes keyed by session id: a group commit of
// new sessions dirties a few shared index pages instead of one random page
// per index and turn (WAL frames per new-session turn 5.0 -> 1.65 in a
// 20,000-session SQLite file, groups of 32). Unguessability does not guard
// a session: another principal's id reads as NOT_FOUND.
std::string NewSessionId(absl::Time now);
inline std::string NewSessionId() { return NewSessionId(absl::Now()); }

}  // namespace agentd

#endif  // AGENTD_DB_SESSION_STORE_H_
