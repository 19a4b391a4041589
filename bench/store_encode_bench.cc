// The turn codec's write path: one five-agent turn encoded for the store
// (EncodeTurnKeeping, as the orchestrator calls it), its answers either
// serialized again from the parsed messages (Arg 0) or appended as the bytes
// their plugins emitted (Arg 1, what an in-process agent's answer takes; the
// copy the plugin host makes of those bytes is counted). Compressed with the
// shipped dictionary (second Arg 1) or plain (0).
//
// The turn: AGENTD_STORE_BENCH_BODY=<a body blob agentd wrote> (e.g. from
// `TURN_SIZE_KEEP=FILE bench/turn_size.py BUILD`), else a synthetic turn of
// five answers of about 5 KB each.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "db/turn_codec.h"

namespace agentd {
namespace {

v1::AgentResponse SyntheticAnswer(const std::string& agent) {
  v1::AgentResponse answer;
  answer.set_agent(agent);
  for (int s = 0; s < 5; ++s) {
    v1::Section* section = answer.add_sections();
    section->set_id(absl::StrCat(agent, "_section_", s));
    for (int i = 0; i < 5; ++i) {
      v1::Item* item = section->add_items();
      item->set_text(absl::StrCat("Partition the orders table by tenant and keep the hot rows in one region ", i));
      item->set_rationale("Flash sales put 10,000 orders per minute on a few tenants; a per-tenant key "
                          "keeps their writes apart.");
      item->set_agent(agent);
    }
  }
  v1::Decision* decision = answer.add_decisions();
  decision->set_key("database.primary");
  decision->set_value("PostgreSQL");
  decision->set_rationale("Strong consistency for payments");
  answer.set_summary(absl::StrCat("A summary of what ", agent, " recommends."));
  return answer;
}

TurnRecord BenchTurn() {
  TurnRecord turn;
  turn.create_session = true;
  if (const char* path = std::getenv("AGENTD_STORE_BENCH_BODY")) {
    std::ifstream in(path, std::ios::binary);
    const std::string blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    absl::StatusOr<v1::StoredTurn> body = DecodeTurnBody(blob, path);
    if (!body.ok()) {
      std::fprintf(stderr, "%s\n", body.status().ToString().c_str());
      std::abort();
    }
    turn.request.Swap(body->mutable_request());
    turn.route.Swap(body->mutable_route());
    turn.outputs = OutputsOf(*body);
    turn.merge = MergeRecordOf(*body);
    return turn;
  }
  turn.request.set_text("We are 12 engineers building checkout: 10,000 orders per minute during flash sales.");
  for (const char* agent : {"backend-architect", "api-architect", "database-architect", "devops-specialist",
                            "sre-specialist"}) {
    AgentOutputRecord& output = turn.outputs.emplace_back();
    output.run.set_agent(agent);
    output.run.set_status(v1::AGENT_STATUS_OK);
    output.output = SyntheticAnswer(agent);
  }
  return turn;
}

void BM_EncodeTurnBody(benchmark::State& state) {
  const bool keep_bytes = state.range(0) == 1;
  const bool compress = state.range(1) == 1;
  TurnRecord turn = BenchTurn();
  std::vector<std::string> plugin_bytes;  // what each plugin emitted
  size_t answer_bytes = 0;
  for (const AgentOutputRecord& o : turn.outputs) {
    plugin_bytes.push_back(o.output.SerializeAsString());
    answer_bytes += plugin_bytes.back().size();
  }
  size_t body_bytes = 0;
  for (auto _ : state) {
    if (keep_bytes) {
      for (size_t i = 0; i < turn.outputs.size(); ++i) turn.outputs[i].output_bytes = plugin_bytes[i];
    }
    EncodedTurn encoded = EncodeTurnKeeping(&turn, compress);
    body_bytes = encoded.body.size();
    benchmark::DoNotOptimize(encoded);
    if (keep_bytes) {
      for (AgentOutputRecord& o : turn.outputs) std::string().swap(o.output_bytes);
    }
  }
  state.counters["answer_bytes"] = static_cast<double>(answer_bytes);
  state.counters["body_bytes"] = static_cast<double>(body_bytes);
}
BENCHMARK(BM_EncodeTurnBody)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace agentd

BENCHMARK_MAIN();
