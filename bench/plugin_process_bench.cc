// The same agent called in process (C ABI) and as a plugin process over its
// Unix socket (agentd-plugin-serve serving the same library, supervised by
// ProcessAgent, called through RemoteAgent's gRPC stream), on a request the
// orchestrator would build. What running out of process adds per call is the
// difference of the two (target: at most ~150 µs).
//
// BM_PluginCall/<agent>/<process>: agent 0 = backend-architect (real work),
// 1 = api-architect (stub_peer: almost none, so the difference shows the
// transport alone); process 0 = in process, 1 = plugin process.
//
// Wall-clock time is what a caller waits; on a shared machine it mostly
// measures the neighbours. The counters host_cpu_us and plugin_cpu_us (CPU
// time per call of this process, all threads, and of the plugin process)
// are what a call costs, and hold still under load. answer_bytes is the
// size of the agent's serialized answer.
//
// AGENTD_BENCH_PLUGIN_SERVE=/path/to/agentd-plugin-serve runs that build of
// the plugin process instead of the one beside this binary (an A/B).
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "bench/bench_agents.h"
#include "benchmark/benchmark.h"
#include "server/plugin_host/remote/process_agent.h"

namespace agentd {
namespace {

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// utime + stime of another process, from /proc/PID/stat (0 for pid 0).
double ProcessCpuSeconds(pid_t pid) {
  if (pid == 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  // Fields after the ")" that ends the command name: state is field 3,
  // utime and stime are fields 14 and 15.
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::map<std::string, std::unique_ptr<ProcessAgent>>& Started() {
  static auto* started = new std::map<std::string, std::unique_ptr<ProcessAgent>>();
  return *started;
}

// The agent's plugin as a process, started once and kept for the run.
HostedAgent& ProcessFor(const AgentSlot& slot) {
  auto& agent = Started()[slot.definition.name()];
  if (agent != nullptr) return *agent;
  std::error_code ec;
  std::filesystem::path bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  ProcessOptions options;
  options.agent = slot.definition.name();
  // AGENTD_BENCH_PLUGIN_SERVE names another build of it, to compare two in one run.
  const char* serve = std::getenv("AGENTD_BENCH_PLUGIN_SERVE");
  options.argv = {serve != nullptr ? std::string(serve) : (bin / "agentd-plugin-serve").string(),
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
  const pid_t plugin_pid = state.range(1) == 0 ? 0 : Started()[name]->pid();
  const double host_start = SelfCpuSeconds();
  const double plugin_start = ProcessCpuSeconds(plugin_pid);
  for (auto _ : state) {
    absl::StatusOr<v1::AgentResponse> response = agent.Handle(request, cancel);
    if (!response.ok()) {
      state.SkipWithError(std::string(response.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(response);
  }
  const double calls = static_cast<double>(state.iterations());
  state.counters["host_cpu_us"] = (SelfCpuSeconds() - host_start) * 1e6 / calls;
  state.counters["plugin_cpu_us"] = (ProcessCpuSeconds(plugin_pid) - plugin_start) * 1e6 / calls;
  state.counters["answer_bytes"] = static_cast<double>(agent.Handle(request, cancel)->ByteSizeLong());
  state.SetLabel(name + (state.range(1) == 0 ? " in process" : " as a plugin process"));
}
BENCHMARK(BM_PluginCall)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace agentd

int main(int argc, char** argv) {
  // As agentd does (server/main.cc): no Mutex deadlock detection (a debugging
  // aid Debian's Abseil has on), so agentd's side costs here what it costs in agentd.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
