#include "server/core/router.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace agentd {
namespace {

// Debian's Abseil has its own string_view type, not std::string_view.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// An inline mention: "@name" at the start of the text or after a character
// that cannot be part of a word (so "ops@example.com" is not one).
struct Mention {
  size_t begin;
  size_t end;
  std::string name;
};

std::vector<Mention> FindMentions(std::string_view text) {
  std::vector<Mention> mentions;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '@') continue;
    if (i > 0 && (IsNameChar(text[i - 1]) || text[i - 1] == '.')) continue;
    size_t end = i + 1;
    while (end < text.size() && IsNameChar(text[end])) ++end;
    // Trailing '-' or '_' is punctuation ("@sre-specialist--"), not name.
    size_t name_end = end;
    while (name_end > i + 1 && (text[name_end - 1] == '-' || text[name_end - 1] == '_')) {
      --name_end;
    }
    if (name_end == i + 1) continue;
    mentions.push_back(Mention{i, end, absl::AsciiStrToLower(Absl(text.substr(i + 1, name_end - i - 1)))});
    i = end - 1;
  }
  return mentions;
}

// One rule's working state during a Route. A request touches a few dozen of
// the hundreds of rules, so instead of allocating and zeroing arrays over all
// of them per call, each thread keeps one array and Route puts back to zero
// the entries it used.
struct RuleSlot {
  uint32_t begin = 0;  // the rule's hits: hits[begin, end)
  uint32_t end = 0;
  double score = 0;    // sum of its hits' weights
  double live = 0;     // the same over terms not claimed by a "not for" rule
};

// A term used by at most this share (on the focus scale, 1 = one agent,
// 0 = all) counts as evidence; with seven agents, that is up to three.
constexpr float kDistinctiveFocus = 0.5f;

// Specificity (TextIndex::specificity, log of how much more often the rules
// use a word than spoken English does) at and below which a word weighs
// nothing (rules use it under e^2 ≈ 7 times as often), and from which it
// weighs fully (≈ 150 times). Tuned with agentd-route-eval on the dev and
// own sets: results hold for 1.5-2 and 4-5.
constexpr double kOrdinarySpecificity = 2.0;
constexpr double kTopicSpecificity = 5.0;

// The weight of a "not for" rule speaking for the hosted agent it names.
constexpr float kRedirectWeight = 0.8f;

// Two decimals, as "%.2f" would print them, without a format parse per call.
std::string FormatScore(double score) {
  const double hundredths = std::round(score * 100.0);
  if (!(std::abs(hundredths) < 1e15)) return absl::StrFormat("%.2f", score);  // huge or not a number
  const auto whole = static_cast<int64_t>(hundredths);
  const int64_t magnitude = whole < 0 ? -whole : whole;
  const int64_t cents = magnitude % 100;
  return absl::StrCat(whole < 0 ? "-" : "", magnitude / 100, ".", cents < 10 ? "0" : "", cents);
}

}  // namespace

Router::Router(std::vector<v1::AgentDefinition> hosted, RouterOptions options)
    : hosted_(std::move(hosted)), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<Router>> Router::Create(std::vector<v1::AgentDefinition> hosted,
                                                       RouterOptions options) {
  std::unique_ptr<Router> router(new Router(std::move(hosted), std::move(options)));
  absl::Status status = router->Build();
  if (!status.ok()) return status;
  return router;
}

int Router::AgentIndex(std::string_view name) const {
  auto it = agent_index_.find(absl::AsciiStrToLower(Absl(name)));
  return it == agent_index_.end() ? -1 : it->second;
}

const std::string& Router::AgentName(int agent) const {
  const int hosted = static_cast<int>(hosted_.size());
  return agent < hosted ? hosted_[agent].name() : unhosted_[agent - hosted];
}

absl::Status Router::Build() {
  std::vector<std::string> names;
  for (size_t a = 0; a < hosted_.size(); ++a) {
    const std::string& name = hosted_[a].name();
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "agent definition #", a, " (", hosted_[a].source_path(), ") has no name"));
    }
    if (!agent_index_.emplace(absl::AsciiStrToLower(name), static_cast<int>(a)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "agent '", name, "' is defined twice (", hosted_[a].source_path(), ")"));
    }
    names.push_back(name);
  }
  hosted_list_ = names.empty() ? std::string("none") : absl::StrJoin(names, ", ");
  if (!options_.fallback_agent.empty()) {
    fallback_index_ = AgentIndex(options_.fallback_agent);
    if (fallback_index_ < 0) {
      return absl::InvalidArgumentError(absl::StrCat("fallback agent '", options_.fallback_agent,
                                                     "' is not hosted; hosted agents: ",
                                                     hosted_list_));
    }
  }

  // Redirect targets that are not hosted become agents of their own, known
  // only through the rules that name them.
  const int hosted_count = static_cast<int>(hosted_.size());
  absl::flat_hash_map<std::string, int> unhosted_index;
  auto target_index = [&](const std::string& redirect) {
    std::string target = absl::AsciiStrToLower(absl::StripAsciiWhitespace(redirect));
    if (target.empty()) return -1;
    int a = AgentIndex(target);
    if (a >= 0) return a;
    auto [it, inserted] = unhosted_index.try_emplace(
        target, hosted_count + static_cast<int>(unhosted_.size()));
    if (inserted) unhosted_.push_back(target);
    return it->second;
  };

  // Agent names inside rules ("chosen with the backend-architect") are not
  // scope: blank them before indexing, or "backend" would pull in that rule.
  std::vector<std::string> all_names;
  for (const v1::AgentDefinition& d : hosted_) all_names.push_back(absl::AsciiStrToLower(d.name()));
  for (const v1::AgentDefinition& d : hosted_) {
    for (const v1::ScopeExclusion& r : d.not_for()) {
      std::string target = absl::AsciiStrToLower(absl::StripAsciiWhitespace(r.redirect()));
      if (!target.empty()) all_names.push_back(target);
    }
  }
  auto without_names = [&](const std::string& text) {
    std::string lower = absl::AsciiStrToLower(text);
    for (const std::string& name : all_names) {
      for (size_t at = lower.find(name); at != std::string::npos; at = lower.find(name, at)) {
        lower.replace(at, name.size(), std::string(name.size(), ' '));
      }
    }
    return lower;
  };

  auto add_rule = [&](int owner, const char* kind, const std::string& text, bool against,
                      int speaks_for, float kind_weight) {
    if (absl::StripAsciiWhitespace(text).empty()) return;
    index_.Add(without_names(text));
    rules_.push_back(Rule{owner, kind, text, against, speaks_for, kind_weight});
  };
  for (int a = 0; a < hosted_count; ++a) {
    const v1::AgentDefinition& d = hosted_[a];
    for (const std::string& r : d.use_when()) add_rule(a, "use_when", r, false, a, 1.0f);
    for (const std::string& r : d.competencies()) add_rule(a, "competency", r, false, a, 1.0f);
    for (const std::string& r : d.examples()) add_rule(a, "example", r, false, a, 0.6f);
    add_rule(a, "description", d.description(), false, a, 1.0f);
    for (const v1::ScopeExclusion& r : d.not_for()) {
      int target = target_index(r.redirect());
      // A rule redirecting to its own agent says nothing against it.
      if (target == a) continue;
      // Another agent's word about a hosted agent's scope counts less than
      // that agent's own rules; for an unhosted agent it is all there is.
      add_rule(a, "not_for", r.text(), true, target, target < hosted_count ? kRedirectWeight : 1.0f);
    }
  }
  index_.Finalize();
  agent_count_ = hosted_count + static_cast<int>(unhosted_.size());
  const size_t agents = static_cast<size_t>(agent_count_);
  term_agent_weight_.assign(index_.term_count() * agents, 0.0f);
  term_focus_.assign(index_.term_count(), 0.0f);
  std::vector<int> rules_using(agents);
  for (uint32_t t = 0; t < index_.term_count(); ++t) {
    std::fill(rules_using.begin(), rules_using.end(), 0);
    for (const text::TextIndex::Posting& p : index_.postings(t)) {
      if (rules_[p.doc].speaks_for >= 0) ++rules_using[rules_[p.doc].speaks_for];
    }
    const int sharing = static_cast<int>(
        std::count_if(rules_using.begin(), rules_using.end(), [](int n) { return n > 0; }));
    // 1 for a term only one agent uses, falling towards 0 as all share it.
    const double focus = sharing <= 1 ? 1.0
                                      : std::log((agents + 1.0) / sharing) / std::log(agents + 1.0);
    term_focus_[t] = static_cast<float>(focus);
    // An everyday word ("game", "breaks", "run") says little about scope
    // however rare it is among the rules: weigh it by how much more the rules
    // use it than ordinary speech does.
    const double specific = std::clamp(
        (index_.specificity(t) - kOrdinarySpecificity) / (kTopicSpecificity - kOrdinarySpecificity),
        0.0, 1.0);
    for (size_t a = 0; a < agents; ++a) {
      const double n = rules_using[a];
      // 1 for one rule, saturating towards 2 for a term the agent keeps using.
      const double centrality = n <= 1 ? 1.0 : 2.0 * n / (n + 1.0);
      term_agent_weight_[t * agents + a] = static_cast<float>(focus * centrality * specific);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RouteDecision> Router::Route(
    std::string_view text, const std::vector<std::string>& explicit_agents) const {
  const int n_hosted = static_cast<int>(hosted_.size());
  const int n_agents = agent_count_;

  // 1. Explicit agents: the argument first, then inline mentions, deduplicated.
  std::vector<int> explicit_order;
  std::vector<char> is_explicit(n_agents, 0);
  auto add_explicit = [&](std::string_view name, bool inline_mention) -> absl::Status {
    absl::string_view trimmed = absl::StripAsciiWhitespace(Absl(name));
    int a = AgentIndex(std::string_view(trimmed.data(), trimmed.size()));
    if (a < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(inline_mention ? "text mentions @" : "agents: ", Absl(name),
                       ", which this server does not host; hosted agents: ", hosted_list_));
    }
    if (!is_explicit[a]) {
      is_explicit[a] = 1;
      explicit_order.push_back(a);
    }
    return absl::OkStatus();
  };
  for (const std::string& name : explicit_agents) {
    absl::Status s = add_explicit(name, false);
    if (!s.ok()) return s;
  }
  std::vector<Mention> mentions = FindMentions(text);
  for (const Mention& m : mentions) {
    absl::Status s = add_explicit(m.name, true);
    if (!s.ok()) return s;
  }
  // Agent names are not scope: score the text without the mentions.
  std::string stripped;
  if (!mentions.empty()) {
    size_t at = 0;
    for (const Mention& m : mentions) {
      stripped.append(text.substr(at, m.begin - at));
      stripped.push_back(' ');
      at = m.end;
    }
    stripped.append(text.substr(at));
    text = stripped;
  }

  // 2. Weigh every (rule, request term) pair.
  std::vector<text::TextIndex::QueryTerm> terms;
  std::vector<uint32_t> clause_words;
  const size_t content_words = index_.Analyze(text, &terms, &clause_words);
  const size_t n_terms = terms.size();
  struct Hit {
    uint32_t rule;
    uint32_t term;  // index into terms
    float weight;
  };
  std::vector<Hit> unsorted;
  for (uint32_t q = 0; q < n_terms; ++q) {
    const uint32_t term = terms[q].term;
    for (const text::TextIndex::Posting& p : index_.postings(term)) {
      const Rule& rule = rules_[p.doc];
      // A rule speaking for nobody (a "not for" without redirect) is weighed
      // as if for its own agent: it only ever counts against it.
      const int agent = rule.speaks_for >= 0 ? rule.speaks_for : rule.owner;
      const float weight =
          p.weight * rule.kind_weight * term_agent_weight_[term * n_agents + agent];
      unsorted.push_back(Hit{p.doc, q, weight});
    }
  }
  // The rules the request touches at all, in order: every loop over rules
  // below only needs these (a rule without hits scores 0 and adds nothing),
  // and they are a few dozen of the hundreds there are.
  thread_local std::vector<RuleSlot> slots;
  if (slots.size() < rules_.size()) slots.resize(rules_.size());
  std::vector<uint32_t> touched;
  absl::Cleanup reset_slots = [&touched] {
    for (const uint32_t r : touched) slots[r] = RuleSlot{};
  };
  for (const Hit& h : unsorted) {
    if (slots[h.rule].end++ == 0) touched.push_back(h.rule);
    slots[h.rule].score += h.weight;
  }
  std::sort(touched.begin(), touched.end());
  // Group the hits by rule, in term order within a rule (they were made in
  // term order): hits[slots[r].begin .. slots[r].end) are rule r's.
  uint32_t next = 0;
  for (const uint32_t r : touched) {
    const uint32_t count = slots[r].end;
    slots[r].begin = slots[r].end = next;
    next += count;
  }
  std::vector<Hit> hits(unsorted.size());
  for (const Hit& h : unsorted) hits[slots[h.rule].end++] = h;
  // best_for[a * n_terms + q]: the best weight term q has in a rule for a.
  std::vector<double> best_for(static_cast<size_t>(n_agents) * n_terms, 0.0);
  for (const Hit& h : hits) {
    const int a = rules_[h.rule].speaks_for;
    if (a < 0) continue;
    double& best = best_for[static_cast<size_t>(a) * n_terms + h.term];
    best = std::max(best, static_cast<double>(h.weight));
  }

  // 3. "Not for" rules that outweigh their agent's own rules claim the terms.
  std::vector<char> claimed(best_for.size(), 0);
  std::vector<size_t> fired;
  for (const size_t r : touched) {
    const Rule& rule = rules_[r];
    if (!rule.against || slots[r].score < options_.min_score) continue;
    const size_t base = static_cast<size_t>(rule.owner) * n_terms;
    double own = 0;
    for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) own += best_for[base + hits[i].term];
    if (slots[r].score <= own) continue;
    fired.push_back(r);
    for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) claimed[base + hits[i].term] = 1;
  }

  // 4. Agent scores over unclaimed terms: best rule + half the term sum.
  std::vector<double> best_rule(n_agents, 0.0);
  std::vector<int> best_rule_index(n_agents, -1);
  for (const size_t r : touched) {
    const int a = rules_[r].speaks_for;
    if (a < 0) continue;
    double live = 0;
    for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
      if (!claimed[static_cast<size_t>(a) * n_terms + hits[i].term]) live += hits[i].weight;
    }
    slots[r].live = live;
    if (live > best_rule[a]) {
      best_rule[a] = live;
      best_rule_index[a] = static_cast<int>(r);
    }
  }
  // Evidence: distinct request terms that the agent's own rules (not its
  // examples) use and that few agents share. A phrase, or a word the agent's
  // rules keep repeating, counts two; a word one rule mentions in passing
  // counts one. One stray word ("golden", "updates") is not enough.
  std::vector<int> evidence(n_agents, 0);
  std::vector<uint8_t> rules_with(static_cast<size_t>(n_agents) * n_terms, 0);
  {
    for (const Hit& h : hits) {
      const Rule& rule = rules_[h.rule];
      const int a = rule.speaks_for;
      if (a < 0 || rule.kind_weight < kRedirectWeight) continue;
      const size_t k = static_cast<size_t>(a) * n_terms + h.term;
      if (claimed[k] || term_focus_[terms[h.term].term] < kDistinctiveFocus) continue;
      if (rules_with[k] < 2) ++rules_with[k];
    }
    for (int a = 0; a < n_agents; ++a) {
      for (size_t q = 0; q < n_terms; ++q) {
        const uint8_t n = rules_with[static_cast<size_t>(a) * n_terms + q];
        if (n > 0) evidence[a] += (terms[q].phrase || n >= 2) ? 2 : 1;
      }
    }
    // One rule of the agent's own that several request words meet at once is
    // evidence too, even when the words are common ("splitting … services").
    for (const size_t r : touched) {
      const Rule& rule = rules_[r];
      if (rule.speaks_for < 0 || rule.kind_weight < kRedirectWeight) continue;
      int words = 0;
      for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
        const size_t k = static_cast<size_t>(rule.speaks_for) * n_terms + hits[i].term;
        if (!terms[hits[i].term].phrase && !claimed[k]) ++words;
      }
      evidence[rule.speaks_for] = std::max(evidence[rule.speaks_for], words - 1);
    }
  }
  std::vector<double> score(n_agents, 0.0);
  std::vector<double> coverage_of(n_agents, 0.0);
  for (int a = 0; a < n_agents; ++a) {
    double sum = 0;
    int words_explained = 0;
    for (size_t q = 0; q < n_terms; ++q) {
      const size_t k = static_cast<size_t>(a) * n_terms + q;
      if (claimed[k]) continue;
      sum += best_for[k];
      if (best_for[k] > 0 && !terms[q].phrase) ++words_explained;
    }
    // A request mostly about something else (one stray word matching)
    // counts less than one the agent's rules explain throughout.
    const double coverage =
        content_words == 0 ? 0.0 : static_cast<double>(words_explained) / content_words;
    score[a] = (best_rule[a] + 0.5 * sum) * std::sqrt(coverage);
    coverage_of[a] = coverage;
  }

  std::vector<int> order(n_agents);
  for (int a = 0; a < n_agents; ++a) order[a] = a;
  std::sort(order.begin(), order.end(), [&](int x, int y) {
    if (score[x] != score[y]) return score[x] > score[y];
    return AgentName(x) < AgentName(y);
  });
  const double top = order.empty() ? 0.0 : score[order.front()];
  // A request of several parts ("pick a broker, and define the alerting on
  // lag"): each clause is weighed on its own, as the whole request is above
  // (best rule + half the term sum, times coverage of the clause's words;
  // evidence as above), and the agent that wins a clause clearly
  // (clause_margin) with enough evidence there takes part even when the
  // whole request is mostly about something else. A stray word inside
  // another agent's clause ("flexible queries" in a GraphQL question) does
  // not win its clause; a part of its own does.
  std::vector<char> wins_clause(n_agents, 0);
  std::vector<double> clause_score(n_agents, 0.0);  // of the clause it won
  std::vector<std::vector<std::string>> clause_terms(n_agents);  // its words there
  const int n_clauses = static_cast<int>(clause_words.size());
  if (n_clauses > 1) {
    std::vector<double> part_best(n_agents), part_score(n_agents);
    std::vector<int> part_evidence(n_agents);
    for (int c = 0; c < n_clauses; ++c) {
      const uint32_t bit = 1u << c;
      if (clause_words[c] == 0) continue;
      std::fill(part_best.begin(), part_best.end(), 0.0);
      std::fill(part_evidence.begin(), part_evidence.end(), 0);
      for (const size_t r : touched) {
        const int a = rules_[r].speaks_for;
        if (a < 0) continue;
        double live = 0;
        int words = 0;
        for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
          const size_t k = static_cast<size_t>(a) * n_terms + hits[i].term;
          if (claimed[k] || !(terms[hits[i].term].clauses & bit)) continue;
          live += hits[i].weight;
          if (!terms[hits[i].term].phrase) ++words;
        }
        part_best[a] = std::max(part_best[a], live);
        if (rules_[r].kind_weight >= kRedirectWeight) {
          part_evidence[a] = std::max(part_evidence[a], words - 1);
        }
      }
      for (int a = 0; a < n_agents; ++a) {
        double sum = 0;
        int words_explained = 0;
        int distinct = 0;
        for (size_t q = 0; q < n_terms; ++q) {
          if (!(terms[q].clauses & bit)) continue;
          const size_t k = static_cast<size_t>(a) * n_terms + q;
          if (claimed[k]) continue;
          sum += best_for[k];
          if (best_for[k] > 0 && !terms[q].phrase) ++words_explained;
          if (rules_with[k] > 0) distinct += (terms[q].phrase || rules_with[k] >= 2) ? 2 : 1;
        }
        part_evidence[a] = std::max(part_evidence[a], distinct);
        part_score[a] = (part_best[a] + 0.5 * sum) *
                        std::sqrt(static_cast<double>(words_explained) / clause_words[c]);
      }
      int winner = 0;
      for (int a = 1; a < n_agents; ++a) {
        if (part_score[a] > part_score[winner] ||
            (part_score[a] == part_score[winner] && AgentName(a) < AgentName(winner))) {
          winner = a;
        }
      }
      double runner_up = 0;
      for (int a = 0; a < n_agents; ++a) {
        if (a != winner) runner_up = std::max(runner_up, part_score[a]);
      }
      if (part_score[winner] < options_.min_score ||
          part_evidence[winner] < options_.min_evidence ||
          part_score[winner] < options_.clause_margin * runner_up) {
        continue;
      }
      wins_clause[winner] = 1;
      if (part_score[winner] > clause_score[winner]) {
        clause_score[winner] = part_score[winner];
        clause_terms[winner].clear();
        for (size_t q = 0; q < n_terms; ++q) {
          const size_t k = static_cast<size_t>(winner) * n_terms + q;
          if ((terms[q].clauses & bit) && !terms[q].phrase && best_for[k] > 0 && !claimed[k]) {
            clause_terms[winner].push_back(terms[q].surface);
          }
        }
      }
    }
  }
  auto in_scope = [&](int a) {
    if (score[a] < options_.min_score || evidence[a] < options_.min_evidence) return false;
    if (coverage_of[a] < options_.min_coverage && !wins_clause[a]) return false;
    // Competing with the top agent for the same words, an agent must come
    // close to it; for a clause of its own, winning it is enough.
    return score[a] >= options_.min_share_of_top * top || wins_clause[a];
  };

  v1::RouteDecision decision;
  std::vector<char> chosen(n_agents, 0);
  std::vector<int> selected = explicit_order;
  for (int a : explicit_order) chosen[a] = 1;
  // With explicit agents, only the redirects of their own rules join them.
  std::vector<char> redirected_by_explicit(n_agents, 0);
  for (size_t r : fired) {
    if (rules_[r].speaks_for >= 0 && is_explicit[rules_[r].owner]) {
      redirected_by_explicit[rules_[r].speaks_for] = 1;
    }
  }
  for (int a : order) {
    if (a >= n_hosted || chosen[a]) continue;
    if (explicit_order.empty() ? in_scope(a) : redirected_by_explicit[a] != 0) {
      chosen[a] = 1;
      selected.push_back(a);
    }
  }
  if (selected.empty() && fallback_index_ >= 0) {
    selected.push_back(fallback_index_);
    chosen[fallback_index_] = 1;
    decision.set_fallback_used(true);
  }

  // 5. Reasons: the agent's best live rules, quoted, with the matched terms.
  auto add_reason = [&](size_t r, double rule_value,
                        google::protobuf::RepeatedPtrField<v1::RouteReason>* out) {
    const Rule& rule = rules_[r];
    v1::RouteReason* reason = out->Add();
    reason->set_rule(rule.against && rule.speaks_for >= 0
                         ? absl::StrCat(rule.text, " (use ", AgentName(rule.speaks_for),
                                        "; from ", hosted_[rule.owner].name(), ")")
                         : rule.text);
    reason->set_kind(rule.kind);
    reason->set_score(rule_value);
    for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
      reason->add_matched(terms[hits[i].term].surface);
    }
  };
  auto add_for_reasons = [&](int a, google::protobuf::RepeatedPtrField<v1::RouteReason>* out) {
    std::vector<std::pair<double, size_t>> ranked;
    for (const size_t r : touched) {
      if (rules_[r].speaks_for == a && slots[r].live > 0) {
        ranked.emplace_back(-slots[r].live, r);
      }
    }
    std::sort(ranked.begin(), ranked.end());
    if (static_cast<int>(ranked.size()) > options_.max_reasons) {
      ranked.resize(options_.max_reasons);
    }
    for (const auto& [negative, r] : ranked) add_reason(r, -negative, out);
  };

  for (int a : selected) {
    v1::RouteChoice* choice = decision.add_selected();
    choice->set_agent(hosted_[a].name());
    choice->set_explicit_(is_explicit[a] != 0);
    choice->set_score(score[a]);
    if (is_explicit[a]) {
      v1::RouteReason* reason = choice->add_reasons();
      reason->set_kind("explicit");
      reason->set_rule(absl::StrCat("the request names ", hosted_[a].name()));
    }
    if (decision.fallback_used()) {
      v1::RouteReason* reason = choice->add_reasons();
      reason->set_kind("fallback");
      reason->set_rule("no agent's scope covers the request; this is the fallback agent");
    }
    if (!is_explicit[a] && wins_clause[a] && score[a] < options_.min_share_of_top * top) {
      v1::RouteReason* reason = choice->add_reasons();
      reason->set_kind("clause");
      reason->set_rule(absl::StrCat(
          "one part of the request is about its scope: it wins a clause with ",
          FormatScore(clause_score[a]), ", at least ", FormatScore(options_.clause_margin),
          " times any other agent there"));
      reason->set_score(clause_score[a]);
      for (const std::string& t : clause_terms[a]) reason->add_matched(t);
    }
    add_for_reasons(a, choice->mutable_reasons());
  }

  for (int a : order) {
    if (a >= n_hosted || chosen[a]) continue;
    v1::RouteRejection* rejection = decision.add_rejected();
    rejection->set_agent(hosted_[a].name());
    rejection->set_score(score[a]);
    std::string redirected_to;
    for (size_t r : fired) {
      if (rules_[r].owner != a) continue;
      add_reason(r, slots[r].score, rejection->mutable_reasons());
      if (redirected_to.empty() && rules_[r].speaks_for >= 0) {
        redirected_to = AgentName(rules_[r].speaks_for);
      }
    }
    add_for_reasons(a, rejection->mutable_reasons());
    if (!explicit_order.empty()) {
      rejection->set_why("the request names its agents explicitly");
    } else if (!redirected_to.empty() && score[a] < options_.min_score) {
      rejection->set_why(absl::StrCat("its \"do not use\" rule sends this to ", redirected_to));
    } else if (score[a] <= 0) {
      rejection->set_why("no scope rule matched");
    } else if (score[a] >= options_.min_score && evidence[a] < options_.min_evidence) {
      rejection->set_why(absl::StrCat("only ", evidence[a],
                                      " distinctive term(s) of the request match its rules; ",
                                      options_.min_evidence, " are needed"));
    } else if (score[a] < options_.min_score) {
      rejection->set_why(absl::StrCat("score ", FormatScore(score[a]), " is below the minimum ",
                                      FormatScore(options_.min_score)));
    } else if (coverage_of[a] < options_.min_coverage && !wins_clause[a]) {
      rejection->set_why(absl::StrCat("its rules use ", FormatScore(coverage_of[a] * 100),
                                      "% of the request's words; ", FormatScore(options_.min_coverage * 100),
                                      "% are needed (the request is mostly about something else)"));
    } else {
      rejection->set_why(absl::StrCat("score ", FormatScore(score[a]), " is below ",
                                      FormatScore(options_.min_share_of_top * 100),
                                      "% of the top score ", FormatScore(top)));
    }
  }

  // 6. Agents this server does not host that would have been chosen.
  for (int a : order) {
    if (a < n_hosted || !in_scope(a) || best_rule_index[a] < 0) continue;
    const Rule& rule = rules_[best_rule_index[a]];
    v1::UnhostedAgent* unhosted = decision.add_unhosted();
    unhosted->set_agent(AgentName(a));
    unhosted->set_rule(rule.text);
    unhosted->set_named_by(hosted_[rule.owner].name());
    unhosted->set_score(score[a]);
  }

  // 7. One line for people.
  std::vector<std::string> unhosted_names;
  for (const v1::UnhostedAgent& u : decision.unhosted()) unhosted_names.push_back(u.agent());
  if (decision.selected().empty()) {
    decision.set_summary(
        unhosted_names.empty()
            ? std::string("no hosted agent's scope covers this request")
            : absl::StrCat("no hosted agent's scope covers this request; it belongs to ",
                           absl::StrJoin(unhosted_names, ", "),
                           ", which this server does not host"));
  } else {
    std::vector<std::string> parts;
    for (const v1::RouteChoice& c : decision.selected()) {
      parts.push_back(c.explicit_() ? absl::StrCat(c.agent(), " (explicit)") : c.agent());
    }
    decision.set_summary(absl::StrCat(
        decision.fallback_used() ? "nothing in scope; fallback: " : "routed to ",
        absl::StrJoin(parts, ", "),
        unhosted_names.empty()
            ? std::string()
            : absl::StrCat("; part of it belongs to ", absl::StrJoin(unhosted_names, ", "),
                           ", not hosted here")));
  }
  return decision;
}

}  // namespace agentd
