// What the routing model learns from the labelled requests (router_model.h):
// how each is read, their vote, and their strongest hits per term.
#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "server/core/router_model.h"

namespace agentd::routing {
namespace {

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

// A labelled request that names its agents (in `agents`, or inline:
// "@sre-specialist, is this alert sensible?") is labelled with them whatever
// it is about: it says nothing about scope, for the rules or the vote.
bool NamesItsAgents(const LabelledRequest& request) {
  return !request.agents.empty() || !FindMentions(request.text).empty();
}

}  // namespace

std::vector<RoutingModel::LabelledText> RoutingModel::ReadLabelled(
    const std::vector<LabelledRequest>& labelled) const {
  std::vector<LabelledText> read(labelled.size());
  for (size_t i = 0; i < labelled.size(); ++i) {
    if (NamesItsAgents(labelled[i])) continue;
    read[i].counts = true;
    read[i].indexed = WithoutNames(labelled[i].text);
  }
  return read;
}

// The distinct known terms of a labelled request, read once: from its rules
// when it has some, else analyzed (once the index is complete).
const std::vector<uint32_t>& RoutingModel::LabelledTerms(LabelledText& read) const {
  if (!read.analyzed) {
    std::vector<TextIndex::QueryTerm> terms;
    index_.Analyze(read.indexed, &terms);
    for (const TextIndex::QueryTerm& t : terms) read.terms.push_back(t.term);
    read.analyzed = true;
  }
  return read.terms;
}

int RoutingModel::KnownAgent(const std::string& name) const {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  const int hosted = AgentIndex(lower);
  if (hosted >= 0) return hosted;
  auto it = unhosted_index_.find(lower);
  return it == unhosted_index_.end() ? -1 : it->second;
}

void RoutingModel::CountLabelledVotes(const std::vector<LabelledRequest>& labelled,
                                      std::vector<LabelledText>& read) {
  const size_t agents = static_cast<size_t>(agent_count_);
  std::vector<int> in_scope(agents), out_of_scope(agents);  // requests, per agent
  std::vector<int> in_scope_using(index_.term_count() * agents), out_of_scope_using(in_scope_using.size());
  std::vector<int8_t> label(agents);
  for (size_t i = 0; i < labelled.size(); ++i) {
    const LabelledRequest& request = labelled[i];
    if (!read[i].counts) continue;
    // As eval/train_selector.py labels: required or unhosted, in scope;
    // optional or merely acceptable first, neither; any other, out. The vote
    // reads "optional" labels too; a name no rule or redirect made an agent
    // is not one here.
    std::fill(label.begin(), label.end(), 0);
    for (const auto* names : {&request.optional, &request.primary_any}) {
      for (const std::string& name : *names) {
        if (const int a = KnownAgent(name); a >= 0) label[a] = -1;
      }
    }
    for (const auto* names : {&request.required, &request.unhosted}) {
      for (const std::string& name : *names) {
        if (const int a = KnownAgent(name); a >= 0) label[a] = 1;
      }
    }
    const std::vector<uint32_t>& terms = LabelledTerms(read[i]);
    for (size_t a = 0; a < agents; ++a) {
      if (label[a] < 0) continue;
      std::vector<int>& using_term = label[a] > 0 ? in_scope_using : out_of_scope_using;
      ++(label[a] > 0 ? in_scope : out_of_scope)[a];
      for (const uint32_t t : terms) ++using_term[t * agents + a];
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

void RoutingModel::WeighLabelledPostings() {
  labelled_begin_.assign(index_.term_count() + 1, 0);
  labelled_postings_.clear();
  const size_t agents = static_cast<size_t>(agent_count_);
  for (uint32_t t = 0; t < index_.term_count(); ++t) {
    labelled_begin_[t] = static_cast<uint32_t>(labelled_postings_.size());
    for (const TextIndex::Posting& p : index_.postings(t)) {
      if (p.doc < first_labelled_) continue;
      const Rule& rule = rules_[p.doc];
      // As the scorer weighs any hit; a labelled request never speaks for
      // nobody, and a weightless hit of an example never counts.
      const float weight = p.weight * rule.kind_weight * term_agent_weight_[t * agents + rule.speaks_for];
      if (weight > 0) labelled_postings_.push_back(LabelledPosting{p.doc, rule.speaks_for, weight});
    }
    KeepStrongestLabelledPostings(labelled_begin_[t]);
  }
  labelled_begin_[index_.term_count()] = static_cast<uint32_t>(labelled_postings_.size());
}

void RoutingModel::KeepStrongestLabelledPostings(uint32_t begin_index) {
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

}  // namespace agentd::routing
