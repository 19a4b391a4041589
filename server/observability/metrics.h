// agentd's metrics, rendered as Prometheus text (exposition format 0.0.4).
// prometheus-cpp is not packaged in Debian 12, and agentd needs few kinds:
// counters and histograms it records itself, and values read from their
// owners at scrape time (gauges: calls in flight, breaker states).
//
// Recording is lock-free (atomics in tables fixed at construction); Render()
// may run concurrently with recording. Thread-safe.
#ifndef AGENTD_SERVER_OBSERVABILITY_METRICS_H_
#define AGENTD_SERVER_OBSERVABILITY_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace agentd {

// A Prometheus histogram over fixed bucket bounds. Lock-free.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Appends NAME_bucket{LABELS,le=...}, NAME_sum and NAME_count lines.
  void Render(std::string* out, std::string_view name, std::string_view labels) const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf), not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> sum_micros_{0};  // the sum, in millionths, so it can be atomic
};

// Bucket bounds in seconds for call durations: 100 µs to 60 s.
std::vector<double> LatencyBuckets();

class Metrics {
 public:
  // `methods`: RPC names ("Review", ...); `agents`: hosted agent names
  // (or set later by SetAgents). Fixed for the server's life; unknown names
  // are counted as "other".
  Metrics(std::vector<std::string> methods, std::vector<std::string> agents = {});
  ~Metrics();
  // Replaces the agents' table. Only before anything is recorded for an
  // agent (the agents are known once loaded; the store reports commits earlier).
  void SetAgents(std::vector<std::string> agents);

  // One finished RPC: its gRPC status code (0..16) and duration.
  void RecordRpc(std::string_view method, int code, absl::Duration duration);
  // One agent call's outcome ("ok", "failed", "timed_out", "cancelled", "skipped") and duration.
  void RecordAgent(std::string_view agent, std::string_view outcome, absl::Duration duration);
  // One store transaction: how long BEGIN..COMMIT took and how many writes it grouped.
  void RecordCommit(absl::Duration latency, int group_size, int turns);

  // A source of lines read at scrape time: appends whole metric families
  // (# HELP, # TYPE and samples). Added at startup, before serving.
  void AddCollector(std::function<void(std::string*)> collect);

  // The whole page.
  std::string Render() const;

 private:
  struct Rpc;
  struct Agent;
  Rpc* FindRpc(std::string_view method) const;
  Agent* FindAgent(std::string_view agent) const;

  std::vector<std::unique_ptr<Rpc>> rpcs_;
  std::vector<std::unique_ptr<Agent>> agents_;
  absl::flat_hash_map<std::string, Rpc*> rpc_index_;
  absl::flat_hash_map<std::string, Agent*> agent_index_;
  Histogram commit_latency_;
  Histogram commit_group_size_;
  std::atomic<uint64_t> turns_stored_{0};
  mutable absl::Mutex collectors_mu_;
  std::vector<std::function<void(std::string*)>> collectors_ ABSL_GUARDED_BY(collectors_mu_);
};

// Prometheus label value escaping (backslash, quote, newline).
std::string LabelValue(std::string_view value);

}  // namespace agentd

#endif  // AGENTD_SERVER_OBSERVABILITY_METRICS_H_
