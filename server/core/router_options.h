// RouterOptions: the router's thresholds and switches (router.h says what
// each signal is). A plain struct; copy it freely.
#ifndef AGENTD_SERVER_CORE_ROUTER_OPTIONS_H_
#define AGENTD_SERVER_CORE_ROUTER_OPTIONS_H_

#include <string>

namespace agentd {

struct RouterOptions {
  // Chosen when nothing is in scope; empty = none. Must be hosted.
  std::string fallback_agent;
  // An agent (or a "not for" rule) counts only from this score on. Scores
  // are BM25 weights scaled by term specificity and by the square root of
  // the share of the request's words the agent explains. Tuned with
  // agentd-route-eval.
  double min_score = 1.0;
  // Agents after the primary must reach this share of the primary's score,
  // so a stray word does not pull in a peer.
  double min_share_of_top = 0.5;
  // An agent needs this much evidence: distinct request words its own rules
  // (not its examples) use and few other agents share, a matched phrase
  // counting two. Stops one stray word from choosing an agent.
  int min_evidence = 2;
  // A request of several clauses (split at ". , ; : ? !" and at "and",
  // "also", "but") is also weighed clause by clause: an agent that wins a
  // clause, with min_score and min_evidence there and at least this multiple
  // of every other agent's score in that clause, joins whatever the top
  // score (one part of the request is about its scope). Results hold for
  // 1.25-1.75 on the labelled sets.
  double clause_margin = 1.5;
  // An agent must explain at least this share of the request's content
  // words (its rules use them), unless it wins a clause of its own: a
  // request about something else that shares one word with its rules
  // ("split the bill for our team offsite") is not in its scope. 0.15-0.2
  // give the same results on the labelled sets; above 0.25 short in-scope
  // requests with context start to drop.
  double min_coverage = 0.2;
  // Choose agents by the selector (agent_selector.h), which weighs the
  // signals above together, instead of by the thresholds one at a time;
  // the thresholds are then one of its signals.
  bool learned_selection = true;
  // The selector's probability from which an agent is chosen.
  double min_selection_probability = 0.5;
  // Off-topic requests: a request is routed only when its words read as the
  // domain's (building or running software) more than as everyday English.
  // Each distinct content word w of the request weighs
  //   log((P_rules(w) / (P_english(w) + off_topic_example_weight * P_off(w))
  //        + domain_smoothing) / (1 + domain_smoothing)),
  // capped at domain_word_cap, where P_rules is its share of the rules' and
  // the labelled in-scope requests' words, P_english its share of spoken
  // English and P_off its share of the off-topic labelled requests' words
  // (negative examples: "index" in a cookbook). A word the rules use no more
  // than those do weighs about 0, one they never use log(s / (1 + s)) < 0, a
  // topic word up to the cap. Their mean is the request's domain relevance;
  // below min_domain_relevance nothing is chosen (explicit agents still
  // are), and Route names the words it read as out of the domain and the
  // closest agents. Only a router built with labelled requests applies it
  // (the rules alone are too little text for the domain's word
  // frequencies). Chosen with agentd-route-eval on the files the router is
  // built on (agents/routing-examples/, eval/README.md); the held-out
  // off-topic file and the blind files took no part.
  double domain_smoothing = 0.1;
  double domain_word_cap = 4.0;
  double min_domain_relevance = 0.35;
  double off_topic_example_weight = 0.3;
  // Reasons reported per agent, best first.
  int max_reasons = 4;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_ROUTER_OPTIONS_H_
