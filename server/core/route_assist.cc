#include "server/core/route_assist.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "plugins/llm/chat_client.h"

namespace agentd {
namespace {

using nlohmann::json;

std::string AgentCardText(const v1::AgentDefinition& def) {
  std::string text = absl::StrCat("## ", def.name(), "\n", def.description(), "\n");
  if (def.use_when_size() > 0) {
    absl::StrAppend(&text, "Use when:\n");
    for (const std::string& rule : def.use_when()) absl::StrAppend(&text, "- ", rule, "\n");
  }
  if (def.not_for_size() > 0) {
    absl::StrAppend(&text, "Not for:\n");
    for (const v1::ScopeExclusion& rule : def.not_for()) {
      absl::StrAppend(&text, "- ", rule.text(), rule.redirect().empty() ? "" : absl::StrCat(" (use ", rule.redirect(), ")"),
                      "\n");
    }
  }
  return text;
}

// The agents the model named, in its order, hosted ones only; `reason` gets
// its explanation. Reads the JSON asked for, else agent names in the text.
std::vector<std::string> ReadChoice(const std::string& answer, const std::vector<std::string>& hosted,
                                    std::string* reason) {
  std::vector<std::string> chosen;
  auto add = [&](const std::string& name) {
    if (std::find(hosted.begin(), hosted.end(), name) != hosted.end() &&
        std::find(chosen.begin(), chosen.end(), name) == chosen.end()) {
      chosen.push_back(name);
    }
  };
  size_t open = answer.find('{'), close = answer.rfind('}');
  json doc = open == std::string::npos || close == std::string::npos || close < open
                 ? json()
                 : json::parse(answer.substr(open, close - open + 1), nullptr, /*allow_exceptions=*/false);
  if (doc.is_object() && doc.contains("agents") && doc["agents"].is_array()) {
    for (const json& a : doc["agents"]) {
      if (a.is_string()) add(a.get<std::string>());
    }
    if (doc.contains("reason") && doc["reason"].is_string()) *reason = doc["reason"].get<std::string>();
    return chosen;
  }
  std::vector<std::pair<size_t, std::string>> found;  // lenient: names in order of appearance
  for (const std::string& name : hosted) {
    size_t at = answer.find(name);
    if (at != std::string::npos) found.emplace_back(at, name);
  }
  std::sort(found.begin(), found.end());
  for (const auto& [at, name] : found) add(name);
  *reason = answer.substr(0, 500);
  return chosen;
}

// The lexical evidence about `agent` in the decision, if any.
const google::protobuf::RepeatedPtrField<v1::RouteReason>* LexicalReasons(const v1::RouteDecision& lexical,
                                                                          const std::string& agent,
                                                                          double* score) {
  for (const v1::RouteChoice& c : lexical.selected()) {
    if (c.agent() != agent) continue;
    *score = c.score();
    return &c.reasons();
  }
  for (const v1::RouteRejection& r : lexical.rejected()) {
    if (r.agent() != agent) continue;
    *score = r.score();
    return &r.reasons();
  }
  return nullptr;
}

}  // namespace

RouteAssist::RouteAssist(RouteAssistOptions options, const std::vector<v1::AgentDefinition>& hosted)
    : options_(std::move(options)) {
  system_prompt_ =
      "You route requests to expert agents. Choose the hosted agents whose scope covers the request, "
      "primary first, from their descriptions and scope rules below. Choose none when no agent's scope "
      "covers it. Answer in JSON: {\"agents\": [names], \"reason\": \"one sentence\"}.\n\n";
  for (const v1::AgentDefinition& def : hosted) {
    agents_.push_back(def.name());
    absl::StrAppend(&system_prompt_, AgentCardText(def), "\n");
  }
  llm::ChatEndpoint endpoint;
  endpoint.base_url = options_.base_url;
  endpoint.api_key = options_.api_key;
  endpoint.max_retries = options_.max_retries;
  client_ = std::make_unique<llm::ChatClient>(std::move(endpoint));
}

RouteAssist::~RouteAssist() = default;

double RouteAssist::LexicalConfidence(const v1::RouteDecision& decision) {
  if (decision.selected().empty() || decision.fallback_used()) return 0.0;
  const double top = decision.selected(0).score();
  if (top <= 0) return 0.0;
  double runner_up = 0;
  for (const v1::RouteRejection& r : decision.rejected()) runner_up = std::max(runner_up, r.score());
  for (const v1::UnhostedAgent& u : decision.unhosted()) runner_up = std::max(runner_up, u.score());
  return std::clamp((top - runner_up) / top, 0.0, 1.0);
}

void RouteAssist::Apply(const std::string& text, bool named_agents, v1::RouteDecision* decision) const {
  if (named_agents) return;
  const double confidence = LexicalConfidence(*decision);
  if (confidence >= options_.threshold) return;

  v1::RouteAssist assist;
  assist.set_model(options_.model);
  assist.set_lexical_confidence(confidence);
  assist.set_threshold(options_.threshold);
  assist.set_question(absl::StrCat("Request:\n", text));
  *assist.mutable_lexical() = decision->selected();
  json schema = {{"type", "object"},
                 {"properties", {{"agents", {{"type", "array"}, {"items", {{"type", "string"}, {"enum", agents_}}}}},
                                 {"reason", {{"type", "string"}}}}},
                 {"required", {"agents", "reason"}}};
  json body = {{"model", options_.model},
               {"messages", {{{"role", "system"}, {"content", system_prompt_}},
                             {{"role", "user"}, {"content", assist.question()}}}},
               {"stream", false},
               {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "route"}, {"schema", schema}}}}}};
  llm::ChatCall call;
  call.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  call.deadline = absl::Now() + options_.timeout;
  absl::StatusOr<llm::ChatResult> result = client_->Complete(call);
  const std::string lexical_summary = decision->summary();
  if (!result.ok()) {
    assist.set_note(absl::StrCat("the model was not reachable (", absl::StatusCodeToString(result.status().code()),
                                 ": ", result.status().message(), "); the lexical decision stands"));
    decision->set_summary(absl::StrCat(lexical_summary, " [route assist: model unreachable, lexical decision stands]"));
    *decision->mutable_assist() = std::move(assist);
    return;
  }
  assist.set_answer(result->content.substr(0, 2000));
  assist.mutable_usage()->set_model(result->model.empty() ? options_.model : result->model);
  assist.mutable_usage()->set_prompt_tokens(result->prompt_tokens);
  assist.mutable_usage()->set_completion_tokens(result->completion_tokens);
  assist.mutable_usage()->set_attempts(result->attempts);
  std::string reason;
  std::vector<std::string> chosen = ReadChoice(result->content, agents_, &reason);
  const bool says_none = chosen.empty() && absl::StrContains(result->content, "\"agents\"");
  if (chosen.empty() && !says_none) {
    assist.set_note("the model's answer named no hosted agent; the lexical decision stands");
    decision->set_summary(absl::StrCat(lexical_summary, " [route assist: no usable answer, lexical decision stands]"));
    *decision->mutable_assist() = std::move(assist);
    return;
  }
  v1::RouteDecision lexical = *decision;
  decision->clear_selected();
  decision->clear_rejected();
  decision->set_fallback_used(false);
  for (const std::string& agent : chosen) {
    v1::RouteChoice* choice = decision->add_selected();
    choice->set_agent(agent);
    v1::RouteReason* why = choice->add_reasons();
    why->set_kind("model");
    why->set_rule(reason);
    double score = 0;
    if (const auto* reasons = LexicalReasons(lexical, agent, &score)) {
      choice->set_score(score);
      for (const v1::RouteReason& r : *reasons) *choice->add_reasons() = r;
    }
  }
  for (const v1::RouteChoice& c : lexical.selected()) {  // lexical picks the model left out
    if (std::find(chosen.begin(), chosen.end(), c.agent()) != chosen.end()) continue;
    v1::RouteRejection* r = decision->add_rejected();
    r->set_agent(c.agent());
    r->set_why("the model chose other agents");
    r->set_score(c.score());
    *r->mutable_reasons() = c.reasons();
  }
  for (const v1::RouteRejection& r : lexical.rejected()) {
    if (std::find(chosen.begin(), chosen.end(), r.agent()) == chosen.end()) *decision->add_rejected() = r;
  }
  assist.set_decided(true);
  decision->set_summary(absl::StrFormat("model chose %s (lexical confidence %.2f < %.2f): %s",
                                        chosen.empty() ? "no agent" : absl::StrJoin(chosen, ", "), confidence,
                                        options_.threshold, reason.substr(0, 300)));
  *decision->mutable_assist() = std::move(assist);
}

}  // namespace agentd
