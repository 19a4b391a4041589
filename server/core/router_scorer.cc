#include "server/core/router_scorer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace agentd::routing {
namespace {

// Debian's Abseil has its own string_view type, not std::string_view.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

RouteScorer& RouteScorer::ForThisThread() {
  thread_local RouteScorer scorer;
  return scorer;
}

absl::Status RouteScorer::Score(const RoutingModel& model, std::string_view text,
                                const std::vector<std::string>& explicit_agents) {
  model_ = &model;
  rules_ = model.rules().data();
  options_ = &model.options();
  n_hosted_ = model.hosted_count();
  n_agents_ = model.agent_count();
  choice_.explicit_order.clear();
  choice_.fired.clear();
  choice_.fallback_used = false;
  choice_.off_topic = false;
  request_.stripped.clear();
  RETURN_IF_ERROR(ResolveExplicitAgents(&text, explicit_agents));
  CollectHits(text);       // every (rule, request term) pair, weighed
  WeighDomainRelevance();  // is the request about the domain at all?
  ClaimRedirectedTerms();  // "not for" rules that outweigh their agent's own
  ScoreAgents();           // best rule + half the term sum, times coverage
  WeighClauses();          // and each part of a request on its own
  WeighSelection();        // the selector on each agent's signals
  SelectAgents();
  return absl::OkStatus();
}

void RouteScorer::Release() {
  for (const uint32_t r : hits_.touched) hits_.slots[r] = RuleSlot{};
  hits_.touched.clear();
  constexpr size_t kKeptTerms = 1024;
  if (n_terms_ > kKeptTerms) *this = RouteScorer();
}

// Explicit agents: the argument first, then inline mentions, deduplicated.
// Agent names are not scope: the text is scored without the mentions
// (`*text` then points at the stripped copy).
absl::Status RouteScorer::ResolveExplicitAgents(std::string_view* text,
                                                const std::vector<std::string>& explicit_agents) {
  choice_.is_explicit.assign(n_agents_, 0);
  for (const std::string& name : explicit_agents) RETURN_IF_ERROR(AddExplicit(name, false));
  const std::vector<Mention> mentions = FindMentions(*text);
  for (const Mention& m : mentions) RETURN_IF_ERROR(AddExplicit(m.name, true));
  if (!mentions.empty()) {
    std::string& stripped = request_.stripped;
    size_t at = 0;
    for (const Mention& m : mentions) {
      stripped.append(text->substr(at, m.begin - at));
      stripped.push_back(' ');
      at = m.end;
    }
    stripped.append(text->substr(at));
    *text = stripped;
  }
  return absl::OkStatus();
}

absl::Status RouteScorer::AddExplicit(std::string_view name, bool inline_mention) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(Absl(name));
  const int a = model_->AgentIndex(std::string_view(trimmed.data(), trimmed.size()));
  if (a < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(inline_mention ? "text mentions @" : "agents: ", Absl(name),
                     ", which this server does not host; hosted agents: ", model_->hosted_list()));
  }
  if (!choice_.is_explicit[a]) {
    choice_.is_explicit[a] = 1;
    choice_.explicit_order.push_back(a);
  }
  return absl::OkStatus();
}

// Weighs every (rule, request term) pair and groups the hits by rule. Only
// the rules the request touches take part: every loop over rules below needs
// only these (a rule without hits scores 0 and adds nothing), and they are a
// few dozen of the thousands there are.
void RouteScorer::CollectHits(std::string_view text) {
  request_.text = text;
  request_.content_words = model_->Analyze(text, &request_.terms, &request_.clause_words);
  n_terms_ = request_.terms.size();
  WeighHits();
  CountHitsPerRule();
  BestWeightPerAgentTerm();
  OrderTouchedRules();
  GroupHitsByRule();
}

// How much term `term` of the request weighs in rule `p.doc`; 0 or less when
// the hit does not count.
float RouteScorer::HitWeight(const TextIndex::Posting& p, uint32_t term) const {
  const RoutingModel::Rule& rule = rules_[p.doc];
  // A rule speaking for nobody (a "not for" without redirect) is weighed as
  // if for its own agent: it only ever counts against it.
  const int agent = rule.speaks_for >= 0 ? rule.speaks_for : rule.owner;
  const float weight = p.weight * rule.kind_weight * model_->term_agent_weight(term, agent);
  // A weightless hit only counts as evidence, which examples never give:
  // leaving it out spares work on the hundreds of labelled requests that
  // share an everyday word with the request.
  if (weight <= 0 && rule.kind_weight < kRedirectWeight) return -1;
  return weight;
}

// hits_.unsorted: every hit that counts, each rule's in term order.
void RouteScorer::WeighHits() {
  hits_.unsorted.clear();
  const uint32_t first_labelled = model_->first_labelled();
  for (uint32_t q = 0; q < n_terms_; ++q) {
    const uint32_t term = request_.terms[q].term;
    for (const TextIndex::Posting& p : model_->postings(term)) {
      if (p.doc >= first_labelled) break;  // postings are in rule order; labelled requests come last
      const float weight = HitWeight(p, term);
      if (weight >= 0) hits_.unsorted.push_back(Hit{p.doc, q, weight});
    }
  }
  WeighLabelledHits();
}

// The hits of the labelled requests. Most of the labelled requests a request
// touches share one word with it (an "orders", a "cache"). Of those that
// speak for the same agent on the same word, the one that weighs most says
// all the others do: for best_for, the agent's best rule, each clause's best
// rule and its reasons alike (examples give no evidence). So only it, the
// first of equals, becomes a hit: no score or choice changes, and no later
// step walks the rest (about 124 of the 145 labelled requests a dev request
// touches). One pass over their postings counts each request's words; the
// next keeps every hit of a request met on two or more, and the strongest of
// the others per (agent, word).
void RouteScorer::WeighLabelledHits() {
  const uint32_t first = model_->first_labelled();
  const size_t n_rules = model_->rules().size();
  if (first >= n_rules) return;
  std::vector<uint8_t>& labelled_words = hits_.labelled_words;
  if (labelled_words.size() < n_rules - first) labelled_words.resize(n_rules - first, 0);
  auto postings = [&](uint32_t q) { return model_->labelled_postings(request_.terms[q].term); };
  // The loops below are written without branches on the data: which request
  // meets how many words is a coin toss for the branch predictor.
  size_t n_postings = 0;
  for (uint32_t q = 0; q < n_terms_; ++q) {
    for (const RoutingModel::LabelledPosting& p : postings(q)) {
      uint8_t& words = labelled_words[p.rule - first];  // 0, 1 or 2 for "more"
      words += words < 2;
      ++n_postings;
    }
  }
  std::vector<Hit>& unsorted = hits_.unsorted;
  size_t n = unsorted.size();
  const size_t keys = static_cast<size_t>(n_agents_) * n_terms_;
  // covered[k]: the best weight term q has, for agent a, in a rule that is
  // not one of these singles: a definition's (the hits so far), or a
  // labelled request met on several words.
  std::vector<float>& covered = hits_.covered;
  covered.assign(keys, 0.0f);
  for (const Hit& h : unsorted) {
    const int a = rules_[h.rule].speaks_for;
    if (a >= 0) covered[Key(a, h.term)] = std::max(covered[Key(a, h.term)], h.weight);
  }
  unsorted.resize(n + n_postings + keys);
  std::vector<Hit>& strongest_single = hits_.strongest_single;
  strongest_single.assign(keys, Hit{0, 0, 0.0f});
  for (uint32_t q = 0; q < n_terms_; ++q) {
    for (const RoutingModel::LabelledPosting& p : postings(q)) {
      const bool several = labelled_words[p.rule - first] > 1;
      unsorted[n] = Hit{p.rule, q, p.weight};
      n += several;
      float& cover = covered[Key(p.agent, q)];
      cover = several ? std::max(cover, p.weight) : cover;
      // Weights are positive, so the first hit beats the initial 0; of
      // equals the first (lowest rule) stays.
      Hit& strongest = strongest_single[Key(p.agent, q)];
      const bool stronger = !several && p.weight > strongest.weight;
      strongest.rule = stronger ? p.rule : strongest.rule;
      strongest.term = stronger ? q : strongest.term;
      strongest.weight = stronger ? p.weight : strongest.weight;
    }
  }
  // A single that another rule of the agent weighs as much on its word adds
  // nothing either: that rule scores at least as much wherever the word
  // counts, and stands for it.
  for (size_t k = 0; k < keys; ++k) {
    const Hit& h = strongest_single[k];
    unsorted[n] = h;
    n += h.weight > covered[k];
  }
  unsorted.resize(n);
  for (uint32_t q = 0; q < n_terms_; ++q) {
    for (const RoutingModel::LabelledPosting& p : postings(q)) labelled_words[p.rule - first] = 0;
  }
}

// hits_.touched (in no order yet) and each touched rule's hit count (in
// `end`) and score.
void RouteScorer::CountHitsPerRule() {
  std::vector<RuleSlot>& slots = hits_.slots;
  if (slots.size() < model_->rules().size()) slots.resize(model_->rules().size());
  for (const Hit& h : hits_.unsorted) {
    if (slots[h.rule].end++ == 0) hits_.touched.push_back(h.rule);
    slots[h.rule].score += h.weight;
  }
}

// pairs_.best_for[Key(a, q)]: the best weight term q has in a rule for a.
void RouteScorer::BestWeightPerAgentTerm() {
  pairs_.best_for.assign(static_cast<size_t>(n_agents_) * n_terms_, 0.0);
  for (const Hit& h : hits_.unsorted) {
    const int a = rules_[h.rule].speaks_for;
    if (a < 0) continue;
    double& best = pairs_.best_for[Key(a, h.term)];
    best = std::max(best, static_cast<double>(h.weight));
  }
}

// hits_.touched in ascending order, by a bitmap rather than a sort.
void RouteScorer::OrderTouchedRules() {
  std::vector<uint64_t>& marks = hits_.touched_marks;
  std::vector<uint32_t>& touched = hits_.touched;
  marks.assign((model_->rules().size() + 63) / 64, 0);
  for (const uint32_t r : touched) marks[r >> 6] |= uint64_t{1} << (r & 63);
  touched.clear();
  for (size_t w = 0; w < marks.size(); ++w) {
    for (uint64_t m = marks[w]; m != 0; m &= m - 1) {
      touched.push_back(static_cast<uint32_t>(w * 64 + std::countr_zero(m)));
    }
  }
}

// hits_.hits[slots[r].begin .. slots[r].end) are rule r's, in term order.
void RouteScorer::GroupHitsByRule() {
  std::vector<RuleSlot>& slots = hits_.slots;
  uint32_t next = 0;
  for (const uint32_t r : hits_.touched) {
    const uint32_t count = slots[r].end;
    slots[r].begin = slots[r].end = next;
    next += count;
  }
  hits_.hits.resize(hits_.unsorted.size());
  for (const Hit& h : hits_.unsorted) hits_.hits[slots[h.rule].end++] = h;
}

// The mean domain weight of the request's distinct content words; words the
// rules never use weigh unknown_word_weight. A request named to its agents
// is theirs whatever it is about.
void RouteScorer::WeighDomainRelevance() {
  const size_t words = request_.content_words;
  double sum = 0;
  size_t known = 0;
  for (const TextIndex::QueryTerm& t : request_.terms) {
    if (t.phrase) continue;
    sum += model_->domain_weight(t.term);
    ++known;
  }
  sum += static_cast<double>(words - std::min(known, words)) * model_->unknown_word_weight();
  request_.domain_relevance = words == 0 ? 0.0 : sum / static_cast<double>(words);
  // Without labelled requests the rules alone are too little text to tell
  // the domain's words from everyday English: the gate is off.
  const bool has_labelled = model_->first_labelled() < model_->rules().size();
  choice_.off_topic = has_labelled && choice_.explicit_order.empty() &&
                      request_.domain_relevance < options_->min_domain_relevance;
}

// A "not for" rule that outweighs its agent's own rules on the same terms
// fires, and takes those terms away from that agent.
void RouteScorer::ClaimRedirectedTerms() {
  const std::vector<RuleSlot>& slots = hits_.slots;
  const std::vector<Hit>& hits = hits_.hits;
  pairs_.claimed.assign(pairs_.best_for.size(), 0);
  for (const uint32_t r : hits_.touched) {
    const RoutingModel::Rule& rule = rules_[r];
    if (!rule.against || slots[r].score < options_->min_score) continue;
    double own = 0;
    for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) own += pairs_.best_for[Key(rule.owner, hits[i].term)];
    if (slots[r].score <= own) continue;
    choice_.fired.push_back(r);
    for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) pairs_.claimed[Key(rule.owner, hits[i].term)] = 1;
  }
}

// Each agent's best rule over unclaimed terms, its evidence, and its score:
// (best rule + half the term sum) × √coverage.
void RouteScorer::ScoreAgents() {
  BestRulePerAgent();
  CountEvidence();
  AgentTable& t = agents_;
  t.score.assign(n_agents_, 0.0);
  t.coverage.assign(n_agents_, 0.0);
  const size_t content_words = request_.content_words;
  for (int a = 0; a < n_agents_; ++a) {
    double sum = 0;
    int words_explained = 0;
    for (size_t q = 0; q < n_terms_; ++q) {
      const size_t k = Key(a, q);
      if (pairs_.claimed[k]) continue;
      sum += pairs_.best_for[k];
      if (pairs_.best_for[k] > 0 && !request_.terms[q].phrase) ++words_explained;
    }
    // A request mostly about something else (one stray word matching)
    // counts less than one the agent's rules explain throughout.
    t.coverage[a] = content_words == 0 ? 0.0 : static_cast<double>(words_explained) / content_words;
    t.score[a] = (t.best_rule[a] + 0.5 * sum) * std::sqrt(t.coverage[a]);
  }
  t.order.resize(n_agents_);
  for (int a = 0; a < n_agents_; ++a) t.order[a] = a;
  std::sort(t.order.begin(), t.order.end(), [&](int x, int y) {
    if (t.score[x] != t.score[y]) return t.score[x] > t.score[y];
    return model_->name_rank(x) < model_->name_rank(y);
  });
  t.top = t.order.empty() ? 0.0 : t.score[t.order.front()];
}

// Each rule's live weight (over terms not claimed from its agent), and each
// agent's best rule by it.
void RouteScorer::BestRulePerAgent() {
  std::vector<RuleSlot>& slots = hits_.slots;
  agents_.best_rule.assign(n_agents_, 0.0);
  agents_.best_rule_index.assign(n_agents_, -1);
  for (const uint32_t r : hits_.touched) {
    const int a = rules_[r].speaks_for;
    if (a < 0) continue;
    double live = 0;
    for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
      if (!pairs_.claimed[Key(a, hits_.hits[i].term)]) live += hits_.hits[i].weight;
    }
    slots[r].live = live;
    if (live > agents_.best_rule[a]) {
      agents_.best_rule[a] = live;
      agents_.best_rule_index[a] = static_cast<int>(r);
    }
  }
}

// Evidence: distinct request terms that the agent's own rules (not its
// examples) use and that few agents share. A phrase, or a word the agent's
// rules keep repeating, counts two; a word one rule mentions in passing
// counts one. One stray word ("golden", "updates") is not enough.
void RouteScorer::CountEvidence() {
  const std::vector<RuleSlot>& slots = hits_.slots;
  const auto& terms = request_.terms;
  std::vector<int>& evidence = agents_.evidence;
  evidence.assign(n_agents_, 0);
  pairs_.rules_with.assign(static_cast<size_t>(n_agents_) * n_terms_, 0);
  for (const Hit& h : hits_.hits) {
    const RoutingModel::Rule& rule = rules_[h.rule];
    const int a = rule.speaks_for;
    if (a < 0 || rule.kind_weight < kRedirectWeight) continue;
    const size_t k = Key(a, h.term);
    if (pairs_.claimed[k] || model_->term_focus(terms[h.term].term) < kDistinctiveFocus) continue;
    if (pairs_.rules_with[k] < 2) ++pairs_.rules_with[k];
  }
  for (int a = 0; a < n_agents_; ++a) {
    for (size_t q = 0; q < n_terms_; ++q) {
      const uint8_t n = pairs_.rules_with[Key(a, q)];
      if (n > 0) evidence[a] += (terms[q].phrase || n >= 2) ? 2 : 1;
    }
  }
  // One rule of the agent's own that several request words meet at once is
  // evidence too, even when the words are common ("splitting … services").
  for (const uint32_t r : hits_.touched) {
    const RoutingModel::Rule& rule = rules_[r];
    if (rule.speaks_for < 0 || rule.kind_weight < kRedirectWeight) continue;
    int words = 0;
    for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
      const uint32_t q = hits_.hits[i].term;
      if (!terms[q].phrase && !pairs_.claimed[Key(rule.speaks_for, q)]) ++words;
    }
    evidence[rule.speaks_for] = std::max(evidence[rule.speaks_for], words - 1);
  }
}

// Naive Bayes over the request's terms: the log-odds that the labelled
// requests put a request with these words in agent a's scope.
double RouteScorer::LabelledVote(int a) const {
  double vote = model_->vote_prior(a);
  for (const TextIndex::QueryTerm& t : request_.terms) vote += model_->vote_term(t.term, a);
  return vote;
}

// The router's thresholds, each on one signal.
bool RouteScorer::PassesGates(int a) const {
  const AgentTable& t = agents_;
  if (t.score[a] < options_->min_score || t.evidence[a] < options_->min_evidence) return false;
  if (t.coverage[a] < options_->min_coverage && !t.wins_clause[a]) return false;
  // Competing with the top agent for the same words, an agent must come
  // close to it; for a clause of its own, winning it is enough.
  return t.score[a] >= options_->min_share_of_top * t.top || t.wins_clause[a];
}

// Each agent's signals and the selector's probability for them.
void RouteScorer::WeighSelection() {
  std::vector<char>& redirected_to = choice_.agent_flags;
  redirected_to.assign(n_agents_, 0);
  for (size_t r : choice_.fired) {
    if (rules_[r].speaks_for >= 0) redirected_to[rules_[r].speaks_for] = 1;
  }
  const AgentTable& t = agents_;
  choice_.signals.resize(n_agents_);
  choice_.probability.assign(n_agents_, 0.0);
  for (int a = 0; a < n_agents_; ++a) {
    SelectionSignals& s = choice_.signals[a];
    s.hosted = a < n_hosted_;
    s.score = t.score[a];
    s.top_score = t.top;
    s.is_top = !t.order.empty() && t.order.front() == a && t.top > 0;
    s.evidence = t.evidence[a];
    s.coverage = t.coverage[a];
    s.clause_score = t.wins_clause[a] ? t.clause_score[a] : 0.0;
    s.redirected_to = redirected_to[a] != 0;
    s.passes_gates = PassesGates(a);
    s.has_labelled_vote = model_->votes_for(a);
    s.labelled_vote = s.has_labelled_vote ? LabelledVote(a) : 0.0;
  }
  double top_vote = -std::numeric_limits<double>::infinity();
  for (const SelectionSignals& s : choice_.signals) {
    if (s.has_labelled_vote) top_vote = std::max(top_vote, s.labelled_vote);
  }
  for (int a = 0; a < n_agents_; ++a) {
    SelectionSignals& s = choice_.signals[a];
    s.top_labelled_vote = s.has_labelled_vote ? top_vote : 0.0;
    choice_.probability[a] = t.score[a] > 0 ? SelectionProbability(s) : 0.0;
  }
  choice_.best_within_gates = -1;
  for (int a : t.order) {
    if (choice_.signals[a].passes_gates) {
      choice_.best_within_gates = a;
      break;
    }
  }
}

// With learned_selection off, the thresholds alone; on, the selector's
// verdict, except that the best agent within the thresholds is always in
// (the selector was fitted to weed out peers pulled in by a few words, not
// to drop the first choice). Nothing matched, nothing chosen. An agent not
// hosted here is named when either says so: naming it costs the caller a
// line, missing it loses the pointer to who would answer (with the selector
// alone, 0.895 of expected unhosted agents were named over the labelled
// files, each left out of its fit; with either, 0.924, and one more named
// wrongly).
bool RouteScorer::InScope(int a) const {
  const SelectionSignals& s = choice_.signals[a];
  if (choice_.off_topic) return false;
  if (!options_->learned_selection) return s.passes_gates;
  if (agents_.score[a] <= 0) return false;
  if (a >= n_hosted_ && s.passes_gates) return true;
  return choice_.probability[a] >= options_->min_selection_probability || a == choice_.best_within_gates;
}

// Explicit agents first; with them, only the agents their own "not for"
// rules redirect to join; without, every hosted agent in scope, best first
// (by the selector's probability, or by score without the selector);
// with nothing in scope, the fallback agent if there is one.
void RouteScorer::SelectAgents() {
  ChoiceTable& c = choice_;
  c.chosen.assign(n_agents_, 0);
  c.selected = c.explicit_order;
  for (int a : c.explicit_order) c.chosen[a] = 1;
  std::vector<char>& redirected_by_explicit = c.agent_flags;
  redirected_by_explicit.assign(n_agents_, 0);
  for (size_t r : c.fired) {
    if (rules_[r].speaks_for >= 0 && Explicit(rules_[r].owner)) redirected_by_explicit[rules_[r].speaks_for] = 1;
  }
  for (int a : agents_.order) {
    if (a >= n_hosted_ || c.chosen[a]) continue;
    if (c.explicit_order.empty() ? InScope(a) : redirected_by_explicit[a] != 0) {
      c.chosen[a] = 1;
      c.selected.push_back(a);
    }
  }
  // The selector also weighs the labelled requests' vote, which the score
  // does not: the agent it is surest of comes first (fitted files, primary
  // 0.910 -> 0.914; eval/README.md).
  if (options_->learned_selection && c.explicit_order.empty()) {
    std::stable_sort(c.selected.begin(), c.selected.end(),
                     [&](int x, int y) { return c.probability[x] > c.probability[y]; });
  }
  if (c.selected.empty() && model_->fallback_index() >= 0) {
    c.selected.push_back(model_->fallback_index());
    c.chosen[model_->fallback_index()] = 1;
    c.fallback_used = true;
  }
}

}  // namespace agentd::routing
