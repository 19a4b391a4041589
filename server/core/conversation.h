// The earlier turns of a session as a language model sees them: each turn's
// question and what the agents answered, for model-backed agents
// (AgentRequest.history). Read from the session store only when a turn has
// such an agent; no other agent pays for it.
#ifndef AGENTD_SERVER_CORE_CONVERSATION_H_
#define AGENTD_SERVER_CORE_CONVERSATION_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agentd/v1/plugin.pb.h"
#include "db/session_store.h"

namespace agentd {

// The last `max_turns` turns of the session, oldest first. Each answer is the
// review's items as "- [agent] text" lines, at most `max_answer_bytes`.
absl::StatusOr<std::vector<v1::EarlierTurn>> LoadConversation(SessionStore& store, std::string_view principal,
                                                               std::string_view session_id, int max_turns,
                                                               size_t max_answer_bytes = 4096);

// One stored review as the answer text of LoadConversation.
std::string ReviewAsAnswer(const v1::Review& review, size_t max_bytes);

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_CONVERSATION_H_
