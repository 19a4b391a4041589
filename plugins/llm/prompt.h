// What a model-backed agent sends a chat-completions endpoint, and how it
// reads the answer back into an agentd.v1.AgentResponse.
//
// The prompt: the definition's body is the system message; the session's
// earlier turns are user/assistant pairs; the last user message holds the
// request, the facts with their sources, and the section ids the answer
// goes under. The answer is asked for as JSON matching AnswerSchema()
// (response_format) where the endpoint supports it; otherwise its Markdown
// is read leniently: headings name sections, list items and paragraphs are
// items, "Assumptions" / "Questions" / "Decisions" headings are those lists.
//
// Pure functions of their input; thread-safe.
#ifndef AGENTD_PLUGINS_LLM_PROMPT_H_
#define AGENTD_PLUGINS_LLM_PROMPT_H_

#include <string>
#include <string_view>
#include <vector>

#include "agentd/v1/plugin.pb.h"

namespace agentd::llm {

enum class ResponseFormat {
  kJsonSchema,  // response_format {"type":"json_schema", ...} (OpenAI, vLLM, llama.cpp, Ollama)
  kJsonObject,  // response_format {"type":"json_object"}
  kNone,        // no response_format: Markdown or JSON, read leniently
};

// Parses "json_schema" / "json_object" / "none"; false for anything else.
bool ParseResponseFormat(std::string_view text, ResponseFormat* format);

// One agent's fixed part of every request, built once.
struct AgentPrompt {
  std::string agent;
  std::string model;
  std::string system_prompt;             // the definition's body
  std::vector<std::string> section_ids;  // the definition's own sections; never empty
  std::string schema_json;               // AnswerSchema(section_ids), serialized
};

AgentPrompt MakeAgentPrompt(const v1::AgentDefinition& definition, std::string model);

// The JSON schema an answer is asked to match (section ids as an enum).
std::string AnswerSchema(const std::vector<std::string>& section_ids);

// The user message: the request, the facts with their sources, the sections.
std::string UserMessage(const AgentPrompt& prompt, const v1::AgentRequest& request);

// The whole chat-completions request body (streamed, usage included).
std::string ChatRequestBody(const AgentPrompt& prompt, const v1::AgentRequest& request, ResponseFormat format);

// Reads a model's answer (JSON as asked, else Markdown) into sections, items,
// decisions, assumptions and questions under the prompt's section ids. Text
// under an unknown heading goes to the first section. Never fails: an answer
// with no structure becomes the items of the first section.
v1::AgentResponse ParseAnswer(std::string_view content, const AgentPrompt& prompt);

// An earlier answer as text, for the conversation of a later turn.
std::string AnswerAsText(const v1::AgentResponse& response);

}  // namespace agentd::llm

#endif  // AGENTD_PLUGINS_LLM_PROMPT_H_
