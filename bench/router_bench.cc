// Router micro-benchmark: the cost of one Route call with the five bundled
// agents (agents/*.md), over the labelled request texts of the shared dev
// file (../shared/eval/routing-dev.jsonl; agents/routing-examples/routing-own.jsonl
// when the shared file is absent). One iteration routes one request; the
// texts are taken in turn, so the figure is the mean per request over the
// file. examples:1 is the router as agentd builds it, with the labelled
// requests of agents/routing-examples/ as rules; examples:0 is the
// definitions alone.
//
//   build-*/bench/router_bench [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "server/core/router.h"
#include "server/definitions/definition_parser.h"
#include "server/definitions/labelled_requests.h"

namespace {

struct Fixture {
  std::unique_ptr<agentd::Router> router;
  std::vector<agentd::LabelledRequest> requests;
};

std::vector<agentd::LabelledRequest> ReadOrEmpty(const std::string& path) {
  auto read = agentd::ReadLabelledRequests(path);
  return read.ok() ? *std::move(read) : std::vector<agentd::LabelledRequest>();
}

// Built once per variant; nullptr (and a message) when the inputs cannot be read.
const Fixture* GetFixture(bool with_examples) {
  auto build = [](bool examples) -> const Fixture* {
    const std::string agents = std::string(AGENTD_SOURCE_DIR) + "/agents";
    auto* f = new Fixture;
    agentd::DefinitionLoadResult loaded = agentd::LoadDefinitions(agents);
    auto router = agentd::Router::Create(std::move(loaded.definitions), {},
                                         examples ? ReadOrEmpty(agents + "/routing-examples")
                                                  : std::vector<agentd::LabelledRequest>());
    if (!router.ok()) {
      std::fprintf(stderr, "router: %s\n", router.status().ToString().c_str());
      return nullptr;
    }
    f->router = std::move(*router);
    f->requests = ReadOrEmpty(std::string(AGENTD_SOURCE_DIR) + "/../shared/eval/routing-dev.jsonl");
    if (f->requests.empty()) f->requests = ReadOrEmpty(agents + "/routing-examples/routing-own.jsonl");
    if (f->requests.empty()) {
      std::fprintf(stderr, "no request texts found\n");
      return nullptr;
    }
    return f;
  };
  static const Fixture* const with = build(true);
  static const Fixture* const without = build(false);
  return with_examples ? with : without;
}

void BM_RoutePerRequest(benchmark::State& state) {
  const Fixture* f = GetFixture(state.range(0) != 0);
  if (f == nullptr) {
    state.SkipWithError("cannot build the router or read the request texts");
    return;
  }
  size_t i = 0;
  for (auto _ : state) {
    const agentd::LabelledRequest& r = f->requests[i];
    auto decision = f->router->Route(r.text, r.agents);
    benchmark::DoNotOptimize(decision);
    if (++i == f->requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["agents"] = static_cast<double>(f->router->hosted().size());
  state.counters["texts"] = static_cast<double>(f->requests.size());
}
BENCHMARK(BM_RoutePerRequest)->ArgName("examples")->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);

// The load benchmark's Route request (bench/loadbench.py's ROUTE_TEXT),
// routed and serialized as the service answers it: what agentd adds to
// gRPC's own work per Route call in `make bench`. reused:1 routes into one
// RouteDecision kept from call to call, as the service does (see
// Router::RouteInto and server/service/message_pool.h); reused:0 into a
// fresh message each time.
void BM_RouteAndSerializeLoadRequest(benchmark::State& state) {
  const Fixture* f = GetFixture(state.range(0) != 0);
  if (f == nullptr) {
    state.SkipWithError("cannot build the router or read the request texts");
    return;
  }
  const bool reused = state.range(1) != 0;
  const std::string text =
      "We need to handle 10,000 orders per minute during flash sales. Should we use microservices or a monolith?";
  agentd::v1::RouteDecision kept;
  std::string wire;
  for (auto _ : state) {
    agentd::v1::RouteDecision fresh;
    agentd::v1::RouteDecision* decision = reused ? &kept : &fresh;
    if (!f->router->RouteInto(text, {}, decision).ok()) state.SkipWithError("Route failed");
    wire.clear();
    decision->SerializeToString(&wire);
    benchmark::DoNotOptimize(wire.data());
  }
  state.counters["bytes"] = static_cast<double>(wire.size());
}
BENCHMARK(BM_RouteAndSerializeLoadRequest)
    ->ArgNames({"examples", "reused"})
    ->ArgsProduct({{1, 0}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

// The load benchmark's five-agent review (bench/loadbench.py's
// REVIEW_FIVE_TEXT, naming its five agents), routed and serialized: the
// router's share of a review's CPU in `make bench`. reused:1 routes into the
// decision the previous call left, as a review does (Router::TakeSpareDecision).
void BM_RouteFiveAgentReview(benchmark::State& state) {
  const Fixture* f = GetFixture(true);
  if (f == nullptr) {
    state.SkipWithError("cannot build the router or read the request texts");
    return;
  }
  const std::string text =
      "We are 12 engineers in 2 teams building checkout: 10,000 orders per minute during flash sales, 99.95% "
      "availability, PostgreSQL on AWS. Review the architecture, the API versioning, the schema and indexes, the "
      "Kubernetes deployment and the SLOs with burn-rate alerts.";
  const std::vector<std::string> agents = {"backend-architect", "api-architect", "database-architect",
                                           "devops-specialist", "sre-specialist"};
  const bool reused = state.range(0) != 0;
  std::string wire;
  for (auto _ : state) {
    agentd::v1::RouteDecision decision = reused ? agentd::Router::TakeSpareDecision() : agentd::v1::RouteDecision();
    if (!f->router->RouteInto(text, agents, &decision).ok()) state.SkipWithError("Route failed");
    wire.clear();
    decision.SerializeToString(&wire);
    benchmark::DoNotOptimize(wire.data());
    if (reused) agentd::Router::KeepSpareDecision(&decision);
  }
  state.counters["bytes"] = static_cast<double>(wire.size());
}
BENCHMARK(BM_RouteFiveAgentReview)->ArgName("reused")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// A long request: the request texts joined, in turn, until the text is
// `bytes` long (a question pasted with its context). Route's cost grows
// with the words; this shows by how much.
void BM_RouteLongRequest(benchmark::State& state) {
  const Fixture* f = GetFixture(true);
  if (f == nullptr) {
    state.SkipWithError("cannot build the router or read the request texts");
    return;
  }
  const size_t bytes = static_cast<size_t>(state.range(0));
  std::string text;
  for (size_t i = 0; text.size() < bytes; ++i) {
    text.append(f->requests[i % f->requests.size()].text).append(" ");
  }
  text.resize(bytes);
  agentd::v1::RouteDecision decision;
  for (auto _ : state) {
    if (!f->router->RouteInto(text, {}, &decision).ok()) state.SkipWithError("Route failed");
    benchmark::DoNotOptimize(decision);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RouteLongRequest)->ArgName("bytes")->Arg(1024)->Arg(4096)->Arg(16384)->Unit(benchmark::kMicrosecond);

// Building the router as agentd does at start: the bundled definitions and
// the labelled requests of agents/routing-examples/ (read once, outside the
// loop) become the routing model. This is most of agentd's startup CPU.
void BM_BuildRouter(benchmark::State& state) {
  const std::string agents = std::string(AGENTD_SOURCE_DIR) + "/agents";
  const std::vector<agentd::v1::AgentDefinition> definitions = agentd::LoadDefinitions(agents).definitions;
  const std::vector<agentd::LabelledRequest> labelled = ReadOrEmpty(agents + "/routing-examples");
  for (auto _ : state) {
    auto router = agentd::Router::Create(definitions, {}, labelled);
    if (!router.ok()) state.SkipWithError("cannot build the router");
    benchmark::DoNotOptimize(router);
  }
  state.counters["labelled"] = static_cast<double>(labelled.size());
}
BENCHMARK(BM_BuildRouter)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
