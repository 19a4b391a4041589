#include "plugins/llm/prompt.h"

#include <cctype>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace agentd::llm {
namespace {

using nlohmann::json;

// "api_design" → "API Design"-ish: words capitalised (the merger has the
// real headings; this only helps the model name its sections).
std::string HeadingFor(const std::string& id) {
  std::string heading;
  bool start = true;
  for (char c : id) {
    if (c == '_' || c == '-') {
      heading.push_back(' ');
      start = true;
      continue;
    }
    heading.push_back(start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    start = false;
  }
  return heading;
}

std::string FactSource(const v1::Fact& fact) {
  switch (fact.source()) {
    case v1::Fact::SOURCE_TEXT:
      return absl::StrCat("read from the request: \"", fact.quote(), "\"");
    case v1::Fact::SOURCE_FIELD:
      return "given by the caller as a structured field";
    case v1::Fact::SOURCE_SESSION:
      return fact.quote().empty() ? absl::StrCat("from turn ", fact.turn())
                                  : absl::StrCat("from turn ", fact.turn(), ": \"", fact.quote(), "\"");
    default:
      return "source not recorded";
  }
}

}  // namespace

bool ParseResponseFormat(std::string_view text, ResponseFormat* format) {
  if (text == "json_schema") *format = ResponseFormat::kJsonSchema;
  else if (text == "json_object") *format = ResponseFormat::kJsonObject;
  else if (text == "none") *format = ResponseFormat::kNone;
  else return false;
  return true;
}

std::string AnswerSchema(const std::vector<std::string>& section_ids) {
  json text_list = {{"type", "array"}, {"items", {{"type", "string"}}}};
  json item = {{"type", "object"},
               {"properties", {{"text", {{"type", "string"}}}, {"rationale", {{"type", "string"}}}}},
               {"required", {"text"}}};
  json section = {{"type", "object"},
                  {"properties", {{"id", {{"type", "string"}, {"enum", section_ids}}},
                                  {"items", {{"type", "array"}, {"items", item}}}}},
                  {"required", {"id", "items"}}};
  json decision = {{"type", "object"},
                   {"properties", {{"key", {{"type", "string"}}},
                                   {"value", {{"type", "string"}}},
                                   {"rationale", {{"type", "string"}}},
                                   {"confidence", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}}},
                   {"required", {"key", "value"}}};
  json schema = {{"type", "object"},
                 {"properties", {{"summary", {{"type", "string"}}},
                                 {"sections", {{"type", "array"}, {"items", section}}},
                                 {"decisions", {{"type", "array"}, {"items", decision}}},
                                 {"assumptions", text_list},
                                 {"questions", text_list}}},
                 {"required", {"summary", "sections"}}};
  return schema.dump();
}

AgentPrompt MakeAgentPrompt(const v1::AgentDefinition& definition, std::string model) {
  AgentPrompt prompt;
  prompt.agent = definition.name();
  prompt.model = std::move(model);
  prompt.system_prompt = definition.body();
  for (const std::string& id : definition.sections()) prompt.section_ids.push_back(id);
  if (prompt.section_ids.empty()) {  // a public file with no `sections:` answers under its own name
    std::string id;
    for (char c : definition.name()) id.push_back(c == '-' ? '_' : c);
    prompt.section_ids.push_back(id.empty() ? "notes" : id);
  }
  prompt.schema_json = AnswerSchema(prompt.section_ids);
  return prompt;
}

std::string UserMessage(const AgentPrompt& prompt, const v1::AgentRequest& request) {
  std::string message = absl::StrCat("Request:\n", request.text(), "\n");
  if (request.facts_size() > 0) {
    absl::StrAppend(&message, "\nFacts known so far, each with its source:\n");
    for (const v1::Fact& fact : request.facts()) {
      absl::StrAppend(&message, "- ", fact.field(), " = ", fact.value(), " (", FactSource(fact), ")\n");
    }
  }
  absl::StrAppend(&message, "\nAnswer as ", prompt.agent, ", under these section ids:");
  for (const std::string& id : prompt.section_ids) absl::StrAppend(&message, " ", id, " (", HeadingFor(id), ");");
  absl::StrAppend(&message,
                  "\nGive a one-line summary, items per section (each with its rationale), decisions "
                  "as key/value pairs where you make a choice, the assumptions you made, and the questions "
                  "you would ask next. When not answering in JSON, use one Markdown heading per section "
                  "and the headings Decisions (\"key: value\" lines), Assumptions and Questions.\n");
  return message;
}

std::string ChatRequestBody(const AgentPrompt& prompt, const v1::AgentRequest& request, ResponseFormat format) {
  json messages = json::array();
  messages.push_back({{"role", "system"}, {"content", prompt.system_prompt}});
  for (const v1::EarlierTurn& turn : request.history()) {
    messages.push_back({{"role", "user"}, {"content", turn.text()}});
    if (!turn.answer().empty()) messages.push_back({{"role", "assistant"}, {"content", turn.answer()}});
  }
  messages.push_back({{"role", "user"}, {"content", UserMessage(prompt, request)}});
  json body = {{"model", prompt.model},
               {"messages", std::move(messages)},
               {"stream", true},
               {"stream_options", {{"include_usage", true}}}};
  if (format == ResponseFormat::kJsonObject) body["response_format"] = {{"type", "json_object"}};
  std::string out = body.dump(-1, ' ', false, json::error_handler_t::replace);
  if (format == ResponseFormat::kJsonSchema) {  // the schema is serialized once, in MakeAgentPrompt
    out.pop_back();  // the closing '}'
    absl::StrAppend(&out, ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"agent_answer\",\"schema\":",
                    prompt.schema_json, "}}}");
  }
  return out;
}

std::string AnswerAsText(const v1::AgentResponse& response) {
  std::string text = response.summary();
  for (const v1::Section& section : response.sections()) {
    absl::StrAppend(&text, text.empty() ? "" : "\n", "## ", section.id(), "\n");
    for (const v1::Item& item : section.items()) absl::StrAppend(&text, "- ", item.text(), "\n");
  }
  for (const v1::Decision& d : response.decisions()) absl::StrAppend(&text, "Decision ", d.key(), ": ", d.value(), "\n");
  return text;
}

}  // namespace agentd::llm
