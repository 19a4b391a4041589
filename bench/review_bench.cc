// One whole review in process, without gRPC: route, fan-out, merge, render,
// and the durable turn write (SQLite WAL, synchronous=FULL, group commit) on
// a fresh temporary database. What agentd costs per Review beyond the RPC.
//
// BM_Review/agents:1: the single-agent request of the load benchmark.
// BM_Review/agents:5: the five-agent request (every hosted agent named).
// compress:1 stores turns compressed (agentd's default), compress:0 plain.
// ->Threads(16): many callers at once, so the store's groups grow as under
// load; items/s is then the in-process ceiling for reviews on this machine.
// process_cpu_us is the CPU time of every thread of the process (callers,
// executor pool, store writer, kernel time of fsync) per review: what a review
// costs the machine, steadier than wall time when the machine is busy.
#include <sys/resource.h>

#include <filesystem>
#include <memory>
#include <string>

#include "bench/bench_agents.h"
#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"
#include "server/core/orchestrator.h"

namespace agentd {
namespace {

constexpr char kOneAgentText[] =
    "We need to handle 10,000 orders per minute during flash sales. Should we use microservices or a monolith?";
constexpr char kFiveAgentText[] =
    "We are 12 engineers in 2 teams building checkout: 10,000 orders per minute during flash sales, 99.95% "
    "availability, PostgreSQL on AWS. Review the architecture, the API versioning, the schema and indexes, the "
    "Kubernetes deployment and the SLOs with burn-rate alerts.";

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// One orchestrator per setting of compress_turns, each on its own database.
Orchestrator& SharedOrchestrator(bool compress_turns) {
  static Orchestrator* orchestrators[2] = {nullptr, nullptr};
  static absl::Mutex mu;
  absl::MutexLock lock(&mu);
  Orchestrator*& orchestrator = orchestrators[compress_turns ? 1 : 0];
  if (orchestrator != nullptr) return *orchestrator;
  orchestrator = [compress_turns] {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("agentd-review-bench-" + std::to_string(::getpid())) /
                                (compress_turns ? "compressed" : "plain");
    std::filesystem::create_directories(dir);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                      ("agentd-review-bench-" + std::to_string(::getpid())),
                                  ec);
    });
    OrchestratorConfig config;
    config.agents_dir = std::string(AGENTD_SOURCE_DIR) + "/agents";
    config.plugins_dir = bench::PluginsDir();
    config.db_path = (dir / "agentd.db").string();
    config.strict = true;
    config.compress_turns = compress_turns;
    absl::StatusOr<std::unique_ptr<Orchestrator>> created = Orchestrator::Create(config);
    if (!created.ok()) bench::Fail(std::string(created.status().message()));
    return created->release();
  }();
  return *orchestrator;
}

void BM_Review(benchmark::State& state) {
  Orchestrator& orchestrator = SharedOrchestrator(state.range(1) != 0);
  v1::ReviewRequest request;
  if (state.range(0) == 1) {
    request.set_text(kOneAgentText);
  } else {
    request.set_text(kFiveAgentText);
    for (const char* agent : {"backend-architect", "api-architect", "database-architect", "devops-specialist",
                              "sre-specialist"}) {
      request.add_agents(agent);
    }
  }
  CallContext ctx;
  const double cpu_before = state.thread_index() == 0 ? ProcessCpuSeconds() : 0;
  for (auto _ : state) {
    absl::StatusOr<v1::ReviewResponse> response = orchestrator.Review(ctx, request);
    if (!response.ok() || response->review().partial() ||
        response->review().agents_size() != static_cast<int>(state.range(0))) {
      state.SkipWithError(response.ok() ? "partial review" : std::string(response.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    // Thread 0 stops last among equals; iterations() is per thread.
    const double reviews = static_cast<double>(state.iterations()) * state.threads();
    state.counters["process_cpu_us"] = (ProcessCpuSeconds() - cpu_before) * 1e6 / reviews;
  }
}
BENCHMARK(BM_Review)->ArgsProduct({{1, 5}, {1, 0}})->ArgNames({"agents", "compress"})
    ->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Review)->ArgsProduct({{1, 5}, {1, 0}})->ArgNames({"agents", "compress"})
    ->Threads(16)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace agentd

BENCHMARK_MAIN();
