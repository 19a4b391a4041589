// The scorer: one Route call's arithmetic, from the request's terms to the
// agents chosen. It reads the routing model (router_model.h) and keeps its
// per-call state in a few named tables, which the explainer
// (router_explainer.h) then reads to write the decision:
//
//   request  the request's terms and clause sizes
//   hits     every (rule, request term) pair that counts, grouped by rule
//   pairs    per (agent, request term): best weight, claimed, evidence
//   agents   per agent: best rule, evidence, coverage, score, clause wins
//   clauses  per (clause, agent): the same within one part of the request
//   choice   explicit agents, fired "not for" rules, selector signals and
//            probabilities, the agents chosen
//
// Steps, in order (Score): explicit agents → hits → "not for" rules claiming
// terms → agent scores → clauses → selector → choice.
//
// Not thread-safe: each thread uses its own scorer (ForThisThread) for one
// call at a time, and calls Release after reading it. Tables keep their
// capacity between calls, so a call allocates next to nothing once its
// thread has routed a request as large; nothing of one call is read by the
// next (Score resets or assigns every table).
#ifndef AGENTD_SERVER_CORE_ROUTER_SCORER_H_
#define AGENTD_SERVER_CORE_ROUTER_SCORER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/core/agent_selector.h"
#include "server/core/router_model.h"

namespace agentd::routing {

// One rule's working state during a call. A request touches a few dozen of
// the hundreds of rules, so instead of zeroing an array over all of them per
// call, the scorer keeps one and puts back to zero the entries it used.
struct RuleSlot {
  uint32_t begin = 0;  // the rule's hits: hits[begin, end)
  uint32_t end = 0;
  double score = 0;    // sum of its hits' weights
  double live = 0;     // the same over terms not claimed by a "not for" rule
};

// A request term met in a rule.
struct Hit {
  uint32_t rule;
  uint32_t term;  // index into RequestTable::terms
  float weight;
};

class RouteScorer {
 public:
  struct RequestTable {
    std::vector<TextIndex::QueryTerm> terms;
    std::vector<uint32_t> clause_words;  // distinct content words per clause
    size_t content_words = 0;            // distinct content words, known or not
    std::string stripped;                // the text without its @mentions, when it had some
    std::string_view text;               // as scored (valid during the call)
    // Mean over its distinct content words of their domain weight
    // (RoutingModel::domain_weight); see RouterOptions::min_domain_relevance.
    double domain_relevance = 0;
  };
  struct HitTable {
    std::vector<RuleSlot> slots;    // by rule; all zero between calls
    std::vector<Hit> hits;          // grouped by rule (see RuleSlot)
    std::vector<uint32_t> touched;  // the rules with hits that count, ascending
    // Scratch of the hit collection (router_scorer.cc).
    std::vector<Hit> unsorted;
    std::vector<uint64_t> touched_marks;  // one bit a rule
    std::vector<uint8_t> labelled_words;  // words met per labelled request (all 0 between calls)
    std::vector<Hit> strongest_single;    // per Key
    std::vector<float> covered;           // per Key
  };
  // Indexed by Key(agent, request term).
  struct PairTable {
    std::vector<double> best_for;    // the term's best weight in a rule for the agent
    std::vector<char> claimed;       // taken from the agent by one of its "not for" rules
    std::vector<uint8_t> rules_with; // the agent's own rules using the term as evidence (0-2)
  };
  struct AgentTable {
    std::vector<double> best_rule;   // its best rule's live weight
    std::vector<int> best_rule_index;
    std::vector<int> evidence;
    std::vector<double> coverage;    // share of the request's content words its rules use
    std::vector<double> score;       // (best rule + half the term sum) × √coverage
    std::vector<int> order;          // agents by score, best first (ties by name)
    double top = 0;
    std::vector<char> wins_clause;
    std::vector<double> clause_score;                 // of the best clause it won
    std::vector<std::vector<uint32_t>> clause_terms;  // its words there (indices into terms)
  };
  struct ClauseTable {
    // [c * agents + a]: agent a's best rule within clause c over unclaimed
    // terms; and the most words one of its rules (not examples) meets there, less one.
    std::vector<double> best;
    std::vector<int> rule_evidence;
    // The terms of clause c, ascending: term_list[term_begin[c] .. term_begin[c + 1]).
    std::vector<uint32_t> term_begin;
    std::vector<uint32_t> term_list;
    std::vector<uint32_t> term_next;  // scratch
    std::vector<double> part_score;   // per agent, scratch
    std::vector<int> part_evidence;
    std::vector<double> rule_live;    // per clause, scratch (0 between rules)
    std::vector<int> rule_words;
  };
  struct ChoiceTable {
    std::vector<int> explicit_order;
    std::vector<char> is_explicit;
    std::vector<size_t> fired;                // the "not for" rules that claimed terms
    std::vector<SelectionSignals> signals;    // per agent, names left empty
    std::vector<double> probability;          // the selector's, per agent
    int best_within_gates = -1;               // the first agent by score the thresholds let through
    std::vector<int> selected;                // hosted agents chosen, in order
    std::vector<char> chosen;
    bool fallback_used = false;
    // No explicit agent, and the request reads as outside the domain: no
    // agent is in scope, hosted or not.
    bool off_topic = false;
    std::vector<char> agent_flags;            // scratch
  };

  // The calling thread's scorer.
  static RouteScorer& ForThisThread();

  // Scores `text` for `model`. INVALID_ARGUMENT when an explicit agent
  // (argument or inline "@name") is not hosted.
  absl::Status Score(const RoutingModel& model, std::string_view text,
                     const std::vector<std::string>& explicit_agents);
  // Puts the rule slots back to zero, and lets go of tables a huge request
  // grew, so one such request does not pin memory per thread.
  void Release();

  const RoutingModel& model() const { return *model_; }
  const RequestTable& request() const { return request_; }
  const HitTable& hits() const { return hits_; }
  const PairTable& pairs() const { return pairs_; }
  const AgentTable& agents() const { return agents_; }
  const ChoiceTable& choice() const { return choice_; }
  size_t term_count() const { return n_terms_; }
  bool Explicit(int agent) const { return choice_.is_explicit[agent] != 0; }
  // Whether `agent` is in scope (hosted or not), by the thresholds or the selector.
  bool InScope(int agent) const;

 private:
  // Index of (agent, request term) in the pair tables.
  size_t Key(int agent, size_t q) const { return static_cast<size_t>(agent) * n_terms_ + q; }

  absl::Status ResolveExplicitAgents(std::string_view* text, const std::vector<std::string>& explicit_agents);
  absl::Status AddExplicit(std::string_view name, bool inline_mention);
  void CollectHits(std::string_view text);
  float HitWeight(const TextIndex::Posting& p, uint32_t term) const;
  void WeighHits();
  void WeighLabelledHits();
  void CountHitsPerRule();
  void BestWeightPerAgentTerm();
  void OrderTouchedRules();
  void GroupHitsByRule();
  void WeighDomainRelevance();
  void ClaimRedirectedTerms();
  void ScoreAgents();
  void BestRulePerAgent();
  void CountEvidence();
  // Clauses (router_clauses.cc).
  void WeighClauses();
  void ListTermsPerClause(int n_clauses);
  std::span<const uint32_t> TermsOfClause(int c) const;
  uint32_t ClausesOf(size_t q, int n_clauses) const;
  void BestRulePerClause(int n_clauses);
  void WeighClause(int c);
  void TakeClause(int c);
  // Selection.
  double LabelledVote(int a) const;
  bool PassesGates(int a) const;
  void WeighSelection();
  void SelectAgents();

  const RoutingModel* model_ = nullptr;
  const RoutingModel::Rule* rules_ = nullptr;  // model_->rules()
  const RouterOptions* options_ = nullptr;
  int n_hosted_ = 0;
  int n_agents_ = 0;  // hosted, then unhosted
  size_t n_terms_ = 0;

  RequestTable request_;
  HitTable hits_;
  PairTable pairs_;
  AgentTable agents_;
  ClauseTable clauses_;
  ChoiceTable choice_;
};

}  // namespace agentd::routing

#endif  // AGENTD_SERVER_CORE_ROUTER_SCORER_H_
