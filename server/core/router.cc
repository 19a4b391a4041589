#include "server/core/router.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <span>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "server/common/status_macros.h"

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
// Examples carry incidental words ("we are five devs", the product's name):
// they count less than scope items, and give no evidence (below
// kRedirectWeight). Labelled requests are examples too.
constexpr float kExampleWeight = 0.6f;

// Of the labelled requests of one agent that use a term, the router keeps
// this many, those that weigh it most. A common word ("services", "api",
// "team") is in hundreds of them; the strongest few already say what it
// says about the agent, and the rest only cost time. With the 856 bundled
// requests and the labelled vote, leave-one-file-out (eval/train_selector.py
// --cv) gives 0.891 / 0.852 for 4 and for 8, 0.889 / 0.851 for 2;
// router_bench 9.2, 9.7 and 8.8 us. (Before the vote: 0.889 / 0.827 for 8
// against 0.890 / 0.831 unlimited. With 1,606 requests: unlimited 0.815 /
// 0.715, 8: 0.814 / 0.707, even 1: 0.807 / 0.696; what a labelled request
// teaches is mostly which agent its words belong to.)
constexpr int kLabelledPostingsPerAgent = 4;

// Additive smoothing of the labelled requests' vote (naive Bayes counts).
// 0.25-1 give the same figures under --cv.
constexpr double kVoteSmoothing = 0.5;

// Two decimals, as "%.2f" would print them, without a format parse per call.
std::string FormatScore(double score) {
  const double hundredths = std::round(score * 100.0);
  if (!(std::abs(hundredths) < 1e15)) return absl::StrFormat("%.2f", score);  // huge or not a number
  const auto whole = static_cast<int64_t>(hundredths);
  const int64_t magnitude = whole < 0 ? -whole : whole;
  const int64_t cents = magnitude % 100;
  return absl::StrCat(whole < 0 ? "-" : "", magnitude / 100, ".", cents < 10 ? "0" : "", cents);
}

// A labelled request that names its agents (in `agents`, or inline:
// "@sre-specialist, is this alert sensible?") is labelled with them whatever
// it is about: it says nothing about scope, for the rules or the vote.
bool NamesItsAgents(const LabelledRequest& request) {
  return !request.agents.empty() || !FindMentions(request.text).empty();
}

}  // namespace

Router::Router(std::vector<v1::AgentDefinition> hosted, RouterOptions options)
    : hosted_(std::move(hosted)), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<Router>> Router::Create(std::vector<v1::AgentDefinition> hosted,
                                                       RouterOptions options,
                                                       const std::vector<LabelledRequest>& labelled) {
  std::unique_ptr<Router> router(new Router(std::move(hosted), std::move(options)));
  absl::Status status = router->Build(labelled);
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

absl::Status Router::Build(const std::vector<LabelledRequest>& labelled) {
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

  std::vector<std::string> indexed_texts;  // by rule, for SplitQuote
  auto add_rule = [&](int owner, const char* kind, const std::string& text, bool against,
                      int speaks_for, float kind_weight, const std::string& source = {}) {
    if (absl::StripAsciiWhitespace(text).empty()) return;
    indexed_texts.push_back(without_names(text));
    index_.Add(indexed_texts.back());
    rules_.push_back(Rule{owner, speaks_for, kind_weight, against});
    quotes_.push_back(RuleQuote{kind, text, source});
  };
  for (int a = 0; a < hosted_count; ++a) {
    const v1::AgentDefinition& d = hosted_[a];
    for (const std::string& r : d.use_when()) add_rule(a, "use_when", r, false, a, 1.0f);
    for (const std::string& r : d.competencies()) add_rule(a, "competency", r, false, a, 1.0f);
    for (const std::string& r : d.examples()) add_rule(a, "example", r, false, a, kExampleWeight);
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
  // A labelled request is an example of each agent in its scope, hosted or
  // not, held by no definition. The same text twice is one example.
  absl::flat_hash_set<std::pair<std::string, int>> labelled_seen;
  first_labelled_ = static_cast<uint32_t>(rules_.size());
  for (const LabelledRequest& request : labelled) {
    if (NamesItsAgents(request)) continue;
    for (const std::string& name : request.InScope()) {
      const int agent = target_index(name);
      if (agent < 0 || !labelled_seen.emplace(request.text, agent).second) continue;
      add_rule(-1, "labelled", request.text, false, agent, kExampleWeight, request.source);
    }
  }
  index_.Finalize();
  for (uint32_t r = 0; r < rules_.size(); ++r) SplitQuote(r, indexed_texts[r]);
  agent_count_ = hosted_count + static_cast<int>(unhosted_.size());
  std::vector<int> by_name(agent_count_);
  for (int a = 0; a < agent_count_; ++a) by_name[a] = a;
  std::sort(by_name.begin(), by_name.end(), [&](int x, int y) { return AgentName(x) < AgentName(y); });
  name_rank_.assign(agent_count_, 0);
  for (int i = 0; i < agent_count_; ++i) name_rank_[by_name[i]] = i;
  const size_t agents = static_cast<size_t>(agent_count_);
  term_agent_weight_.assign(index_.term_count() * agents, 0.0f);
  term_focus_.assign(index_.term_count(), 0.0f);
  std::vector<int> rules_using(agents);
  for (uint32_t t = 0; t < index_.term_count(); ++t) {
    // How agents share a term is read from the definitions' rules: the
    // labelled requests' incidental words ("our", "app", "team") would make
    // every term look shared. Only a term no definition uses is read from
    // the labelled requests.
    CountRulesUsing(t, /*labelled=*/false, &rules_using);
    if (std::all_of(rules_using.begin(), rules_using.end(), [](int n) { return n == 0; })) {
      CountRulesUsing(t, /*labelled=*/true, &rules_using);
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
  WeighLabelledPostings();
  // The vote reads the labels of every labelled request, "optional" ones
  // included; a name no rule or redirect made an agent is not one here.
  auto known_agent = [&](const std::string& name) {
    const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
    const int hosted = AgentIndex(lower);
    if (hosted >= 0) return hosted;
    auto it = unhosted_index.find(lower);
    return it == unhosted_index.end() ? -1 : it->second;
  };
  CountLabelledVotes(labelled, known_agent, without_names);
  return absl::OkStatus();
}

void Router::SplitQuote(uint32_t rule, const std::string& indexed) {
  RuleQuote& quote = quotes_[rule];
  quote.sentences = text::SplitSentences(quote.text);
  if (quote.sentences.size() < 2) {
    quote.sentences.clear();
    return;
  }
  // `indexed` has the same length as the text (names are blanked, not cut).
  std::vector<text::TextIndex::QueryTerm> terms;
  for (size_t i = 0; i < quote.sentences.size(); ++i) {
    const auto [begin, end] = quote.sentences[i];
    index_.Analyze(std::string_view(indexed).substr(begin, end - begin), &terms);
    const uint32_t bit = uint32_t{1} << std::min<size_t>(i, 31);
    for (const text::TextIndex::QueryTerm& t : terms) quote.term_sentences.emplace_back(t.term, bit);
  }
  std::sort(quote.term_sentences.begin(), quote.term_sentences.end());
  // One entry per term, its bits ORed.
  size_t kept = 0;
  for (const auto& [term, bit] : quote.term_sentences) {
    if (kept > 0 && quote.term_sentences[kept - 1].first == term) {
      quote.term_sentences[kept - 1].second |= bit;
    } else {
      quote.term_sentences[kept++] = {term, bit};
    }
  }
  quote.term_sentences.resize(kept);
  quote.term_sentences.shrink_to_fit();
}

void Router::CountLabelledVotes(const std::vector<LabelledRequest>& labelled,
                                const std::function<int(const std::string&)>& agent_of,
                                const std::function<std::string(const std::string&)>& without_names) {
  const size_t agents = static_cast<size_t>(agent_count_);
  std::vector<int> in_scope(agents), out_of_scope(agents);  // requests, per agent
  std::vector<int> in_scope_using(index_.term_count() * agents), out_of_scope_using(in_scope_using.size());
  std::vector<text::TextIndex::QueryTerm> terms;
  std::vector<int8_t> label(agents);
  for (const LabelledRequest& request : labelled) {
    if (NamesItsAgents(request)) continue;
    // As eval/train_selector.py labels: required or unhosted, in scope;
    // optional or merely acceptable first, neither; any other, out.
    std::fill(label.begin(), label.end(), 0);
    for (const auto* names : {&request.optional, &request.primary_any}) {
      for (const std::string& name : *names) {
        if (const int a = agent_of(name); a >= 0) label[a] = -1;
      }
    }
    for (const auto* names : {&request.required, &request.unhosted}) {
      for (const std::string& name : *names) {
        if (const int a = agent_of(name); a >= 0) label[a] = 1;
      }
    }
    index_.Analyze(without_names(request.text), &terms);
    for (size_t a = 0; a < agents; ++a) {
      if (label[a] < 0) continue;
      std::vector<int>& using_term = label[a] > 0 ? in_scope_using : out_of_scope_using;
      ++(label[a] > 0 ? in_scope : out_of_scope)[a];
      for (const text::TextIndex::QueryTerm& t : terms) ++using_term[t.term * agents + a];
    }
  }
  votes_for_.assign(agents, 0);
  vote_prior_.assign(agents, 0.0f);
  vote_term_.assign(index_.term_count() * agents, 0.0f);
  for (size_t a = 0; a < agents; ++a) {
    // An agent no labelled request puts in scope (a definition just added)
    // gets no vote, rather than a vote against it.
    if (in_scope[a] == 0) continue;
    votes_for_[a] = 1;
    const double in = in_scope[a], out = out_of_scope[a];
    vote_prior_[a] = static_cast<float>(std::log((in + kVoteSmoothing) / (out + kVoteSmoothing)));
    for (uint32_t t = 0; t < index_.term_count(); ++t) {
      const double in_using = in_scope_using[t * agents + a], out_using = out_of_scope_using[t * agents + a];
      if (in_using + out_using == 0) continue;
      vote_term_[t * agents + a] = static_cast<float>(
          std::log((in_using + kVoteSmoothing) / (in + 2 * kVoteSmoothing)) -
          std::log((out_using + kVoteSmoothing) / (out + 2 * kVoteSmoothing)));
    }
  }
}

void Router::WeighLabelledPostings() {
  labelled_begin_.assign(index_.term_count() + 1, 0);
  labelled_postings_.clear();
  const size_t agents = static_cast<size_t>(agent_count_);
  for (uint32_t t = 0; t < index_.term_count(); ++t) {
    labelled_begin_[t] = static_cast<uint32_t>(labelled_postings_.size());
    for (const text::TextIndex::Posting& p : index_.postings(t)) {
      if (p.doc < first_labelled_) continue;
      const Rule& rule = rules_[p.doc];
      // As RouteCall weighs any hit; a labelled request never speaks for
      // nobody, and a weightless hit of an example never counts.
      const float weight = p.weight * rule.kind_weight * term_agent_weight_[t * agents + rule.speaks_for];
      if (weight > 0) labelled_postings_.push_back(LabelledPosting{p.doc, rule.speaks_for, weight});
    }
    KeepStrongestLabelledPostings(labelled_begin_[t]);
  }
  labelled_begin_[index_.term_count()] = static_cast<uint32_t>(labelled_postings_.size());
}

void Router::KeepStrongestLabelledPostings(uint32_t begin_index) {
  auto begin = labelled_postings_.begin() + begin_index;
  auto end = labelled_postings_.end();
  // Per agent, strongest first; of equals the first labelled request.
  std::sort(begin, end, [](const LabelledPosting& x, const LabelledPosting& y) {
    if (x.agent != y.agent) return x.agent < y.agent;
    if (x.weight != y.weight) return x.weight > y.weight;
    return x.rule < y.rule;
  });
  auto kept_end = begin;
  int rank = 0;  // among the agent's postings
  for (auto it = begin; it != end; ++it) {
    rank = (it != begin && (it - 1)->agent == it->agent) ? rank + 1 : 0;
    if (rank < kLabelledPostingsPerAgent) *kept_end++ = *it;
  }
  labelled_postings_.erase(kept_end, end);
  std::sort(begin, labelled_postings_.end(),
            [](const LabelledPosting& x, const LabelledPosting& y) { return x.rule < y.rule; });
}

void Router::CountRulesUsing(uint32_t term, bool labelled, std::vector<int>* rules_using) const {
  std::fill(rules_using->begin(), rules_using->end(), 0);
  for (const text::TextIndex::Posting& p : index_.postings(term)) {
    const Rule& rule = rules_[p.doc];
    if (rule.speaks_for >= 0 && (rule.owner < 0) == labelled) ++(*rules_using)[rule.speaks_for];
  }
}

// One Route call, step by step. Each thread keeps one RouteCall and reuses
// it: its tables keep their capacity between calls, so a call allocates next
// to nothing once its thread has routed a request as large. Nothing of one
// call's state is read by the next: Begin resets what the steps append to,
// the steps assign the rest, and End puts the rule slots back to zero.
class RouteCall {
 public:
  // The calling thread's RouteCall, set up for one call on `router`; End it
  // before the thread routes again.
  static RouteCall& Begin(const Router& router) {
    thread_local RouteCall call;
    call.router_ = &router;
    call.rules_ = router.rules_.data();
    call.options_ = &router.options_;
    call.n_hosted_ = static_cast<int>(router.hosted_.size());
    call.n_agents_ = router.agent_count_;
    call.explicit_order_.clear();
    call.stripped_.clear();
    call.fired_.clear();
    return call;
  }
  // Puts back to zero the rule slots this call used, and lets go of tables
  // a huge request grew, so one such request does not pin memory per thread.
  void End() {
    for (const uint32_t r : touched_) Slots()[r] = RuleSlot{};
    touched_.clear();
    constexpr size_t kKeptTerms = 1024;
    if (n_terms_ > kKeptTerms) *this = RouteCall();
  }

  absl::Status Run(std::string_view text, const std::vector<std::string>& explicit_agents,
                   v1::RouteDecision* decision) {
    RETURN_IF_ERROR(ResolveExplicitAgents(&text, explicit_agents));
    CollectHits(text);          // 2. every (rule, request term) pair, weighed
    ClaimRedirectedTerms();     // 3. "not for" rules that outweigh their agent's own
    ScoreAgents();              // 4. best rule + half the term sum, times coverage
    WeighClauses();             //    and each part of a request on its own
    WeighSelection();           //    the selector on each agent's signals
    SelectAgents(decision);
    RankLiveRules();
    DescribeChoices(decision);  // 5. reasons: the rules that matched, quoted
    DescribeRejections(decision);
    ListUnhosted(decision);     // 6. agents not hosted here that would be chosen
    Summarize(decision);        // 7. one line for people
    return absl::OkStatus();
  }

  // What the selector saw, per agent (hosted, then unhosted), after Run;
  // names are left empty.
  const std::vector<SelectionSignals>& signals() const { return signals_; }

 private:
  struct Hit {
    uint32_t rule;
    uint32_t term;  // index into terms_
    float weight;
  };
  using Reasons = google::protobuf::RepeatedPtrField<v1::RouteReason>;

  static std::vector<RuleSlot>& Slots() {
    thread_local std::vector<RuleSlot> slots;
    return slots;
  }
  // Index of (agent, request term) in the per-pair tables.
  size_t Key(int agent, size_t q) const { return static_cast<size_t>(agent) * n_terms_ + q; }
  bool Explicit(int a) const { return is_explicit_[a] != 0; }

  // 1. Explicit agents: the argument first, then inline mentions,
  // deduplicated. Agent names are not scope: the text is scored without the
  // mentions (`*text` then points at the stripped copy).
  absl::Status ResolveExplicitAgents(std::string_view* text, const std::vector<std::string>& explicit_agents) {
    is_explicit_.assign(n_agents_, 0);
    for (const std::string& name : explicit_agents) RETURN_IF_ERROR(AddExplicit(name, false));
    const std::vector<Mention> mentions = FindMentions(*text);
    for (const Mention& m : mentions) RETURN_IF_ERROR(AddExplicit(m.name, true));
    if (!mentions.empty()) {
      size_t at = 0;
      for (const Mention& m : mentions) {
        stripped_.append(text->substr(at, m.begin - at));
        stripped_.push_back(' ');
        at = m.end;
      }
      stripped_.append(text->substr(at));
      *text = stripped_;
    }
    return absl::OkStatus();
  }
  absl::Status AddExplicit(std::string_view name, bool inline_mention) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(Absl(name));
    const int a = router_->AgentIndex(std::string_view(trimmed.data(), trimmed.size()));
    if (a < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(inline_mention ? "text mentions @" : "agents: ", Absl(name),
                       ", which this server does not host; hosted agents: ", router_->hosted_list_));
    }
    if (!is_explicit_[a]) {
      is_explicit_[a] = 1;
      explicit_order_.push_back(a);
    }
    return absl::OkStatus();
  }

  // 2. Weighs every (rule, request term) pair and groups the hits by rule.
  // Only the rules the request touches take part: every loop over rules
  // below needs only these (a rule without hits scores 0 and adds nothing),
  // and they are a few dozen of the thousands there are.
  void CollectHits(std::string_view text) {
    content_words_ = router_->index_.Analyze(text, &terms_, &clause_words_);
    n_terms_ = terms_.size();
    WeighHits();
    CountHitsPerRule();
    BestWeightPerAgentTerm();
    OrderTouchedRules();
    GroupHitsByRule();
  }
  // How much term `term` of the request weighs in rule `p.doc`; 0 or less
  // when the hit does not count.
  float HitWeight(const text::TextIndex::Posting& p, uint32_t term) const {
    const Router::Rule& rule = rules_[p.doc];
    // A rule speaking for nobody (a "not for" without redirect) is weighed
    // as if for its own agent: it only ever counts against it.
    const int agent = rule.speaks_for >= 0 ? rule.speaks_for : rule.owner;
    const float weight = p.weight * rule.kind_weight * router_->term_agent_weight_[term * n_agents_ + agent];
    // A weightless hit only counts as evidence, which examples never give:
    // leaving it out spares work on the hundreds of labelled requests that
    // share an everyday word with the request.
    if (weight <= 0 && rule.kind_weight < kRedirectWeight) return -1;
    return weight;
  }
  // unsorted_hits_: every hit that counts, each rule's in term order.
  void WeighHits() {
    unsorted_hits_.clear();
    const uint32_t first_labelled = router_->first_labelled_;
    for (uint32_t q = 0; q < n_terms_; ++q) {
      const uint32_t term = terms_[q].term;
      for (const text::TextIndex::Posting& p : router_->index_.postings(term)) {
        if (p.doc >= first_labelled) break;  // postings are in rule order; labelled requests come last
        const float weight = HitWeight(p, term);
        if (weight >= 0) unsorted_hits_.push_back(Hit{p.doc, q, weight});
      }
    }
    WeighLabelledHits();
  }
  // The hits of the labelled requests. Most of the labelled requests a
  // request touches share one word with it (an "orders", a "cache"). Of
  // those that speak for the same agent on the same word, the one that
  // weighs most says all the others do: for best_for_, the agent's best
  // rule, each clause's best rule and its reasons alike (examples give no
  // evidence). So only it, the first of equals, becomes a hit: no score or
  // choice changes, and no later step walks the rest (about 124 of the 145
  // labelled requests a dev request touches). One pass over their postings
  // counts each request's words; the next keeps every hit of a request met
  // on two or more, and the strongest of the others per (agent, word).
  void WeighLabelledHits() {
    const uint32_t first = router_->first_labelled_;
    const size_t n_rules = router_->rules_.size();
    if (first >= n_rules) return;
    if (labelled_words_.size() < n_rules - first) labelled_words_.resize(n_rules - first, 0);
    auto postings = [&](uint32_t q) {
      const uint32_t t = terms_[q].term;
      const Router::LabelledPosting* all = router_->labelled_postings_.data();
      return std::make_pair(all + router_->labelled_begin_[t], all + router_->labelled_begin_[t + 1]);
    };
    // The loops below are written without branches on the data: which
    // request meets how many words is a coin toss for the branch predictor.
    size_t n_postings = 0;
    for (uint32_t q = 0; q < n_terms_; ++q) {
      for (auto [p, end] = postings(q); p != end; ++p) {
        uint8_t& words = labelled_words_[p->rule - first];  // 0, 1 or 2 for "more"
        words += words < 2;
        ++n_postings;
      }
    }
    size_t n = unsorted_hits_.size();
    const size_t keys = static_cast<size_t>(n_agents_) * n_terms_;
    // covered_[k]: the best weight term q has, for agent a, in a rule that is
    // not one of these singles: a definition's (the hits so far), or a
    // labelled request met on several words.
    covered_.assign(keys, 0.0f);
    for (const Hit& h : unsorted_hits_) {
      const int a = rules_[h.rule].speaks_for;
      if (a >= 0) covered_[Key(a, h.term)] = std::max(covered_[Key(a, h.term)], h.weight);
    }
    unsorted_hits_.resize(n + n_postings + keys);
    strongest_single_.assign(keys, Hit{0, 0, 0.0f});
    for (uint32_t q = 0; q < n_terms_; ++q) {
      for (auto [p, end] = postings(q); p != end; ++p) {
        const bool several = labelled_words_[p->rule - first] > 1;
        unsorted_hits_[n] = Hit{p->rule, q, p->weight};
        n += several;
        float& covered = covered_[Key(p->agent, q)];
        covered = several ? std::max(covered, p->weight) : covered;
        // Weights are positive, so the first hit beats the initial 0; of
        // equals the first (lowest rule) stays.
        Hit& strongest = strongest_single_[Key(p->agent, q)];
        const bool stronger = !several && p->weight > strongest.weight;
        strongest.rule = stronger ? p->rule : strongest.rule;
        strongest.term = stronger ? q : strongest.term;
        strongest.weight = stronger ? p->weight : strongest.weight;
      }
    }
    // A single that another rule of the agent weighs as much on its word
    // adds nothing either: that rule scores at least as much wherever the
    // word counts, and stands for it.
    for (size_t k = 0; k < keys; ++k) {
      const Hit& h = strongest_single_[k];
      unsorted_hits_[n] = h;
      n += h.weight > covered_[k];
    }
    unsorted_hits_.resize(n);
    for (uint32_t q = 0; q < n_terms_; ++q) {
      for (auto [p, end] = postings(q); p != end; ++p) labelled_words_[p->rule - first] = 0;
    }
  }
  // touched_ (in no order yet) and each touched rule's hit count (in `end`)
  // and score.
  void CountHitsPerRule() {
    std::vector<RuleSlot>& slots = Slots();
    if (slots.size() < router_->rules_.size()) slots.resize(router_->rules_.size());
    for (const Hit& h : unsorted_hits_) {
      if (slots[h.rule].end++ == 0) touched_.push_back(h.rule);
      slots[h.rule].score += h.weight;
    }
  }
  // best_for_[Key(a, q)]: the best weight term q has in a rule for a.
  void BestWeightPerAgentTerm() {
    best_for_.assign(static_cast<size_t>(n_agents_) * n_terms_, 0.0);
    for (const Hit& h : unsorted_hits_) {
      const int a = rules_[h.rule].speaks_for;
      if (a < 0) continue;
      double& best = best_for_[Key(a, h.term)];
      best = std::max(best, static_cast<double>(h.weight));
    }
  }
  // touched_ in ascending order, by a bitmap rather than a sort.
  void OrderTouchedRules() {
    std::vector<uint64_t>& marks = touched_marks_;
    marks.assign((router_->rules_.size() + 63) / 64, 0);
    for (const uint32_t r : touched_) marks[r >> 6] |= uint64_t{1} << (r & 63);
    touched_.clear();
    for (size_t w = 0; w < marks.size(); ++w) {
      for (uint64_t m = marks[w]; m != 0; m &= m - 1) {
        touched_.push_back(static_cast<uint32_t>(w * 64 + std::countr_zero(m)));
      }
    }
  }
  // hits_[slots[r].begin .. slots[r].end) are rule r's, in term order.
  void GroupHitsByRule() {
    std::vector<RuleSlot>& slots = Slots();
    uint32_t next = 0;
    for (const uint32_t r : touched_) {
      const uint32_t count = slots[r].end;
      slots[r].begin = slots[r].end = next;
      next += count;
    }
    hits_.resize(unsorted_hits_.size());
    for (const Hit& h : unsorted_hits_) hits_[slots[h.rule].end++] = h;
  }

  // 3. A "not for" rule that outweighs its agent's own rules on the same
  // terms fires, and takes those terms away from that agent.
  void ClaimRedirectedTerms() {
    const std::vector<RuleSlot>& slots = Slots();
    claimed_.assign(best_for_.size(), 0);
    for (const uint32_t r : touched_) {
      const Router::Rule& rule = rules_[r];
      if (!rule.against || slots[r].score < options_->min_score) continue;
      double own = 0;
      for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) own += best_for_[Key(rule.owner, hits_[i].term)];
      if (slots[r].score <= own) continue;
      fired_.push_back(r);
      for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) claimed_[Key(rule.owner, hits_[i].term)] = 1;
    }
  }

  // 4. Each agent's best rule over unclaimed terms, its evidence, and its
  // score: (best rule + half the term sum) × √coverage.
  void ScoreAgents() {
    std::vector<RuleSlot>& slots = Slots();
    best_rule_.assign(n_agents_, 0.0);
    best_rule_index_.assign(n_agents_, -1);
    for (const uint32_t r : touched_) {
      const int a = rules_[r].speaks_for;
      if (a < 0) continue;
      double live = 0;
      for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
        if (!claimed_[Key(a, hits_[i].term)]) live += hits_[i].weight;
      }
      slots[r].live = live;
      if (live > best_rule_[a]) {
        best_rule_[a] = live;
        best_rule_index_[a] = static_cast<int>(r);
      }
    }
    CountEvidence();
    score_.assign(n_agents_, 0.0);
    coverage_.assign(n_agents_, 0.0);
    for (int a = 0; a < n_agents_; ++a) {
      double sum = 0;
      int words_explained = 0;
      for (size_t q = 0; q < n_terms_; ++q) {
        const size_t k = Key(a, q);
        if (claimed_[k]) continue;
        sum += best_for_[k];
        if (best_for_[k] > 0 && !terms_[q].phrase) ++words_explained;
      }
      // A request mostly about something else (one stray word matching)
      // counts less than one the agent's rules explain throughout.
      coverage_[a] = content_words_ == 0 ? 0.0 : static_cast<double>(words_explained) / content_words_;
      score_[a] = (best_rule_[a] + 0.5 * sum) * std::sqrt(coverage_[a]);
    }
    order_.resize(n_agents_);
    for (int a = 0; a < n_agents_; ++a) order_[a] = a;
    std::sort(order_.begin(), order_.end(), [&](int x, int y) {
      if (score_[x] != score_[y]) return score_[x] > score_[y];
      return router_->name_rank_[x] < router_->name_rank_[y];
    });
    top_ = order_.empty() ? 0.0 : score_[order_.front()];
  }

  // Evidence: distinct request terms that the agent's own rules (not its
  // examples) use and that few agents share. A phrase, or a word the agent's
  // rules keep repeating, counts two; a word one rule mentions in passing
  // counts one. One stray word ("golden", "updates") is not enough.
  void CountEvidence() {
    const std::vector<RuleSlot>& slots = Slots();
    evidence_.assign(n_agents_, 0);
    rules_with_.assign(static_cast<size_t>(n_agents_) * n_terms_, 0);
    for (const Hit& h : hits_) {
      const Router::Rule& rule = rules_[h.rule];
      const int a = rule.speaks_for;
      if (a < 0 || rule.kind_weight < kRedirectWeight) continue;
      const size_t k = Key(a, h.term);
      if (claimed_[k] || router_->term_focus_[terms_[h.term].term] < kDistinctiveFocus) continue;
      if (rules_with_[k] < 2) ++rules_with_[k];
    }
    for (int a = 0; a < n_agents_; ++a) {
      for (size_t q = 0; q < n_terms_; ++q) {
        const uint8_t n = rules_with_[Key(a, q)];
        if (n > 0) evidence_[a] += (terms_[q].phrase || n >= 2) ? 2 : 1;
      }
    }
    // One rule of the agent's own that several request words meet at once is
    // evidence too, even when the words are common ("splitting … services").
    for (const uint32_t r : touched_) {
      const Router::Rule& rule = rules_[r];
      if (rule.speaks_for < 0 || rule.kind_weight < kRedirectWeight) continue;
      int words = 0;
      for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
        if (!terms_[hits_[i].term].phrase && !claimed_[Key(rule.speaks_for, hits_[i].term)]) ++words;
      }
      evidence_[rule.speaks_for] = std::max(evidence_[rule.speaks_for], words - 1);
    }
  }

  // A request of several parts ("pick a broker, and define the alerting on
  // lag"): each clause is weighed on its own, as the whole request is
  // (best rule + half the term sum, times coverage of the clause's words;
  // evidence as above), and the agent that wins a clause clearly
  // (clause_margin) with enough evidence there takes part even when the
  // whole request is mostly about something else. A stray word inside
  // another agent's clause ("flexible queries" in a GraphQL question) does
  // not win its clause; a part of its own does.
  void WeighClauses() {
    wins_clause_.assign(n_agents_, 0);
    clause_score_.assign(n_agents_, 0.0);
    clause_terms_.resize(n_agents_);
    for (std::vector<uint32_t>& terms : clause_terms_) terms.clear();
    const int n_clauses = static_cast<int>(clause_words_.size());
    // With no agents at all (an empty agents folder) no clause has a winner.
    if (n_clauses <= 1 || n_agents_ == 0) return;
    ListTermsPerClause(n_clauses);
    BestRulePerClause(n_clauses);
    std::vector<double>& part_score = part_score_;
    std::vector<int>& part_evidence = part_evidence_;
    part_score.resize(n_agents_);
    for (int c = 0; c < n_clauses; ++c) {
      if (clause_words_[c] == 0) continue;
      WeighClause(c, &part_score, &part_evidence);
      int winner = 0;
      for (int a = 1; a < n_agents_; ++a) {
        if (part_score[a] > part_score[winner] ||
            (part_score[a] == part_score[winner] && router_->name_rank_[a] < router_->name_rank_[winner])) {
          winner = a;
        }
      }
      double runner_up = 0;
      for (int a = 0; a < n_agents_; ++a) {
        if (a != winner) runner_up = std::max(runner_up, part_score[a]);
      }
      if (part_score[winner] < options_->min_score || part_evidence[winner] < options_->min_evidence ||
          part_score[winner] < options_->clause_margin * runner_up) {
        continue;
      }
      wins_clause_[winner] = 1;
      if (part_score[winner] > clause_score_[winner]) {
        clause_score_[winner] = part_score[winner];
        clause_terms_[winner].clear();
        for (const uint32_t q : TermsOfClause(c)) {
          const size_t k = Key(winner, q);
          if (!terms_[q].phrase && best_for_[k] > 0 && !claimed_[k]) clause_terms_[winner].push_back(q);
        }
      }
    }
  }
  // The terms of clause c, ascending: clause_term_list_[clause_term_begin_[c]
  // .. clause_term_begin_[c + 1]). A long request has up to 32 clauses; a
  // clause is weighed over its own terms, not by a pass over all of them.
  void ListTermsPerClause(int n_clauses) {
    clause_term_begin_.assign(n_clauses + 1, 0);
    for (size_t q = 0; q < n_terms_; ++q) {
      for (uint32_t m = ClausesOf(q, n_clauses); m != 0; m &= m - 1) ++clause_term_begin_[std::countr_zero(m) + 1];
    }
    for (int c = 0; c < n_clauses; ++c) clause_term_begin_[c + 1] += clause_term_begin_[c];
    clause_term_list_.resize(clause_term_begin_[n_clauses]);
    std::vector<uint32_t>& next = clause_term_next_;
    next.assign(clause_term_begin_.begin(), clause_term_begin_.end() - 1);
    for (size_t q = 0; q < n_terms_; ++q) {
      for (uint32_t m = ClausesOf(q, n_clauses); m != 0; m &= m - 1) {
        clause_term_list_[next[std::countr_zero(m)]++] = static_cast<uint32_t>(q);
      }
    }
  }
  std::span<const uint32_t> TermsOfClause(int c) const {
    return {clause_term_list_.data() + clause_term_begin_[c], clause_term_list_.data() + clause_term_begin_[c + 1]};
  }
  // Term q's clauses among the first n_clauses, as bits.
  uint32_t ClausesOf(size_t q, int n_clauses) const {
    const uint32_t clauses = terms_[q].clauses;
    return n_clauses >= 32 ? clauses : clauses & ((1u << n_clauses) - 1);
  }
  // clause_best_[c * n_agents_ + a]: agent a's best rule within clause c
  // over unclaimed terms; clause_rule_evidence_ likewise the most words one
  // of its rules (not examples) meets there, less one. One pass over the
  // hits for all clauses; a rule updates only the clauses its hits are in.
  void BestRulePerClause(int n_clauses) {
    const std::vector<RuleSlot>& slots = Slots();
    clause_best_.assign(static_cast<size_t>(n_clauses) * n_agents_, 0.0);
    clause_rule_evidence_.assign(clause_best_.size(), 0);
    std::vector<double>& live = rule_clause_live_;  // all 0 between rules
    std::vector<int>& words = rule_clause_words_;
    live.assign(n_clauses, 0.0);
    words.assign(n_clauses, 0);
    for (const uint32_t r : touched_) {
      const int a = rules_[r].speaks_for;
      if (a < 0) continue;
      uint32_t met = 0;
      for (uint32_t i = slots[r].begin; i < slots[r].end; ++i) {
        if (claimed_[Key(a, hits_[i].term)]) continue;
        const auto& term = terms_[hits_[i].term];
        const uint32_t clauses = ClausesOf(hits_[i].term, n_clauses);
        met |= clauses;
        for (uint32_t m = clauses; m != 0; m &= m - 1) {
          const int c = std::countr_zero(m);
          live[c] += hits_[i].weight;
          if (!term.phrase) ++words[c];
        }
      }
      const bool gives_evidence = rules_[r].kind_weight >= kRedirectWeight;
      for (uint32_t m = met; m != 0; m &= m - 1) {
        const int c = std::countr_zero(m);
        const size_t k = static_cast<size_t>(c) * n_agents_ + a;
        clause_best_[k] = std::max(clause_best_[k], live[c]);
        if (gives_evidence) clause_rule_evidence_[k] = std::max(clause_rule_evidence_[k], words[c] - 1);
        live[c] = 0;
        words[c] = 0;
      }
    }
  }
  // Each agent's score and evidence within clause `c`.
  void WeighClause(int c, std::vector<double>* part_score, std::vector<int>* part_evidence) const {
    const double* part_best = &clause_best_[static_cast<size_t>(c) * n_agents_];
    const int* rule_evidence = &clause_rule_evidence_[static_cast<size_t>(c) * n_agents_];
    part_evidence->assign(rule_evidence, rule_evidence + n_agents_);
    for (int a = 0; a < n_agents_; ++a) {
      double sum = 0;
      int words_explained = 0;
      int distinct = 0;
      for (const uint32_t q : TermsOfClause(c)) {
        const size_t k = Key(a, q);
        if (claimed_[k]) continue;
        sum += best_for_[k];
        if (best_for_[k] > 0 && !terms_[q].phrase) ++words_explained;
        if (rules_with_[k] > 0) distinct += (terms_[q].phrase || rules_with_[k] >= 2) ? 2 : 1;
      }
      (*part_evidence)[a] = std::max((*part_evidence)[a], distinct);
      (*part_score)[a] =
          (part_best[a] + 0.5 * sum) * std::sqrt(static_cast<double>(words_explained) / clause_words_[c]);
    }
  }

  // Naive Bayes over the request's terms: the log-odds that the labelled
  // requests put a request with these words in agent a's scope.
  double LabelledVote(int a) const {
    const size_t agents = static_cast<size_t>(n_agents_);
    double vote = router_->vote_prior_[a];
    for (const text::TextIndex::QueryTerm& t : terms_) vote += router_->vote_term_[t.term * agents + a];
    return vote;
  }

  // The router's thresholds, each on one signal.
  bool PassesGates(int a) const {
    if (score_[a] < options_->min_score || evidence_[a] < options_->min_evidence) return false;
    if (coverage_[a] < options_->min_coverage && !wins_clause_[a]) return false;
    // Competing with the top agent for the same words, an agent must come
    // close to it; for a clause of its own, winning it is enough.
    return score_[a] >= options_->min_share_of_top * top_ || wins_clause_[a];
  }

  // Each agent's signals and the selector's probability for them.
  void WeighSelection() {
    std::vector<char>& redirected_to = agent_flags_;
    redirected_to.assign(n_agents_, 0);
    for (size_t r : fired_) {
      if (rules_[r].speaks_for >= 0) redirected_to[rules_[r].speaks_for] = 1;
    }
    signals_.resize(n_agents_);
    probability_.assign(n_agents_, 0.0);
    for (int a = 0; a < n_agents_; ++a) {
      SelectionSignals& s = signals_[a];
      s.hosted = a < n_hosted_;
      s.score = score_[a];
      s.top_score = top_;
      s.is_top = !order_.empty() && order_.front() == a && top_ > 0;
      s.evidence = evidence_[a];
      s.coverage = coverage_[a];
      s.clause_score = wins_clause_[a] ? clause_score_[a] : 0.0;
      s.redirected_to = redirected_to[a] != 0;
      s.passes_gates = PassesGates(a);
      s.has_labelled_vote = router_->votes_for_[a] != 0;
      s.labelled_vote = s.has_labelled_vote ? LabelledVote(a) : 0.0;
      probability_[a] = score_[a] > 0 ? SelectionProbability(s) : 0.0;
    }
    best_within_gates_ = -1;
    for (int a : order_) {
      if (signals_[a].passes_gates) {
        best_within_gates_ = a;
        break;
      }
    }
  }

  // Whether agent `a` is in scope: with learned_selection off, the
  // thresholds alone; on, the selector's verdict, except that the best agent
  // within the thresholds is always in (the selector was fitted to weed out
  // peers pulled in by a few words, not to drop the first choice). Nothing
  // matched, nothing chosen. An agent not hosted here is named when either
  // says so: naming it costs the caller a line, missing it loses the pointer
  // to who would answer (with the selector alone, 0.895 of expected unhosted
  // agents were named over the labelled files, each left out of its fit;
  // with either, 0.924, and one more named wrongly).
  bool InScope(int a) const {
    if (!options_->learned_selection) return signals_[a].passes_gates;
    if (score_[a] <= 0) return false;
    if (a >= n_hosted_ && signals_[a].passes_gates) return true;
    return probability_[a] >= options_->min_selection_probability || a == best_within_gates_;
  }

  // Explicit agents first; with them, only the agents their own "not for"
  // rules redirect to join; without, every hosted agent in scope, best
  // first; with nothing in scope, the fallback agent if there is one.
  void SelectAgents(v1::RouteDecision* decision) {
    chosen_.assign(n_agents_, 0);
    selected_ = explicit_order_;
    for (int a : explicit_order_) chosen_[a] = 1;
    std::vector<char>& redirected_by_explicit = agent_flags_;
    redirected_by_explicit.assign(n_agents_, 0);
    for (size_t r : fired_) {
      if (rules_[r].speaks_for >= 0 && Explicit(rules_[r].owner)) redirected_by_explicit[rules_[r].speaks_for] = 1;
    }
    for (int a : order_) {
      if (a >= n_hosted_ || chosen_[a]) continue;
      if (explicit_order_.empty() ? InScope(a) : redirected_by_explicit[a] != 0) {
        chosen_[a] = 1;
        selected_.push_back(a);
      }
    }
    if (selected_.empty() && router_->fallback_index_ >= 0) {
      selected_.push_back(router_->fallback_index_);
      chosen_[router_->fallback_index_] = 1;
      decision->set_fallback_used(true);
    }
  }

  // Rule `r` as a reason, quoted, with the request words it matched.
  void AddReason(size_t r, double value, Reasons* out) const {
    const Router::Rule& rule = rules_[r];
    const Router::RuleQuote& quote = router_->quotes_[r];
    const RuleSlot& slot = Slots()[r];
    v1::RouteReason* reason = out->Add();
    std::string* text = reason->mutable_rule();
    Quote(quote, slot, text);
    if (rule.against && rule.speaks_for >= 0) {
      absl::StrAppend(text, " (use ", router_->AgentName(rule.speaks_for), "; from ",
                      router_->hosted_[rule.owner].name(), ")");
    }
    reason->set_kind(quote.kind);
    reason->set_score(value);
    reason->mutable_matched()->Reserve(static_cast<int>(slot.end - slot.begin));
    for (uint32_t i = slot.begin; i < slot.end; ++i) reason->add_matched(terms_[hits_[i].term].surface);
  }
  // What a reason quotes of a rule: the sentences holding the terms the
  // request met there (`slot`'s hits), "…" marking those left out; all of
  // it when every sentence holds one. A long description or labelled
  // request is quoted where it matched, not whole.
  void Quote(const Router::RuleQuote& quote, const RuleSlot& slot, std::string* out) const {
    const size_t n = quote.sentences.size();
    uint32_t met = 0;
    for (uint32_t i = slot.begin; i < slot.end; ++i) {
      const uint32_t term = terms_[hits_[i].term].term;
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
  // Each agent's live rules, best first as far as its reasons go: one pass
  // over the touched rules for all agents, not one per agent. Of the
  // labelled requests only an agent's best is among them: the definitions'
  // rules state its scope, and more requests that share a word or two with
  // this one would crowd them out (and multiply the answer's size).
  void RankLiveRules() {
    const std::vector<RuleSlot>& slots = Slots();
    constexpr uint32_t kNone = UINT32_MAX;
    std::vector<uint32_t>& best_labelled = scratch_rule_;  // per agent
    best_labelled.assign(n_agents_, kNone);
    for (const uint32_t r : touched_) {
      const int a = rules_[r].speaks_for;
      if (a < 0 || rules_[r].owner >= 0 || slots[r].live <= 0) continue;
      if (best_labelled[a] == kNone || slots[r].live > slots[best_labelled[a]].live) best_labelled[a] = r;
    }
    auto ranks = [&](uint32_t r, int a) {
      return a >= 0 && slots[r].live > 0 && (rules_[r].owner >= 0 || best_labelled[a] == r);
    };
    live_begin_.assign(n_agents_ + 1, 0);
    for (const uint32_t r : touched_) {
      const int a = rules_[r].speaks_for;
      if (ranks(r, a)) ++live_begin_[a + 1];
    }
    for (int a = 0; a < n_agents_; ++a) live_begin_[a + 1] += live_begin_[a];
    live_ranked_.resize(live_begin_[n_agents_]);
    std::vector<uint32_t>& next = rank_next_;
    next.assign(live_begin_.begin(), live_begin_.end() - 1);
    for (const uint32_t r : touched_) {  // ascending, so ties rank by rule order
      const int a = rules_[r].speaks_for;
      if (ranks(r, a)) live_ranked_[next[a]++] = {-slots[r].live, r};
    }
    for (int a = 0; a < n_agents_; ++a) {
      auto begin = live_ranked_.begin() + live_begin_[a], end = live_ranked_.begin() + live_begin_[a + 1];
      std::partial_sort(begin, begin + std::min<ptrdiff_t>(end - begin, options_->max_reasons), end);
    }
  }
  // Agent `a`'s best live rules, at most max_reasons of them.
  void AddRulesFor(int a, Reasons* out) const {
    const uint32_t begin = live_begin_[a];
    const uint32_t end = std::min<uint32_t>(live_begin_[a + 1], begin + std::max(0, options_->max_reasons));
    out->Reserve(out->size() + static_cast<int>(end - begin));
    for (uint32_t i = begin; i < end; ++i) AddReason(live_ranked_[i].second, -live_ranked_[i].first, out);
  }

  void DescribeChoices(v1::RouteDecision* decision) const {
    for (int a : selected_) {
      v1::RouteChoice* choice = decision->add_selected();
      choice->set_agent(router_->hosted_[a].name());
      choice->set_explicit_(Explicit(a));
      choice->set_score(score_[a]);
      if (Explicit(a)) {
        v1::RouteReason* reason = choice->add_reasons();
        reason->set_kind("explicit");
        reason->set_rule(absl::StrCat("the request names ", router_->hosted_[a].name()));
      }
      if (decision->fallback_used()) {
        v1::RouteReason* reason = choice->add_reasons();
        reason->set_kind("fallback");
        reason->set_rule("no agent's scope covers the request; this is the fallback agent");
      }
      if (!Explicit(a) && wins_clause_[a] && score_[a] < options_->min_share_of_top * top_) {
        v1::RouteReason* reason = choice->add_reasons();
        reason->set_kind("clause");
        reason->set_rule(absl::StrCat("one part of the request is about its scope: it wins a clause with ",
                                      FormatScore(clause_score_[a]), ", at least ",
                                      FormatScore(options_->clause_margin), " times any other agent there"));
        reason->set_score(clause_score_[a]);
        for (const uint32_t q : clause_terms_[a]) reason->add_matched(terms_[q].surface);
      }
      if (!Explicit(a) && !decision->fallback_used() && options_->learned_selection && !signals_[a].passes_gates) {
        v1::RouteReason* reason = choice->add_reasons();
        reason->set_kind("selector");
        reason->set_rule(DescribeSelection(signals_[a], options_->min_selection_probability));
        reason->set_score(probability_[a]);
      }
      AddRulesFor(a, choice->mutable_reasons());
    }
  }

  void DescribeRejections(v1::RouteDecision* decision) const {
    for (int a : order_) {
      if (a >= n_hosted_ || chosen_[a]) continue;
      v1::RouteRejection* rejection = decision->add_rejected();
      rejection->set_agent(router_->hosted_[a].name());
      rejection->set_score(score_[a]);
      std::string redirected_to;
      for (size_t r : fired_) {
        if (rules_[r].owner != a) continue;
        AddReason(r, Slots()[r].score, rejection->mutable_reasons());
        if (redirected_to.empty() && rules_[r].speaks_for >= 0) {
          redirected_to = router_->AgentName(rules_[r].speaks_for);
        }
      }
      AddRulesFor(a, rejection->mutable_reasons());
      rejection->set_why(WhyRejected(a, redirected_to));
    }
  }
  // The first gate agent `a` did not pass, in words.
  std::string WhyRejected(int a, const std::string& redirected_to) const {
    if (!explicit_order_.empty()) return "the request names its agents explicitly";
    if (!redirected_to.empty() && score_[a] < options_->min_score) {
      return absl::StrCat("its \"do not use\" rule sends this to ", redirected_to);
    }
    if (score_[a] <= 0) return "no scope rule matched";
    if (score_[a] >= options_->min_score && evidence_[a] < options_->min_evidence) {
      // Labelled requests add to a score but are no evidence: say whose rules count.
      if (evidence_[a] == 0) {
        return absl::StrCat("its own rules share no distinctive term with the request (evidence ",
                            options_->min_evidence, " needed)");
      }
      return absl::StrCat("its own rules share too few distinctive terms with the request (evidence ",
                          evidence_[a], ", ", options_->min_evidence, " needed)");
    }
    if (score_[a] < options_->min_score) {
      return absl::StrCat("score ", FormatScore(score_[a]), " is below the minimum ",
                          FormatScore(options_->min_score));
    }
    if (options_->learned_selection && signals_[a].passes_gates) {
      return DescribeSelection(signals_[a], options_->min_selection_probability);
    }
    if (coverage_[a] < options_->min_coverage && !wins_clause_[a]) {
      return absl::StrCat("its rules use ", FormatScore(coverage_[a] * 100), "% of the request's words; ",
                          FormatScore(options_->min_coverage * 100),
                          "% are needed (the request is mostly about something else)");
    }
    return absl::StrCat("score ", FormatScore(score_[a]), " is below ",
                        FormatScore(options_->min_share_of_top * 100), "% of the top score ", FormatScore(top_));
  }

  void ListUnhosted(v1::RouteDecision* decision) const {
    for (int a : order_) {
      if (a < n_hosted_ || !InScope(a) || best_rule_index_[a] < 0) continue;
      const Router::Rule& rule = rules_[best_rule_index_[a]];
      v1::UnhostedAgent* unhosted = decision->add_unhosted();
      unhosted->set_agent(router_->AgentName(a));
      const Router::RuleQuote& quote = router_->quotes_[best_rule_index_[a]];
      unhosted->set_rule(quote.text);
      unhosted->set_named_by(rule.owner >= 0 ? router_->hosted_[rule.owner].name() : quote.source);
      unhosted->set_score(score_[a]);
    }
  }

  static void Summarize(v1::RouteDecision* decision) {
    std::vector<std::string> unhosted_names;
    for (const v1::UnhostedAgent& u : decision->unhosted()) unhosted_names.push_back(u.agent());
    if (decision->selected().empty()) {
      decision->set_summary(unhosted_names.empty()
                                ? std::string("no hosted agent's scope covers this request")
                                : absl::StrCat("no hosted agent's scope covers this request; it belongs to ",
                                               absl::StrJoin(unhosted_names, ", "),
                                               ", which this server does not host"));
      return;
    }
    std::vector<std::string> parts;
    for (const v1::RouteChoice& c : decision->selected()) {
      parts.push_back(c.explicit_() ? absl::StrCat(c.agent(), " (explicit)") : c.agent());
    }
    decision->set_summary(absl::StrCat(
        decision->fallback_used() ? "nothing in scope; fallback: " : "routed to ", absl::StrJoin(parts, ", "),
        unhosted_names.empty() ? std::string()
                               : absl::StrCat("; part of it belongs to ", absl::StrJoin(unhosted_names, ", "),
                                              ", not hosted here")));
  }

  RouteCall() = default;

  const Router* router_ = nullptr;
  const Router::Rule* rules_ = nullptr;  // router_->rules_
  const RouterOptions* options_ = nullptr;
  int n_hosted_ = 0;
  int n_agents_ = 0;  // hosted, then unhosted

  std::vector<int> explicit_order_;
  std::vector<char> is_explicit_;
  std::string stripped_;  // the text without its @mentions, when it had some

  std::vector<text::TextIndex::QueryTerm> terms_;
  std::vector<uint32_t> clause_words_;
  size_t content_words_ = 0;
  size_t n_terms_ = 0;
  std::vector<Hit> unsorted_hits_;  // CollectHits' own; see WeighHits
  std::vector<uint64_t> touched_marks_;  // CollectHits' own, one bit a rule
  // WeighLabelledHits' own: words met per labelled request (all 0 between
  // calls) and the strongest single-word hit per Key.
  std::vector<uint8_t> labelled_words_;
  std::vector<Hit> strongest_single_;
  std::vector<float> covered_;
  std::vector<Hit> hits_;           // grouped by rule (see RuleSlot)
  std::vector<uint32_t> touched_;   // the rules with hits that count, ascending
  std::vector<uint32_t> scratch_rule_;  // RankLiveRules' own
  std::vector<uint32_t> rank_next_;     // likewise
  // live_ranked_[live_begin_[a] .. live_begin_[a + 1]): agent a's rules with
  // live weight as (-live, rule), the first max_reasons of them best first.
  std::vector<uint32_t> live_begin_;
  std::vector<std::pair<double, uint32_t>> live_ranked_;
  std::vector<double> clause_best_;       // see BestRulePerClause
  std::vector<int> clause_rule_evidence_;
  std::vector<double> best_for_;    // [Key(a, q)]: term q's best weight in a rule for a
  std::vector<char> claimed_;       // [Key(a, q)]: taken from a by one of its "not for" rules
  std::vector<size_t> fired_;       // the "not for" rules that did that
  std::vector<uint8_t> rules_with_; // [Key(a, q)]: a's own rules using q as evidence (0-2)

  std::vector<double> best_rule_;
  std::vector<int> best_rule_index_;
  std::vector<int> evidence_;
  std::vector<double> score_;
  std::vector<double> coverage_;
  std::vector<int> order_;  // agents by score, best first
  double top_ = 0;
  std::vector<char> wins_clause_;
  std::vector<double> clause_score_;                    // of the clause it won
  std::vector<std::vector<uint32_t>> clause_terms_;  // its words there (indices into terms_)
  std::vector<double> part_score_;     // WeighClauses' own, per agent
  std::vector<int> part_evidence_;     // likewise
  std::vector<double> rule_clause_live_;  // BestRulePerClause's own, per clause
  std::vector<int> rule_clause_words_;    // likewise
  std::vector<uint32_t> clause_term_begin_;  // see ListTermsPerClause
  std::vector<uint32_t> clause_term_list_;
  std::vector<uint32_t> clause_term_next_;   // ListTermsPerClause's own
  std::vector<char> agent_flags_;      // WeighSelection's and SelectAgents' own

  std::vector<SelectionSignals> signals_;  // per agent, for the selector
  std::vector<double> probability_;        // the selector's, per agent
  int best_within_gates_ = -1;             // the first agent by score the thresholds let through

  std::vector<int> selected_;
  std::vector<char> chosen_;
};

absl::StatusOr<v1::RouteDecision> Router::Route(
    std::string_view text, const std::vector<std::string>& explicit_agents) const {
  return Route(text, explicit_agents, nullptr);
}

absl::StatusOr<v1::RouteDecision> Router::Route(std::string_view text,
                                                const std::vector<std::string>& explicit_agents,
                                                std::vector<SelectionSignals>* signals) const {
  v1::RouteDecision decision;
  RETURN_IF_ERROR(RouteInto(text, explicit_agents, &decision, signals));
  return decision;
}

absl::Status Router::RouteInto(std::string_view text, const std::vector<std::string>& explicit_agents,
                               v1::RouteDecision* decision) const {
  return RouteInto(text, explicit_agents, decision, nullptr);
}

absl::Status Router::RouteInto(std::string_view text, const std::vector<std::string>& explicit_agents,
                               v1::RouteDecision* decision, std::vector<SelectionSignals>* signals) const {
  decision->Clear();
  RouteCall& call = RouteCall::Begin(*this);
  absl::Status status = call.Run(text, explicit_agents, decision);
  if (status.ok() && signals != nullptr) {
    *signals = call.signals();
    // Names only when asked for: copying them costs an allocation each.
    for (size_t a = 0; a < signals->size(); ++a) (*signals)[a].agent = AgentName(static_cast<int>(a));
  }
  call.End();
  if (!status.ok()) decision->Clear();
  return status;
}

}  // namespace agentd
