#include "server/core/agent_selector.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace agentd {
namespace {

// kSelectionWeights[kSelectionFeatureCount] and
// kSelectionWeightsWithVote[kSelectionFeatureCountWithVote]: fitted by
// eval/train_selector.py.
#include "server/core/selection_weights.inc"

static_assert(sizeof(kSelectionWeights) / sizeof(kSelectionWeights[0]) == kSelectionFeatureCount,
              "selection_weights.inc does not match SelectionFeaturesOf");
static_assert(sizeof(kSelectionWeightsWithVote) / sizeof(kSelectionWeightsWithVote[0]) ==
                  kSelectionFeatureCountWithVote,
              "selection_weights.inc does not match SelectionFeaturesOf");

// log(1 + x) of a score, 0 for anything not positive (or not a number), and
// bounded, so no signal can make the sum infinite.
double LogScore(double x) { return x > 0 ? std::log1p(std::min(x, 1e12)) : 0.0; }

}  // namespace

SelectionFeatures SelectionFeaturesOf(const SelectionSignals& s) {
  const bool has_vote =
      s.has_labelled_vote && std::isfinite(s.labelled_vote) && std::isfinite(s.top_labelled_vote);
  // Keep in step with FEATURES in eval/train_selector.py.
  return SelectionFeatures{
      1.0,
      LogScore(s.score),
      s.is_top ? 1.0 : 0.0,
      std::clamp(s.evidence, 0, 8) / 8.0,
      std::isfinite(s.coverage) ? std::clamp(s.coverage, 0.0, 1.0) : 0.0,
      LogScore(s.clause_score),
      s.redirected_to ? 1.0 : 0.0,
      s.passes_gates ? 1.0 : 0.0,
      LogScore(s.top_score),
      // Naive Bayes log-odds are unbounded; a tenth of them, within ±2.
      has_vote ? std::clamp(s.labelled_vote, -20.0, 20.0) / 10.0 : 0.0,
      has_vote ? std::clamp(s.labelled_vote - s.top_labelled_vote, -20.0, 0.0) / 10.0 : 0.0,
  };
}

double SelectionProbability(const SelectionSignals& signals) {
  const SelectionFeatures features = SelectionFeaturesOf(signals);
  double z = 0;
  if (signals.has_labelled_vote) {
    for (int i = 0; i < kSelectionFeatureCountWithVote; ++i) z += kSelectionWeightsWithVote[i] * features[i];
  } else {
    for (int i = 0; i < kSelectionFeatureCount; ++i) z += kSelectionWeights[i] * features[i];
  }
  return 1.0 / (1.0 + std::exp(-z));
}

std::string DescribeSelection(const SelectionSignals& s, double needed) {
  std::string text = absl::StrFormat(
      "selection probability %.2f (%.2f needed) from score %.2f of top %.2f, %d distinctive term(s), %.0f%% of "
      "the request's words",
      SelectionProbability(s), needed, s.score, s.top_score, s.evidence, s.coverage * 100);
  if (s.clause_score > 0) absl::StrAppend(&text, absl::StrFormat(", a clause won with %.2f", s.clause_score));
  if (s.redirected_to) absl::StrAppend(&text, ", named by a \"do not use\" rule");
  if (s.has_labelled_vote) {
    absl::StrAppend(&text, absl::StrFormat(", labelled requests' vote %+.1f (best %+.1f)", s.labelled_vote,
                                           s.top_labelled_vote));
  }
  absl::StrAppend(&text, s.passes_gates ? ", within the thresholds" : ", outside the thresholds");
  return text;
}

}  // namespace agentd
