#include "server/core/router_explainer.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace agentd::routing {

std::string FormatScore(double score) {
  const double hundredths = std::round(score * 100.0);
  if (!(std::abs(hundredths) < 1e15)) return absl::StrFormat("%.2f", score);  // huge or not a number
  const auto whole = static_cast<int64_t>(hundredths);
  const int64_t magnitude = whole < 0 ? -whole : whole;
  const int64_t cents = magnitude % 100;
  return absl::StrCat(whole < 0 ? "-" : "", magnitude / 100, ".", cents < 10 ? "0" : "", cents);
}

RouteExplainer& RouteExplainer::ForThisThread() {
  thread_local RouteExplainer explainer;
  return explainer;
}

void RouteExplainer::Explain(const RouteScorer& scored, v1::RouteDecision* decision) {
  scored_ = &scored;
  model_ = &scored.model();
  if (scored.choice().fallback_used) decision->set_fallback_used(true);
  RankLiveRules();
  DescribeChoices(decision);     // reasons: the rules that matched, quoted
  DescribeRejections(decision);
  ListUnhosted(decision);        // agents not hosted here that would be chosen
  Summarize(decision);           // one line for people
  if (decision->selected().empty() && decision->unhosted().empty()) SayOffTopic(decision);
  constexpr size_t kKeptRanked = 4096;
  if (live_ranked_.capacity() > kKeptRanked) *this = RouteExplainer();
}

// Rule `r` as a reason, quoted, with the request words it matched.
void RouteExplainer::AddReason(size_t r, double value, Reasons* out) const {
  const RoutingModel::Rule& rule = model_->rules()[r];
  const RoutingModel::RuleQuote& quote = model_->quote(static_cast<uint32_t>(r));
  const RuleSlot& slot = scored_->hits().slots[r];
  v1::RouteReason* reason = out->Add();
  std::string* text = reason->mutable_rule();
  Quote(quote, slot, text);
  if (rule.against && rule.speaks_for >= 0) {
    absl::StrAppend(text, " (use ", model_->AgentName(rule.speaks_for), "; from ",
                    model_->hosted()[rule.owner].name(), ")");
  }
  reason->set_kind(quote.kind);
  reason->set_score(value);
  reason->mutable_matched()->Reserve(static_cast<int>(slot.end - slot.begin));
  const auto& terms = scored_->request().terms;
  const auto& hits = scored_->hits().hits;
  for (uint32_t i = slot.begin; i < slot.end; ++i) reason->add_matched(terms[hits[i].term].surface);
}

// What a reason quotes of a rule: the sentences holding the terms the request
// met there (`slot`'s hits), "…" marking those left out; all of it when every
// sentence holds one. A long description or labelled request is quoted where
// it matched, not whole.
void RouteExplainer::Quote(const RoutingModel::RuleQuote& quote, const RuleSlot& slot, std::string* out) const {
  const size_t n = quote.sentences.size();
  const auto& terms = scored_->request().terms;
  const auto& hits = scored_->hits().hits;
  uint32_t met = 0;
  for (uint32_t i = slot.begin; i < slot.end; ++i) {
    const uint32_t term = terms[hits[i].term].term;
    auto it = std::lower_bound(quote.term_sentences.begin(), quote.term_sentences.end(),
                               std::make_pair(term, uint32_t{0}));
    met |= (it != quote.term_sentences.end() && it->first == term) ? it->second : ~uint32_t{0};
  }
  auto is_met = [&](size_t i) { return (met >> std::min<size_t>(i, 31)) & 1; };
  size_t quoted = 0;
  for (size_t i = 0; i < n; ++i) quoted += is_met(i);
  if (quoted == n || quoted == 0) {  // 0: a reason with no hits (none today) quotes it all
    out->assign(quote.text);
    return;
  }
  constexpr std::string_view kGap = "\u2026";  // …
  out->clear();
  bool gap = false;
  for (size_t i = 0; i < n; ++i) {
    if (!is_met(i)) {
      gap = true;
      continue;
    }
    if (!out->empty()) out->push_back(' ');
    if (gap) out->append(kGap.data(), kGap.size()).push_back(' ');
    const auto [begin, end] = quote.sentences[i];
    out->append(quote.text, begin, end - begin);
    gap = false;
  }
  if (gap) out->append(" ").append(kGap.data(), kGap.size());
}

// Each agent's live rules, best first as far as its reasons go: one pass over
// the touched rules for all agents, not one per agent. Of the labelled
// requests only an agent's best is among them: the definitions' rules state
// its scope, and more requests that share a word or two with this one would
// crowd them out (and multiply the answer's size).
void RouteExplainer::RankLiveRules() {
  const std::vector<RuleSlot>& slots = scored_->hits().slots;
  const std::vector<uint32_t>& touched = scored_->hits().touched;
  const auto& rules = model_->rules();
  const int n_agents = model_->agent_count();
  constexpr uint32_t kNone = UINT32_MAX;
  best_labelled_.assign(n_agents, kNone);
  for (const uint32_t r : touched) {
    const int a = rules[r].speaks_for;
    if (a < 0 || rules[r].owner >= 0 || slots[r].live <= 0) continue;
    if (best_labelled_[a] == kNone || slots[r].live > slots[best_labelled_[a]].live) best_labelled_[a] = r;
  }
  auto ranks = [&](uint32_t r, int a) {
    return a >= 0 && slots[r].live > 0 && (rules[r].owner >= 0 || best_labelled_[a] == r);
  };
  live_begin_.assign(n_agents + 1, 0);
  for (const uint32_t r : touched) {
    const int a = rules[r].speaks_for;
    if (ranks(r, a)) ++live_begin_[a + 1];
  }
  for (int a = 0; a < n_agents; ++a) live_begin_[a + 1] += live_begin_[a];
  live_ranked_.resize(live_begin_[n_agents]);
  rank_next_.assign(live_begin_.begin(), live_begin_.end() - 1);
  for (const uint32_t r : touched) {  // ascending, so ties rank by rule order
    const int a = rules[r].speaks_for;
    if (ranks(r, a)) live_ranked_[rank_next_[a]++] = {-slots[r].live, r};
  }
  const int max_reasons = model_->options().max_reasons;
  for (int a = 0; a < n_agents; ++a) {
    auto begin = live_ranked_.begin() + live_begin_[a], end = live_ranked_.begin() + live_begin_[a + 1];
    std::partial_sort(begin, begin + std::min<ptrdiff_t>(end - begin, max_reasons), end);
  }
}

// Agent `a`'s best live rules, at most max_reasons of them.
void RouteExplainer::AddRulesFor(int a, Reasons* out) const {
  const uint32_t begin = live_begin_[a];
  const uint32_t end =
      std::min<uint32_t>(live_begin_[a + 1], begin + std::max(0, model_->options().max_reasons));
  out->Reserve(out->size() + static_cast<int>(end - begin));
  for (uint32_t i = begin; i < end; ++i) AddReason(live_ranked_[i].second, -live_ranked_[i].first, out);
}

void RouteExplainer::DescribeChoices(v1::RouteDecision* decision) const {
  const RouterOptions& options = model_->options();
  const RouteScorer::AgentTable& t = scored_->agents();
  const RouteScorer::ChoiceTable& choice = scored_->choice();
  for (int a : choice.selected) {
    const bool is_explicit = scored_->Explicit(a);
    v1::RouteChoice* c = decision->add_selected();
    c->set_agent(model_->hosted()[a].name());
    c->set_explicit_(is_explicit);
    c->set_score(t.score[a]);
    if (is_explicit) {
      v1::RouteReason* reason = c->add_reasons();
      reason->set_kind("explicit");
      reason->set_rule(absl::StrCat("the request names ", model_->hosted()[a].name()));
    }
    if (choice.fallback_used) {
      v1::RouteReason* reason = c->add_reasons();
      reason->set_kind("fallback");
      reason->set_rule("no agent's scope covers the request; this is the fallback agent");
    }
    if (!is_explicit && t.wins_clause[a] && t.score[a] < options.min_share_of_top * t.top) {
      v1::RouteReason* reason = c->add_reasons();
      reason->set_kind("clause");
      reason->set_rule(absl::StrCat("one part of the request is about its scope: it wins a clause with ",
                                    FormatScore(t.clause_score[a]), ", at least ",
                                    FormatScore(options.clause_margin), " times any other agent there"));
      reason->set_score(t.clause_score[a]);
      for (const uint32_t q : t.clause_terms[a]) reason->add_matched(scored_->request().terms[q].surface);
    }
    if (!is_explicit && !choice.fallback_used && options.learned_selection && !choice.signals[a].passes_gates) {
      v1::RouteReason* reason = c->add_reasons();
      reason->set_kind("selector");
      reason->set_rule(DescribeSelection(choice.signals[a], options.min_selection_probability));
      reason->set_score(choice.probability[a]);
    }
    AddRulesFor(a, c->mutable_reasons());
  }
}

void RouteExplainer::DescribeRejections(v1::RouteDecision* decision) const {
  const auto& rules = model_->rules();
  const RouteScorer::AgentTable& t = scored_->agents();
  for (int a : t.order) {
    if (a >= model_->hosted_count() || scored_->choice().chosen[a]) continue;
    v1::RouteRejection* rejection = decision->add_rejected();
    rejection->set_agent(model_->hosted()[a].name());
    rejection->set_score(t.score[a]);
    std::string redirected_to;
    for (size_t r : scored_->choice().fired) {
      if (rules[r].owner != a) continue;
      AddReason(r, scored_->hits().slots[r].score, rejection->mutable_reasons());
      if (redirected_to.empty() && rules[r].speaks_for >= 0) redirected_to = model_->AgentName(rules[r].speaks_for);
    }
    AddRulesFor(a, rejection->mutable_reasons());
    rejection->set_why(WhyRejected(a, redirected_to));
  }
}

// The first gate agent `a` did not pass, in words.
std::string RouteExplainer::WhyRejected(int a, const std::string& redirected_to) const {
  const RouterOptions& options = model_->options();
  const RouteScorer::AgentTable& t = scored_->agents();
  if (!scored_->choice().explicit_order.empty()) return "the request names its agents explicitly";
  if (scored_->choice().off_topic && t.score[a] > 0) {
    return absl::StrCat("the request reads as outside the domain of building or running software (domain relevance ",
                        FormatScore(scored_->request().domain_relevance), ", ",
                        FormatScore(options.min_domain_relevance), " needed)");
  }
  if (!redirected_to.empty() && t.score[a] < options.min_score) {
    return absl::StrCat("its \"do not use\" rule sends this to ", redirected_to);
  }
  if (t.score[a] <= 0) return "no scope rule matched";
  if (t.score[a] >= options.min_score && t.evidence[a] < options.min_evidence) {
    // Labelled requests add to a score but are no evidence: say whose rules count.
    if (t.evidence[a] == 0) {
      return absl::StrCat("its own rules share no distinctive term with the request (evidence ",
                          options.min_evidence, " needed)");
    }
    return absl::StrCat("its own rules share too few distinctive terms with the request (evidence ",
                        t.evidence[a], ", ", options.min_evidence, " needed)");
  }
  if (t.score[a] < options.min_score) {
    return absl::StrCat("score ", FormatScore(t.score[a]), " is below the minimum ", FormatScore(options.min_score));
  }
  const SelectionSignals& signals = scored_->choice().signals[a];
  if (options.learned_selection && signals.passes_gates) {
    return DescribeSelection(signals, options.min_selection_probability);
  }
  if (t.coverage[a] < options.min_coverage && !t.wins_clause[a]) {
    return absl::StrCat("its rules use ", FormatScore(t.coverage[a] * 100), "% of the request's words; ",
                        FormatScore(options.min_coverage * 100),
                        "% are needed (the request is mostly about something else)");
  }
  return absl::StrCat("score ", FormatScore(t.score[a]), " is below ", FormatScore(options.min_share_of_top * 100),
                      "% of the top score ", FormatScore(t.top));
}

void RouteExplainer::ListUnhosted(v1::RouteDecision* decision) const {
  const RouteScorer::AgentTable& t = scored_->agents();
  for (int a : t.order) {
    if (a < model_->hosted_count() || !scored_->InScope(a) || t.best_rule_index[a] < 0) continue;
    const uint32_t best = static_cast<uint32_t>(t.best_rule_index[a]);
    const RoutingModel::Rule& rule = model_->rules()[best];
    const RoutingModel::RuleQuote& quote = model_->quote(best);
    v1::UnhostedAgent* unhosted = decision->add_unhosted();
    unhosted->set_agent(model_->AgentName(a));
    unhosted->set_rule(quote.text);
    unhosted->set_named_by(rule.owner >= 0 ? model_->hosted()[rule.owner].name() : quote.source);
    unhosted->set_score(t.score[a]);
  }
}

// Nothing in scope (and no agent elsewhere): say so, and whether the request
// reads as outside the domain altogether, with the words read as out of the
// domain and the closest agents, so a caller who disagrees can name one.
void RouteExplainer::SayOffTopic(v1::RouteDecision* decision) const {
  const std::vector<std::string> words = model_->OutOfDomainWords(scored_->request().text);
  std::string closest;
  int listed = 0;
  for (int a : scored_->agents().order) {
    if (a >= model_->hosted_count() || scored_->agents().score[a] <= 0 || listed == 3) continue;
    absl::StrAppend(&closest, listed++ == 0 ? "" : ", ", model_->AgentName(a), " ",
                    FormatScore(scored_->agents().score[a]));
  }
  constexpr size_t kMaxWords = 12;
  const size_t shown = std::min(words.size(), kMaxWords);
  decision->set_summary(absl::StrCat(
      scored_->choice().off_topic
          ? "no hosted agent's scope covers this request: it reads as about something other than building or "
            "running software"
          : "no hosted agent's scope covers this request",
      shown == 0 ? std::string()
                 : absl::StrCat(" (words read as outside the domain: ",
                                absl::StrJoin(words.begin(), words.begin() + shown, ", "),
                                words.size() > shown ? ", …" : "", ")"),
      closest.empty() ? std::string() : absl::StrCat("; closest agents: ", closest),
      "; name an agent (@agent) to ask anyway"));
}

void RouteExplainer::Summarize(v1::RouteDecision* decision) {
  std::vector<std::string> unhosted_names;
  for (const v1::UnhostedAgent& u : decision->unhosted()) unhosted_names.push_back(u.agent());
  if (decision->selected().empty()) {
    decision->set_summary(unhosted_names.empty()
                              ? std::string("no hosted agent's scope covers this request")
                              : absl::StrCat("no hosted agent's scope covers this request; it belongs to ",
                                             absl::StrJoin(unhosted_names, ", "), ", which this server does not host"));
    return;
  }
  std::vector<std::string> parts;
  for (const v1::RouteChoice& c : decision->selected()) {
    parts.push_back(c.explicit_() ? absl::StrCat(c.agent(), " (explicit)") : c.agent());
  }
  decision->set_summary(absl::StrCat(
      decision->fallback_used() ? "nothing in scope; fallback: " : "routed to ", absl::StrJoin(parts, ", "),
      unhosted_names.empty()
          ? std::string()
          : absl::StrCat("; part of it belongs to ", absl::StrJoin(unhosted_names, ", "), ", not hosted here")));
}

}  // namespace agentd::routing
