// Recommendations and Risks & Mitigation, derived from what the other
// sections decided.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "plugins/backend_architect/internal.h"

namespace agentd::backend_architect::internal {
namespace {

struct Advice {
  int rank;  // lower comes first; the question's own topic ranks first
  std::string text;
  std::string rationale;
  std::vector<std::string> facts;
};

bool Has(const std::vector<std::string>& list, std::string_view value) {
  for (const std::string& v : list) {
    if (v == value) return true;
  }
  return false;
}

}  // namespace

void Recommendations(const Context& ctx, const Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  std::vector<Advice> advice;
  // The pattern leads unless the question is about something else and no
  // fact of the decision matrix was given.
  bool pattern_topic = choices.monolith_score + choices.microservices_score > 0 ||
                       r.has_planned_services() || ctx.existing_services ||
                       ctx.architecture_topic;
  int pattern_rank = pattern_topic ? 1 : 5;
  bool cache_topic = ctx.cache_topic;
  bool resilience_topic = ctx.resilience_topic;
  std::string cache_lead =
      ctx.redis ? "Take load off Redis (near cache, single-flight, TTL jitter) and cache"
                            : "Cache";
  // A question about something else, with no fact of the decision matrix,
  // gets no advice to restructure: the section above states the default.
  if (!pattern_topic) {
  } else if (choices.pattern == Pattern::kModularMonolith && ctx.existing_services) {
    advice.push_back(
        {pattern_rank, "Keep the services you have and change how they talk (events instead of "
         "synchronous calls) rather than how many there are; new capabilities go in as modules "
         "of an existing service, and a new service is cut only when a module needs its own "
         "scaling or release cadence.",
         "Services already exist; the facts do not call for more of them.",
         {"team_size", "domain_clarity", "ops_maturity"}});
  } else if (choices.pattern == Pattern::kModularMonolith) {
    std::string planned;
    if (r.has_planned_services() && r.has_team_size() && r.planned_services() > r.team_size()) {
      planned = absl::StrCat(" Treat the ", r.planned_services(),
                             " planned services as candidate modules, not deployables.");
    }
    advice.push_back(
        {pattern_rank, absl::StrCat("Build one deployable split into modules along the business domains, each owning its "
         "tables and exposing an in-process interface; enforce the boundaries in CI and extract "
         "a module only when it needs its own scaling or release cadence.", planned),
         "The decision matrix favours the monolith side, but the system is not trivial.",
         {"team_size", "domain_clarity", "ops_maturity", "planned_services"}});
  } else {
  switch (choices.pattern) {
    case Pattern::kModularMonolith:
      break;
    case Pattern::kMonolith:
      advice.push_back({pattern_rank, "Ship one monolith on one database; revisit the split when a second team "
                        "or a component with its own scaling needs appears.",
                        "Nothing in the facts pays for more structure yet.",
                        {"team_size", "early_stage"}});
      break;
    case Pattern::kMicroservices:
      advice.push_back({pattern_rank, "Split along the bounded contexts, one owning team and one database per "
                        "service; put tracing, per-service CI/CD and service discovery in place "
                        "before the first split.",
                        absl::StrCat("Decided by ", absl::StrJoin(choices.deciding_signals, ", "), "."),
                        {"team_count", "domain_clarity", "ops_maturity"}});
      break;
  }
  }
  if (r.bursty()) {
    std::string count = choices.capacity
                            ? absl::StrCat(choices.capacity->planned, " instances")
                            : std::string("the planned capacity");
    advice.push_back(
        {2, absl::StrCat("Prepare for bursts: pre-scale to ", count,
                      " before known events, accept work into ",
                      choices.broker == "none" ? std::string("a queue") : DisplayName(choices.broker),
                      " and process it at a steady rate, and load-test at twice the expected "
                      "peak."),
         ctx.unit == "orders" ? "Autoscaling reacts in minutes; a flash sale peaks in seconds."
                              : "Autoscaling reacts in minutes; a burst peaks in seconds.",
         {"bursty", "peak_rps"}});
  }
  if (Has(choices.db_scaling, "sharding") && choices.sql) {
    advice.push_back({2, "Plan sharding now: choose the shard key (tenant or customer id) before "
                      "the data outgrows one primary.",
                      "Write throughput is beyond one primary.", {"peak_rps", "read_ratio"}});
  }
  if (choices.broker != "none" && !r.bursty()) {
    advice.push_back({3, ctx.ingest
                             ? absl::StrCat("Put ", DisplayName(choices.broker),
                                            " in front of storage: idempotent producers, consumers "
                                            "that batch-write and deduplicate by event id.")
                             : absl::StrCat("Introduce ", DisplayName(choices.broker),
                                   " with a transactional outbox and idempotent consumers."),
                      "Events must not be lost or applied twice.",
                      {"needs_replay", "needs_ordering"}});
  }
  if (choices.event_sourcing) {
    advice.push_back(
        {2, "Event-source only the aggregates that need their history: an append-only event "
            "store with optimistic concurrency per aggregate, snapshots, and projections for "
            "current state and reports; everything else stays plain tables.",
         "History and past states are requirements, not a by-product.",
         {"needs_audit_trail", "needs_replay"}});
  }
  // Redis is a cache here: it gets a timeout and a fallback, not retries.
  std::vector<std::string> retried;
  for (const std::string& d : ctx.downstreams) {
    if (d != "Redis") retried.push_back(d);
  }
  size_t retries = choices.retry.delays_ms.size();
  std::string schedule = absl::StrCat("the retry schedule above (", retries,
                                      retries == 1 ? " retry" : " retries", " within ",
                                      FormatNumber(choices.latency_budget_ms), " ms)");
  advice.push_back(
      {resilience_topic ? 0 : 3,
       retried.empty() && ctx.redis
           ? absl::StrCat("Give Redis calls a short timeout and no retries, falling back to the "
                          "database behind a bulkhead; wrap synchronous downstream calls in "
                          "circuit breakers and ", schedule, ".")
           : absl::StrCat("Wrap ", retried.empty() ? std::string("synchronous downstream calls")
                                                   : absl::StrJoin(retried, ", "),
                          " in circuit breakers, bulkheads and ", schedule, "."),
       "A slow dependency must fail fast instead of holding every worker.",
       {"latency_p99_ms"}});
  advice.push_back({cache_topic ? 0 : 4, absl::StrCat(cache_lead, " hot reads ", DisplayName(choices.cache_pattern),
                                 " with ", DisplayName(choices.invalidation), "-based invalidation."),
                    "Keeps read load off the database.", {"read_ratio", "consistency"}});
  advice.push_back({6, absl::StrCat("Publish the ", FormatNumber(choices.slo, 3),
                                 "% SLO with its ", FormatNumber(choices.budget_minutes),
                                 "-minute monthly error budget, trace every request and alert "
                                 "on budget burn."),
                    "Long-term: decisions about reliability work follow the budget.",
                    {"availability_slo"}});
  std::stable_sort(advice.begin(), advice.end(),
                   [](const Advice& a, const Advice& b) { return a.rank < b.rank; });
  if (advice.size() > 6) advice.resize(6);

  v1::Section* section = out.AddSection("recommendations", "Recommendations");
  int priority = 1;
  for (Advice& a : advice) {
    v1::Item* item = out.AddItem(section, "", std::move(a.text), {}, std::move(a.rationale));
    item->set_priority(priority++);
    for (std::string& f : a.facts) item->add_facts(std::move(f));
  }
}

void Risks(const Context& ctx, const Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  v1::Section* section = out.AddSection("risks", "Risks & Mitigation");
  auto risk = [&](std::string text, std::string mitigation,
                  std::initializer_list<std::string_view> facts) {
    v1::Item* item = out.AddItem(section, "", std::move(text), facts);
    item->set_mitigation(std::move(mitigation));
  };

  if (r.has_team_size() && r.has_planned_services() && r.team_size() > 0 &&
      r.planned_services() > r.team_size()) {
    double each = static_cast<double>(r.planned_services()) / r.team_size();
    risk(absl::StrCat(r.planned_services(), " independently deployed services for ", r.team_size(),
                      " engineer", r.team_size() == 1 ? "" : "s", ": ~", FormatCount(each),
                      " services each to build, deploy, monitor and be on call for; the facts "
                      "conflict with the team's capacity."),
         absl::StrCat("Start with ", choices.pattern == Pattern::kMicroservices
                                         ? std::string("a few coarse services")
                                         : std::string("modules in one deployable"),
                      " and extract services only when a module needs its own scaling or "
                      "release; keep to about one service per engineer at most."),
         {"team_size", "planned_services"});
  }
  if (r.has_team_size() && r.has_team_count() && r.team_count() > r.team_size()) {
    risk(absl::StrCat("The facts disagree: ", r.team_count(), " teams but only ", r.team_size(),
                      " engineers."),
         "Confirm the team numbers; the pattern recommendation depends on them.",
         {"team_size", "team_count"});
  }
  if (choices.pattern == Pattern::kMicroservices &&
      (r.ops_maturity() == v1::OPS_MATURITY_LOW || (r.has_team_size() && r.team_size() < 10))) {
    risk("Distributed-systems overhead (tracing, deployments, on-call per service) beyond what "
         "the team can carry today.",
         "Fund a platform baseline first (CI/CD per service, tracing, managed broker and "
         "database) and split one service at a time.",
         {"ops_maturity", "team_size"});
  }
  if (choices.pattern == Pattern::kMicroservices && r.consistency() == v1::CONSISTENCY_STRONG) {
    risk("Strong consistency across service boundaries becomes eventual: a saga can leave "
         "intermediate states visible.",
         "Keep data that must change atomically inside one service; use sagas with explicit "
         "compensations for the rest.",
         {"consistency"});
  }
  if (choices.pattern == Pattern::kModularMonolith) {
    risk("Module boundaries erode into a tangle (cross-module table access, shared models), "
         "which makes later extraction expensive.",
         "Check module dependencies in CI, give each module its own schema, and call other "
         "modules only through their interfaces.",
         {"domain_clarity"});
  }
  if (r.bursty()) {
    risk(ctx.unit == "orders"
             ? "Overselling and lock contention on hot products during the sale."
             : "Hot-spot contention on the busiest records during bursts.",
         ctx.unit == "orders"
             ? std::string("Reserve stock with an atomic conditional update (decrement only while "
                           "stock > 0), process orders from the queue, and load-test the sale at "
                           "twice the expected peak.")
             : absl::StrCat("Spread the busiest keys (partition by key, no global counters or "
                            "locks on the hot path), process ", ctx.unit,
                            " from the queue, and load-test at twice the expected peak."),
         {"bursty", "peak_rps"});
  }
  if (ctx.redis) {
    risk("Redis as a single point of slowness: a stampede of misses or one hot key saturates "
         "it and every request waits on it.",
         "Near cache plus single-flight for hot keys, a circuit breaker around Redis that falls "
         "back to the database behind a bulkhead, and replicas or Redis Cluster when one core is "
         "saturated.",
         {});
  }
  if (choices.broker == "kafka" && r.ops_maturity() == v1::OPS_MATURITY_LOW) {
    risk("Running Kafka (partitions, rebalancing, retention) with little ops experience.",
         "Use a managed Kafka service and start with few partitions per topic.",
         {"ops_maturity"});
  }
  if (choices.event_sourcing) {
    risk("Event schemas live forever: a careless change breaks replay.",
         "Version every event, change schemas additively, test replay of old events in CI.",
         {"needs_audit_trail", "needs_replay"});
  }
  if (choices.cache_pattern == "write_behind") {
    risk("Write-behind loses the writes still in the cache if a node dies.",
         "Replicate the cache with persistence and bound the flush interval to the loss window "
         "the business accepts.",
         {"write_heavy", "consistency"});
  }
  if (choices.slo >= 99.99 && r.ops_maturity() != v1::OPS_MATURITY_HIGH) {
    risk(absl::StrCat("A ", FormatNumber(choices.slo, 3), "% SLO leaves ",
                      FormatNumber(choices.budget_minutes),
                      " minutes a month: no time for manual incident response."),
         "Automate failover and rollback, deploy progressively (canary), and confirm the "
         "business really needs this SLO.",
         {"availability_slo", "ops_maturity"});
  }
  if (r.has_read_ratio() && r.read_ratio() >= 0.7) {
    risk("Replica lag shows users stale data right after they write.",
         "Route read-your-writes to the primary for a short window after each write.",
         {"read_ratio"});
  }
  if (!choices.pattern_unknowns.empty()) {
    risk(absl::StrCat("The pattern rests on defaults rather than facts: ",
                      absl::StrJoin(choices.pattern_unknowns, ", "), " unknown."),
         choices.pattern == Pattern::kMicroservices
             ? std::string("Answer the questions below before the first split.")
             : std::string("Answer the questions below; one deployable keeps the choice "
                           "reversible meanwhile."),
         {"team_size", "domain_clarity", "ops_maturity"});
  }
  if (section->items_size() == 0) {
    risk("The recommendation rests on assumptions more than on stated facts.",
         "Answer the questions below; the review will be redone with the facts.", {});
  }
}

}  // namespace agentd::backend_architect::internal
