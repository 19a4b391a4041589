// Agent definition parsing benchmarks, on real files.
//
// BM_ParseDefinition/<file>: one file already in memory → AgentDefinition
// (yaml-cpp front matter + cmark body), for each bundled agent and the seed.
// BM_ParseCompatCorpus: every public and synthetic sub-agent file in
// ../shared/compat (when present), many of which are not strict YAML and go
// through the lenient key-by-key reader after yaml-cpp rejects them.
// BM_LoadDefinitions: the startup path, reading and parsing agents/*.md.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "server/definitions/definition_parser.h"

namespace agentd {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void BM_ParseDefinition(benchmark::State& state, const std::string& path) {
  const std::string content = ReadFile(path);
  if (content.empty()) {
    state.SkipWithError(("cannot read " + path).c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<v1::AgentDefinition> def = ParseDefinition(content, path);
    if (!def.ok()) {
      state.SkipWithError(std::string(def.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(def);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(content.size()));
}

void BM_LoadDefinitions(benchmark::State& state) {
  const std::string dir = std::string(AGENTD_SOURCE_DIR) + "/agents";
  for (auto _ : state) {
    DefinitionLoadResult loaded = LoadDefinitions(dir);
    if (!loaded.errors.empty() || loaded.definitions.empty()) {
      state.SkipWithError(loaded.errors.empty() ? "no definitions" : loaded.errors.front().c_str());
      return;
    }
    benchmark::DoNotOptimize(loaded);
  }
}
BENCHMARK(BM_LoadDefinitions)->Unit(benchmark::kMicrosecond);

void BM_ParseCompatCorpus(benchmark::State& state, const std::vector<fs::path>& files) {
  std::vector<std::string> contents;
  int64_t bytes = 0;
  for (const fs::path& file : files) {
    contents.push_back(ReadFile(file));
    bytes += static_cast<int64_t>(contents.back().size());
  }
  int parsed = 0;
  for (auto _ : state) {
    parsed = 0;
    for (size_t i = 0; i < contents.size(); ++i) {
      absl::StatusOr<v1::AgentDefinition> def = ParseDefinition(contents[i], files[i].string());
      parsed += def.ok() ? 1 : 0;
      benchmark::DoNotOptimize(def);
    }
  }
  state.counters["files"] = static_cast<double>(contents.size());
  state.counters["parsed"] = parsed;
  state.SetBytesProcessed(state.iterations() * bytes);
}

// Registers one benchmark per real file: the bundled agents, the seed, and
// the compat corpus.
void RegisterFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(AGENTD_SOURCE_DIR) / "agents")) {
    if (entry.path().extension() == ".md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  const fs::path shared = fs::path(AGENTD_SOURCE_DIR).parent_path() / "shared";
  if (fs::exists(shared / "seed" / "backend-architect.md")) files.push_back(shared / "seed" / "backend-architect.md");
  for (const fs::path& file : files) {
    benchmark::RegisterBenchmark(("BM_ParseDefinition/" + file.parent_path().filename().string() + "/" +
                                  file.filename().string()).c_str(),
                                 BM_ParseDefinition, file.string())
        ->Unit(benchmark::kMicrosecond);
  }
  std::vector<fs::path> compat;
  for (const char* folder : {"agents-public", "agents-synthetic"}) {
    const fs::path dir = shared / "compat" / folder;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".md" && entry.path().filename() != "SOURCES.md") compat.push_back(entry.path());
    }
  }
  std::sort(compat.begin(), compat.end());
  if (!compat.empty()) {
    benchmark::RegisterBenchmark("BM_ParseCompatCorpus", BM_ParseCompatCorpus, compat)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace agentd

int main(int argc, char** argv) {
  agentd::RegisterFiles();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
