// Checks what an out-of-process plugin answered before the host trusts it.
// A plugin in another process may be written in any language, by anyone,
// and may be buggy: whatever it sends becomes either a valid answer or a
// clear failed run, never a crash or a malformed review.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_ANSWER_CHECK_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_ANSWER_CHECK_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agentd/v1/plugin.pb.h"

namespace agentd {

// What an agent's answer may contain.
struct AnswerLimits {
  std::string agent;               // the agent asked; an answer naming another fails
  std::set<std::string> sections;  // section ids it may answer in (its definition's and Describe's)
  int max_items = 1000;            // items over all sections, assumptions and questions
  int max_text_bytes = 16 * 1024;  // one item's text, a decision's value or rationale
};

// OK, or INTERNAL with a short message naming the agent and what is wrong
// (the plugin's bug, not the caller's). Fills an empty `agent` field in.
absl::Status CheckAnswer(const AnswerLimits& limits, v1::AgentResponse* response);

// A short, printable excerpt of a plugin's message for a run's error.
std::string Excerpt(absl::string_view text, size_t max_bytes = 200);

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_ANSWER_CHECK_H_
