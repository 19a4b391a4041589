// SqliteSessionStore: the SessionStore in one SQLite database file (WAL mode,
// synchronous=FULL, schema migrated at Open; see db/sqlite_schema.h).
//
// Writes go through a GroupWriter (db/group_writer.h) that owns the one
// read-write connection's thread; turns are encoded (db/turn_codec.h) on the
// caller's thread so the writer only runs SQL (db/sqlite_queries.h). Reads
// use a small pool of read-only connections and never wait for the writer.
//
// SQLite errors map as db/sqlite_connection.h's SqliteError says.
// Thread-safe; the destructor finishes the queued writes.
#ifndef AGENTD_DB_SQLITE_SESSION_STORE_H_
#define AGENTD_DB_SQLITE_SESSION_STORE_H_

#include <memory>

#include "db/group_writer.h"
#include "db/session_store.h"
#include "db/sqlite_connection.h"

namespace agentd {

class SqliteSessionStore final : public SessionStore {
 public:
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(StoreOptions options);
  ~SqliteSessionStore() override;

  absl::StatusOr<v1::Session> CreateSession(std::string_view principal, std::string_view title,
                                            const v1::Requirements& facts,
                                            const std::vector<v1::Fact>& sources) override;
  absl::StatusOr<v1::Session> LoadSession(std::string_view principal, std::string_view session_id) override;
  absl::StatusOr<std::vector<v1::Fact>> LoadSessionFactSources(std::string_view principal,
                                                               std::string_view session_id) override;
  absl::StatusOr<int> AppendTurn(const TurnRecord& turn) override;
  absl::StatusOr<EncodedTurn> EncodeTurn(TurnRecord turn) const override;
  void AppendTurnAsync(EncodedTurn turn, std::function<void(absl::StatusOr<int>)> done) override;
  absl::StatusOr<v1::GetSessionResponse> GetSession(std::string_view principal, std::string_view session_id,
                                                    int page_size, std::string_view page_token) override;
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(std::string_view principal, int page_size,
                                                        std::string_view page_token,
                                                        std::string_view title_filter) override;
  absl::StatusOr<v1::GetSessionResponse> FindRequest(std::string_view principal,
                                                     std::string_view request_id) override;
  absl::StatusOr<std::vector<AgentOutputRecord>> LoadAgentOutputs(std::string_view principal,
                                                                  std::string_view session_id,
                                                                  int seq) override;
  absl::Status DeleteSession(std::string_view principal, std::string_view session_id) override;
  absl::StatusOr<int64_t> PruneOlderThan(absl::Time cutoff, int batch_size) override;
  Stats stats() const override;
  absl::Status ProbeWrite() override;

 private:
  class WriterTransaction;
  SqliteSessionStore(StoreOptions options, std::unique_ptr<sqlite::Connection> writer,
                     std::unique_ptr<sqlite::ReaderPool> readers);
  int64_t NowMs() const;

  const StoreOptions options_;
  std::unique_ptr<sqlite::Connection> writer_conn_;  // used on the writer thread only
  std::unique_ptr<sqlite::ReaderPool> readers_;
  std::unique_ptr<WriterTransaction> transaction_;
  std::unique_ptr<GroupWriter> writer_;  // last: stopped (drained) first
};

}  // namespace agentd

#endif  // AGENTD_DB_SQLITE_SESSION_STORE_H_
