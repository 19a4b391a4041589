#include "server/core/router_model.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "text/sentences.h"

namespace agentd::routing {
namespace {

// Debian's Abseil has its own string_view type, not std::string_view.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Specificity (TextIndex::specificity, log of how much more often the rules
// use a word than spoken English does) at and below which a word weighs
// nothing (rules use it under e^2 ≈ 7 times as often), and from which it
// weighs fully (≈ 150 times). Tuned with agentd-route-eval on the dev and
// own sets: results hold for 1.5-2 and 4-5.
constexpr double kOrdinarySpecificity = 2.0;
constexpr double kTopicSpecificity = 5.0;

}  // namespace

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

RoutingModel::RoutingModel(std::vector<v1::AgentDefinition> hosted, RouterOptions options)
    : hosted_(std::move(hosted)), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<const RoutingModel>> RoutingModel::Create(
    std::vector<v1::AgentDefinition> hosted, RouterOptions options, const std::vector<LabelledRequest>& labelled) {
  std::unique_ptr<RoutingModel> model(new RoutingModel(std::move(hosted), std::move(options)));
  RETURN_IF_ERROR(model->Build(labelled));
  return std::unique_ptr<const RoutingModel>(std::move(model));
}

int RoutingModel::AgentIndex(std::string_view name) const {
  auto it = agent_index_.find(absl::AsciiStrToLower(Absl(name)));
  return it == agent_index_.end() ? -1 : it->second;
}

const std::string& RoutingModel::AgentName(int agent) const {
  const int hosted = static_cast<int>(hosted_.size());
  return agent < hosted ? hosted_[agent].name() : unhosted_[agent - hosted];
}

absl::Status RoutingModel::Build(const std::vector<LabelledRequest>& labelled) {
  RETURN_IF_ERROR(IndexAgentNames());
  std::vector<std::string> indexed_texts;  // by rule, for SplitQuote
  std::vector<LabelledText> read = ReadLabelled(labelled);
  AddRules(labelled, read, &indexed_texts);
  index_.Finalize();
  for (uint32_t r = 0; r < rules_.size(); ++r) {
    // A labelled request in scope for several agents is that many rules in a
    // row, of one text: their sentences are the same.
    if (r > first_labelled_ && quotes_[r].text == quotes_[r - 1].text) {
      quotes_[r].sentences = quotes_[r - 1].sentences;
      quotes_[r].term_sentences = quotes_[r - 1].term_sentences;
    } else {
      SplitQuote(r, indexed_texts[r]);
    }
  }
  agent_count_ = static_cast<int>(hosted_.size() + unhosted_.size());
  RankNames();
  WeighTerms();
  WeighDomainWords(labelled, read);
  WeighLabelledPostings();
  CountLabelledVotes(labelled, read);
  return absl::OkStatus();
}

absl::Status RoutingModel::IndexAgentNames() {
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
                                                     "' is not hosted; hosted agents: ", hosted_list_));
    }
  }
  for (const v1::AgentDefinition& d : hosted_) all_names_.push_back(absl::AsciiStrToLower(d.name()));
  for (const v1::AgentDefinition& d : hosted_) {
    for (const v1::ScopeExclusion& r : d.not_for()) {
      std::string target = absl::AsciiStrToLower(absl::StripAsciiWhitespace(r.redirect()));
      // A name already listed is blanked already (one with a space is kept:
      // blanking another name next to it could make it appear anew).
      if (!target.empty() && (target.find(' ') != std::string::npos ||
                              std::find(all_names_.begin(), all_names_.end(), target) == all_names_.end())) {
        all_names_.push_back(target);
      }
    }
  }
  return absl::OkStatus();
}

int RoutingModel::TargetIndex(const std::string& redirect) {
  std::string target = absl::AsciiStrToLower(absl::StripAsciiWhitespace(redirect));
  if (target.empty()) return -1;
  int a = AgentIndex(target);
  if (a >= 0) return a;
  auto [it, inserted] =
      unhosted_index_.try_emplace(target, static_cast<int>(hosted_.size() + unhosted_.size()));
  if (inserted) unhosted_.push_back(target);
  return it->second;
}

std::string RoutingModel::WithoutNames(const std::string& text) const {
  std::string lower = absl::AsciiStrToLower(text);
  for (const std::string& name : all_names_) {
    for (size_t at = lower.find(name); at != std::string::npos; at = lower.find(name, at)) {
      lower.replace(at, name.size(), std::string(name.size(), ' '));
    }
  }
  return lower;
}

void RoutingModel::AddRule(int owner, const char* kind, const std::string& text, bool against, int speaks_for,
                           float kind_weight, const std::string& source, std::vector<std::string>* indexed_texts,
                           LabelledText* read) {
  if (absl::StripAsciiWhitespace(text).empty()) return;
  if (read != nullptr) {
    indexed_texts->push_back(read->indexed);
    if (read->analyzed) {
      index_.Add(read->words);
    } else {
      index_.Add(read->words, &read->terms);
      std::sort(read->terms.begin(), read->terms.end());
      read->terms.erase(std::unique(read->terms.begin(), read->terms.end()), read->terms.end());
      read->analyzed = true;
    }
  } else {
    indexed_texts->push_back(WithoutNames(text));
    index_.Add(indexed_texts->back());
  }
  rules_.push_back(Rule{owner, speaks_for, kind_weight, against});
  quotes_.push_back(RuleQuote{kind, text, source, {}, {}});
}

void RoutingModel::AddRules(const std::vector<LabelledRequest>& labelled, std::vector<LabelledText>& read,
                            std::vector<std::string>* indexed) {
  const int hosted_count = static_cast<int>(hosted_.size());
  const std::string none;
  for (int a = 0; a < hosted_count; ++a) {
    const v1::AgentDefinition& d = hosted_[a];
    for (const std::string& r : d.use_when()) AddRule(a, "use_when", r, false, a, 1.0f, none, indexed);
    for (const std::string& r : d.competencies()) AddRule(a, "competency", r, false, a, 1.0f, none, indexed);
    for (const std::string& r : d.examples()) AddRule(a, "example", r, false, a, kExampleWeight, none, indexed);
    AddRule(a, "description", d.description(), false, a, 1.0f, none, indexed);
    for (const v1::ScopeExclusion& r : d.not_for()) {
      int target = TargetIndex(r.redirect());
      // A rule redirecting to its own agent says nothing against it.
      if (target == a) continue;
      // Another agent's word about a hosted agent's scope counts less than
      // that agent's own rules; for an unhosted agent it is all there is.
      AddRule(a, "not_for", r.text(), true, target, target < hosted_count ? kRedirectWeight : 1.0f, none,
              indexed);
    }
  }
  // A labelled request is an example of each agent in its scope, hosted or
  // not, held by no definition. The same text twice is one example.
  absl::flat_hash_set<std::pair<std::string, int>> labelled_seen;
  first_labelled_ = static_cast<uint32_t>(rules_.size());
  for (size_t i = 0; i < labelled.size(); ++i) {
    const LabelledRequest& request = labelled[i];
    if (!read[i].counts) continue;
    ExtractTerms(read[i].indexed, &read[i].words);
    for (const std::string& name : request.InScope()) {
      const int agent = TargetIndex(name);
      if (agent < 0 || !labelled_seen.emplace(request.text, agent).second) continue;
      AddRule(-1, "labelled", request.text, false, agent, kExampleWeight, request.source, indexed, &read[i]);
    }
    std::vector<Term>().swap(read[i].words);
  }
}

void RoutingModel::RankNames() {
  std::vector<int> by_name(agent_count_);
  for (int a = 0; a < agent_count_; ++a) by_name[a] = a;
  std::sort(by_name.begin(), by_name.end(), [&](int x, int y) { return AgentName(x) < AgentName(y); });
  name_rank_.assign(agent_count_, 0);
  for (int i = 0; i < agent_count_; ++i) name_rank_[by_name[i]] = i;
}

void RoutingModel::WeighTerms() {
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
}

void RoutingModel::WeighDomainWords(const std::vector<LabelledRequest>& labelled,
                                    std::vector<LabelledText>& read) {
  // Off-topic labelled requests (nothing in scope, no agent named) are
  // negative evidence: the share of their words a term takes is added,
  // weighted, to everyday English's, so a word they use in another sense
  // (the "index" of a cookbook, a team's "deployment") reads as less the
  // domain's.
  std::vector<double> off_topic_uses(index_.term_count(), 0.0);
  double off_topic_words = 0;
  std::vector<TextIndex::QueryTerm> terms;
  for (size_t i = 0; i < labelled.size(); ++i) {
    if (!read[i].counts || !labelled[i].InScope().empty()) continue;
    off_topic_words += static_cast<double>(index_.Analyze(read[i].indexed, &terms));
    for (const TextIndex::QueryTerm& t : terms) {
      if (!t.phrase) off_topic_uses[t.term] += 1.0;
    }
    // What the vote reads of the request (it was not indexed: nothing is in scope).
    read[i].terms.clear();
    for (const TextIndex::QueryTerm& t : terms) read[i].terms.push_back(t.term);
    read[i].analyzed = true;
  }
  const double negative = off_topic_words > 0 ? options_.off_topic_example_weight / off_topic_words : 0.0;
  const double s = options_.domain_smoothing;
  domain_weight_.assign(index_.term_count(), 0.0f);
  for (uint32_t t = 0; t < index_.term_count(); ++t) {
    // P_rules(t) / (P_english(t) + weight * P_off_topic(t)).
    const double english = index_.background_frequency(t);
    const double ratio = std::exp(std::min<double>(index_.specificity(t), 30.0)) /
                         (1.0 + negative * off_topic_uses[t] / english);
    domain_weight_[t] = static_cast<float>(std::min(options_.domain_word_cap, std::log((ratio + s) / (1.0 + s))));
  }
  unknown_word_weight_ = static_cast<float>(std::log(s / (1.0 + s)));
}

std::vector<std::string> RoutingModel::OutOfDomainWords(std::string_view text) const {
  std::vector<Term> words;
  ExtractTerms(text, &words);
  std::vector<TextIndex::QueryTerm> known;
  std::vector<std::string> out;
  absl::flat_hash_set<std::string> seen;
  for (const Term& w : words) {
    if (w.key.find(' ') != std::string::npos || !seen.insert(w.key).second) continue;
    index_.Analyze(w.surface, &known);
    const bool in_domain = std::any_of(known.begin(), known.end(), [&](const TextIndex::QueryTerm& q) {
      return !q.phrase && domain_weight_[q.term] > 0.5f;
    });
    if (!in_domain) out.push_back(w.surface);
  }
  return out;
}

void RoutingModel::SplitQuote(uint32_t rule, const std::string& indexed) {
  RuleQuote& quote = quotes_[rule];
  quote.sentences = text::SplitSentences(quote.text);
  if (quote.sentences.size() < 2) {
    quote.sentences.clear();
    return;
  }
  // `indexed` has the same length as the text (names are blanked, not cut).
  std::vector<TextIndex::QueryTerm> terms;
  for (size_t i = 0; i < quote.sentences.size(); ++i) {
    const auto [begin, end] = quote.sentences[i];
    index_.Analyze(std::string_view(indexed).substr(begin, end - begin), &terms);
    const uint32_t bit = uint32_t{1} << std::min<size_t>(i, 31);
    for (const TextIndex::QueryTerm& t : terms) quote.term_sentences.emplace_back(t.term, bit);
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

void RoutingModel::CountRulesUsing(uint32_t term, bool labelled, std::vector<int>* rules_using) const {
  std::fill(rules_using->begin(), rules_using->end(), 0);
  for (const TextIndex::Posting& p : index_.postings(term)) {
    const Rule& rule = rules_[p.doc];
    if (rule.speaks_for >= 0 && (rule.owner < 0) == labelled) ++(*rules_using)[rule.speaks_for];
  }
}

}  // namespace agentd::routing
