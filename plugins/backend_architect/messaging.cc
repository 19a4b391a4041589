// Event-Driven Design: broker, event sourcing, CQRS and sagas.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "plugins/backend_architect/internal.h"

namespace agentd::backend_architect::internal {
namespace {

constexpr double kKafkaEventsPerSecond = 10000;
constexpr int kLongSagaSteps = 5;

std::vector<std::string> AsyncNeeds(const Context& ctx, const Choices& choices) {
  const v1::Requirements& r = ctx.req;
  std::vector<std::string> needs;
  if (r.needs_replay()) needs.push_back("consumers must replay history");
  if (r.needs_ordering()) needs.push_back("per-key ordering");
  if (r.needs_audit_trail()) needs.push_back("an audit trail of every change");
  if (r.distributed_transaction()) needs.push_back("a business step that spans services");
  if (r.complex_routing()) needs.push_back("routing by message type");
  if (r.bursty()) needs.push_back("bursts to absorb with a queue");
  if (ctx.ingest) {
    needs.push_back("an ingest stream to buffer between producers and storage");
  } else if (r.has_peak_rps() && r.peak_rps() > kKafkaEventsPerSecond && r.write_heavy()) {
    needs.push_back(absl::StrCat(FormatQuantity(r.peak_rps()), " writes/s to buffer"));
  }
  if (choices.pattern == Pattern::kMicroservices) needs.push_back("services that integrate by events");
  if (ctx.event_driven) needs.push_back("an event-driven design (asked for)");
  else if (ctx.async_cue) needs.push_back("asynchronous work named in the question");
  return needs;
}

// Why Kafka would be the broker. `strong` counts the reasons only a log
// gives (replay, ordering, history, throughput); streaming to several
// consumers and ingest also suit a router or a managed topic.
std::vector<std::string> KafkaTriggers(const Context& ctx, int* strong) {
  const v1::Requirements& r = ctx.req;
  std::vector<std::string> t;
  if (r.needs_replay()) t.push_back("replay");
  if (r.needs_ordering()) t.push_back("ordering per key");
  if (r.needs_audit_trail() || ctx.temporal_queries) t.push_back("an event-sourced history");
  if (r.has_peak_rps() && r.peak_rps() > kKafkaEventsPerSecond) {
    t.push_back(absl::StrCat(FormatQuantity(r.peak_rps()), " events/s (> ",
                             FormatCount(kKafkaEventsPerSecond), "/s)"));
  }
  *strong = static_cast<int>(t.size());
  // On GCP, Pub/Sub fans one stream out to push and pull subscribers itself.
  if (ctx.event_driven && r.cloud() != v1::CLOUD_PROVIDER_GCP) {
    t.push_back("event streaming to several consumers");
  }
  if (ctx.ingest) t.push_back("a high-volume ingest stream that storage and analytics consumers read at their own pace");
  return t;
}

}  // namespace

void EventDrivenDesign(const Context& ctx, Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  v1::Section* section = out.AddSection("event_driven_design", "Event-Driven Design");
  std::vector<std::string> needs = AsyncNeeds(ctx, choices);
  int strong_kafka = 0;
  std::vector<std::string> kafka = KafkaTriggers(ctx, &strong_kafka);

  std::string why;
  double confidence = 0.75;
  if (needs.empty()) {
    choices.broker = "none";
    why = "No asynchronous need is stated (no replay, ordering, bursts to absorb, background "
          "work or cross-service flow): a broker would be operational cost without a job.";
    confidence = 0.55;
    out.Ask("async", "Is there work that can finish after the response (emails, webhooks, "
                     "integrations, reports)?",
            "Any such work brings in a queue and changes the broker choice.", {});
  } else if (!kafka.empty() && (strong_kafka > 0 || !r.complex_routing())) {
    choices.broker = "kafka";
    why = absl::StrCat("Kafka for ", absl::StrJoin(kafka, ", "),
                       ": a retained, partitioned log lets consumers re-read history and keeps "
                       "order per key.");
    if (r.cloud() == v1::CLOUD_PROVIDER_AZURE) {
      absl::StrAppend(&why, " On Azure, Event Hubs speaks the Kafka protocol as a managed service.");
    } else if (r.ops_maturity() == v1::OPS_MATURITY_LOW) {
      absl::StrAppend(&why, " With low ops maturity run it managed (",
                      r.cloud() == v1::CLOUD_PROVIDER_AWS ? "Amazon MSK" : "Confluent Cloud",
                      "), not self-hosted.");
    }
    if (!r.needs_replay() && !r.needs_audit_trail() && !r.needs_ordering()) confidence = 0.6;
  } else if (r.complex_routing()) {
    choices.broker = "rabbitmq";
    why = "RabbitMQ: routing by type/topic/headers is what its exchanges do, with a simpler "
          "operational model than a log.";
  } else if (r.cloud() == v1::CLOUD_PROVIDER_AWS) {
    choices.broker = "sqs";
    why = "SQS: on AWS a managed queue with at-least-once delivery covers work queues without "
          "running a broker; no replay or ordering need is stated.";
    if (r.ops_maturity() == v1::OPS_MATURITY_LOW) {
      absl::StrAppend(&why, " Low ops maturity makes managed the right call.");
    }
  } else if (r.cloud() == v1::CLOUD_PROVIDER_GCP) {
    choices.broker = "pubsub";
    why = "Google Pub/Sub: on GCP a managed, globally scaled topic with push or pull "
          "subscriptions; no replay or ordering need is stated.";
  } else {
    choices.broker = "rabbitmq";
    why = "RabbitMQ: traditional work queues with acknowledgements and dead-lettering, and a "
          "simpler operational model than Kafka; no replay, ordering or > 10k events/s need "
          "is stated.";
    confidence = 0.6;
    if (r.cloud() == v1::CLOUD_PROVIDER_UNSPECIFIED) {
      out.Ask("cloud", "Which cloud do you run on (or on-premises)?",
              "On AWS or GCP a managed queue (SQS, Pub/Sub) would replace a self-run RabbitMQ.",
              {"cloud"});
    }
  }
  if (!needs.empty()) {
    why = absl::StrCat("Needed for ", absl::StrJoin(needs, ", "), ". ", why);
  }
  if (choices.broker != "kafka" && choices.broker != "none" && !r.has_needs_replay()) {
    out.Ask("replay", "Must any consumer replay past events (rebuild a read model, onboard a new "
                      "consumer from history)?",
            "Replay would make Kafka the broker instead.", {"needs_replay"});
  }
  out.AddItem(section, "Message Broker",
              choices.broker == "none" ? std::string("None needed yet") : DisplayName(choices.broker),
              {"needs_replay", "needs_ordering", "needs_audit_trail", "peak_rps", "cloud",
               "ops_maturity", "complex_routing", "bursty"},
              why);
  out.Decide("messaging.broker", choices.broker, why, confidence,
             {"needs_replay", "needs_ordering", "needs_audit_trail", "peak_rps", "cloud",
              "ops_maturity", "complex_routing", "bursty"});

  // Event sourcing and CQRS.
  std::vector<std::string> es_why;
  if (r.needs_audit_trail()) es_why.push_back("an audit trail of every change is required");
  if (r.needs_replay()) es_why.push_back("state must be rebuilt by replaying events");
  if (ctx.temporal_queries) es_why.push_back("questions about past states (temporal queries)");
  choices.event_sourcing = !es_why.empty();
  if (!choices.event_sourcing && ctx.event_driven && !r.has_needs_audit_trail()) {
    out.Ask("audit", "Do you need the full history of changes (audit trail) or answers about past "
                     "states?",
            "That would make event sourcing (and CQRS with it) worth its cost.",
            {"needs_audit_trail"});
  }
  std::string es_text =
      choices.event_sourcing
          ? absl::StrCat("Event sourcing: yes, for the aggregates that need it: ",
                         absl::StrJoin(es_why, ", "),
                         ". Cost: event schemas must evolve compatibly (versioned events, "
                         "upcasters) and snapshots keep rebuilds short.")
          : "Event sourcing: no. No audit trail, replay or temporal query need is stated; "
            "current-state tables plus an outbox of published events are simpler.";

  std::vector<std::string> cqrs_why;
  if (choices.event_sourcing) cqrs_why.push_back("event sourcing needs read projections");
  if (r.has_read_ratio() && r.read_ratio() >= 0.9 && ctx.separate_read_model) {
    cqrs_why.push_back(absl::StrCat("reads are ", FormatNumber(r.read_ratio() * 100),
                                    "% and want a different model"));
  } else if (ctx.separate_read_model) {
    cqrs_why.push_back("reads want a different model than writes");
  }
  if (r.independent_scaling() && r.has_read_ratio()) {
    cqrs_why.push_back("reads and writes scale independently");
  }
  choices.cqrs = !cqrs_why.empty();
  std::string cqrs_text =
      choices.cqrs ? absl::StrCat("CQRS: yes, because ", absl::StrJoin(cqrs_why, ", "),
                                  ". Read models are eventually consistent with the write side.")
                   : "CQRS: no. One model serves reads and writes; add read models only where a "
                     "query needs a different shape.";
  out.AddItem(section, "Patterns", es_text, {"needs_audit_trail", "needs_replay"});
  out.AddItem(section, "", cqrs_text, {"read_ratio", "independent_scaling"});
  out.Decide("messaging.event_sourcing", choices.event_sourcing ? "yes" : "no", es_text,
             choices.event_sourcing ? 0.8 : 0.7, {"needs_audit_trail", "needs_replay"});
  out.Decide("messaging.cqrs", choices.cqrs ? "yes" : "no", cqrs_text, 0.7,
             {"read_ratio", "independent_scaling", "needs_audit_trail"});

  // Sagas, only when one business step spans services.
  bool saga_needed = r.distributed_transaction() || choices.pattern == Pattern::kMicroservices ||
                     ctx.compensation || r.no_coordinator() || r.central_flow_view() ||
                     (ctx.existing_services && ctx.event_driven);
  if (saga_needed) {
    std::vector<std::string> orchestrate;
    if (r.ops_maturity() == v1::OPS_MATURITY_LOW) orchestrate.push_back("low ops maturity");
    if (r.consistency() == v1::CONSISTENCY_STRONG) orchestrate.push_back("strong consistency");
    if (ctx.compensation) orchestrate.push_back("failed steps need clear compensation");
    if (ctx.money) orchestrate.push_back("money or bookings move");
    if (r.has_planned_services() && r.planned_services() >= 4) {
      orchestrate.push_back(absl::StrCat(r.planned_services(), " services take part"));
    }
    const bool long_flow = r.has_saga_steps() && r.saga_steps() >= kLongSagaSteps;
    if (long_flow) orchestrate.push_back(absl::StrCat(r.saga_steps(), " steps"));
    if (r.central_flow_view()) orchestrate.push_back("one place must show each flow's state");
    // Refusing a coordinator outweighs the soft reasons for one (money,
    // compensations), not a long flow or a need to see each flow's state.
    bool choreography = r.no_coordinator() ? !long_flow && !r.central_flow_view()
                                           : orchestrate.empty() &&
                                                 r.ops_maturity() == v1::OPS_MATURITY_HIGH;
    choices.saga = choreography ? "choreography" : "orchestration";
    std::string saga_text;
    if (choreography && r.no_coordinator()) {
      saga_text = "Saga: choreography. No central coordinator is wanted and the flow is short: "
                  "each service reacts to the previous step's event and emits its own, "
                  "compensations included. Pros: loose coupling, no coordinator to run or to "
                  "fail. Cons: the flow lives in no single place and cycles can creep in; trace "
                  "every saga by a correlation id.";
    } else if (choreography) {
      saga_text = "Saga: choreography. Few steps and a mature platform: each service reacts to "
                  "the previous step's event. Pros: loose coupling, no coordinator to run. Cons: "
                  "the flow lives in no single place and cycles can creep in; trace every saga "
                  "by a correlation id.";
    } else {
      saga_text = absl::StrCat(
          "Saga: orchestration",
          orchestrate.empty() ? std::string(" (default until the flow is known to be short)")
                              : absl::StrCat(" (", absl::StrJoin(orchestrate, ", "), ")"),
          ". A coordinator runs the steps and their compensations in reverse on failure. Pros: "
          "the flow is explicit and easy to debug. Cons: the coordinator is a single point of "
          "failure, so persist its state and run it redundantly.");
    }
    out.AddItem(section, "", saga_text,
                {"distributed_transaction", "ops_maturity", "consistency", "planned_services"});
    out.Decide("messaging.saga", choices.saga, saga_text, orchestrate.empty() ? 0.6 : 0.75,
               {"distributed_transaction", "ops_maturity", "consistency", "planned_services"});
  } else {
    out.AddItem(section, "",
                "Saga: not needed. Within one deployable each business step commits in one "
                "local ACID transaction.",
                {"distributed_transaction"});
  }

  if (choices.broker != "none") {
    out.AddItem(section, "",
                ctx.ingest
                    ? std::string("Producers (device or edge gateways) write straight to the log "
                                  "with idempotent producers and acks from all replicas; consumers "
                                  "batch-write to storage and build the rollups dashboards read.")
                    : std::string("Publish through a transactional outbox (the event row commits "
                                  "with the state change, a relay publishes it), so no event is "
                                  "lost or invented when the broker is down."));
    std::string tradeoff =
        "Consumers see changes after a delay (milliseconds normally, longer during bursts): a "
        "caller that must read its own write reads the write side. Delivery is at-least-once, so "
        "consumers deduplicate by event id.";
    if (choices.broker == "kafka") {
      absl::StrAppend(&tradeoff, " Order holds only within a partition: key by the aggregate id.");
    } else {
      absl::StrAppend(&tradeoff, " Competing consumers do not preserve order: design handlers "
                                 "to be order-independent.");
    }
    out.AddItem(section, "Trade-offs", tradeoff, {"consistency", "needs_ordering"});
  }
}

}  // namespace agentd::backend_architect::internal
