// SqliteSessionStore: the SessionStore in one SQLite database file (WAL mode,
// synchronous=FULL, schema migrated at Open; see db/sqlite_schema.h).
//
// What every backend shares (argument checks, page tokens, turn encoding,
// the group writer) is SessionStoreBase (db/session_store_base.h); this
// class adds the SQL (db/sqlite_queries.h) on one read-write connection,
// used by the writer thread only, and a small pool of read-only connections
// that serve reads without waiting for the writer.
//
// SQLite errors map as db/sqlite_connection.h's SqliteError says.
// Thread-safe; the destructor finishes the queued writes.
#ifndef AGENTD_DB_SQLITE_SESSION_STORE_H_
#define AGENTD_DB_SQLITE_SESSION_STORE_H_

#include <memory>

#include "db/session_store_base.h"
#include "db/sqlite_connection.h"

namespace agentd {

class SqliteSessionStore final : public SessionStoreBase {
 public:
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(StoreOptions options);
  ~SqliteSessionStore() override;

 private:
  class WriterTransaction;
  SqliteSessionStore(StoreOptions options, std::unique_ptr<sqlite::Connection> writer,
                     std::unique_ptr<sqlite::ReaderPool> readers);

  absl::Status WriteSession(std::string_view id, std::string_view principal, std::string_view title,
                            std::string_view facts_blob, int64_t now_ms) override;
  absl::StatusOr<int64_t> WriteTurn(const EncodedTurn& turn, int64_t now_ms) override;
  absl::Status WriteDeleteSession(std::string_view principal, std::string_view session_id) override;
  absl::StatusOr<int64_t> WritePruneBatch(int64_t cutoff_ms, int64_t limit) override;
  absl::Status WriteProbe() override;
  absl::StatusOr<v1::Session> ReadSession(std::string_view principal, std::string_view session_id,
                                          v1::Review* facts_out) override;
  absl::StatusOr<v1::GetSessionResponse> ReadTurnsPage(std::string_view principal, std::string_view session_id,
                                                       int64_t after_seq, int limit) override;
  absl::StatusOr<v1::ListSessionsResponse> ReadSessionsPage(std::string_view principal,
                                                            const paging::SessionPosition& after, int limit,
                                                            std::string_view title_filter) override;
  absl::StatusOr<v1::GetSessionResponse> ReadTurnByRequest(std::string_view principal,
                                                           std::string_view request_id) override;
  absl::StatusOr<std::vector<AgentOutputRecord>> ReadAgentOutputs(std::string_view principal,
                                                                  std::string_view session_id,
                                                                  int64_t seq) override;

  std::unique_ptr<sqlite::Connection> writer_conn_;  // used on the writer thread only
  std::unique_ptr<sqlite::ReaderPool> readers_;
  std::unique_ptr<WriterTransaction> transaction_;
};

}  // namespace agentd

#endif  // AGENTD_DB_SQLITE_SESSION_STORE_H_
