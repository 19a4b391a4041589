// The scorer's clause step (router_scorer.h): each part of a request weighed
// on its own.
#include <algorithm>
#include <bit>
#include <cmath>

#include "server/core/router_scorer.h"

namespace agentd::routing {

// A request of several parts ("pick a broker, and define the alerting on
// lag"): each clause is weighed on its own, as the whole request is (best
// rule + half the term sum, times coverage of the clause's words; evidence as
// for the whole), and the agent that wins a clause clearly (clause_margin)
// with enough evidence there takes part even when the whole request is mostly
// about something else. A stray word inside another agent's clause ("flexible
// queries" in a GraphQL question) does not win its clause; a part of its own
// does.
void RouteScorer::WeighClauses() {
  agents_.wins_clause.assign(n_agents_, 0);
  agents_.clause_score.assign(n_agents_, 0.0);
  agents_.clause_terms.resize(n_agents_);
  for (std::vector<uint32_t>& terms : agents_.clause_terms) terms.clear();
  const int n_clauses = static_cast<int>(request_.clause_words.size());
  // With no agents at all (an empty agents folder) no clause has a winner.
  if (n_clauses <= 1 || n_agents_ == 0) return;
  ListTermsPerClause(n_clauses);
  BestRulePerClause(n_clauses);
  clauses_.part_score.resize(n_agents_);
  for (int c = 0; c < n_clauses; ++c) {
    if (request_.clause_words[c] == 0) continue;
    WeighClause(c);
    TakeClause(c);
  }
}

// The clear winner of clause `c`, if any, wins it (clauses_.part_score and
// part_evidence hold the clause's figures).
void RouteScorer::TakeClause(int c) {
  const std::vector<double>& part_score = clauses_.part_score;
  const std::vector<int>& part_evidence = clauses_.part_evidence;
  int winner = 0;
  for (int a = 1; a < n_agents_; ++a) {
    if (part_score[a] > part_score[winner] ||
        (part_score[a] == part_score[winner] && model_->name_rank(a) < model_->name_rank(winner))) {
      winner = a;
    }
  }
  double runner_up = 0;
  for (int a = 0; a < n_agents_; ++a) {
    if (a != winner) runner_up = std::max(runner_up, part_score[a]);
  }
  if (part_score[winner] < options_->min_score || part_evidence[winner] < options_->min_evidence ||
      part_score[winner] < options_->clause_margin * runner_up) {
    return;
  }
  agents_.wins_clause[winner] = 1;
  if (part_score[winner] > agents_.clause_score[winner]) {
    agents_.clause_score[winner] = part_score[winner];
    std::vector<uint32_t>& won = agents_.clause_terms[winner];
    won.clear();
    for (const uint32_t q : TermsOfClause(c)) {
      const size_t k = Key(winner, q);
      if (!request_.terms[q].phrase && pairs_.best_for[k] > 0 && !pairs_.claimed[k]) won.push_back(q);
    }
  }
}

// A long request has up to 32 clauses; a clause is weighed over its own
// terms, not by a pass over all of them.
void RouteScorer::ListTermsPerClause(int n_clauses) {
  std::vector<uint32_t>& begin = clauses_.term_begin;
  begin.assign(n_clauses + 1, 0);
  for (size_t q = 0; q < n_terms_; ++q) {
    for (uint32_t m = ClausesOf(q, n_clauses); m != 0; m &= m - 1) ++begin[std::countr_zero(m) + 1];
  }
  for (int c = 0; c < n_clauses; ++c) begin[c + 1] += begin[c];
  clauses_.term_list.resize(begin[n_clauses]);
  std::vector<uint32_t>& next = clauses_.term_next;
  next.assign(begin.begin(), begin.end() - 1);
  for (size_t q = 0; q < n_terms_; ++q) {
    for (uint32_t m = ClausesOf(q, n_clauses); m != 0; m &= m - 1) {
      clauses_.term_list[next[std::countr_zero(m)]++] = static_cast<uint32_t>(q);
    }
  }
}

std::span<const uint32_t> RouteScorer::TermsOfClause(int c) const {
  const uint32_t* list = clauses_.term_list.data();
  return {list + clauses_.term_begin[c], list + clauses_.term_begin[c + 1]};
}

// Term q's clauses among the first n_clauses, as bits.
uint32_t RouteScorer::ClausesOf(size_t q, int n_clauses) const {
  const uint32_t clauses = request_.terms[q].clauses;
  return n_clauses >= 32 ? clauses : clauses & ((1u << n_clauses) - 1);
}

// One pass over the hits for all clauses; a rule updates only the clauses its
// hits are in.
void RouteScorer::BestRulePerClause(int n_clauses) {
  const std::vector<RuleSlot>& slots = hits_.slots;
  clauses_.best.assign(static_cast<size_t>(n_clauses) * n_agents_, 0.0);
  clauses_.rule_evidence.assign(clauses_.best.size(), 0);
  std::vector<double>& live = clauses_.rule_live;  // all 0 between rules
  std::vector<int>& words = clauses_.rule_words;
  live.assign(n_clauses, 0.0);
  words.assign(n_clauses, 0);
  for (const uint32_t r : hits_.touched) {
    const int a = rules_[r].speaks_for;
    if (a < 0) continue;
    uint32_t met = 0;
    for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
      const Hit& hit = hits_.hits[i];
      if (pairs_.claimed[Key(a, hit.term)]) continue;
      const bool phrase = request_.terms[hit.term].phrase;
      const uint32_t clauses = ClausesOf(hit.term, n_clauses);
      met |= clauses;
      for (uint32_t m = clauses; m != 0; m &= m - 1) {
        const int c = std::countr_zero(m);
        live[c] += hit.weight;
        if (!phrase) ++words[c];
      }
    }
    const bool gives_evidence = rules_[r].kind_weight >= kRedirectWeight;
    for (uint32_t m = met; m != 0; m &= m - 1) {
      const int c = std::countr_zero(m);
      const size_t k = static_cast<size_t>(c) * n_agents_ + a;
      clauses_.best[k] = std::max(clauses_.best[k], live[c]);
      if (gives_evidence) clauses_.rule_evidence[k] = std::max(clauses_.rule_evidence[k], words[c] - 1);
      live[c] = 0;
      words[c] = 0;
    }
  }
}

// Each agent's score and evidence within clause `c`, into
// clauses_.part_score and part_evidence.
void RouteScorer::WeighClause(int c) {
  const double* part_best = &clauses_.best[static_cast<size_t>(c) * n_agents_];
  const int* rule_evidence = &clauses_.rule_evidence[static_cast<size_t>(c) * n_agents_];
  std::vector<int>& part_evidence = clauses_.part_evidence;
  part_evidence.assign(rule_evidence, rule_evidence + n_agents_);
  for (int a = 0; a < n_agents_; ++a) {
    double sum = 0;
    int words_explained = 0;
    int distinct = 0;
    for (const uint32_t q : TermsOfClause(c)) {
      const size_t k = Key(a, q);
      if (pairs_.claimed[k]) continue;
      sum += pairs_.best_for[k];
      if (pairs_.best_for[k] > 0 && !request_.terms[q].phrase) ++words_explained;
      const uint8_t rules_with = pairs_.rules_with[k];
      if (rules_with > 0) distinct += (request_.terms[q].phrase || rules_with >= 2) ? 2 : 1;
    }
    part_evidence[a] = std::max(part_evidence[a], distinct);
    clauses_.part_score[a] = (part_best[a] + 0.5 * sum) *
                             std::sqrt(static_cast<double>(words_explained) / request_.clause_words[c]);
  }
}

}  // namespace agentd::routing
