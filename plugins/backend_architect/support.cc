// Arithmetic, text cues and output helpers shared by the section builders.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "plugins/backend_architect/engine.h"
#include "plugins/backend_architect/internal.h"

namespace agentd::backend_architect::internal {

std::string FormatNumber(double value, int max_decimals) {
  std::string s = absl::StrFormat("%.*f", max_decimals, value);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string FormatCount(double value) {
  long long n = std::llround(value);
  bool negative = n < 0;
  std::string digits = std::to_string(negative ? -n : n);
  std::string out;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count > 0 && count % 3 == 0) out.push_back(',');
    out.push_back(*it);
    ++count;
  }
  if (negative) out.push_back('-');
  std::reverse(out.begin(), out.end());
  return out;
}

std::string FormatQuantity(double value) {
  std::string plain = FormatNumber(value);
  size_t begin = plain[0] == '-' ? 1 : 0;
  size_t end = std::min(plain.find('.'), plain.size());
  std::string out = plain.substr(0, begin);
  for (size_t i = begin; i < end; ++i) {
    if (i > begin && (end - i) % 3 == 0) out.push_back(',');
    out.push_back(plain[i]);
  }
  out.append(plain, end, std::string::npos);
  return out;
}

double ErrorBudgetMinutes30d(double slo_percent) {
  double budget = (100.0 - slo_percent) / 100.0 * 30 * 24 * 60;
  // Keep 99.95 -> 21.6 rather than 21.599999...: budgets are quoted to the
  // hundredth of a minute.
  return std::round(budget * 1000.0) / 1000.0;
}

RetryPlan PlanRetries(double budget_ms) {
  RetryPlan plan;
  // A tenth of the budget leaves room for several attempts; never below 10 ms
  // (less is not a backoff) nor above 100 ms (more wastes a generous budget).
  plan.base_ms = static_cast<int>(std::clamp(std::floor(budget_ms / 10.0), 10.0, 100.0));
  plan.jitter_ms = plan.base_ms / 2;
  int total = 0;
  for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
    int delay = plan.base_ms << attempt;
    if (total + delay + plan.jitter_ms > budget_ms) break;
    total += delay + plan.jitter_ms;
    plan.delays_ms.push_back(delay);
  }
  plan.worst_case_total_ms = total;
  return plan;
}

CapacityPlan PlanCapacity(double peak_rps, bool bursty) {
  CapacityPlan plan;
  plan.at_peak = static_cast<int>(std::clamp(std::ceil(peak_rps / kPerInstanceRps - 1e-9), 1.0, 1e9));
  plan.burst_headroom = bursty;
  plan.planned = std::max(2, bursty ? plan.at_peak * 2 : plan.at_peak + 1);
  // Clamped in double before the cast: an int cannot hold every product.
  plan.queue_depth_trigger = static_cast<int>(
      std::clamp(std::ceil(peak_rps * kQueueDrainSeconds - 1e-9), 100.0, 2e9));
  return plan;
}

namespace {

// Beyond these a figure is a typo or an overflow, not a system to design:
// a billion requests per second, a latency target of a day.
constexpr double kMaxPeakRps = 1e9;
constexpr double kMaxLatencyMs = 86400.0 * 1000;

// How a rejected figure is quoted back: "NaN" and "infinite" rather than
// printf's "nan" and "inf".
std::string Shown(double value, int decimals = 2) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "infinite" : "-infinite";
  return FormatNumber(value, decimals);
}

}  // namespace

Context::Context(const v1::AgentRequest& request) : req(request.requirements()) {
  if (req.has_peak_rps() && req.peak_rps() > kMaxPeakRps) {
    discarded.push_back(absl::StrCat("peak_rps ", Shown(req.peak_rps()), " is beyond ",
                                     FormatCount(kMaxPeakRps), " per second"));
    req.clear_peak_rps();
  }
  if (req.has_latency_p99_ms() && req.latency_p99_ms() > kMaxLatencyMs) {
    discarded.push_back(absl::StrCat("latency_p99_ms ", Shown(req.latency_p99_ms()),
                                     " is longer than a day"));
    req.clear_latency_p99_ms();
  }
  if (req.has_availability_slo() &&
      !(req.availability_slo() > 0 && req.availability_slo() <= 100)) {
    discarded.push_back(absl::StrCat("availability_slo ", Shown(req.availability_slo(), 3),
                                     " is not a percentage"));
    req.clear_availability_slo();
  }
  if (req.has_read_ratio() && !(req.read_ratio() >= 0 && req.read_ratio() <= 1)) {
    discarded.push_back(absl::StrCat("read_ratio ", Shown(req.read_ratio(), 3),
                                     " is not a share between 0 and 1"));
    req.clear_read_ratio();
  }
  if (req.has_peak_rps() && !(req.peak_rps() > 0)) {
    discarded.push_back(absl::StrCat("peak_rps ", Shown(req.peak_rps()),
                                     " is not a positive rate"));
    req.clear_peak_rps();
  }
  if (req.has_latency_p99_ms() && !(req.latency_p99_ms() > 0)) {
    discarded.push_back(absl::StrCat("latency_p99_ms ", Shown(req.latency_p99_ms()),
                                     " is not a positive duration"));
    req.clear_latency_p99_ms();
  }
  if (req.has_team_size() && req.team_size() <= 0) {
    discarded.push_back(absl::StrCat("team_size ", req.team_size(), " is not a team"));
    req.clear_team_size();
  }
  if (req.has_team_count() && req.team_count() <= 0) {
    discarded.push_back(absl::StrCat("team_count ", req.team_count(), " is not a team count"));
    req.clear_team_count();
  }
  if (req.has_planned_services() && req.planned_services() < 0) {
    discarded.push_back(absl::StrCat("planned_services ", req.planned_services(),
                                     " is negative"));
    req.clear_planned_services();
  }
  DeriveCues();
}

namespace {
void CopyFacts(std::initializer_list<std::string_view> facts,
               google::protobuf::RepeatedPtrField<std::string>* out) {
  for (std::string_view f : facts) out->Add(std::string(f));
}
}  // namespace

v1::Section* Builder::AddSection(std::string_view id, std::string_view heading) {
  v1::Section* section = response_->add_sections();
  section->set_id(std::string(id));
  section->set_heading(std::string(heading));
  section->set_owner(kAgentName);
  return section;
}

v1::Item* Builder::AddItem(v1::Section* section, std::string_view label, std::string text,
                           std::initializer_list<std::string_view> facts,
                           std::string rationale) {
  v1::Item* item = section->add_items();
  item->set_agent(kAgentName);
  item->set_label(std::string(label));
  item->set_text(std::move(text));
  item->set_rationale(std::move(rationale));
  CopyFacts(facts, item->mutable_facts());
  return item;
}

void Builder::Decide(std::string_view key, std::string value, std::string rationale,
                     double confidence, std::initializer_list<std::string_view> facts) {
  v1::Decision* d = response_->add_decisions();
  d->set_key(std::string(key));
  d->set_value(std::move(value));
  d->set_rationale(std::move(rationale));
  d->set_agent(kAgentName);
  d->set_confidence(std::clamp(confidence, 0.0, 1.0));
  CopyFacts(facts, d->mutable_facts());
}

void Builder::Assume(std::string_view key, std::string text,
                     std::initializer_list<std::string_view> facts) {
  if (!assumed_.insert(std::string(key)).second) return;
  v1::Item* item = response_->add_assumptions();
  item->set_agent(kAgentName);
  item->set_text(std::move(text));
  CopyFacts(facts, item->mutable_facts());
}

void Builder::Ask(std::string_view key, std::string text, std::string why,
                  std::initializer_list<std::string_view> facts) {
  if (!asked_.insert(std::string(key)).second) return;
  v1::Item* item = response_->add_questions();
  item->set_agent(kAgentName);
  item->set_text(std::move(text));
  item->set_rationale(std::move(why));
  CopyFacts(facts, item->mutable_facts());
}

const char* PatternValue(Pattern pattern) {
  switch (pattern) {
    case Pattern::kMonolith: return "monolith";
    case Pattern::kModularMonolith: return "modular_monolith";
    case Pattern::kMicroservices: return "microservices";
  }
  return "modular_monolith";
}

const char* PatternName(Pattern pattern) {
  switch (pattern) {
    case Pattern::kMonolith: return "Monolith";
    case Pattern::kModularMonolith: return "Modular monolith";
    case Pattern::kMicroservices: return "Microservices";
  }
  return "Modular monolith";
}

std::string DisplayName(const std::string& value) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"kafka", "Kafka"},           {"rabbitmq", "RabbitMQ"},   {"sqs", "Amazon SQS"},
      {"pubsub", "Google Pub/Sub"}, {"none", "none"},           {"postgresql", "PostgreSQL"},
      {"mysql", "MySQL"},           {"mongodb", "MongoDB"},     {"dynamodb", "DynamoDB"},
      {"redis", "Redis"},           {"cassandra", "Cassandra"}, {"scylladb", "ScyllaDB"},
      {"neo4j", "Neo4j"},           {"ttl", "TTL"},             {"event", "event"},
      {"version", "version"},       {"tag", "tag"},             {"cache_aside", "cache-aside"},
      {"write_through", "write-through"}, {"write_behind", "write-behind"},
      {"refresh_ahead", "refresh-ahead"},
  };
  for (const auto& [key, name] : kNames) {
    if (key == value) return std::string(name);
  }
  return value;
}

}  // namespace agentd::backend_architect::internal
