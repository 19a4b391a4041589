// Router micro-benchmark: the cost of one Route call with the five bundled
// agents (agents/*.md), over the labelled request texts of the shared dev
// file (../shared/eval/routing-dev.jsonl; eval/routing-own.jsonl when the
// shared file is absent). One iteration routes one request; the texts are
// taken in turn, so the figure is the mean per request over the file.
//
//   build-*/bench/router_bench [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/router.h"
#include "server/definitions/definition_parser.h"

namespace {

struct Fixture {
  std::unique_ptr<agentd::Router> router;
  std::vector<std::string> texts;
  std::vector<std::vector<std::string>> explicit_agents;
};

void ReadTexts(const std::string& path, Fixture* f) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    google::protobuf::Struct s;
    if (line.empty() || !google::protobuf::util::JsonStringToMessage(line, &s).ok()) continue;
    auto text = s.fields().find("text");
    if (text == s.fields().end()) continue;
    std::vector<std::string> agents;
    auto list = s.fields().find("agents");
    if (list != s.fields().end() && list->second.has_list_value()) {
      for (const auto& v : list->second.list_value().values()) agents.push_back(v.string_value());
    }
    f->texts.push_back(text->second.string_value());
    f->explicit_agents.push_back(std::move(agents));
  }
}

// Built once; nullptr (and a message) when the inputs cannot be read.
const Fixture* GetFixture() {
  static const Fixture* const fixture = []() -> const Fixture* {
    auto* f = new Fixture;
    agentd::DefinitionLoadResult loaded =
        agentd::LoadDefinitions(std::string(AGENTD_SOURCE_DIR) + "/agents");
    auto router = agentd::Router::Create(std::move(loaded.definitions));
    if (!router.ok()) {
      std::fprintf(stderr, "router: %s\n", router.status().ToString().c_str());
      return nullptr;
    }
    f->router = std::move(*router);
    ReadTexts(std::string(AGENTD_SOURCE_DIR) + "/../shared/eval/routing-dev.jsonl", f);
    if (f->texts.empty()) ReadTexts(std::string(AGENTD_SOURCE_DIR) + "/eval/routing-own.jsonl", f);
    if (f->texts.empty()) {
      std::fprintf(stderr, "no request texts found\n");
      return nullptr;
    }
    return f;
  }();
  return fixture;
}

void BM_RoutePerRequest(benchmark::State& state) {
  const Fixture* f = GetFixture();
  if (f == nullptr) {
    state.SkipWithError("cannot build the router or read the request texts");
    return;
  }
  size_t i = 0;
  for (auto _ : state) {
    auto decision = f->router->Route(f->texts[i], f->explicit_agents[i]);
    benchmark::DoNotOptimize(decision);
    if (++i == f->texts.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["agents"] = static_cast<double>(f->router->hosted().size());
  state.counters["texts"] = static_cast<double>(f->texts.size());
}
BENCHMARK(BM_RoutePerRequest)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
