// The same agent called in process (C ABI) and as a plugin process over its
// Unix socket (agentd-plugin-serve serving the same library, supervised by
// ProcessAgent, called through RemoteAgent's gRPC stream), on a request the
// orchestrator would build. What running out of process adds per call is the
// difference of the two (target: at most ~150 µs).
//
// BM_PluginCall/<agent>/<process>: agent 0 = backend-architect (real work),
// 1 = api-architect (stub_peer: almost none, so the difference shows the
// transport alone); process 0 = in process, 1 = plugin process.
#include <filesystem>
#include <memory>
#include <string>

#include "bench/bench_agents.h"
#include "benchmark/benchmark.h"
#include "server/plugin_host/remote/process_agent.h"

namespace agentd {
namespace {

// The agent's plugin as a process, started once and kept for the run.
HostedAgent& ProcessFor(const AgentSlot& slot) {
  static std::map<std::string, std::unique_ptr<ProcessAgent>>* started =
      new std::map<std::string, std::unique_ptr<ProcessAgent>>();
  auto& agent = (*started)[slot.definition.name()];
  if (agent != nullptr) return *agent;
  std::error_code ec;
  std::filesystem::path bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  ProcessOptions options;
  options.agent = slot.definition.name();
  options.argv = {(bin / "agentd-plugin-serve").string(),
                  bench::PluginsDir() + "/lib" + slot.definition.plugin() + ".so"};
  v1::AgentConfig config;
  *config.mutable_definition() = slot.definition;
  for (const auto& [key, value] : slot.definition.extra()) (*config.mutable_options())[key] = value;
  options.config = config.SerializeAsString();
  options.sections.insert(slot.definition.sections().begin(), slot.definition.sections().end());
  absl::StatusOr<std::unique_ptr<ProcessAgent>> process = ProcessAgent::Start(std::move(options));
  if (!process.ok()) bench::Fail(std::string(process.status().message()));
  if (!(*process)->Availability().ok()) bench::Fail(std::string((*process)->Availability().message()));
  agent = std::move(*process);
  return *agent;
}

void BM_PluginCall(benchmark::State& state) {
  const std::string name = state.range(0) == 0 ? "backend-architect" : "api-architect";
  AgentSlot* slot = nullptr;
  for (const auto& s : bench::BundledAgents()) {
    if (s->definition.name() == name) slot = s.get();
  }
  if (slot == nullptr) bench::Fail("no agent " + name);
  const HostedAgent& agent = state.range(1) == 0 ? *slot->instance : ProcessFor(*slot);
  v1::AgentRequest request = bench::RealisticRequest();
  request.set_agent(name);
  CancelState cancel;
  for (auto _ : state) {
    absl::StatusOr<v1::AgentResponse> response = agent.Handle(request, cancel);
    if (!response.ok()) {
      state.SkipWithError(std::string(response.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(response);
  }
  state.SetLabel(name + (state.range(1) == 0 ? " in process" : " as a plugin process"));
}
BENCHMARK(BM_PluginCall)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace agentd

BENCHMARK_MAIN();
