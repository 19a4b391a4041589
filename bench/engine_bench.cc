// Micro-benchmarks of the backend-architect path inside one request:
// reading facts from the question (server/facts ReadFacts), the engine's
// Review on those facts, and both together. The questions are the seed's
// three examples, one rich question that sets most facts and the load
// benchmark's five-agent review.
//
//   build-engine-rel/bin/engine_bench --benchmark_min_time=0.5
#include <iterator>
#include <string>

#include "benchmark/benchmark.h"
#include "plugins/backend_architect/engine.h"
#include "server/facts/fact_reader.h"

namespace agentd {
namespace {

struct Question {
  const char* name;
  const char* text;
};

constexpr Question kQuestions[] = {
    {"flash_sale",
     "We need to handle 10,000 orders per minute during flash sales. Should we use microservices "
     "or a monolith?"},
    {"redis_caching",
     "Our API response times degrade when Redis is under load. How should we structure our "
     "caching strategy?"},
    {"event_driven",
     "We want to move from synchronous REST to event-driven architecture. What patterns should "
     "we use?"},
    {"rich",
     "We are building a payments ledger for a fintech: every balance change must be auditable and "
     "we must reconstruct any account's balance as of a past date. Strong consistency is a must. "
     "4 teams, 30 engineers, clear bounded contexts (payments, accounts, FX, reporting). 1,500 "
     "transactions per second at peak, 95% reads, 99.99% availability, p99 under 300 ms, on GCP, "
     "and our ops team already runs Kubernetes with tracing."},
    {"review5",  // the load benchmark's five-agent review (bench/loadbench.py REVIEW_FIVE_TEXT)
     "We are 12 engineers in 2 teams building checkout: 10,000 orders per minute during flash sales, "
     "99.95% availability, PostgreSQL on AWS. Review the architecture, the API versioning, the schema "
     "and indexes, the Kubernetes deployment and the SLOs with burn-rate alerts."},
};
constexpr int kQuestionCount = static_cast<int>(std::size(kQuestions));

v1::AgentRequest RequestFor(const std::string& text, const FactSet& facts) {
  v1::AgentRequest request;
  request.set_text(text);
  request.set_agent(backend_architect::kAgentName);
  *request.mutable_requirements() = facts.requirements;
  for (const v1::Fact& f : facts.facts) *request.add_facts() = f;
  return request;
}

void BM_ReadFacts(benchmark::State& state) {
  const Question& q = kQuestions[state.range(0)];
  std::string text = q.text;
  for (auto _ : state) {
    FactSet facts = ReadFacts(text);
    benchmark::DoNotOptimize(facts);
  }
  state.SetLabel(q.name);
}
BENCHMARK(BM_ReadFacts)->DenseRange(0, kQuestionCount - 1);

// The engine alone, on facts read once outside the loop.
void BM_Review(benchmark::State& state) {
  const Question& q = kQuestions[state.range(0)];
  v1::AgentRequest request = RequestFor(q.text, ReadFacts(q.text));
  size_t bytes = 0;
  for (auto _ : state) {
    v1::AgentResponse response = backend_architect::Review(request);
    bytes = response.ByteSizeLong();
    benchmark::DoNotOptimize(response);
  }
  state.SetLabel(q.name);
  state.counters["response_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Review)->DenseRange(0, kQuestionCount - 1);

// What one request costs the agent: read the facts, build the request, review.
void BM_ReadFactsAndReview(benchmark::State& state) {
  const Question& q = kQuestions[state.range(0)];
  std::string text = q.text;
  for (auto _ : state) {
    v1::AgentResponse response = backend_architect::Review(RequestFor(text, ReadFacts(text)));
    benchmark::DoNotOptimize(response);
  }
  state.SetLabel(q.name);
}
BENCHMARK(BM_ReadFactsAndReview)->DenseRange(0, kQuestionCount - 1);

}  // namespace
}  // namespace agentd

BENCHMARK_MAIN();
