// Merger benchmarks: the five bundled agents' real answers to one request
// (produced once, by the real plugins) merged into one Review, and that
// review rendered as Markdown. Both are pure, so the same input is merged
// (or rendered) each iteration.
//
// BM_Merge/N: N agents' outcomes (1 = backend-architect alone, 5 = all).
// Counter review_bytes: the size of the merged Review, serialized.
#include <memory>
#include <vector>

#include "bench/bench_agents.h"
#include "benchmark/benchmark.h"
#include "server/core/merger.h"
#include "server/render/markdown_renderer.h"

namespace agentd {
namespace {

MergeInput RealMergeInput(size_t agents) {
  std::vector<AgentSlot*> slots = bench::Agents(agents);
  const v1::AgentRequest base = bench::RealisticRequest();
  MergeInput input;
  CancelState cancel;
  for (AgentSlot* slot : slots) {
    v1::AgentRequest request = base;
    request.set_agent(slot->definition.name());
    absl::StatusOr<v1::AgentResponse> response = slot->instance->Handle(request, cancel);
    if (!response.ok()) bench::Fail(std::string(response.status().message()));
    AgentOutcome outcome;
    outcome.run.set_agent(slot->definition.name());
    outcome.run.set_status(v1::AGENT_STATUS_OK);
    outcome.run.set_plugin(slot->definition.plugin());
    outcome.run.set_stub(response->stub());
    outcome.response = std::move(*response);
    input.outcomes.push_back(std::move(outcome));
    // What the orchestrator passes: the agent's name and sections (AgentSlot::section_owner).
    input.definitions.push_back(slot->section_owner);
  }
  input.requirements = base.requirements();
  input.facts.assign(base.facts().begin(), base.facts().end());
  return input;
}

void BM_Merge(benchmark::State& state) {
  const MergeInput input = RealMergeInput(static_cast<size_t>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    v1::Review review = Merge(input);
    bytes = review.ByteSizeLong();
    benchmark::DoNotOptimize(review);
  }
  if (bytes == 0) state.SkipWithError("the merged review is empty");
  state.counters["review_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Merge)->Arg(1)->Arg(5)->Unit(benchmark::kMicrosecond);

// BM_MergeMoved/N/S: Merge(MergeInput&&), as a review is merged: the answers'
// items are moved into the review; with S = 1 the outcomes carry their item
// signatures, as the executor hands them over (S = 0: Merge works them out). Each iteration merges kBatch fresh copies
// of the answers (copied outside the timing: pausing the timer per merge
// would cost more than a merge) and destroys the reviews and what is left of
// the answers, as the request thread does. items_per_second counts merges.
// Counter items: one review's items (sections' items, assumptions, questions).
void BM_MergeMoved(benchmark::State& state) {
  constexpr int kBatch = 32;
  MergeInput input = RealMergeInput(static_cast<size_t>(state.range(0)));
  if (state.range(1) != 0) {
    for (AgentOutcome& o : input.outcomes) o.item_signatures = ItemSignatures(*o.response);
  }
  size_t items = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<MergeInput> fresh(kBatch, input);
    state.ResumeTiming();
    for (MergeInput& answers : fresh) {
      v1::Review review = Merge(std::move(answers));
      answers = MergeInput();
      items = static_cast<size_t>(review.assumptions_size() + review.questions_size());
      for (const v1::Section& s : review.sections()) items += static_cast<size_t>(s.items_size());
      benchmark::DoNotOptimize(review);
    }
  }
  if (items == 0) state.SkipWithError("the merged review is empty");
  state.counters["items"] = static_cast<double>(items);
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_MergeMoved)->Args({5, 0})->Args({5, 1})->Unit(benchmark::kMicrosecond);

// BM_Render/N: the Markdown of N agents' merged review, as the service
// renders it at the edge. Counter markdown_bytes: its size.
void BM_Render(benchmark::State& state) {
  const v1::Review review = Merge(RealMergeInput(static_cast<size_t>(state.range(0))));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string markdown = RenderMarkdown(review);
    bytes = markdown.size();
    benchmark::DoNotOptimize(markdown);
  }
  if (bytes == 0) state.SkipWithError("the Markdown is empty");
  state.counters["markdown_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Render)->Arg(1)->Arg(5)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace agentd

BENCHMARK_MAIN();
