#include "db/session_store_base.h"

#include <limits>
#include <utility>

#include "common/status_macros.h"

namespace agentd {
namespace {

absl::Status RequireIds(std::string_view principal, std::string_view session_id) {
  if (principal.empty()) return absl::InvalidArgumentError("principal is required");
  if (session_id.empty()) return absl::InvalidArgumentError("session_id is required");
  return absl::OkStatus();
}

}  // namespace

SessionStoreBase::SessionStoreBase(StoreOptions options, std::string name)
    : options_(std::move(options)), name_(std::move(name)) {}

SessionStoreBase::~SessionStoreBase() { StopWriter(); }

absl::Status SessionStoreBase::CheckOptions(const StoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("session store path is required");
  if (options.reader_connections < 1) {
    return absl::InvalidArgumentError("the store's connection pool needs at least 1 connection");
  }
  if (options.max_batch_size < 1) return absl::InvalidArgumentError("max_batch_size must be at least 1");
  if (options.busy_timeout_ms < 0) return absl::InvalidArgumentError("busy_timeout_ms must not be negative");
  return absl::OkStatus();
}

void SessionStoreBase::StartWriter(GroupTransaction* transaction) {
  GroupWriterOptions group;
  group.max_batch_delay = options_.max_batch_delay;
  group.max_batch_size = options_.max_batch_size;
  group.name = name_;
  group.on_group = options_.on_commit;
  writer_ = std::make_unique<GroupWriter>(transaction, std::move(group));
}

void SessionStoreBase::StopWriter() { writer_.reset(); }

SessionStore::Stats SessionStoreBase::stats() const {
  GroupWriter::Stats s = writer_->stats();
  return Stats{s.commits, s.turns};
}

int64_t SessionStoreBase::NowMs() const { return absl::ToUnixMillis(options_.clock()); }

// ---- writes -----------------------------------------------------------------

absl::StatusOr<v1::Session> SessionStoreBase::CreateSession(std::string_view principal, std::string_view title,
                                                            const v1::Requirements& facts,
                                                            const std::vector<v1::Fact>& sources) {
  if (principal.empty()) return absl::InvalidArgumentError("principal is required");
  v1::Session session;
  session.set_id(NewSessionId());
  session.set_title(std::string(title));
  *session.mutable_facts() = facts;
  std::string facts_blob = EncodeFacts(facts, sources);
  ASSIGN_OR_RETURN(int64_t created_ms, writer_->Write(0, [&]() -> absl::StatusOr<int64_t> {
    int64_t now = NowMs();
    RETURN_IF_ERROR(WriteSession(session.id(), principal, session.title(), facts_blob, now));
    return now;
  }));
  session.set_created_unix_ms(created_ms);
  session.set_updated_unix_ms(created_ms);
  return session;
}

absl::StatusOr<EncodedTurn> SessionStoreBase::EncodeTurn(TurnRecord turn) const {
  RETURN_IF_ERROR(RequireIds(turn.principal, turn.session_id));
  return agentd::EncodeTurn(std::move(turn), options_.compress_turns);
}

absl::StatusOr<EncodedTurn> SessionStoreBase::EncodeTurnKeeping(TurnRecord* turn) const {
  RETURN_IF_ERROR(RequireIds(turn->principal, turn->session_id));
  return agentd::EncodeTurnKeeping(turn, options_.compress_turns);
}

absl::StatusOr<int> SessionStoreBase::AppendTurn(const TurnRecord& turn) {
  RETURN_IF_ERROR(RequireIds(turn.principal, turn.session_id));
  const EncodedTurn encoded = agentd::EncodeTurn(turn, options_.compress_turns);
  ASSIGN_OR_RETURN(int64_t seq, writer_->Write(1, [&] { return WriteTurn(encoded, NowMs()); }));
  return static_cast<int>(seq);
}

void SessionStoreBase::AppendTurnAsync(EncodedTurn turn, std::function<void(absl::StatusOr<int>)> done) {
  auto shared = std::make_shared<EncodedTurn>(std::move(turn));
  writer_->WriteAsync(
      1, [this, shared] { return WriteTurn(*shared, NowMs()); },
      [done = std::move(done)](absl::StatusOr<int64_t> seq) {
        if (seq.ok()) {
          done(static_cast<int>(*seq));
        } else {
          done(seq.status());
        }
      });
}

absl::Status SessionStoreBase::ProbeWrite() {
  return writer_
      ->Write(0,
              [&]() -> absl::StatusOr<int64_t> {
                RETURN_IF_ERROR(WriteProbe());
                return 0;
              })
      .status();
}

absl::Status SessionStoreBase::DeleteSession(std::string_view principal, std::string_view session_id) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  return writer_
      ->Write(0,
              [&]() -> absl::StatusOr<int64_t> {
                RETURN_IF_ERROR(WriteDeleteSession(principal, session_id));
                return 1;
              })
      .status();
}

absl::StatusOr<int64_t> SessionStoreBase::PruneOlderThan(absl::Time cutoff, int batch_size) {
  if (batch_size < 1) return absl::InvalidArgumentError("batch_size must be at least 1");
  const int64_t cutoff_ms = absl::ToUnixMillis(cutoff);
  int64_t total = 0;
  for (;;) {
    // One batch per queued write: turns queued meanwhile commit in between.
    ASSIGN_OR_RETURN(int64_t deleted, writer_->Write(0, [&] { return WritePruneBatch(cutoff_ms, batch_size); }));
    total += deleted;
    if (deleted < batch_size) return total;
  }
}

// ---- reads ------------------------------------------------------------------

absl::StatusOr<v1::Session> SessionStoreBase::LoadSession(std::string_view principal,
                                                          std::string_view session_id) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  return ReadSession(principal, session_id, nullptr);
}

absl::StatusOr<std::vector<v1::Fact>> SessionStoreBase::LoadSessionFactSources(std::string_view principal,
                                                                               std::string_view session_id) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  v1::Review facts;
  RETURN_IF_ERROR(ReadSession(principal, session_id, &facts).status());
  return std::vector<v1::Fact>(facts.facts().begin(), facts.facts().end());
}

absl::StatusOr<v1::GetSessionResponse> SessionStoreBase::FindRequest(std::string_view principal,
                                                                     std::string_view request_id) {
  RETURN_IF_ERROR(RequireIds(principal, request_id));
  return ReadTurnByRequest(principal, request_id);
}

absl::StatusOr<std::vector<AgentOutputRecord>> SessionStoreBase::LoadAgentOutputs(std::string_view principal,
                                                                                  std::string_view session_id,
                                                                                  int seq) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  return ReadAgentOutputs(principal, session_id, seq);
}

absl::StatusOr<v1::GetSessionResponse> SessionStoreBase::GetSession(std::string_view principal,
                                                                    std::string_view session_id, int page_size,
                                                                    std::string_view page_token) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  ASSIGN_OR_RETURN(int limit, paging::ResolvePageSize(page_size));
  int64_t after_seq = 0;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after_seq, paging::DecodeTurnToken(page_token));
  }
  return ReadTurnsPage(principal, session_id, after_seq, limit);
}

absl::StatusOr<v1::ListSessionsResponse> SessionStoreBase::ListSessions(std::string_view principal,
                                                                        int page_size,
                                                                        std::string_view page_token,
                                                                        std::string_view title_filter) {
  if (principal.empty()) return absl::InvalidArgumentError("principal is required");
  ASSIGN_OR_RETURN(int limit, paging::ResolvePageSize(page_size));
  paging::SessionPosition after{std::numeric_limits<int64_t>::max(), ""};
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after, paging::DecodeSessionToken(page_token));
  }
  return ReadSessionsPage(principal, after, limit, title_filter);
}

}  // namespace agentd
