// Session store benchmarks.
//
// BM_AppendTurn: one turn's durable write (group commit, synchronous=FULL),
// from 1 and 16 threads. Counters: turns per commit (how much grouping
// happened) and fsync-bound throughput.
//
// BM_WritePathCpu: CPU per new-session turn on the write path (encode, SQL,
// commit), on tmpfs so the disk does not count.
//
// BM_Scale*: a database of AGENTD_STORE_BENCH_TURNS turns (default 1,000,000;
// 10 turns per session, 100 sessions per principal) built once by a bulk path
// (raw SQLite, one transaction, synchronous=OFF: bench setup, not the product
// path, but with the product's blob encoding) into AGENTD_STORE_BENCH_DIR
// (default /tmp/agentd-store-bench) and reused by later runs. Reports
// GetSession and ListSessions latency p50/p99 through the real store, and
// bytes per turn.
//
// The turns' content: with AGENTD_STORE_BENCH_SAMPLE_DB=<a database agentd
// wrote>, its real turn bodies (request, route, agent outputs), cycled;
// otherwise one synthetic turn, whose repeated text compresses better than
// real reviews do.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"
#include "db/blob_codec.h"
#include "db/session_store.h"
#include "db/turn_codec.h"
#include "server/core/merger.h"

namespace agentd {
namespace {

namespace fs = std::filesystem;

std::string BenchDir() {
  const char* dir = std::getenv("AGENTD_STORE_BENCH_DIR");
  return dir != nullptr ? dir : "/tmp/agentd-store-bench";
}

// A turn shaped like a real one: a question, a route decision, and two agent
// outputs with sections and a decision.
TurnRecord RealisticTurn(const std::string& principal, const std::string& session_id, bool create,
                         int n) {
  TurnRecord turn;
  turn.principal = principal;
  turn.session_id = session_id;
  turn.create_session = create;
  turn.title = "Checkout platform for 40 engineers";
  turn.request.set_text(
      "We are 40 engineers in 6 teams building checkout; peak 2,000 orders per second during "
      "flash sales, strong consistency for payments, AWS, need an audit trail. Question " +
      std::to_string(n));
  v1::RouteChoice* choice = turn.route.add_selected();
  choice->set_agent("backend-architect");
  choice->set_score(0.82);
  v1::RouteReason* reason = choice->add_reasons();
  reason->set_rule("Use when designing distributed systems");
  reason->set_kind("use_when");
  reason->set_score(0.6);
  reason->add_matched("distributed");
  turn.route.set_summary("backend-architect (use_when: designing distributed systems)");
  v1::Review review;  // the sections the agents answer with
  std::string markdown;
  for (int s = 0; s < 6; ++s) {
    v1::Section* section = review.add_sections();
    section->set_id("section_" + std::to_string(s));
    section->set_heading("Section " + std::to_string(s));
    section->set_owner("backend-architect");
    markdown += "## Section " + std::to_string(s) + "\n\n";
    for (int i = 0; i < 3; ++i) {
      v1::Item* item = section->add_items();
      item->set_text("Split checkout and payments into services with their own data stores");
      item->set_rationale("6 teams ship independently; payments need strong consistency");
      item->set_agent("backend-architect");
      item->add_facts("team_count");
      markdown += "- **Recommendation**: " + item->text() + " — " + item->rationale() + "\n";
    }
  }
  turn.merge.merger_version = kMergerVersion;
  turn.merge.requirements = turn.session_facts;
  turn.session_facts.set_team_size(40);
  turn.session_facts.set_team_count(6);
  turn.session_facts.set_peak_rps(2000);
  v1::Fact fact;
  fact.set_field("peak_rps");
  fact.set_value("2000");
  fact.set_quote("2,000 orders per second");
  fact.set_turn(1);
  turn.session_fact_sources.push_back(fact);
  for (const char* agent : {"backend-architect", "sre"}) {
    AgentOutputRecord output;
    output.run.set_agent(agent);
    output.run.set_status(v1::AGENT_STATUS_OK);
    output.run.set_latency_ms(12);
    output.output.set_agent(agent);
    output.output.set_summary("summary of " + std::string(agent));
    *output.output.mutable_sections() = review.sections();
    v1::Decision* decision = output.output.add_decisions();
    decision->set_key("architecture_pattern");
    decision->set_value("microservices");
    decision->set_confidence(0.8);
    turn.outputs.push_back(std::move(output));
  }
  turn.status = "ok";
  turn.latency_ms = 25;
  return turn;
}

// ---- write path ---------------------------------------------------------------

std::unique_ptr<SessionStore> g_write_store;
std::atomic<int> g_thread_ids{0};

void SetUpWriteStore(const benchmark::State&) {
  std::string dir = BenchDir() + "/append";
  fs::remove_all(dir);
  StoreOptions options;
  options.path = dir + "/append.db";
  auto store = SessionStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::abort();
  }
  g_write_store = std::move(*store);
}

void TearDownWriteStore(const benchmark::State&) {
  g_write_store.reset();
  fs::remove_all(BenchDir() + "/append");
}

void BM_AppendTurn(benchmark::State& state) {
  const std::string session = NewSessionId();
  const std::string principal = "bench-" + std::to_string(g_thread_ids.fetch_add(1));
  TurnRecord first = RealisticTurn(principal, session, true, 0);
  if (!g_write_store->AppendTurn(first).ok()) state.SkipWithError("create session failed");
  const SessionStore::Stats before = g_write_store->stats();
  int n = 1;
  for (auto _ : state) {
    state.PauseTiming();
    TurnRecord turn = RealisticTurn(principal, session, false, n++);
    state.ResumeTiming();
    auto seq = g_write_store->AppendTurn(std::move(turn));
    if (!seq.ok()) {
      state.SkipWithError(seq.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    // Other threads' work overlaps this window, so the ratio is approximate.
    const SessionStore::Stats after = g_write_store->stats();
    const double commits = static_cast<double>(after.commits - before.commits);
    state.counters["turns_per_commit"] =
        commits > 0 ? static_cast<double>(after.turns - before.turns) / commits : 0;
  }
}
BENCHMARK(BM_AppendTurn)
    ->Setup(SetUpWriteStore)
    ->Teardown(TearDownWriteStore)
    ->Threads(1)
    ->Threads(16)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// BM_WritePathCpu: the store's CPU per new-session turn, everything the
// orchestrator hands over included (EncodeTurn on the caller's thread, then
// the writer's transaction, savepoint, rows and COMMIT), with the database in
// AGENTD_STORE_BENCH_CPU_DIR (default /dev/shm: fsync costs next to nothing
// there, so the figure is the CPU, not the disk). Turns go in through
// AppendTurnAsync in waves of Arg(0), as a loaded server queues them; the
// counter cpu_us_per_turn is process CPU (user + system, all threads).
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void BM_WritePathCpu(benchmark::State& state) {
  const char* env = std::getenv("AGENTD_STORE_BENCH_CPU_DIR");
  const std::string dir = std::string(env != nullptr ? env : "/dev/shm") + "/agentd-write-path-bench";
  fs::remove_all(dir);
  StoreOptions options;
  options.path = dir + "/cpu.db";
  auto store = SessionStore::Open(options);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  const TurnRecord model = RealisticTurn("bench", "", true, 0);
  const int wave = static_cast<int>(state.range(0));
  int64_t turns = 0;
  double cpu = 0;
  for (auto _ : state) {
    std::vector<TurnRecord> records(static_cast<size_t>(wave), model);  // copies made outside the CPU window
    for (TurnRecord& record : records) record.session_id = NewSessionId();
    absl::Mutex mu;
    int pending = wave;
    const double before = ProcessCpuSeconds();
    for (TurnRecord& record : records) {
      absl::StatusOr<EncodedTurn> encoded = (*store)->EncodeTurn(std::move(record));
      (*store)->AppendTurnAsync(std::move(*encoded), [&](absl::StatusOr<int> seq) {
        if (!seq.ok()) std::abort();
        absl::MutexLock lock(&mu);
        --pending;
      });
    }
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(+[](int* n) { return *n == 0; }, &pending));
    }
    cpu += ProcessCpuSeconds() - before;
    turns += wave;
  }
  state.counters["cpu_us_per_turn"] = cpu * 1e6 / static_cast<double>(turns);
  store->reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_WritePathCpu)->Arg(1)->Arg(32)->Unit(benchmark::kMicrosecond);

// ---- scale ------------------------------------------------------------------------

constexpr int kTurnsPerSession = 10;
constexpr int kSessionsPerPrincipal = 100;

int64_t ScaleTurns() {
  const char* env = std::getenv("AGENTD_STORE_BENCH_TURNS");
  int64_t turns = env != nullptr ? std::atoll(env) : 1'000'000;
  return std::max<int64_t>(turns, kTurnsPerSession);
}

const char* SampleDb() {
  const char* path = std::getenv("AGENTD_STORE_BENCH_SAMPLE_DB");
  return path != nullptr && *path != '\0' ? path : nullptr;
}

std::string ScalePath() {
  return BenchDir() + "/scale-" + std::to_string(ScaleTurns()) + (SampleDb() ? "-sample" : "-synthetic") +
         ".db";
}

std::string SessionIdFor(int64_t index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012lld", static_cast<long long>(index));
  return buf;
}
std::string PrincipalFor(int64_t session_index) {
  return "principal-" + std::to_string(session_index / kSessionsPerPrincipal);
}

void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "bulk load: %s: %s\n", what, sqlite3_errmsg(db));
    std::abort();
  }
}

// One turn's body as the store writes it (already encoded).
struct BenchTurn {
  std::string body;
};

BenchTurn Encode(const TurnRecord& turn) { return BenchTurn{EncodeTurn(turn, /*compress=*/true).body}; }

std::string ColumnBlob(sqlite3_stmt* stmt, int col) {
  const void* data = sqlite3_column_blob(stmt, col);
  return data == nullptr ? std::string()
                         : std::string(static_cast<const char*>(data),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt, col)));
}

// The real turns of the sample database (turn bodies, schema 3 and later),
// re-encoded as this build stores them.
std::vector<BenchTurn> LoadSampleTurns(const char* path) {
  sqlite3* db = nullptr;
  Check(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr), db, "open sample");
  sqlite3_stmt* turns = nullptr;
  Check(sqlite3_prepare_v2(db, "SELECT body FROM turns WHERE body IS NOT NULL", -1, &turns, nullptr), db,
        "prepare sample");
  std::vector<BenchTurn> sample;
  const uint32_t dictionary = CurrentTurnDictionaryId();  // registers the shipped ones, which the blobs name
  while (sqlite3_step(turns) == SQLITE_ROW) {
    auto plain = DecodeStoredBlob(ColumnBlob(turns, 0));
    if (!plain.ok()) {
      std::fprintf(stderr, "sample: %s\n", plain.status().ToString().c_str());
      std::abort();
    }
    sample.push_back(BenchTurn{EncodeStoredBlob(std::move(*plain), dictionary)});
  }
  sqlite3_finalize(turns);
  sqlite3_close(db);
  if (sample.empty()) {
    std::fprintf(stderr, "sample database %s has no turn bodies\n", path);
    std::abort();
  }
  return sample;
}

// Builds the scale database once: schema through the store (so it is the
// real, migrated schema), rows through raw SQLite in one transaction.
void BuildScaleDatabase() {
  const std::string path = ScalePath();
  if (fs::exists(path)) return;
  const std::string partial = path + ".building";
  fs::remove(partial);
  {
    StoreOptions options;
    options.path = partial;
    auto store = SessionStore::Open(options);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      std::abort();
    }
  }
  sqlite3* db = nullptr;
  Check(sqlite3_open(partial.c_str(), &db), db, "open");
  // No WAL and no journal while bulk loading: in WAL mode the whole load would
  // be written twice (log, then checkpoint). A crash leaves only the
  // ".building" file, which the next run throws away.
  Check(sqlite3_exec(db,
                     "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                     "PRAGMA cache_size = -262144; BEGIN",
                     nullptr, nullptr, nullptr),
        db, "begin");
  sqlite3_stmt* session_stmt = nullptr;
  sqlite3_stmt* turn_stmt = nullptr;
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO sessions (id, principal, title, facts, created_ms, updated_ms, "
                           "turn_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &session_stmt, nullptr),
        db, "prepare");
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO turns (session_id, seq, body, merger_version, status, "
                           "latency_ms, created_ms) VALUES (?1, ?2, ?3, ?4, 'ok', 25, ?5)",
                           -1, &turn_stmt, nullptr),
        db, "prepare");

  TurnRecord proto = RealisticTurn("p", "s", true, 1);
  v1::Review facts_envelope;  // same encoding as the store's facts column
  *facts_envelope.mutable_requirements() = proto.session_facts;
  *facts_envelope.add_facts() = proto.session_fact_sources[0];
  const std::string facts = facts_envelope.SerializeAsString();
  const std::vector<BenchTurn> templates =
      SampleDb() != nullptr ? LoadSampleTurns(SampleDb()) : std::vector<BenchTurn>{Encode(proto)};
  int64_t turn_index = 0;

  const int64_t sessions = ScaleTurns() / kTurnsPerSession;
  const int64_t base_ms = 1'700'000'000'000;
  auto started = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < sessions; ++s) {
    const std::string id = SessionIdFor(s);
    const std::string principal = PrincipalFor(s);
    const int64_t updated = base_ms + s * 1000;
    sqlite3_bind_text(session_stmt, 1, id.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(session_stmt, 2, principal.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(session_stmt, 3, s % 10 == 0 ? "Payments ledger" : "Checkout platform", -1,
                      SQLITE_STATIC);
    sqlite3_bind_blob(session_stmt, 4, facts.data(), static_cast<int>(facts.size()), SQLITE_STATIC);
    sqlite3_bind_int64(session_stmt, 5, updated - 500);
    sqlite3_bind_int64(session_stmt, 6, updated);
    sqlite3_bind_int64(session_stmt, 7, kTurnsPerSession);
    Check(sqlite3_step(session_stmt), db, "insert session");
    sqlite3_reset(session_stmt);
    for (int seq = 1; seq <= kTurnsPerSession; ++seq) {
      const BenchTurn& t = templates[static_cast<size_t>(turn_index++) % templates.size()];
      sqlite3_bind_text(turn_stmt, 1, id.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int(turn_stmt, 2, seq);
      sqlite3_bind_blob(turn_stmt, 3, t.body.data(), static_cast<int>(t.body.size()), SQLITE_STATIC);
      sqlite3_bind_int(turn_stmt, 4, kMergerVersion);
      sqlite3_bind_int64(turn_stmt, 5, updated - 500 + seq);
      Check(sqlite3_step(turn_stmt), db, "insert turn");
      sqlite3_reset(turn_stmt);
    }
  }
  Check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  sqlite3_finalize(session_stmt);
  sqlite3_finalize(turn_stmt);
  Check(sqlite3_exec(db, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr), db, "journal_mode");
  sqlite3_close(db);
  fs::rename(partial, path);
  std::fprintf(stderr, "built %s: %lld turns in %.1f s\n", path.c_str(),
               static_cast<long long>(ScaleTurns()),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

// ---- blob encoding ------------------------------------------------------------
// What compression costs per turn: every blob of one turn (the sample's turns
// in turn, or the synthetic one), encoded (Arg 0) or decoded (Arg 1).

void BM_TurnBlobCodec(benchmark::State& state) {
  const std::vector<BenchTurn> turns = SampleDb() != nullptr
                                           ? LoadSampleTurns(SampleDb())
                                           : std::vector<BenchTurn>{Encode(RealisticTurn("p", "s", true, 1))};
  std::vector<std::string> plain, stored;
  double plain_bytes = 0, stored_bytes = 0;
  for (const BenchTurn& turn : turns) {
    plain.push_back(*DecodeStoredBlob(turn.body));
    stored.push_back(turn.body);
    plain_bytes += static_cast<double>(plain.back().size());
    stored_bytes += static_cast<double>(stored.back().size());
  }
  const uint32_t dictionary = CurrentTurnDictionaryId();
  size_t next = 0;
  for (auto _ : state) {
    const size_t t = next++ % plain.size();
    if (state.range(0) == 0) {
      benchmark::DoNotOptimize(EncodeStoredBlob(plain[t], dictionary));
    } else {
      benchmark::DoNotOptimize(DecodeStoredBlob(stored[t]));
    }
  }
  state.counters["plain_bytes_per_turn"] = plain_bytes / static_cast<double>(plain.size());
  state.counters["stored_bytes_per_turn"] = stored_bytes / static_cast<double>(plain.size());
}
BENCHMARK(BM_TurnBlobCodec)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

std::unique_ptr<SessionStore> g_scale_store;

void SetUpScaleStore(const benchmark::State&) {
  BuildScaleDatabase();
  StoreOptions options;
  options.path = ScalePath();
  options.merge_review = MergeStoredTurn;
  auto store = SessionStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::abort();
  }
  g_scale_store = std::move(*store);
}

void TearDownScaleStore(const benchmark::State&) { g_scale_store.reset(); }

// Latency percentiles measured per call, reported as counters (microseconds).
class Percentiles {
 public:
  template <typename Fn>
  void Time(Fn fn) {
    auto start = std::chrono::steady_clock::now();
    fn();
    samples_.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  void Report(benchmark::State& state) {
    if (samples_.empty()) return;
    std::sort(samples_.begin(), samples_.end());
    state.counters["p50_us"] = samples_[samples_.size() / 2];
    state.counters["p99_us"] = samples_[std::min(samples_.size() - 1, samples_.size() * 99 / 100)];
  }

 private:
  std::vector<double> samples_;
};

void BM_ScaleGetSession(benchmark::State& state) {
  const int64_t sessions = ScaleTurns() / kTurnsPerSession;
  std::mt19937_64 rng(42);
  Percentiles latency;
  for (auto _ : state) {
    int64_t s = static_cast<int64_t>(rng() % static_cast<uint64_t>(sessions));
    latency.Time([&] {
      auto got = g_scale_store->GetSession(PrincipalFor(s), SessionIdFor(s), 50, "");
      if (!got.ok() || got->turns_size() != kTurnsPerSession) state.SkipWithError("GetSession failed");
      benchmark::DoNotOptimize(got);
    });
  }
  latency.Report(state);
}
BENCHMARK(BM_ScaleGetSession)->Setup(SetUpScaleStore)->Teardown(TearDownScaleStore)->Unit(benchmark::kMicrosecond);

// Arg 0: first page of 20; 1: the page after a token 60 sessions deep;
// 2: first page with a title filter.
void BM_ScaleListSessions(benchmark::State& state) {
  const int64_t principals = std::max<int64_t>(1, ScaleTurns() / kTurnsPerSession / kSessionsPerPrincipal);
  std::mt19937_64 rng(7);
  Percentiles latency;
  for (auto _ : state) {
    std::string principal = "principal-" + std::to_string(rng() % static_cast<uint64_t>(principals));
    std::string token;
    if (state.range(0) == 1) {
      state.PauseTiming();
      auto deep = g_scale_store->ListSessions(principal, 60, "", "");
      token = deep.ok() ? deep->next_page_token() : "";
      state.ResumeTiming();
    }
    latency.Time([&] {
      auto page = g_scale_store->ListSessions(principal, 20, token, state.range(0) == 2 ? "ledger" : "");
      if (!page.ok() || page->sessions_size() == 0) state.SkipWithError("ListSessions failed");
      benchmark::DoNotOptimize(page);
    });
  }
  latency.Report(state);
  std::error_code ec;
  const double bytes = static_cast<double>(fs::file_size(ScalePath(), ec));
  state.counters["bytes_per_turn"] = ec ? 0 : bytes / static_cast<double>(ScaleTurns());
}
BENCHMARK(BM_ScaleListSessions)
    ->Setup(SetUpScaleStore)
    ->Teardown(TearDownScaleStore)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace agentd

BENCHMARK_MAIN();
