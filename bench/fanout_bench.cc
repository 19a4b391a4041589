// Fan-out benchmarks: the five bundled agents (real plugins, loaded as agentd
// loads them) run on a request the orchestrator would build.
//
// BM_HandleInline/N: the N agents called one after another on this thread,
// no executor: what the agents themselves cost, each asked with its own
// copy of the request, serialized for it. BM_HandleShared/N: the same calls
// the way the executor makes them, the request serialized once for all N.
// BM_FanOut/N: the same N agents through Executor::Run (8 worker threads,
// as agentd's default), each on a pool thread within its agent's share.
// What the fan-out adds is the difference to BM_HandleInline. With
// ->Threads(16) many callers share one executor, as under load.
// process_cpu_us is the CPU time of every thread of the process per Run
// (the pool's threads too): steadier than wall time on a busy machine;
// switches_per_run the threads' voluntary context switches (waits) per Run.
#include <sys/resource.h>

#include <memory>
#include <vector>

#include "bench/bench_agents.h"
#include "benchmark/benchmark.h"
#include "server/core/executor.h"

namespace agentd {
namespace {

void BM_HandleInline(benchmark::State& state) {
  std::vector<AgentSlot*> slots = bench::Agents(static_cast<size_t>(state.range(0)));
  const v1::AgentRequest base = bench::RealisticRequest();
  CancelState cancel;
  for (auto _ : state) {
    for (AgentSlot* slot : slots) {
      v1::AgentRequest request = base;
      request.set_agent(slot->definition.name());
      absl::StatusOr<v1::AgentResponse> response = slot->instance->Handle(request, cancel);
      if (!response.ok()) {
        state.SkipWithError(std::string(response.status().message()).c_str());
        return;
      }
      benchmark::DoNotOptimize(response);
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HandleInline)->Arg(1)->Arg(5)->Unit(benchmark::kMicrosecond);

void BM_HandleShared(benchmark::State& state) {
  std::vector<AgentSlot*> slots = bench::Agents(static_cast<size_t>(state.range(0)));
  const v1::AgentRequest base = bench::RealisticRequest();
  CancelState cancel;
  for (auto _ : state) {
    const std::string bytes = base.SerializeAsString();
    for (AgentSlot* slot : slots) {
      absl::StatusOr<v1::AgentResponse> response =
          slot->instance->HandleShared(base, bytes, slot->definition.name(), 0, cancel);
      if (!response.ok()) {
        state.SkipWithError(std::string(response.status().message()).c_str());
        return;
      }
      benchmark::DoNotOptimize(response);
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HandleShared)->Arg(1)->Arg(5)->Unit(benchmark::kMicrosecond);

long VoluntarySwitches() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_nvcsw;
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Executor& SharedExecutor() {
  static Executor* executor = new Executor(8);
  return *executor;
}

void BM_FanOut(benchmark::State& state) {
  std::vector<AgentSlot*> slots = bench::Agents(static_cast<size_t>(state.range(0)));
  const v1::AgentRequest request = bench::RealisticRequest();
  Executor& executor = SharedExecutor();
  const double cpu_before = state.thread_index() == 0 ? ProcessCpuSeconds() : 0;
  const long switches_before = state.thread_index() == 0 ? VoluntarySwitches() : 0;
  for (auto _ : state) {
    std::vector<AgentOutcome> outcomes = executor.Run(slots, request, absl::InfiniteFuture(), nullptr, nullptr);
    for (const AgentOutcome& o : outcomes) {
      if (o.run.status() != v1::AGENT_STATUS_OK) {
        state.SkipWithError(("agent " + o.run.agent() + " did not answer: " + o.run.error()).c_str());
        return;
      }
    }
    benchmark::DoNotOptimize(outcomes);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    const double runs = static_cast<double>(state.iterations()) * state.threads();
    state.counters["process_cpu_us"] = (ProcessCpuSeconds() - cpu_before) * 1e6 / runs;
    state.counters["switches_per_run"] = static_cast<double>(VoluntarySwitches() - switches_before) / runs;
  }
}
BENCHMARK(BM_FanOut)->Arg(1)->Arg(5)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_FanOut)->Arg(5)->Threads(16)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace agentd

BENCHMARK_MAIN();
