// agentd: flags → ServerConfig → AgentdServer; nothing else.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "db/postgres_connection.h"
#include "server/plugin_host/remote/out_of_process.h"
#include "server/plugin_host/remote/process_agent.h"
#include "server/service/server.h"
#include "server/service/logging.h"
#include "spdlog/spdlog.h"

// jemalloc's settings, read before main (MALLOC_CONF in the environment is
// applied after these). One arena per CPU instead of jemalloc's four: the
// extra arenas each kept their own freed pages, and under review load the
// peak RSS was 30 MiB higher for the same throughput (bench/RESULTS.md).
// Freed pages go back to the kernel over 30 s instead of 10 s: each return
// is an madvise with a TLB shootdown on every CPU, and the pages fault back
// in at the next reviews (together ~9 % of the CPU under review load); a
// five-agent review then used 4-11 % less CPU, for some 20 MiB more peak RSS
// under load. Idle RSS at start is the same.
// Unused when the build leaves jemalloc out (sanitizers).
extern "C" {
__attribute__((visibility("default"), used)) const char* malloc_conf = "percpu_arena:percpu,dirty_decay_ms:30000";
}

ABSL_FLAG(std::string, listen, "", "host:port to listen on (env AGENTD_LISTEN; default 127.0.0.1:50051; port 0 = any free port)");
ABSL_FLAG(std::string, db, "",
          "session store: a SQLite file, or postgresql://user@host:port/dbname?... for a PostgreSQL "
          "database shared by replicas (env AGENTD_DB; default ./var/agentd.db)");
ABSL_FLAG(std::string, db_pool_size, "",
          "session store connections that serve reads; the writer has one more "
          "(env AGENTD_DB_POOL_SIZE; default 4)");
ABSL_FLAG(std::string, agents_dir, "", "agent definitions folder (env AGENTD_AGENTS_DIR; default <exe>/../share/agentd/agents)");
ABSL_FLAG(std::string, routing_examples, "",
          "labelled requests the router learns scope from: a .jsonl file or a folder of them (env "
          "AGENTD_ROUTING_EXAMPLES; default <agents_dir>/routing-examples when it exists; none = "
          "the definitions alone)");
ABSL_FLAG(std::string, plugins_dir, "", "plugin folder (env AGENTD_PLUGINS_DIR; default <exe>/../lib/agentd/plugins)");
ABSL_FLAG(std::string, log_format, "", "text or json (env AGENTD_LOG_FORMAT; default text on a terminal, json otherwise)");
ABSL_FLAG(std::string, token, "",
          "one bearer token, principal 'default', admin (prefer env AGENTD_TOKEN: a flag shows in ps; default none)");
ABSL_FLAG(std::string, auth_tokens_file, "",
          "tokens file: lines 'PRINCIPAL SHA256-HEX-OF-TOKEN [admin]', re-read on SIGHUP (env "
          "AGENTD_AUTH_TOKENS_FILE; see docs/security.md)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve TLS (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: require a client certificate it signed (mTLS); with no token, the principal is the "
          "certificate's subject CN");
ABSL_FLAG(bool, allow_insecure_remote, false,
          "listen beyond loopback with no authentication (logged as a warning; refused without this flag)");
ABSL_FLAG(std::string, review_title, "",
          "the merged review's title (default: review_title in <agents_dir>/agentd.yaml)");
ABSL_FLAG(std::string, default_plugin, "",
          "the plugin hosting a definition that names none (default: default_plugin in <agents_dir>/agentd.yaml)");
ABSL_FLAG(std::string, fallback_agent, "", "agent chosen when no scope covers a request (default: none, the review fails)");
ABSL_FLAG(int, agent_timeout_ms, 10000, "per-agent deadline unless its definition sets timeout_ms");
ABSL_FLAG(int, plugin_start_timeout_ms, 10000,
          "how long a plugin process (command:) or remote plugin (endpoint:) may take to become healthy at "
          "start, unless its definition sets start_timeout_ms; a process not healthy by then is killed and "
          "restarted");
ABSL_FLAG(int, max_in_flight, 256,
          "per-agent calls queued or running (bulkhead) unless its definition sets max_in_flight; "
          "keep it at or above --request_threads unless an agent must be held to less");
ABSL_FLAG(int, max_calls, 1024,
          "calls queued or running in the server; past it a call is refused at once with "
          "RESOURCE_EXHAUSTED and a retry hint");
ABSL_FLAG(int, max_calls_per_principal, 0, "the same limit for one caller (0 = --max_calls)");
ABSL_FLAG(std::string, metrics_listen, "",
          "HOST:PORT to serve Prometheus metrics on, at /metrics (port 0 = any free port; default off)");
ABSL_FLAG(std::string, access_log, "",
          "access log: one JSON line per RPC, to this file (appended) or - for standard output (default off)");
ABSL_FLAG(int, breaker_failures, 5, "failures in a row that open an agent's circuit breaker");
ABSL_FLAG(int, breaker_cool_down_ms, 30000, "how long an open breaker skips its agent before one probe");
ABSL_FLAG(int, executor_threads, 8, "threads that run agents");
ABSL_FLAG(int, agent_threads, 0,
          "executor threads one agent may hold at once, calls stuck past their deadline included "
          "(0 = half of --executor_threads): a hung plugin costs only its own share");
ABSL_FLAG(int, max_reviews_running, 16,
          "unary reviews whose agents run at once (no thread waits for them); more wait in line, "
          "bounded by --max_calls; keep --max_in_flight at or above it");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "on SIGTERM/SIGINT, how long running calls may finish; the process exits within this plus "
          "about a second even when a plugin is stuck in a call (it is named in the log)");
ABSL_FLAG(int, request_threads, 16,
          "threads that route, run and merge reviews and serve session calls; more calls wait in line "
          "until their deadline (a review does not hold one while its turn is written)");
// Agents no longer run on the request thread (a hung one held it); the flag
// is accepted and ignored so that existing command lines still start.
ABSL_RETIRED_FLAG(int, inline_below_us, 200, "retired: every agent runs on its own share of the executor");
ABSL_FLAG(bool, strict, false, "refuse to start when a definition or plugin fails to load");
ABSL_FLAG(std::string, retention_days, "",
          "delete sessions not updated for this many days, at start and hourly "
          "(env AGENTD_RETENTION_DAYS; default 0 = keep forever)");
ABSL_FLAG(bool, compress_turns, true,
          "store turn bodies compressed (zstd with the shipped dictionary): about 14x smaller turns");
ABSL_FLAG(std::string, db_max_bytes, "",
          "quota on the session database file; reviews past it fail with RESOURCE_EXHAUSTED "
          "(env AGENTD_DB_MAX_BYTES; default 0 = none)");
ABSL_FLAG(std::string, llm_base_url, "",
          "OpenAI-compatible chat-completions endpoint for model-backed agents, e.g. "
          "http://127.0.0.1:11434/v1 (env AGENTD_LLM_BASE_URL; default none: no model is used). "
          "The API key is read from AGENTD_LLM_API_KEY only");
ABSL_FLAG(std::string, llm_model, "", "model to ask unless a definition names one (env AGENTD_LLM_MODEL)");
ABSL_FLAG(bool, llm_default, false,
          "definitions on the default plugin (no plugin of their own) are answered by the model (needs "
          "--llm_base_url)");
ABSL_FLAG(int, llm_max_retries, 2, "retries of a model call on HTTP 429/5xx or a failed connection");
ABSL_FLAG(std::string, llm_response_format, "",
          "json_schema (default), json_object or none: how the answer's structure is asked for");
ABSL_FLAG(std::string, route_assist, "",
          "llm: when the lexical router is unsure, the model chooses the agents (needs --llm_base_url; "
          "default off)");
ABSL_FLAG(double, route_assist_threshold, 0.5,
          "with --route_assist=llm: ask the model when the lexical confidence (0..1) is below this");

namespace {

std::string FlagOrEnv(const std::string& flag, const char* env, const std::string& fallback) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(env);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// A whole number from a flag or its environment variable; exits with a
// message naming both when it is not one.
int64_t NumberFlagOrEnv(const std::string& flag, const char* flag_name, const char* env) {
  std::string text = FlagOrEnv(flag, env, "0");
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0) {
    std::fprintf(stderr, "agentd: --%s (or %s) must be a whole number >= 0, got \"%s\"\n", flag_name, env,
                 text.c_str());
    std::exit(2);
  }
  return value;
}

// The folder holding this executable: plugins and agents are found relative
// to it, so a build or install tree runs with no flags.
std::filesystem::path ExecutableDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : exe.parent_path();
}

// Past the grace, how long the last replies and the store's last commit
// may take before the process exits anyway.
constexpr absl::Duration kShutdownMargin = absl::Milliseconds(1500);

// Exits now, naming the plugins whose calls are abandoned (`server` is null
// when it is being destroyed: stopping plugin processes took the time).
// Destructors are not run: they would wait for the stuck threads. Committed
// turns are safe in the database (WAL); nothing unacknowledged is claimed.
// Plugin processes are killed and their folders removed.
[[noreturn]] void ExitAbandoning(agentd::AgentdServer* server) {
  if (server != nullptr) {
    for (const std::string& busy : server->core().BusyAgents()) {
      spdlog::warn("shutdown: abandoning plugin call(s) of agent {}", busy);
    }
  }
  spdlog::warn("shutdown: exiting without waiting for stuck plugin calls or processes");
  agentd::ProcessAgent::KillAllNow();  // destructors do not run: no plugin process outlives agentd
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  _exit(0);
}

// SIGHUP: re-read the tokens file, then the agents folder and the plugins.
// Either keeps what it had when its files fail, and says why in the log.
void ReloadOnSignal(agentd::AgentdServer& server) {
  absl::Status reloaded = server.ReloadAuth();
  if (reloaded.ok()) {
    spdlog::info("SIGHUP: tokens reloaded, {} token(s)", server.token_count());
  } else {
    spdlog::error("SIGHUP: tokens not reloaded, keeping the {} token(s) in use: {}", server.token_count(),
                  reloaded.ToString());
  }
  // ReloadAgents logs what changed and what failed.
  server.core().ReloadAgents().IgnoreError();
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with Mutex deadlock detection on: every lock,
  // gRPC's own included, updates a global lock graph (~7% of CPU under
  // Route load, bench/RESULTS.md). It is a debugging aid; the unit tests
  // keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage("agentd: hosts expert agents and answers architecture reviews over gRPC");
  absl::ParseCommandLine(argc, argv);
  std::filesystem::path exe_dir = ExecutableDir();

  agentd::ConfigureLogging(FlagOrEnv(absl::GetFlag(FLAGS_log_format), "AGENTD_LOG_FORMAT",
                                     isatty(STDERR_FILENO) ? "text" : "json"));

  agentd::ServerConfig config;
  config.listen = FlagOrEnv(absl::GetFlag(FLAGS_listen), "AGENTD_LISTEN", "127.0.0.1:50051");
  if (!absl::GetFlag(FLAGS_token).empty()) {
    spdlog::warn("--token is visible to every user in ps; prefer the AGENTD_TOKEN environment variable");
  }
  config.auth.token = FlagOrEnv(absl::GetFlag(FLAGS_token), "AGENTD_TOKEN", "");
  config.auth.tokens_file = FlagOrEnv(absl::GetFlag(FLAGS_auth_tokens_file), "AGENTD_AUTH_TOKENS_FILE", "");
  config.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  config.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  config.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  config.auth.client_certificates = !config.tls.client_ca_file.empty();
  config.allow_insecure_remote = absl::GetFlag(FLAGS_allow_insecure_remote);
  config.request_threads = absl::GetFlag(FLAGS_request_threads);
  config.admission.max_calls = absl::GetFlag(FLAGS_max_calls);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.access_log = absl::GetFlag(FLAGS_access_log);
  config.admission.max_calls_per_principal = absl::GetFlag(FLAGS_max_calls_per_principal);
  agentd::OrchestratorConfig& core = config.orchestrator;
  core.db_path = FlagOrEnv(absl::GetFlag(FLAGS_db), "AGENTD_DB", "./var/agentd.db");
  core.agents_dir = FlagOrEnv(absl::GetFlag(FLAGS_agents_dir), "AGENTD_AGENTS_DIR",
                              (exe_dir / "../share/agentd/agents").lexically_normal().string());
  core.routing_examples = FlagOrEnv(absl::GetFlag(FLAGS_routing_examples), "AGENTD_ROUTING_EXAMPLES", "");
  core.plugins_dir = FlagOrEnv(absl::GetFlag(FLAGS_plugins_dir), "AGENTD_PLUGINS_DIR",
                               (exe_dir / "../lib/agentd/plugins").lexically_normal().string());
  core.fallback_agent = absl::GetFlag(FLAGS_fallback_agent);
  core.review_title = absl::GetFlag(FLAGS_review_title);
  core.default_plugin = absl::GetFlag(FLAGS_default_plugin);
  const absl::Duration plugin_start_timeout =
      absl::Milliseconds(std::max(1, absl::GetFlag(FLAGS_plugin_start_timeout_ms)));
  core.host_out_of_process = [plugin_start_timeout](const agentd::v1::AgentConfig& config) {
    return agentd::HostOutOfProcess(config, plugin_start_timeout);
  };
  core.agent_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_agent_timeout_ms));
  core.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  core.breaker_failures = absl::GetFlag(FLAGS_breaker_failures);
  core.breaker_cool_down = absl::Milliseconds(absl::GetFlag(FLAGS_breaker_cool_down_ms));
  core.executor_threads = absl::GetFlag(FLAGS_executor_threads);
  core.agent_threads = absl::GetFlag(FLAGS_agent_threads);
  core.max_reviews_running = absl::GetFlag(FLAGS_max_reviews_running);
  core.strict = absl::GetFlag(FLAGS_strict);
  core.retention_days = static_cast<int>(std::min<int64_t>(
      NumberFlagOrEnv(absl::GetFlag(FLAGS_retention_days), "retention_days", "AGENTD_RETENTION_DAYS"), 1 << 20));
  core.compress_turns = absl::GetFlag(FLAGS_compress_turns);
  if (const int64_t pool = NumberFlagOrEnv(absl::GetFlag(FLAGS_db_pool_size), "db_pool_size",
                                           "AGENTD_DB_POOL_SIZE");
      pool > 0) {
    core.db_pool_size = static_cast<int>(std::min<int64_t>(pool, 1024));
  }
  core.db_max_bytes = NumberFlagOrEnv(absl::GetFlag(FLAGS_db_max_bytes), "db_max_bytes", "AGENTD_DB_MAX_BYTES");
  core.llm.base_url = FlagOrEnv(absl::GetFlag(FLAGS_llm_base_url), "AGENTD_LLM_BASE_URL", "");
  core.llm.model = FlagOrEnv(absl::GetFlag(FLAGS_llm_model), "AGENTD_LLM_MODEL", "");
  core.llm.api_key = FlagOrEnv("", "AGENTD_LLM_API_KEY", "");
  core.llm.max_retries = std::max(0, absl::GetFlag(FLAGS_llm_max_retries));
  core.llm.response_format = absl::GetFlag(FLAGS_llm_response_format);
  core.llm.default_for_stubs = absl::GetFlag(FLAGS_llm_default);
  const std::string route_assist = absl::GetFlag(FLAGS_route_assist);
  if (!route_assist.empty() && route_assist != "llm" && route_assist != "off") {
    std::fprintf(stderr, "agentd: --route_assist must be llm or off, got \"%s\"\n", route_assist.c_str());
    return 2;
  }
  core.route_assist = route_assist == "llm";
  core.route_assist_threshold = absl::GetFlag(FLAGS_route_assist_threshold);
  if (core.llm.base_url.empty() && (core.llm.default_for_stubs || core.route_assist)) {
    spdlog::warn("--llm_default / --route_assist need --llm_base_url (or AGENTD_LLM_BASE_URL): ignored");
  }

  // Block the signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A file size limit (RLIMIT_FSIZE) is a full disk to the store, not a
  // reason to die: the write fails with EFBIG and health says NOT_SERVING.
  signal(SIGXFSZ, SIG_IGN);

  absl::Time started = absl::Now();
  absl::StatusOr<std::unique_ptr<agentd::AgentdServer>> server = agentd::AgentdServer::Start(config);
  if (!server.ok()) {
    spdlog::critical("agentd cannot start: {}", server.status().ToString());
    return 1;
  }
  spdlog::info("agentd serving on {} (db {}, agents {}, plugins {}; {}, {} token(s){}) in {:.1f} ms",
               (*server)->address(),
               agentd::pg::IsPostgresUrl(core.db_path) ? agentd::pg::DisplayName(core.db_path) : core.db_path,
               core.agents_dir, core.plugins_dir,
               config.tls.cert_file.empty() ? "plaintext" : "TLS", (*server)->token_count(),
               config.auth.client_certificates ? ", client certificates required" : "",
               absl::ToDoubleMilliseconds(absl::Now() - started));
  if (!(*server)->metrics_address().empty()) {
    spdlog::info("metrics at http://{}/metrics", (*server)->metrics_address());
  }
  // One machine-readable line on stdout: tests and scripts read the port here.
  std::printf("agentd listening on %s\n", (*server)->address().c_str());
  std::fflush(stdout);

  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  absl::Notification stopped;  // the server is down and destroyed
  absl::Mutex server_alive;     // held while *server is destroyed
  std::thread watchdog;
  std::thread stopper([&] {
    int sig = 0;
    // SIGHUP reloads tokens and agents; SIGINT or SIGTERM stops.
    while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) ReloadOnSignal(**server);
    spdlog::info("signal {}: shutting down, {} for running calls to finish", sig, absl::FormatDuration(grace));
    // A plugin stuck in a call cannot be stopped, and a thread stuck in it
    // cannot be joined: past the grace (and a margin for the last replies
    // and the store's last commit), exit without waiting for it.
    watchdog = std::thread([&] {
      if (stopped.WaitForNotificationWithTimeout(grace + kShutdownMargin)) return;
      // Held by main while it destroys the server: then name no agents.
      ExitAbandoning(server_alive.TryLock() ? server->get() : nullptr);
    });
    (*server)->Shutdown(grace);
  });
  (*server)->Wait();
  stopper.join();
  // Calls are over; a plugin still in one would hang the destructor.
  if (!(*server)->core().BusyAgents().empty()) ExitAbandoning(server->get());
  {
    absl::MutexLock destroying(&server_alive);
    server->reset();
  }
  stopped.Notify();
  watchdog.join();
  spdlog::info("agentd stopped");
  return 0;
}
