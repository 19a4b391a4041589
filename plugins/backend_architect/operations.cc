// Resilience Patterns, Observability, Scalability and Background Jobs.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "plugins/backend_architect/internal.h"

namespace agentd::backend_architect::internal {
namespace {

constexpr double kAssumedLatencyBudgetMs = 1000;
constexpr double kAssumedSlo = 99.9;
constexpr int kAssumedQueueDepth = 1000;

std::string JoinMs(const std::vector<int>& delays) {
  std::vector<std::string> parts;
  for (int d : delays) parts.push_back(absl::StrCat(d, " ms"));
  return absl::StrJoin(parts, ", ");
}

}  // namespace

void ResiliencePatterns(const Context& ctx, Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  v1::Section* section = out.AddSection("resilience_patterns", "Resilience Patterns");
  // Name only dependencies the question implies: an order flow has a payment
  // provider and inventory; otherwise every synchronous call is the target.
  std::string targets =
      !ctx.downstreams.empty() ? absl::StrJoin(ctx.downstreams, ", ")
      : ctx.unit == "orders"   ? std::string("the payment provider, inventory and other synchronous "
                                             "downstream calls")
                               : std::string("every synchronous downstream call (other services, "
                                             "third-party APIs)");
  out.AddItem(section, "",
              absl::StrCat("Circuit breakers for ", targets,
                           ": open after 5 consecutive failures or >= 50% errors over the last "
                           "20 calls, fail fast while open, half-open after 30 s with 3 trial "
                           "calls, close when they succeed."));

  choices.latency_budget_ms = r.has_latency_p99_ms() ? r.latency_p99_ms() : kAssumedLatencyBudgetMs;
  if (!r.has_latency_p99_ms()) {
    out.Assume("latency", absl::StrCat("Latency target not stated: a ",
                                       FormatNumber(kAssumedLatencyBudgetMs),
                                       " ms budget per request assumed for timeouts and retries."),
               {"latency_p99_ms"});
  }
  choices.retry = PlanRetries(choices.latency_budget_ms);
  const RetryPlan& plan = choices.retry;
  std::string retry;
  if (plan.delays_ms.empty()) {
    retry = absl::StrCat("No retries inside the request: even one backoff (", plan.base_ms,
                         " ms + up to ", plan.jitter_ms, " ms jitter) exceeds the ",
                         FormatNumber(choices.latency_budget_ms),
                         " ms budget; retry asynchronously instead.");
  } else {
    retry = absl::StrCat(
        "Retry with exponential backoff for transient failures (timeouts, 503, connection "
        "resets): delay = ", plan.base_ms, " ms x 2^attempt + up to ", plan.jitter_ms,
        " ms jitter, giving ", plan.delays_ms.size(), " retr", plan.delays_ms.size() == 1 ? "y" : "ies",
        " at ", JoinMs(plan.delays_ms), "; worst case ", plan.worst_case_total_ms,
        " ms of waiting fits the ", FormatNumber(choices.latency_budget_ms),
        " ms budget, the next retry would not. Only idempotent operations are retried "
        "(writes carry an idempotency key).");
  }
  out.AddItem(section, "", retry, {"latency_p99_ms"});
  if (ctx.redis) {
    // A cache is an optimisation: waiting or retrying on it costs more than
    // the database read it was meant to save.
    int timeout_ms = static_cast<int>(std::clamp(choices.latency_budget_ms / 20.0, 5.0, 50.0));
    out.AddItem(section, "",
                absl::StrCat("Redis calls are not retried: a ", timeout_ms,
                             " ms timeout, and on timeout or an open breaker read the database "
                             "(behind its own bulkhead, so a Redis outage cannot turn into a "
                             "database stampede)."),
                {"latency_p99_ms"});
  }
  out.AddItem(section, "",
              "Bulkheads: a separate connection and thread pool per downstream, and a reserved "
              "pool for critical paths, so one slow dependency cannot take every worker.");
  std::string degrade =
      std::count(ctx.downstreams.begin(), ctx.downstreams.end(), "recommendation service") > 0
          ? "Graceful degradation for optional features: when recommendations are slow, "
            "return the page without them (or a cached list) instead of waiting."
          : absl::StrCat("Graceful degradation for optional features (",
                         ctx.ingest ? "dashboards, enrichment, alerts on derived data"
                                    : "recommendations, personalisation, reviews",
                         "): serve cached or stale data, or leave the feature out, when its "
                         "dependency fails.");
  out.AddItem(section, "", degrade);
  if (r.bursty()) {
    out.AddItem(section, "",
                "Load shedding at the edge during bursts: admit what capacity allows (rate "
                "limit or waiting room) and return 429 with Retry-After rather than time out "
                "everyone.",
                {"bursty"});
  }
}

void Observability(const Context& ctx, Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  v1::Section* section = out.AddSection("observability", "Observability");
  out.AddItem(section, "",
              "Structured logging: one JSON object per line with timestamp, level, service, "
              "trace_id, span_id, action and duration_ms; trace_id propagated on every call"
              " and message header.");
  out.AddItem(section, "",
              choices.broker != "none"
                  ? absl::StrCat("Distributed tracing with OpenTelemetry (W3C traceparent) "
                                 "across HTTP calls and ", DisplayName(choices.broker),
                                 " messages, spans tagged with business ids.")
                  : std::string("Distributed tracing with OpenTelemetry (W3C traceparent) "
                                "across every outgoing call, spans tagged with business ids."));
  out.AddItem(section, "",
              "Metrics: RED (rate, errors, duration) per endpoint and consumer; USE "
              "(utilization, saturation, errors) for CPU, connection pools and queues.");
  std::string business;
  if (ctx.unit == "orders") {
    business = "orders/min, checkout conversion, payment failures";
    if (r.bursty()) absl::StrAppend(&business, ", stock-outs and rejected orders during sales");
  } else if (ctx.unit == "payments") {
    business = "payments/min, payment failures by reason, settlement lag";
  } else {
    business = absl::StrCat(ctx.unit, "/min by outcome");
  }
  out.AddItem(section, "", absl::StrCat("Business metrics: ", business, "."));

  choices.slo = r.has_availability_slo() ? r.availability_slo() : kAssumedSlo;
  if (!r.has_availability_slo()) {
    out.Assume("slo", "Availability SLO not stated: 99.9% over 30 days assumed.",
               {"availability_slo"});
  }
  choices.budget_minutes = ErrorBudgetMinutes30d(choices.slo);
  std::string slo_text = absl::StrCat(
      "SLO: availability (successful / total requests) ", FormatNumber(choices.slo, 3),
      "% over 30 days, error budget ", FormatNumber(100 - choices.slo, 3), "% = ",
      FormatNumber(choices.budget_minutes), " min per 30 days; page when 2% of it (",
      FormatNumber(choices.budget_minutes * 0.02), " min) burns within an hour.");
  if (r.has_latency_p99_ms()) {
    absl::StrAppend(&slo_text, " Latency SLI: p99 <= ", FormatNumber(r.latency_p99_ms()), " ms.");
  }
  out.AddItem(section, "", slo_text, {"availability_slo", "latency_p99_ms"});
  double confidence = r.has_availability_slo() ? 0.95 : 0.5;
  out.Decide("observability.slo_availability", FormatNumber(choices.slo, 3), slo_text, confidence,
             {"availability_slo"});
  out.Decide("observability.error_budget_minutes_30d", FormatNumber(choices.budget_minutes),
             slo_text, confidence, {"availability_slo"});
}

void Scalability(const Context& ctx, Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  v1::Section* section = out.AddSection("scalability", "Scalability");
  out.AddItem(section, "",
              "Horizontal scaling: stateless instances (sessions in Redis or the database, "
              "never in memory) behind a load balancer using least-connections.");
  int queue_trigger = kAssumedQueueDepth;
  if (r.has_peak_rps()) {
    choices.capacity = PlanCapacity(r.peak_rps(), r.bursty());
    const CapacityPlan& cap = *choices.capacity;
    queue_trigger = cap.queue_depth_trigger;
    out.Assume("capacity", absl::StrCat("One instance serves about ",
                                        FormatNumber(kPerInstanceRps),
                                        " req/s (to be measured by a load test)."),
               {"peak_rps"});
    out.AddItem(section, "",
                absl::StrCat("Instances: ", FormatQuantity(r.peak_rps()), " req/s / ",
                             FormatNumber(kPerInstanceRps), " req/s per instance = ", cap.at_peak,
                             " at peak; with ",
                             cap.burst_headroom ? "2x burst headroom" : "N+1 headroom", " -> ",
                             cap.planned, " instances",
                             cap.planned == (cap.burst_headroom ? cap.at_peak * 2 : cap.at_peak + 1)
                                 ? ""
                                 : " (never fewer than 2, for availability)",
                             "."),
                {"peak_rps", "bursty"});
  } else {
    out.Ask("peak", "What is the peak load (requests or events per second, or per minute)?",
            "Instance counts, autoscaling triggers, broker and sharding all follow from it.",
            {"peak_rps"});
  }
  out.AddItem(section, "",
              absl::StrCat("Auto-scaling triggers: CPU > 70%, request rate > ",
                           FormatNumber(kPerInstanceRps * 0.7),
                           " req/s per instance, queue depth > ", FormatCount(queue_trigger),
                           r.has_peak_rps()
                               ? absl::StrCat(" (", FormatNumber(kQueueDrainSeconds),
                                              " s of peak throughput)")
                               : std::string(" (assumed; derive it from peak throughput)"),
                           "."),
              {"peak_rps"});
  if (r.bursty()) {
    out.AddItem(section, "",
                absl::StrCat("Bursts: pre-scale to the planned count before known events",
                             ctx.unit == "orders" ? " (a sale start)" : "",
                             ", since autoscaling reacts in minutes; put a queue between "
                             "accepting and processing ", ctx.unit,
                             " (queue-based load levelling) so workers drain the spike at a "
                             "steady rate."),
                {"bursty"});
  }
  out.AddItem(section, "",
              "Performance: connection pooling, async processing of anything not needed for the "
              "response, batch writes, gzip/brotli on responses.");
}

void BackgroundJobs(const Context& ctx, Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  v1::Section* section = out.AddSection("background_jobs", "Background Jobs");
  std::string queue = choices.broker == "none" ? std::string("a database-backed job table")
                                               : DisplayName(choices.broker);
  std::string workers =
      r.cloud() == v1::CLOUD_PROVIDER_GCP
          ? "Workers: pull-based for steady work (backpressure stays with the worker); "
            "push-based (Pub/Sub push, Cloud Tasks) for serverless handlers."
          : absl::StrCat("Workers: pull-based from ", queue,
                         ", so each worker takes only what it can finish (backpressure).");
  out.AddItem(section, "", workers, {"cloud"});
  out.AddItem(section, "", "Idempotent: every job carries an idempotency key checked before "
                           "side effects, so a redelivery is harmless.");
  out.AddItem(section, "", "Atomic: a job commits its effects in one transaction or not at all.");
  out.AddItem(section, "", "Timeout: a maximum run time per job type; a job that exceeds it is "
                           "released for retry.");
  out.AddItem(section, "", absl::StrCat("Retry: exponential backoff, at most ", kMaxRetries,
                                        " attempts."));
  out.AddItem(section, "", "Dead-letter queue for jobs that exhaust their attempts, with an "
                           "alert and a replay tool.");
}

}  // namespace agentd::backend_architect::internal
