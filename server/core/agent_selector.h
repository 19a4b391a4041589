// The last step of routing: given what the router found about one agent for
// one request, is the agent chosen?
//
// The router's gates (min_score, min_evidence, min_coverage, share of the top
// score, clause wins) are each a threshold on one signal. They were set by
// hand and, on requests written apart from the rules, let through too many
// secondary agents. The selector weighs the same signals together in a
// logistic model whose weights were fitted on labelled requests
// (eval/train_selector.py writes selection_weights.inc). Every signal is
// about the agent's match with the request, never about which agent it is,
// so a new definition in agents/ is selected by the same rule.
//
// Pure functions; thread-safe.
#ifndef AGENTD_SERVER_CORE_AGENT_SELECTOR_H_
#define AGENTD_SERVER_CORE_AGENT_SELECTOR_H_

#include <array>
#include <string>

namespace agentd {

// What the router knows about agent `agent` for one request.
struct SelectionSignals {
  std::string agent;
  bool hosted = true;
  double score = 0;         // the agent's routing score
  double top_score = 0;     // the best score any agent has for the request
  bool is_top = false;      // first by score
  int evidence = 0;         // distinctive request terms its rules use
  double coverage = 0;      // share of the request's words its rules use
  double clause_score = 0;  // score in a clause it clearly wins; 0 if none
  bool redirected_to = false;  // another agent's "do not use" rule names it
  bool passes_gates = false;   // the router's thresholds all let it through
  // What the labelled requests (agents/routing-examples/) say, taken as
  // word counts: the log-odds, by naive Bayes over the request's terms,
  // that a request with these words is in the agent's scope. Only a router
  // built with labelled requests has it.
  bool has_labelled_vote = false;
  double labelled_vote = 0;
  // The best vote any agent has for the request: how far this agent's vote
  // is behind it says whether the request is about it or mostly about
  // another agent (a second agent's scope is named where its vote comes
  // close to the first's, whatever the two votes' size).
  double top_labelled_vote = 0;
  // The request's domain relevance (RouterOptions::min_domain_relevance),
  // the same for every agent of one request. Not a selector input: filled
  // in only when Router::Route is asked for the signals, so that a fit
  // (eval/train_selector.py --cv) can model the domain gate.
  double domain_relevance = 0;
};

// Two models: one over the match signals alone, and one that also weighs
// the labelled vote (the vote and how far it is behind the best), used
// when there is one.
inline constexpr int kSelectionFeatureCount = 9;
inline constexpr int kSelectionFeatureCountWithVote = kSelectionFeatureCount + 2;
using SelectionFeatures = std::array<double, kSelectionFeatureCountWithVote>;

// The model's inputs, in the order of the weights (a constant 1 first; the
// labelled vote's two last, 0 when there is none).
SelectionFeatures SelectionFeaturesOf(const SelectionSignals& signals);

// The probability, in [0, 1], that the agent belongs in the chosen set.
double SelectionProbability(const SelectionSignals& signals);

// The signals and the probability in words, for a route's reasons:
// "selection probability 0.42 (0.50 needed) from score 2.83, 4 distinctive
// terms, 16% of the request's words, …".
std::string DescribeSelection(const SelectionSignals& signals, double needed);

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_AGENT_SELECTOR_H_
