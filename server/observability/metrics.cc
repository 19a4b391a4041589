#include "server/observability/metrics.h"

#include <array>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/observability/status_codes.h"

namespace agentd {
namespace {

constexpr const auto& kCodes = kStatusCodeNames;

constexpr std::array<const char*, 5> kOutcomes = {"ok", "failed", "timed_out", "cancelled", "skipped"};

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return absl::StrFormat("%.17g", v);
}

// Debian's Abseil has its own string_view type: convert at the boundary.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

void Family(std::string* out, absl::string_view name, absl::string_view type, absl::string_view help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

std::string LabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<int64_t>(std::llround(value * 1e6)), std::memory_order_relaxed);
}

void Histogram::Render(std::string* out, std::string_view name_view, std::string_view labels_view) const {
  const absl::string_view name = AV(name_view), labels = AV(labels_view);
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < bounds_.size() ? Number(bounds_[i]) : "+Inf";
    absl::StrAppend(out, name, "_bucket{", labels, sep, "le=\"", le, "\"} ", cumulative, "\n");
  }
  // The count is the +Inf bucket, so the two always agree within one page.
  const std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(out, name, "_sum", braces, " ", Number(sum_micros_.load(std::memory_order_relaxed) / 1e6), "\n");
  absl::StrAppend(out, name, "_count", braces, " ", cumulative, "\n");
}

struct Metrics::Rpc {
  std::string method;
  std::array<std::atomic<uint64_t>, kCodes.size()> codes{};
  Histogram duration{LatencyBuckets()};
};

struct Metrics::Agent {
  std::string agent;
  std::array<std::atomic<uint64_t>, kOutcomes.size()> outcomes{};
  Histogram duration{LatencyBuckets()};
};

Metrics::Metrics(std::vector<std::string> methods, std::vector<std::string> agents)
    : commit_latency_(LatencyBuckets()), commit_group_size_({1, 2, 4, 8, 16, 32, 64, 128, 256}) {
  methods.push_back("other");
  for (std::string& m : methods) {
    auto rpc = std::make_unique<Rpc>();
    rpc->method = std::move(m);
    rpc_index_.emplace(rpc->method, rpc.get());
    rpcs_.push_back(std::move(rpc));
  }
  SetAgents(std::move(agents));
}

Metrics::~Metrics() = default;

void Metrics::SetAgents(std::vector<std::string> agents) {
  agents_.clear();
  agent_index_.clear();
  agents.push_back("other");
  for (std::string& a : agents) {
    auto agent = std::make_unique<Agent>();
    agent->agent = std::move(a);
    agent_index_.emplace(agent->agent, agent.get());
    agents_.push_back(std::move(agent));
  }
}

Metrics::Rpc* Metrics::FindRpc(std::string_view method) const {
  auto it = rpc_index_.find(absl::string_view(method.data(), method.size()));
  return it != rpc_index_.end() ? it->second : rpcs_.back().get();
}

Metrics::Agent* Metrics::FindAgent(std::string_view agent) const {
  auto it = agent_index_.find(absl::string_view(agent.data(), agent.size()));
  return it != agent_index_.end() ? it->second : agents_.back().get();
}

void Metrics::RecordRpc(std::string_view method, int code, absl::Duration duration) {
  Rpc* rpc = FindRpc(method);
  if (code < 0 || code >= static_cast<int>(kCodes.size())) code = 2;  // UNKNOWN
  rpc->codes[code].fetch_add(1, std::memory_order_relaxed);
  rpc->duration.Observe(absl::ToDoubleSeconds(duration));
}

void Metrics::RecordAgent(std::string_view agent, std::string_view outcome, absl::Duration duration) {
  Agent* a = FindAgent(agent);
  for (size_t i = 0; i < kOutcomes.size(); ++i) {
    if (outcome == kOutcomes[i]) a->outcomes[i].fetch_add(1, std::memory_order_relaxed);
  }
  if (outcome != "skipped") a->duration.Observe(absl::ToDoubleSeconds(duration));
}

void Metrics::RecordCommit(absl::Duration latency, int group_size, int turns) {
  commit_latency_.Observe(absl::ToDoubleSeconds(latency));
  commit_group_size_.Observe(group_size);
  turns_stored_.fetch_add(turns, std::memory_order_relaxed);
}

void Metrics::AddCollector(std::function<void(std::string*)> collect) {
  absl::MutexLock lock(&collectors_mu_);
  collectors_.push_back(std::move(collect));
}

std::string Metrics::Render() const {
  std::string out;
  Family(&out, "agentd_rpc_requests_total", "counter", "RPCs finished, by method and gRPC status code.");
  for (const auto& rpc : rpcs_) {
    for (size_t c = 0; c < kCodes.size(); ++c) {
      uint64_t n = rpc->codes[c].load(std::memory_order_relaxed);
      if (n > 0 || c == 0) {
        absl::StrAppend(&out, "agentd_rpc_requests_total{method=\"", LabelValue(rpc->method), "\",code=\"",
                        kCodes[c], "\"} ", n, "\n");
      }
    }
  }
  Family(&out, "agentd_rpc_duration_seconds", "histogram", "RPC duration, from arrival to the reply.");
  for (const auto& rpc : rpcs_) {
    rpc->duration.Render(&out, "agentd_rpc_duration_seconds", absl::StrCat("method=\"", LabelValue(rpc->method), "\""));
  }
  Family(&out, "agentd_agent_calls_total", "counter", "Agent calls in reviews, by agent and outcome.");
  for (const auto& a : agents_) {
    for (size_t o = 0; o < kOutcomes.size(); ++o) {
      absl::StrAppend(&out, "agentd_agent_calls_total{agent=\"", LabelValue(a->agent), "\",outcome=\"",
                      kOutcomes[o], "\"} ", a->outcomes[o].load(std::memory_order_relaxed), "\n");
    }
  }
  Family(&out, "agentd_agent_call_duration_seconds", "histogram", "Agent call duration (skipped calls excluded).");
  for (const auto& a : agents_) {
    a->duration.Render(&out, "agentd_agent_call_duration_seconds", absl::StrCat("agent=\"", LabelValue(a->agent), "\""));
  }
  Family(&out, "agentd_store_commit_duration_seconds", "histogram", "Store write transactions, BEGIN to COMMIT.");
  commit_latency_.Render(&out, "agentd_store_commit_duration_seconds", "");
  Family(&out, "agentd_store_commit_group_size", "histogram", "Writes grouped into one store transaction.");
  commit_group_size_.Render(&out, "agentd_store_commit_group_size", "");
  Family(&out, "agentd_turns_stored_total", "counter", "Review turns committed to the store.");
  absl::StrAppend(&out, "agentd_turns_stored_total ", turns_stored_.load(std::memory_order_relaxed), "\n");
  absl::MutexLock lock(&collectors_mu_);
  for (const auto& collect : collectors_) collect(&out);
  return out;
}

}  // namespace agentd
