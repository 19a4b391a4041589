// The router: decides which hosted agents answer a request, and says why.
//
// Its rules come only from the agent definitions (agents/*.md): the "Use this
// agent when" items, the numbered competencies, the examples and the
// description speak *for* an agent; the "Do NOT use this agent for" items
// speak *against* it and may name the agent to use instead ("(use X)"). No
// agent name or keyword is known to the code, so adding or editing a
// definition changes routing without a rebuild.
//
// Matching is lexical but tolerant of paraphrase: text is split and
// stemmed by the text layer (text/, router_terms.h), phrases count as well as words, and each term weighs what it is
// worth across all rules of all agents (BM25, IDF learned from the rules),
// scaled by how many of an agent's rules use it, how many agents share it,
// and how specific it is: how much more often the rules use it than ordinary
// spoken English does (TextIndex::specificity), so everyday words ("image",
// "breaks", "game") weigh little even when they are rare among the rules.
// An agent's score is its best matching rule plus half the sum, over the
// request's terms, of each term's best weight among the agent's rules: one
// coherent rule counts more than scattered words. A request of several
// parts is also scored clause by clause, and a clear winner of one clause
// joins the agents chosen for the whole (fan-out).
//
// Thresholds on these signals let an agent through; the selector
// (agent_selector.h) then weighs them together and decides, except that the
// best agent the thresholds let through is always chosen.
//
// A "not for" rule speaks for the agent it redirects to; agents named only
// by redirects compete like hosted ones and, when they would be chosen, are
// reported as unhosted. A "not for" rule that matches the request more
// strongly than its own agent's rules on the same terms takes those terms
// away from that agent.
//
// Labelled requests (agents/routing-examples/*.jsonl, labelled_requests.h)
// are examples too, in the words users use rather than the definitions':
// each speaks for the agents its labels put in scope, hosted or not, and is
// quoted in reasons as kind "labelled". Taken together they also vote: by
// naive Bayes over the request's terms, how likely a request with these
// words is in each agent's scope, one more signal for the selector
// (SelectionSignals::labelled_vote). The chosen agents come in the order of
// the selector's probability, so the vote helps pick the first one. A
// labelled request with nothing in scope is a negative example: its words
// count against the request being in the domain at all (RouterOptions::
// off_topic_example_weight).
//
// The code is in three parts: the routing model (router_model.h), built once
// from the definitions and the labelled requests and immutable after; the
// scorer (router_scorer.h), one call's arithmetic over a few named per-call
// tables; and the explainer (router_explainer.h), which writes the reasons
// and the summary. The thresholds are RouterOptions (router_options.h).
//
// A Router is immutable after Create: Route is const and thread-safe.
#ifndef AGENTD_SERVER_CORE_ROUTER_H_
#define AGENTD_SERVER_CORE_ROUTER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agentd/v1/definition.pb.h"
#include "agentd/v1/orchestrator.pb.h"
#include "server/core/agent_selector.h"
#include "server/core/router_options.h"
#include "server/definitions/labelled_requests.h"

namespace agentd::routing {
class RoutingModel;
}

namespace agentd {

class Router {
 public:
  // `hosted`: the definitions this server hosts; every name must be unique
  // and non-empty. Builds the index once; INVALID_ARGUMENT on bad input.
  // `labelled`: requests labelled with the agents that should answer them
  // (agents/routing-examples/); each is one more example rule of those
  // agents, hosted or not, except a request that names its agents (in
  // `agents` or as an inline "@name"), which says nothing about scope. May
  // be empty.
  static absl::StatusOr<std::unique_ptr<Router>> Create(
      std::vector<v1::AgentDefinition> hosted, RouterOptions options = {},
      const std::vector<LabelledRequest>& labelled = {});

  // Thread-safe (const). Explicit agents (`explicit_agents` and inline
  // "@name" in `text`) are always chosen, first, in the order given; then
  // only agents their own "not for" rules redirect to are added (the caller
  // chose who answers), while other matches are listed as rejected.
  // INVALID_ARGUMENT when an explicit agent is not hosted; the message names
  // the hosted agents.
  absl::StatusOr<v1::RouteDecision> Route(
      std::string_view text, const std::vector<std::string>& explicit_agents) const;

  // The same, written into `*decision`, which is cleared first: a caller
  // that keeps one message from call to call reuses its allocations
  // (protobuf keeps cleared elements and string buffers), so a Route
  // builds its answer without allocating. `decision` is left cleared on error.
  absl::Status RouteInto(std::string_view text, const std::vector<std::string>& explicit_agents,
                         v1::RouteDecision* decision) const;

  // A decision to route into (RouteInto): a spare, one given to
  // KeepSpareDecision on any thread (up to 64 are kept), else a new one. A
  // review builds its route into the fields an earlier route left, instead
  // of allocating every reason, quote and term again.
  static v1::RouteDecision TakeSpareDecision();
  // Keeps `*used` (left empty) as a spare. Give only decisions done with,
  // of a bounded size.
  static void KeepSpareDecision(v1::RouteDecision* used);

  // The same, and each agent's selection signals (hosted, then agents named
  // by redirects), for evaluation and for fitting the selector.
  absl::StatusOr<v1::RouteDecision> Route(std::string_view text,
                                          const std::vector<std::string>& explicit_agents,
                                          std::vector<SelectionSignals>* signals) const;

  const std::vector<v1::AgentDefinition>& hosted() const;
  const RouterOptions& options() const;

  ~Router();

 private:
  explicit Router(std::unique_ptr<const routing::RoutingModel> model);
  absl::Status RouteInto(std::string_view text, const std::vector<std::string>& explicit_agents,
                         v1::RouteDecision* decision, std::vector<SelectionSignals>* signals) const;

  std::unique_ptr<const routing::RoutingModel> model_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_ROUTER_H_
