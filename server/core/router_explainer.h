// The explainer: writes a scored Route call (router_scorer.h) as the
// RouteDecision people and callers read. The chosen agents with their
// reasons (the rules that matched, quoted where they matched, with the
// request words they met), the rejected ones with why, the agents not hosted
// here that would answer, and a one-line summary. It decides nothing: every
// figure it writes is the scorer's.
//
// Not thread-safe: each thread uses its own explainer (ForThisThread), whose
// one table (each agent's rules ranked for its reasons) keeps its capacity
// between calls.
#ifndef AGENTD_SERVER_CORE_ROUTER_EXPLAINER_H_
#define AGENTD_SERVER_CORE_ROUTER_EXPLAINER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "agentd/v1/orchestrator.pb.h"
#include "server/core/router_scorer.h"

namespace agentd::routing {

// Two decimals, as "%.2f" would print them, without a format parse per call.
std::string FormatScore(double score);

class RouteExplainer {
 public:
  static RouteExplainer& ForThisThread();

  // Writes `scored` into `*decision`, which must be clear.
  void Explain(const RouteScorer& scored, v1::RouteDecision* decision);

 private:
  using Reasons = google::protobuf::RepeatedPtrField<v1::RouteReason>;

  void RankLiveRules();
  void DescribeChoices(v1::RouteDecision* decision) const;
  void DescribeRejections(v1::RouteDecision* decision) const;
  std::string WhyRejected(int a, const std::string& redirected_to) const;
  void ListUnhosted(v1::RouteDecision* decision) const;
  static void Summarize(v1::RouteDecision* decision);
  void SayOffTopic(v1::RouteDecision* decision) const;
  void AddRulesFor(int a, Reasons* out) const;
  void AddReason(size_t r, double value, Reasons* out) const;
  void Quote(const RoutingModel::RuleQuote& quote, const RuleSlot& slot, std::string* out) const;

  const RouteScorer* scored_ = nullptr;
  const RoutingModel* model_ = nullptr;
  // live_ranked_[live_begin_[a] .. live_begin_[a + 1]): agent a's rules with
  // live weight as (-live, rule), the first max_reasons of them best first.
  std::vector<uint32_t> live_begin_;
  std::vector<std::pair<double, uint32_t>> live_ranked_;
  std::vector<uint32_t> best_labelled_;  // RankLiveRules' own, per agent
  std::vector<uint32_t> rank_next_;      // likewise
};

}  // namespace agentd::routing

#endif  // AGENTD_SERVER_CORE_ROUTER_EXPLAINER_H_
