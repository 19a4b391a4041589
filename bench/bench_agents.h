// The five bundled agents, loaded the way agentd loads them, for the
// micro-benchmarks that need real agents (fanout_bench, merge_bench):
// definitions from <source>/agents, plugins from <exe>/../lib/agentd/plugins
// (the build tree's layout, so a bench runs from any build folder).
//
// Header-only, bench-internal. Aborts with a message when something is
// missing: a benchmark of nothing is worse than no benchmark.
#ifndef AGENTD_BENCH_BENCH_AGENTS_H_
#define AGENTD_BENCH_BENCH_AGENTS_H_

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agentd/v1/plugin.pb.h"
#include "server/core/executor.h"
#include "server/definitions/definition_parser.h"
#include "server/facts/fact_reader.h"
#include "server/plugin_host/plugin_loader.h"

namespace agentd::bench {

[[noreturn]] inline void Fail(const std::string& why) {
  std::fprintf(stderr, "bench setup failed: %s\n", why.c_str());
  std::abort();
}

inline std::string PluginsDir() {
  if (const char* dir = std::getenv("AGENTD_PLUGINS_DIR")) return dir;
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) Fail("cannot read /proc/self/exe");
  return (exe.parent_path() / "../lib/agentd/plugins").lexically_normal().string();
}

// Every bundled agent as an AgentSlot, sorted by name. Lives for the process.
inline const std::vector<std::unique_ptr<AgentSlot>>& BundledAgents() {
  static auto* slots = [] {
    auto* out = new std::vector<std::unique_ptr<AgentSlot>>();
    DefinitionLoadResult loaded = LoadDefinitions(std::string(AGENTD_SOURCE_DIR) + "/agents");
    if (!loaded.errors.empty()) Fail(loaded.errors.front());
    static PluginRegistry registry(PluginsDir());
    for (v1::AgentDefinition& def : loaded.definitions) {
      if (def.plugin().empty()) def.set_plugin("stub_peer");
      absl::StatusOr<std::shared_ptr<PluginLibrary>> library = registry.Get(def.plugin());
      if (!library.ok()) Fail(std::string(library.status().message()) + " (build the plugins first)");
      v1::AgentConfig config;
      *config.mutable_definition() = def;
      for (const auto& [key, value] : def.extra()) (*config.mutable_options())[key] = value;
      absl::StatusOr<std::unique_ptr<AgentInstance>> instance = AgentInstance::Create(*library, config);
      if (!instance.ok()) Fail(std::string(instance.status().message()));
      auto slot = std::make_unique<AgentSlot>(def, 5, absl::Seconds(30));
      slot->instance = std::move(*instance);
      out->push_back(std::move(slot));
    }
    if (out->size() != 5) Fail("expected the 5 bundled agents, found " + std::to_string(out->size()));
    return out;
  }();
  return *slots;
}

// The first `n` agents, backend-architect first (it does the real work).
inline std::vector<AgentSlot*> Agents(size_t n) {
  std::vector<AgentSlot*> picked;
  for (const auto& slot : BundledAgents()) {
    if (slot->definition.name() == "backend-architect") picked.insert(picked.begin(), slot.get());
    else picked.push_back(slot.get());
  }
  picked.resize(n);
  return picked;
}

// A request as the orchestrator builds it: text plus the facts read from it.
inline v1::AgentRequest RealisticRequest() {
  const std::string text =
      "We are 12 engineers in 2 teams building checkout: 10,000 orders per minute during flash "
      "sales, 99.95% availability, PostgreSQL on AWS. Review the architecture, the API "
      "versioning, the schema and indexes, the Kubernetes deployment and the SLOs.";
  FactSet facts = ReadFacts(text);
  v1::AgentRequest request;
  request.set_request_id("bench");
  request.set_session_id("bench-session");
  request.set_text(text);
  request.set_turn(1);
  *request.mutable_requirements() = facts.requirements;
  for (const v1::Fact& f : facts.facts) *request.add_facts() = f;
  return request;
}

}  // namespace agentd::bench

#endif  // AGENTD_BENCH_BENCH_AGENTS_H_
