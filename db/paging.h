// Page sizes and page tokens of the session store's listings. Backend-
// neutral: a token from one backend means the same position in another.
//
// Tokens are hex so that callers treat them as opaque; a prefix says which
// listing a token belongs to ("t1:" turns by seq, "s1:" sessions by
// (updated_ms, id)). Thread-safe (pure functions).
#ifndef AGENTD_DB_PAGING_H_
#define AGENTD_DB_PAGING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agentd/v1/orchestrator.pb.h"

namespace agentd::paging {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;
// A ListSessions page ends once its sessions hold this many bytes, whatever
// its page size (a page always holds at least one session).
inline constexpr size_t kMaxPageBytes = 1 << 20;

// 0 → kDefaultPageSize; capped at kMaxPageSize; INVALID_ARGUMENT if negative.
absl::StatusOr<int> ResolvePageSize(int page_size);

// Turns: the token after the turn `seq`, and back (INVALID_ARGUMENT if it is
// not a turn token).
std::string TurnToken(int64_t seq);
absl::StatusOr<int64_t> DecodeTurnToken(std::string_view token);

// Sessions, newest first: the position of the last session of a page.
struct SessionPosition {
  int64_t updated_ms;
  std::string id;
};
std::string SessionToken(const SessionPosition& last);
absl::StatusOr<SessionPosition> DecodeSessionToken(std::string_view token);

// Called by a backend before it adds each row its listing query returned
// (the query asks for one row more than `limit`): true when `page` is
// already full, and then the page's next_page_token is set. A sessions
// page is also full at kMaxPageBytes (`bytes` holds so far).
bool TurnsPageFull(v1::GetSessionResponse* page, int limit);
bool SessionsPageFull(v1::ListSessionsResponse* page, int limit, size_t bytes);

// `%needle%` for SQL LIKE … ESCAPE '\' with the wildcards of `needle` taken
// literally.
std::string LikeSubstringPattern(std::string_view needle);

}  // namespace agentd::paging

#endif  // AGENTD_DB_PAGING_H_
