// Internals of the backend-architect engine, shared by its .cc files and its
// tests. Not part of the plugin's interface: only engine.h is.
//
// Review() runs the section builders in the seed's order. Each builder reads
// the Context (the facts, and names derived from them), records what it decided
// in Choices so later sections (recommendations, risks) can build on it, and
// appends items to the response. Nothing here is shared between calls.
#ifndef AGENTD_PLUGINS_BACKEND_ARCHITECT_INTERNAL_H_
#define AGENTD_PLUGINS_BACKEND_ARCHITECT_INTERNAL_H_

#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agentd/v1/plugin.pb.h"

namespace agentd::backend_architect::internal {

// ---- Arithmetic (pure; pinned by unit tests) -------------------------------

// Plain decimal with at most `max_decimals` digits and no trailing zeros:
// 43.2, 216, 21.6, 4.32, 166.67.
std::string FormatNumber(double value, int max_decimals = 2);
// Rounded to a whole number with thousands separators: 10,000.
std::string FormatCount(double value);
// For prose: thousands separators and at most two decimals: 20,000, 166.67,
// 1,234.5. Decision values use FormatNumber (no separators) instead.
std::string FormatQuantity(double value);

// Minutes of allowed unavailability over 30 days for an availability SLO in
// percent: (100 - slo) / 100 * 30 * 24 * 60.
double ErrorBudgetMinutes30d(double slo_percent);

// Retries as base * 2^attempt + jitter (jitter up to base / 2), stopping
// before the worst-case sum of delays would exceed the latency budget.
struct RetryPlan {
  int base_ms = 0;
  int jitter_ms = 0;                // upper bound of the random jitter
  std::vector<int> delays_ms;       // base * 2^attempt, attempt = 0, 1, ...
  int worst_case_total_ms = 0;      // sum of delays + jitter, <= budget
};
inline constexpr int kMaxRetries = 5;
RetryPlan PlanRetries(double budget_ms);

// Instances from load: ceil(peak / per-instance capacity), then headroom
// (N+1 normally, 2x when traffic bursts), never fewer than two.
inline constexpr double kPerInstanceRps = 200;
inline constexpr double kQueueDrainSeconds = 10;
struct CapacityPlan {
  int at_peak = 0;            // ceil(peak_rps / kPerInstanceRps)
  int planned = 0;            // with headroom
  bool burst_headroom = false;
  int queue_depth_trigger = 0;  // backlog worth kQueueDrainSeconds of peak
};
CapacityPlan PlanCapacity(double peak_rps, bool bursty);

// ---- Inputs -----------------------------------------------------------------

struct Context {
  explicit Context(const v1::AgentRequest& request);

  // The caller's facts with impossible values (an SLO above 100%, a negative
  // team) removed; each removal is explained in `discarded`.
  v1::Requirements req;
  std::vector<std::string> discarded;
  // Derived from `req` once, so the section builders read names instead of
  // enum tests. The engine never reads the request text: every cue below is
  // a Requirements field the fact reader (server/facts) filled, with its
  // quote, or the caller set.
  std::vector<std::string> downstreams;  // named dependencies, in enum order
  std::string unit;                      // "orders", "events", ... or "requests"
  bool money = false;                    // handles_money
  bool grouped_content = false;          // grouped_invalidation
  bool immutable_content = false;
  bool hot_keys = false;
  bool event_driven = false;             // event_streaming
  bool async_cue = false;                // async_work or event_streaming
  bool separate_read_model = false;
  bool mysql = false;                    // current_database
  bool memcached = false;                // current_cache
  bool redis = false;                    // Redis runs here (cache or dependency)
  bool temporal_queries = false;
  bool compensation = false;             // compensating_steps
  bool existing_services = false;        // services_call_each_other
  bool ingest = false;                   // append_only_series
  bool architecture_topic = false;       // topics
  bool cache_topic = false;
  bool resilience_topic = false;

 private:
  void DeriveCues();  // fills the names above from `req` (cues.cc)
};

// ---- What was decided, for later sections -----------------------------------

enum class Pattern { kMonolith, kModularMonolith, kMicroservices };

struct Choices {
  Pattern pattern = Pattern::kModularMonolith;
  int monolith_score = 0;
  int microservices_score = 0;
  std::vector<std::string> deciding_signals;
  std::vector<std::string> pattern_unknowns;  // asked about: they could flip it
  std::string broker;        // kafka, rabbitmq, sqs, pubsub, none
  bool event_sourcing = false;
  bool cqrs = false;
  std::string saga;          // empty when no distributed transaction
  std::string cache_pattern;
  std::string invalidation;
  std::string database;
  bool sql = false;
  std::vector<std::string> db_scaling;
  double slo = 99.9;
  double budget_minutes = 0;
  double latency_budget_ms = 0;
  RetryPlan retry;
  std::optional<CapacityPlan> capacity;
};

// ---- Output helpers -----------------------------------------------------------

class Builder {
 public:
  explicit Builder(v1::AgentResponse* response) : response_(response) {}

  v1::Section* AddSection(std::string_view id, std::string_view heading);
  // Appends an item; `label` empty renders as a bullet.
  v1::Item* AddItem(v1::Section* section, std::string_view label, std::string text,
                    std::initializer_list<std::string_view> facts = {},
                    std::string rationale = "");
  void Decide(std::string_view key, std::string value, std::string rationale,
              double confidence, std::initializer_list<std::string_view> facts);
  // Once per `key`: several sections may rest on the same default.
  void Assume(std::string_view key, std::string text,
              std::initializer_list<std::string_view> facts);
  void Ask(std::string_view key, std::string text, std::string why,
           std::initializer_list<std::string_view> facts);
  bool Assumed(std::string_view key) const { return assumed_.count(std::string(key)) > 0; }
  v1::AgentResponse* response() { return response_; }

 private:
  v1::AgentResponse* response_;
  std::set<std::string> assumed_;
  std::set<std::string> asked_;
};

// ---- Section builders, in the seed's order ------------------------------------

void ArchitecturePattern(const Context& ctx, Choices& choices, Builder& out);
void EventDrivenDesign(const Context& ctx, Choices& choices, Builder& out);
void CachingStrategy(const Context& ctx, Choices& choices, Builder& out);
void DatabaseArchitecture(const Context& ctx, Choices& choices, Builder& out);
void ResiliencePatterns(const Context& ctx, Choices& choices, Builder& out);
void Observability(const Context& ctx, Choices& choices, Builder& out);
void Scalability(const Context& ctx, Choices& choices, Builder& out);
void BackgroundJobs(const Context& ctx, Choices& choices, Builder& out);
void Recommendations(const Context& ctx, const Choices& choices, Builder& out);
void Risks(const Context& ctx, const Choices& choices, Builder& out);

const char* PatternValue(Pattern pattern);  // "modular_monolith", ...
const char* PatternName(Pattern pattern);   // "Modular monolith", ...
// Human names of decision values: "kafka" -> "Kafka", "ttl" -> "TTL".
std::string DisplayName(const std::string& value);

}  // namespace agentd::backend_architect::internal

#endif  // AGENTD_PLUGINS_BACKEND_ARCHITECT_INTERNAL_H_
