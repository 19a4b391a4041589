// Model-assisted routing (--route_assist=llm): a stage after the lexical
// router. When the router is unsure of a decision, a language model chooses
// among the hosted agents from their descriptions and scope rules.
//
// Unsure means: the lexical confidence (LexicalConfidence below) is under
// the user's threshold. Requests that name their agents are never sent.
// The decision keeps what happened in RouteDecision.assist: that the model
// decided, the question it was asked, its answer, and the lexical choice
// beside it. When the model cannot be reached or its answer names no hosted
// agent, the lexical decision stands and assist.note (and the summary) says so.
//
// Thread-safe after construction.
#ifndef AGENTD_SERVER_CORE_ROUTE_ASSIST_H_
#define AGENTD_SERVER_CORE_ROUTE_ASSIST_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agentd/v1/definition.pb.h"
#include "agentd/v1/orchestrator.pb.h"

namespace agentd {
namespace llm {
class ChatClient;
}

struct RouteAssistOptions {
  std::string base_url;   // OpenAI-compatible endpoint
  std::string model;
  std::string api_key;
  double threshold = 0.5;  // ask the model when the lexical confidence is below this
  absl::Duration timeout = absl::Seconds(10);
  int max_retries = 1;
};

class RouteAssist {
 public:
  RouteAssist(RouteAssistOptions options, const std::vector<v1::AgentDefinition>& hosted);
  ~RouteAssist();

  // How sure the lexical router is, 0..1: the primary's lead over the best
  // agent it rejected, as a share of the primary's score; 0 when nothing was
  // selected or the fallback agent was used.
  static double LexicalConfidence(const v1::RouteDecision& decision);

  // Asks the model when the decision is unsure, and rewrites `decision`
  // with its choice (see above). `named_agents`: the caller named agents.
  void Apply(const std::string& text, bool named_agents, v1::RouteDecision* decision) const;

  // The system message: the task and every hosted agent's card.
  const std::string& system_prompt() const { return system_prompt_; }

 private:
  RouteAssistOptions options_;
  std::vector<std::string> agents_;  // hosted agent names
  std::string system_prompt_;
  std::unique_ptr<llm::ChatClient> client_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_ROUTE_ASSIST_H_
