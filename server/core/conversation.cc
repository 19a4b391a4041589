#include "server/core/conversation.h"

#include <deque>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace agentd {

std::string ReviewAsAnswer(const v1::Review& review, size_t max_bytes) {
  std::string answer;
  for (const v1::Section& section : review.sections()) {
    for (const v1::Item& item : section.items()) {
      std::string line = absl::StrCat("- [", item.agent(), "] ", item.text(), "\n");
      if (answer.size() + line.size() > max_bytes) return answer;
      answer += line;
    }
  }
  for (const v1::Decision& d : review.decisions()) {
    std::string line = absl::StrCat("- [", d.agent(), "] decided ", d.key(), " = ", d.value(), "\n");
    if (answer.size() + line.size() > max_bytes) return answer;
    answer += line;
  }
  return answer;
}

absl::StatusOr<std::vector<v1::EarlierTurn>> LoadConversation(SessionStore& store, std::string_view principal,
                                                               std::string_view session_id, int max_turns,
                                                               size_t max_answer_bytes) {
  std::deque<v1::EarlierTurn> last;
  std::string token;
  do {
    ASSIGN_OR_RETURN(v1::GetSessionResponse page, store.GetSession(principal, session_id, 200, token));
    for (const v1::Turn& turn : page.turns()) {
      v1::EarlierTurn earlier;
      earlier.set_text(turn.request().text());
      earlier.set_answer(ReviewAsAnswer(turn.review(), max_answer_bytes));
      last.push_back(std::move(earlier));
      if (static_cast<int>(last.size()) > max_turns) last.pop_front();
    }
    token = page.next_page_token();
  } while (!token.empty());
  return std::vector<v1::EarlierTurn>(std::make_move_iterator(last.begin()), std::make_move_iterator(last.end()));
}

}  // namespace agentd
