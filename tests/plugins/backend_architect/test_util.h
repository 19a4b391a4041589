// Helpers for the backend-architect engine tests: build a request, review
// facts stated as fields or in words, find a decision or section in a
// response.
#ifndef AGENTD_TESTS_PLUGINS_BACKEND_ARCHITECT_TEST_UTIL_H_
#define AGENTD_TESTS_PLUGINS_BACKEND_ARCHITECT_TEST_UTIL_H_

#include <string>

#include "agentd/v1/plugin.pb.h"

namespace agentd::backend_architect::testing {

v1::AgentRequest Request(const v1::Requirements& requirements, const std::string& text = "");
// The engine's review of `requirements` with the facts read from `text`
// beneath them, as the orchestrator layers them: the engine reads no text,
// so a situation a test states in words reaches it as a Requirements field,
// the way a caller's question does.
v1::AgentResponse ReviewOf(const v1::Requirements& requirements, const std::string& text = "");
// The value decided under `key`, or "<absent>".
std::string DecisionValue(const v1::AgentResponse& response, const std::string& key);
const v1::Decision* FindDecision(const v1::AgentResponse& response, const std::string& key);
const v1::Section* FindSection(const v1::AgentResponse& response, const std::string& id);
// All item texts (and rationales, labels, mitigations) of a section, joined by newlines.
std::string SectionText(const v1::AgentResponse& response, const std::string& id);
std::string QuestionsText(const v1::AgentResponse& response);
std::string AssumptionsText(const v1::AgentResponse& response);

}  // namespace agentd::backend_architect::testing

#endif  // AGENTD_TESTS_PLUGINS_BACKEND_ARCHITECT_TEST_UTIL_H_
