// The router: decides which hosted agents answer a request, and says why.
//
// Its rules come only from the agent definitions (agents/*.md): the "Use this
// agent when" items, the numbered competencies, the examples and the
// description speak *for* an agent; the "Do NOT use this agent for" items
// speak *against* it and may name the agent to use instead ("(use X)"). No
// agent name or keyword is known to the code, so adding or editing a
// definition changes routing without a rebuild.
//
// Matching is lexical but tolerant of paraphrase: text is normalised and
// stemmed, phrases count as well as words, and each term weighs what it is
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
// (SelectionSignals::labelled_vote).
//
// A Router is immutable after Create: Route is const and thread-safe.
#ifndef AGENTD_SERVER_CORE_ROUTER_H_
#define AGENTD_SERVER_CORE_ROUTER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "agentd/v1/definition.pb.h"
#include "agentd/v1/orchestrator.pb.h"
#include "server/core/agent_selector.h"
#include "server/core/text_index.h"
#include "server/definitions/labelled_requests.h"

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
  // Reasons reported per agent, best first.
  int max_reasons = 4;
};

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

  // The same, and each agent's selection signals (hosted, then agents named
  // by redirects), for evaluation and for fitting the selector.
  absl::StatusOr<v1::RouteDecision> Route(std::string_view text,
                                          const std::vector<std::string>& explicit_agents,
                                          std::vector<SelectionSignals>* signals) const;

  const std::vector<v1::AgentDefinition>& hosted() const { return hosted_; }
  const RouterOptions& options() const { return options_; }

 private:
  friend class RouteCall;  // one Route call's steps and state (router.cc)

  // What scoring reads of a rule, small so that the loops over the hundreds
  // of rules a request touches stay in cache.
  struct Rule {
    int owner;               // index into hosted_: the definition holding it; -1 = a labelled request
    int speaks_for;          // agent index (hosted, then unhosted); -1 = none
    float kind_weight;       // examples carry incidental words: they count less
    bool against;            // a "Do NOT use" rule: speaks against `owner`
  };
  // What reasons quote of a rule.
  struct RuleQuote {
    const char* kind;        // "use_when", "competency", "example", "description", "not_for", "labelled"
    std::string text;
    std::string source;      // a labelled request's "path:line"; empty for definition rules
    // For a text of several sentences, so that a reason can quote only the
    // ones the request met: their [begin, end) offsets in `text`, and each
    // indexed term's sentences as (term, bit i = sentence i; sentences from
    // 31 on share bit 31), sorted by term. Empty for one sentence.
    std::vector<std::pair<uint32_t, uint32_t>> sentences;
    std::vector<std::pair<uint32_t, uint32_t>> term_sentences;
  };

  Router(std::vector<v1::AgentDefinition> hosted, RouterOptions options);
  absl::Status Build(const std::vector<LabelledRequest>& labelled);
  int AgentIndex(std::string_view name) const;  // -1 when not hosted
  // (*rules_using)[agent] = how many of the definitions' rules (or, with
  // `labelled`, of the labelled requests) speaking for it use `term`.
  void CountRulesUsing(uint32_t term, bool labelled, std::vector<int>* rules_using) const;
  void WeighLabelledPostings();  // fills labelled_postings_ once the weights are known
  // Fills votes_for_, vote_prior_ and vote_term_ from the labelled requests'
  // labels and terms; `agent_of`: an agent's index by name, -1 if none.
  void CountLabelledVotes(const std::vector<LabelledRequest>& labelled,
                          const std::function<int(const std::string&)>& agent_of,
                          const std::function<std::string(const std::string&)>& without_names);
  // Of labelled_postings_[begin_index ..], one term's, keeps each agent's
  // strongest (kLabelledPostingsPerAgent in router.cc), in rule order.
  void KeepStrongestLabelledPostings(uint32_t begin_index);
  // Fills quotes_[rule]'s sentences; `indexed` is the text as indexed.
  void SplitQuote(uint32_t rule, const std::string& indexed);
  const std::string& AgentName(int agent) const;
  absl::Status RouteInto(std::string_view text, const std::vector<std::string>& explicit_agents,
                         v1::RouteDecision* decision, std::vector<SelectionSignals>* signals) const;

  std::vector<v1::AgentDefinition> hosted_;
  RouterOptions options_;
  // Agents named by redirects but not hosted; agent index hosted_.size() + i.
  std::vector<std::string> unhosted_;
  std::vector<Rule> rules_;  // rule i is document i of index_
  uint32_t first_labelled_ = 0;  // rules_[first_labelled_ ..] are the labelled requests
  // The labelled requests' hits that can count, by term: those of term t
  // are labelled_postings_[labelled_begin_[t] .. labelled_begin_[t + 1]).
  // A hit's weight depends only on the term and the labelled request, so it
  // is worked out once, here; weightless hits are left out, and so are all
  // but each agent's strongest few per term (see router.cc).
  struct LabelledPosting {
    uint32_t rule;
    int agent;  // the rule's speaks_for
    float weight;
  };
  std::vector<uint32_t> labelled_begin_;
  std::vector<LabelledPosting> labelled_postings_;
  // The labelled requests' vote (SelectionSignals::labelled_vote), naive
  // Bayes: for each agent some labelled request puts in scope
  // (votes_for_[agent] = 1), the prior log-odds of being in its scope and,
  // for each term, vote_term_[term * agent_count_ + agent], what a request
  // using the term adds to them.
  std::vector<char> votes_for_;
  std::vector<float> vote_prior_;
  std::vector<float> vote_term_;
  std::vector<RuleQuote> quotes_;  // quotes_[i] is rule i's
  text::TextIndex index_;
  // term_agent_weight_[term * agent_count + agent]: how much a term says about
  // that agent. It grows with the number of the agent's rules using the term
  // and shrinks with the number of agents using it: BM25's IDF ranks rules,
  // this ranks agents, so "plan" or "write" (in every agent's rules) stop
  // deciding who answers.
  std::vector<float> term_agent_weight_;
  // term_focus_[term]: 1 when one agent's rules use the term, falling
  // towards 0 as every agent's do.
  std::vector<float> term_focus_;
  int agent_count_ = 0;  // hosted + unhosted
  std::vector<int> name_rank_;  // [agent]: its place among all agents by name, for ties
  absl::flat_hash_map<std::string, int> agent_index_;  // lowercase name → index
  std::string hosted_list_;                            // "a, b, c" for messages
  int fallback_index_ = -1;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_ROUTER_H_
