#include "db/paging.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"

namespace agentd::paging {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

constexpr std::string_view kTurnTokenPrefix = "t1:";
constexpr std::string_view kSessionTokenPrefix = "s1:";

absl::Status InvalidToken() { return absl::InvalidArgumentError("page_token is not valid for this listing"); }

std::string EncodeToken(std::string_view plain) { return absl::BytesToHexString(AV(plain)); }

absl::StatusOr<std::string> DecodeToken(std::string_view token, std::string_view prefix) {
  if (token.size() % 2 != 0 || token.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return InvalidToken();
  }
  std::string plain = absl::HexStringToBytes(AV(token));
  if (plain.compare(0, prefix.size(), prefix) != 0) return InvalidToken();
  return plain.substr(prefix.size());
}

}  // namespace

absl::StatusOr<int> ResolvePageSize(int page_size) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(absl::StrCat("page_size must not be negative, got ", page_size));
  }
  if (page_size == 0) return kDefaultPageSize;
  return std::min(page_size, kMaxPageSize);
}

std::string TurnToken(int64_t seq) { return EncodeToken(absl::StrCat(AV(kTurnTokenPrefix), seq)); }

absl::StatusOr<int64_t> DecodeTurnToken(std::string_view token) {
  ASSIGN_OR_RETURN(std::string rest, DecodeToken(token, kTurnTokenPrefix));
  int64_t seq = 0;
  if (!absl::SimpleAtoi(rest, &seq) || seq < 0) return InvalidToken();
  return seq;
}

std::string SessionToken(const SessionPosition& last) {
  return EncodeToken(absl::StrCat(AV(kSessionTokenPrefix), last.updated_ms, ":", last.id));
}

absl::StatusOr<SessionPosition> DecodeSessionToken(std::string_view token) {
  ASSIGN_OR_RETURN(std::string rest, DecodeToken(token, kSessionTokenPrefix));
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(rest, absl::MaxSplits(':', 1));
  SessionPosition position;
  if (!absl::SimpleAtoi(parts.first, &position.updated_ms) || parts.second.empty()) {
    return InvalidToken();
  }
  position.id = std::string(parts.second);
  return position;
}

bool TurnsPageFull(v1::GetSessionResponse* page, int limit) {
  if (page->turns_size() < limit) return false;
  page->set_next_page_token(TurnToken(page->turns(page->turns_size() - 1).seq()));
  return true;
}

bool SessionsPageFull(v1::ListSessionsResponse* page, int limit, size_t bytes) {
  if (page->sessions_size() == 0 || (page->sessions_size() < limit && bytes < kMaxPageBytes)) return false;
  const v1::Session& last = page->sessions(page->sessions_size() - 1);
  page->set_next_page_token(SessionToken({last.updated_unix_ms(), last.id()}));
  return true;
}

std::string LikeSubstringPattern(std::string_view needle) {
  std::string pattern = "%";
  for (char c : needle) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern.push_back('%');
  return pattern;
}

}  // namespace agentd::paging
