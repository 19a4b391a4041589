// SessionStoreBase: the backend-neutral half of a SessionStore, shared by
// SqliteSessionStore and PostgresSessionStore. It checks arguments, decodes
// page tokens (db/paging.h), encodes turns (db/turn_codec.h) on the
// caller's thread and runs every write through one GroupWriter
// (db/group_writer.h): one transaction per waiting group. A backend
// supplies only its SQL: the Write* hooks, which run on the writer thread
// inside the group's transaction, and the Read* hooks, which run on the
// calling thread with a connection of the backend's choosing.
//
// Thread-safe as SessionStore says. A backend starts the writer in its
// constructor (StartWriter) and stops it first thing in its destructor
// (StopWriter), while the connections the hooks use still exist.
#ifndef AGENTD_DB_SESSION_STORE_BASE_H_
#define AGENTD_DB_SESSION_STORE_BASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/group_writer.h"
#include "db/paging.h"
#include "db/session_store.h"

namespace agentd {

class SessionStoreBase : public SessionStore {
 public:
  ~SessionStoreBase() override;

  absl::StatusOr<v1::Session> CreateSession(std::string_view principal, std::string_view title,
                                            const v1::Requirements& facts,
                                            const std::vector<v1::Fact>& sources) final;
  absl::StatusOr<v1::Session> LoadSession(std::string_view principal, std::string_view session_id) final;
  absl::StatusOr<std::vector<v1::Fact>> LoadSessionFactSources(std::string_view principal,
                                                               std::string_view session_id) final;
  absl::StatusOr<int> AppendTurn(const TurnRecord& turn) final;
  absl::StatusOr<EncodedTurn> EncodeTurn(TurnRecord turn) const final;
  absl::StatusOr<EncodedTurn> EncodeTurnKeeping(TurnRecord* turn) const final;
  void AppendTurnAsync(EncodedTurn turn, std::function<void(absl::StatusOr<int>)> done) final;
  absl::StatusOr<v1::GetSessionResponse> GetSession(std::string_view principal, std::string_view session_id,
                                                    int page_size, std::string_view page_token) final;
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(std::string_view principal, int page_size,
                                                        std::string_view page_token,
                                                        std::string_view title_filter) final;
  absl::StatusOr<v1::GetSessionResponse> FindRequest(std::string_view principal,
                                                     std::string_view request_id) final;
  absl::StatusOr<std::vector<AgentOutputRecord>> LoadAgentOutputs(std::string_view principal,
                                                                  std::string_view session_id,
                                                                  int seq) final;
  absl::Status DeleteSession(std::string_view principal, std::string_view session_id) final;
  // Deletes in batches, each its own queued write. A backend may wrap it
  // (PostgreSQL runs it under an advisory lock).
  absl::StatusOr<int64_t> PruneOlderThan(absl::Time cutoff, int batch_size) override;
  Stats stats() const final;
  absl::Status ProbeWrite() final;

 protected:
  // `name` identifies the store in errors and logs (a path, or a URL
  // without credentials).
  SessionStoreBase(StoreOptions options, std::string name);

  // INVALID_ARGUMENT for options no backend can use (pool, batch size,
  // lock wait); a backend's Open checks them first.
  static absl::Status CheckOptions(const StoreOptions& options);

  // Starts the group writer on `transaction`, which must outlive it.
  void StartWriter(GroupTransaction* transaction);
  // Finishes the queued writes and stops the writer; idempotent.
  void StopWriter();

  const StoreOptions& options() const { return options_; }
  const std::string& name() const { return name_; }

  // ---- writes: on the writer thread, inside the group's transaction ----
  // A session with no turns; ALREADY_EXISTS if the id is taken.
  virtual absl::Status WriteSession(std::string_view id, std::string_view principal, std::string_view title,
                                    std::string_view facts_blob, int64_t now_ms) = 0;
  // The turn, one row (its session first if turn.create_session); its seq.
  // NOT_FOUND if the session is not the principal's.
  virtual absl::StatusOr<int64_t> WriteTurn(const EncodedTurn& turn, int64_t now_ms) = 0;
  // NOT_FOUND if there is no such session of the principal's.
  virtual absl::Status WriteDeleteSession(std::string_view principal, std::string_view session_id) = 0;
  // Up to `limit` sessions not updated since `cutoff_ms`; how many went.
  virtual absl::StatusOr<int64_t> WritePruneBatch(int64_t cutoff_ms, int64_t limit) = 0;
  // A change that must reach the disk but alters nothing (health probe).
  virtual absl::Status WriteProbe() = 0;

  // ---- reads: on the calling thread; never wait for the writer ----
  // `facts_out` (if set) gets the facts envelope with the provenance.
  virtual absl::StatusOr<v1::Session> ReadSession(std::string_view principal, std::string_view session_id,
                                                  v1::Review* facts_out) = 0;
  // The session and up to `limit` turns after `after_seq`, with the next
  // page token when there are more; reviews merged by options().merge_review.
  virtual absl::StatusOr<v1::GetSessionResponse> ReadTurnsPage(std::string_view principal,
                                                               std::string_view session_id,
                                                               int64_t after_seq, int limit) = 0;
  virtual absl::StatusOr<v1::ListSessionsResponse> ReadSessionsPage(std::string_view principal,
                                                                    const paging::SessionPosition& after,
                                                                    int limit,
                                                                    std::string_view title_filter) = 0;
  virtual absl::StatusOr<v1::GetSessionResponse> ReadTurnByRequest(std::string_view principal,
                                                                   std::string_view request_id) = 0;
  virtual absl::StatusOr<std::vector<AgentOutputRecord>> ReadAgentOutputs(std::string_view principal,
                                                                          std::string_view session_id,
                                                                          int64_t seq) = 0;

 private:
  int64_t NowMs() const;

  const StoreOptions options_;
  const std::string name_;
  std::unique_ptr<GroupWriter> writer_;
};

}  // namespace agentd

#endif  // AGENTD_DB_SESSION_STORE_BASE_H_
