// What the orchestrator is configured with (flags → OrchestratorConfig, in
// server/main.cc). Plain values.
#ifndef AGENTD_SERVER_CORE_ORCHESTRATOR_CONFIG_H_
#define AGENTD_SERVER_CORE_ORCHESTRATOR_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "absl/time/time.h"
#include "server/observability/metrics.h"

namespace agentd {

class HostedAgent;  // server/plugin_host/hosted_agent.h
namespace v1 {
class AgentConfig;
}  // namespace v1

struct OrchestratorConfig {
  std::string agents_dir;
  // Labelled requests the router takes as examples (labelled_requests.h): a
  // .jsonl file or a directory of them. Empty: <agents_dir>/routing-examples
  // when that directory exists. "none": route on the definitions alone.
  std::string routing_examples;
  std::string plugins_dir;
  std::string db_path;                  // SQLite file or postgresql:// URL (StoreOptions::path)
  int db_pool_size = 4;                 // StoreOptions::reader_connections
  std::string fallback_agent;           // chosen when nothing is in scope
  // Override the agents folder's settings (agents_settings.h) when set.
  std::string review_title;             // the merged review's title
  std::string default_plugin;           // hosts a definition that names no plugin
  absl::Duration agent_timeout = absl::Seconds(10);  // unless the definition says timeout_ms
  int max_in_flight = 256;              // per agent, queued or running, unless the definition says max_in_flight
  int breaker_failures = 5;             // failures in a row that open an agent's breaker
  absl::Duration breaker_cool_down = absl::Seconds(30);
  int executor_threads = 8;
  // Reviews whose agents run at once (the unary Review's asynchronous path,
  // Orchestrator::ReviewAsync without an observer); more wait their turn in
  // order, a place passing on as a review's agents end. Reviews queued or
  // running are bounded by the service's admission (--max_calls).
  int max_reviews_running = 16;
  // Executor threads one agent may hold at once, stuck calls included
  // (AgentLane); 0 = half of executor_threads, at least 1.
  int agent_threads = 0;
  bool strict = false;                  // refuse to start when a definition or plugin fails
  size_t max_text_bytes = 64 * 1024;
  // Sessions not updated for this many days are deleted, at start and then
  // every retention_interval, in small batches beside serving. 0 = keep forever.
  int retention_days = 0;
  absl::Duration retention_interval = absl::Hours(1);
  // Quota on the session database file: a review that would grow it past
  // this fails with RESOURCE_EXHAUSTED, as on a full disk. 0 = no quota.
  int64_t db_max_bytes = 0;
  // Compress turn blobs (db/blob_codec.h): about 2.6x less disk for CPU
  // on the request thread.
  bool compress_turns = true;
  // Where agent outcomes and store commits are counted; null = nowhere.
  // Not owned; must outlive the orchestrator.
  Metrics* metrics = nullptr;
  // A language model endpoint (plugins/llm, docs/llm.md). With no base_url,
  // nothing below changes anything: agentd behaves as it does without them.
  struct Llm {
    std::string base_url;          // OpenAI-compatible, e.g. http://127.0.0.1:11434/v1
    std::string model;
    std::string api_key;           // handed to the llm plugin only; never logged
    int max_retries = 2;
    std::string response_format;   // json_schema | json_object | none; empty = json_schema
    bool default_for_stubs = false;  // definitions on the default plugin are answered by the model
    int history_turns = 8;         // earlier turns a model-backed agent sees
  } llm;
  // Hosts a definition whose plugin runs outside agentd (`command:` or
  // `endpoint:`; server/plugin_host/remote/out_of_process.h). Unset: such
  // definitions load as unavailable. Set by the binary, so the core links
  // no plugin runtime it does not need.
  std::function<absl::StatusOr<std::shared_ptr<HostedAgent>>(const v1::AgentConfig&)> host_out_of_process;
  // --route_assist=llm: ask the model when the lexical router is unsure
  // (route_assist.h). Needs llm.base_url.
  bool route_assist = false;
  double route_assist_threshold = 0.5;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_ORCHESTRATOR_CONFIG_H_
