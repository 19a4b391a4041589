// The routing model: everything the router knows about the hosted agents,
// built once from their definitions and the labelled requests, and read-only
// from then on (router.h says how routing uses it).
//
// It holds the scope rules (each a document of one BM25 index), what each
// request term says about each agent (term_agent_weight, term_focus), the
// labelled requests' strongest hits per term and their naive-Bayes vote, and
// what reasons quote of each rule. No per-request state lives here; the
// scorer (router_scorer.h) keeps that, per thread.
//
// Text becomes terms in one place, Analyze (router_terms.h over the text
// layer's tokenizer and stemmer); the router reads nothing else of the text
// analysis.
//
// Build it with Create; after that every method is const and thread-safe.
// router_model_labelled.cc holds what it learns from the labelled requests.
#ifndef AGENTD_SERVER_CORE_ROUTER_MODEL_H_
#define AGENTD_SERVER_CORE_ROUTER_MODEL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "agentd/v1/definition.pb.h"
#include "server/core/router_options.h"
#include "server/core/text_index.h"
#include "server/definitions/labelled_requests.h"

namespace agentd::routing {

// A term used by at most this share (on the focus scale, 1 = one agent,
// 0 = all) counts as evidence; with seven agents, that is up to three.
inline constexpr float kDistinctiveFocus = 0.5f;
// The weight of a "not for" rule speaking for the hosted agent it names.
inline constexpr float kRedirectWeight = 0.8f;
// Examples carry incidental words ("we are five devs", the product's name):
// they count less than scope items, and give no evidence (below
// kRedirectWeight). Labelled requests are examples too.
inline constexpr float kExampleWeight = 0.6f;

// An inline mention: "@name" at the start of the text or after a character
// that cannot be part of a word (so "ops@example.com" is not one).
struct Mention {
  size_t begin;
  size_t end;
  std::string name;  // lowercased
};
std::vector<Mention> FindMentions(std::string_view text);

class RoutingModel {
 public:
  // What scoring reads of a rule, small so that the loops over the hundreds
  // of rules a request touches stay in cache.
  struct Rule {
    int owner;          // index into hosted(): the definition holding it; -1 = a labelled request
    int speaks_for;     // agent index (hosted, then unhosted); -1 = none
    float kind_weight;  // examples carry incidental words: they count less
    bool against;       // a "Do NOT use" rule: speaks against `owner`
  };
  // What reasons quote of a rule.
  struct RuleQuote {
    const char* kind;    // "use_when", "competency", "example", "description", "not_for", "labelled"
    std::string text;
    std::string source;  // a labelled request's "path:line"; empty for definition rules
    // For a text of several sentences, so that a reason can quote only the
    // ones the request met: their [begin, end) offsets in `text`, and each
    // indexed term's sentences as (term, bit i = sentence i; sentences from
    // 31 on share bit 31), sorted by term. Empty for one sentence.
    std::vector<std::pair<uint32_t, uint32_t>> sentences;
    std::vector<std::pair<uint32_t, uint32_t>> term_sentences;
  };
  // One labelled request's hit on a term that can count. Its weight depends
  // only on the term and the request, so it is worked out once, here.
  struct LabelledPosting {
    uint32_t rule;
    int agent;  // the rule's speaks_for
    float weight;
  };

  // `hosted`: every name unique and non-empty (else INVALID_ARGUMENT, as for
  // a fallback agent that is not hosted). `labelled`: see Router::Create.
  static absl::StatusOr<std::unique_ptr<const RoutingModel>> Create(
      std::vector<v1::AgentDefinition> hosted, RouterOptions options,
      const std::vector<LabelledRequest>& labelled);

  // The one seam to the text analysis: the distinct known terms of `text`
  // and its count of content words (TextIndex::Analyze).
  size_t Analyze(std::string_view text, std::vector<TextIndex::QueryTerm>* terms,
                 std::vector<uint32_t>* clause_words = nullptr) const {
    return index_.Analyze(text, terms, clause_words);
  }
  const std::vector<TextIndex::Posting>& postings(uint32_t term) const { return index_.postings(term); }
  size_t term_count() const { return index_.term_count(); }

  const std::vector<v1::AgentDefinition>& hosted() const { return hosted_; }
  const RouterOptions& options() const { return options_; }
  int hosted_count() const { return static_cast<int>(hosted_.size()); }
  int agent_count() const { return agent_count_; }  // hosted, then unhosted
  int AgentIndex(std::string_view name) const;      // a hosted agent's; -1 when not hosted
  const std::string& AgentName(int agent) const;
  int name_rank(int agent) const { return name_rank_[agent]; }  // place by name, for ties
  const std::string& hosted_list() const { return hosted_list_; }  // "a, b, c" for messages
  int fallback_index() const { return fallback_index_; }           // -1 = none

  const std::vector<Rule>& rules() const { return rules_; }
  uint32_t first_labelled() const { return first_labelled_; }  // rules from here on are labelled requests
  const RuleQuote& quote(uint32_t rule) const { return quotes_[rule]; }

  // How much `term` says about `agent`: grows with the number of the agent's
  // rules using it, shrinks with the number of agents using it and with how
  // ordinary a word it is. BM25's IDF ranks rules; this ranks agents.
  float term_agent_weight(uint32_t term, int agent) const {
    return term_agent_weight_[term * static_cast<size_t>(agent_count_) + agent];
  }
  // 1 when one agent's rules use the term, falling towards 0 as all do.
  float term_focus(uint32_t term) const { return term_focus_[term]; }
  // What word `term` says about the request being in the domain at all (see
  // RouterOptions::domain_smoothing); and what a word the rules never use says.
  float domain_weight(uint32_t term) const { return domain_weight_[term]; }
  float unknown_word_weight() const { return unknown_word_weight_; }
  // The request's distinct content words the rules use no more than everyday
  // English does, or not at all, as written (lowercased), in text order: what
  // an off-topic answer names. Not for the hot path (it tokenizes again).
  std::vector<std::string> OutOfDomainWords(std::string_view text) const;
  // The labelled requests' hits on `term` that can count: weightless ones
  // left out, and all but each agent's strongest few; in rule order.
  std::span<const LabelledPosting> labelled_postings(uint32_t term) const {
    return {labelled_postings_.data() + labelled_begin_[term], labelled_postings_.data() + labelled_begin_[term + 1]};
  }
  // The labelled requests' vote (SelectionSignals::labelled_vote), naive
  // Bayes: whether some labelled request puts `agent` in scope, its prior
  // log-odds, and what a request using `term` adds to them.
  bool votes_for(int agent) const { return votes_for_[agent] != 0; }
  float vote_prior(int agent) const { return vote_prior_[agent]; }
  float vote_term(uint32_t term, int agent) const {
    return vote_term_[term * static_cast<size_t>(agent_count_) + agent];
  }

 private:
  // A labelled request's text is indexed once per agent it labels, then
  // analyzed for the domain words and the vote: it is read (names blanked,
  // words split and stemmed) once, and what the later steps need is kept.
  struct LabelledText {
    bool counts = false;          // false for a request that names its agents
    std::string indexed;          // WithoutNames(text)
    std::vector<Term> words;      // ExtractTerms(indexed), while its rules are added
    bool analyzed = false;        // `terms` is filled
    std::vector<uint32_t> terms;  // the distinct known terms of `indexed`, by id
  };

  RoutingModel(std::vector<v1::AgentDefinition> hosted, RouterOptions options);
  absl::Status Build(const std::vector<LabelledRequest>& labelled);
  std::vector<LabelledText> ReadLabelled(const std::vector<LabelledRequest>& labelled) const;
  const std::vector<uint32_t>& LabelledTerms(LabelledText& read) const;
  absl::Status IndexAgentNames();
  // Redirect targets that are not hosted become agents of their own; the
  // index of the agent `redirect` names, -1 for none.
  int TargetIndex(const std::string& redirect);
  // `text` lowercased, with every agent name in it blanked: names are not
  // scope ("chosen with the data-architect" must not pull in "data").
  std::string WithoutNames(const std::string& text) const;
  // `read`: the labelled request's text as already read; nullptr for a
  // definition's rule.
  void AddRule(int owner, const char* kind, const std::string& text, bool against, int speaks_for,
               float kind_weight, const std::string& source, std::vector<std::string>* indexed_texts,
               LabelledText* read = nullptr);
  void AddRules(const std::vector<LabelledRequest>& labelled, std::vector<LabelledText>& read,
                std::vector<std::string>* indexed_texts);
  void RankNames();
  void WeighTerms();
  // Fills domain_weight_; `labelled`'s off-topic requests count against words.
  void WeighDomainWords(const std::vector<LabelledRequest>& labelled, std::vector<LabelledText>& read);
  // (*rules_using)[agent] = how many of the definitions' rules (or, with
  // `labelled`, of the labelled requests) speaking for it use `term`.
  void CountRulesUsing(uint32_t term, bool labelled, std::vector<int>* rules_using) const;
  void WeighLabelledPostings();  // fills labelled_postings_ once the weights are known
  // Of labelled_postings_[begin_index ..], one term's, keeps each agent's
  // strongest (kLabelledPostingsPerAgent), in rule order.
  void KeepStrongestLabelledPostings(uint32_t begin_index);
  // The vote's agent for a label: hosted or unhosted, -1 if no rule made it one.
  int KnownAgent(const std::string& name) const;
  // Fills votes_for_, vote_prior_ and vote_term_ from the labelled requests.
  void CountLabelledVotes(const std::vector<LabelledRequest>& labelled, std::vector<LabelledText>& read);
  // Fills quotes_[rule]'s sentences; `indexed` is the text as indexed.
  void SplitQuote(uint32_t rule, const std::string& indexed);

  std::vector<v1::AgentDefinition> hosted_;
  RouterOptions options_;
  std::vector<std::string> unhosted_;  // agents named by redirects; index hosted_.size() + i
  absl::flat_hash_map<std::string, int> unhosted_index_;
  std::vector<std::string> all_names_;  // lowercase, hosted and redirect targets, for WithoutNames
  std::vector<Rule> rules_;             // rule i is document i of index_
  std::vector<RuleQuote> quotes_;       // quotes_[i] is rule i's
  uint32_t first_labelled_ = 0;
  std::vector<uint32_t> labelled_begin_;  // term t's: labelled_postings_[labelled_begin_[t] .. [t + 1])
  std::vector<LabelledPosting> labelled_postings_;
  std::vector<char> votes_for_;
  std::vector<float> vote_prior_;
  std::vector<float> vote_term_;  // [term * agent_count_ + agent]
  TextIndex index_;
  std::vector<float> term_agent_weight_;  // [term * agent_count_ + agent]
  std::vector<float> term_focus_;
  std::vector<float> domain_weight_;
  float unknown_word_weight_ = 0;
  int agent_count_ = 0;
  std::vector<int> name_rank_;
  absl::flat_hash_map<std::string, int> agent_index_;  // lowercase name → hosted index
  std::string hosted_list_;
  int fallback_index_ = -1;
};

}  // namespace agentd::routing

#endif  // AGENTD_SERVER_CORE_ROUTER_MODEL_H_
