// Session store benchmarks.
//
// BM_AppendTurn: one turn's durable write (group commit, synchronous=FULL),
// from 1 and 16 threads. Counters: turns per commit (how much grouping
// happened) and fsync-bound throughput.
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
// wrote>, its real turns (request, route, review, agent outputs), cycled;
// otherwise one synthetic turn, whose repeated text compresses better than
// real reviews do.
#include <sqlite3.h>

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

#include "benchmark/benchmark.h"
#include "db/blob_codec.h"
#include "db/session_store.h"

namespace agentd {
namespace {

namespace fs = std::filesystem;

std::string BenchDir() {
  const char* dir = std::getenv("AGENTD_STORE_BENCH_DIR");
  return dir != nullptr ? dir : "/tmp/agentd-store-bench";
}

// A turn shaped like a real one: a question, a route decision, a review with
// sections, decisions and markdown, and two agent outputs.
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
  std::string markdown;
  for (int s = 0; s < 6; ++s) {
    v1::Section* section = turn.review.add_sections();
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
  v1::Decision* decision = turn.review.add_decisions();
  decision->set_key("architecture_pattern");
  decision->set_value("microservices");
  decision->set_confidence(0.8);
  turn.review.set_markdown(markdown);
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
    *output.output.mutable_sections() = turn.review.sections();
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

// One turn's rows as the store writes them (blobs already encoded).
struct StoredTurn {
  std::string request, route, review;
  std::vector<std::pair<std::string, std::string>> outputs;  // agent, output blob
};

StoredTurn Encode(const TurnRecord& turn) {
  StoredTurn stored{EncodeStoredBlob(turn.request.SerializeAsString()),
                    EncodeStoredBlob(turn.route.SerializeAsString()),
                    EncodeStoredBlob(turn.review.SerializeAsString()),
                    {}};
  for (const auto& output : turn.outputs) {
    stored.outputs.emplace_back(output.run.agent(), EncodeStoredBlob(output.output.SerializeAsString()));
  }
  return stored;
}

std::string ColumnBlob(sqlite3_stmt* stmt, int col) {
  const void* data = sqlite3_column_blob(stmt, col);
  return data == nullptr ? std::string()
                         : std::string(static_cast<const char*>(data),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt, col)));
}

// The real turns of the sample database, re-encoded as this build stores them.
std::vector<StoredTurn> LoadSampleTurns(const char* path) {
  sqlite3* db = nullptr;
  Check(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr), db, "open sample");
  sqlite3_stmt* turns = nullptr;
  sqlite3_stmt* outputs = nullptr;
  Check(sqlite3_prepare_v2(db, "SELECT session_id, seq, request, route, review FROM turns", -1, &turns,
                           nullptr),
        db, "prepare sample");
  Check(sqlite3_prepare_v2(db,
                           "SELECT agent, output FROM agent_outputs WHERE session_id = ?1 AND seq = ?2 "
                           "AND output IS NOT NULL ORDER BY ord",
                           -1, &outputs, nullptr),
        db, "prepare sample");
  auto reencode = [](const std::string& blob) {
    auto plain = DecodeStoredBlob(blob);
    if (!plain.ok()) {
      std::fprintf(stderr, "sample: %s\n", plain.status().ToString().c_str());
      std::abort();
    }
    return EncodeStoredBlob(std::move(*plain));
  };
  std::vector<StoredTurn> sample;
  while (sqlite3_step(turns) == SQLITE_ROW) {
    StoredTurn turn{reencode(ColumnBlob(turns, 2)), reencode(ColumnBlob(turns, 3)),
                    reencode(ColumnBlob(turns, 4)), {}};
    sqlite3_bind_text(outputs, 1, reinterpret_cast<const char*>(sqlite3_column_text(turns, 0)), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(outputs, 2, sqlite3_column_int64(turns, 1));
    while (sqlite3_step(outputs) == SQLITE_ROW) {
      turn.outputs.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(outputs, 0)),
                                reencode(ColumnBlob(outputs, 1)));
    }
    sqlite3_reset(outputs);
    sample.push_back(std::move(turn));
  }
  sqlite3_finalize(turns);
  sqlite3_finalize(outputs);
  sqlite3_close(db);
  if (sample.empty()) {
    std::fprintf(stderr, "sample database %s has no turns\n", path);
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
  sqlite3_stmt* output_stmt = nullptr;
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO sessions (id, principal, title, facts, created_ms, updated_ms, "
                           "turn_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &session_stmt, nullptr),
        db, "prepare");
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO turns (session_id, seq, request, route, review, status, "
                           "latency_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, 'ok', 25, ?6)",
                           -1, &turn_stmt, nullptr),
        db, "prepare");
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO agent_outputs (session_id, seq, ord, agent, status, error, "
                           "latency_ms, output) VALUES (?1, ?2, ?3, ?4, 'AGENT_STATUS_OK', '', 12, ?5)",
                           -1, &output_stmt, nullptr),
        db, "prepare");

  TurnRecord proto = RealisticTurn("p", "s", true, 1);
  v1::Review facts_envelope;  // same encoding as the store's facts column
  *facts_envelope.mutable_requirements() = proto.session_facts;
  *facts_envelope.add_facts() = proto.session_fact_sources[0];
  const std::string facts = facts_envelope.SerializeAsString();
  const std::vector<StoredTurn> templates =
      SampleDb() != nullptr ? LoadSampleTurns(SampleDb()) : std::vector<StoredTurn>{Encode(proto)};
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
      const StoredTurn& t = templates[static_cast<size_t>(turn_index++) % templates.size()];
      const std::string& request = t.request;
      const std::string& route = t.route;
      const std::string& review = t.review;
      sqlite3_bind_text(turn_stmt, 1, id.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int(turn_stmt, 2, seq);
      sqlite3_bind_blob(turn_stmt, 3, request.data(), static_cast<int>(request.size()), SQLITE_STATIC);
      sqlite3_bind_blob(turn_stmt, 4, route.data(), static_cast<int>(route.size()), SQLITE_STATIC);
      sqlite3_bind_blob(turn_stmt, 5, review.data(), static_cast<int>(review.size()), SQLITE_STATIC);
      sqlite3_bind_int64(turn_stmt, 6, updated - 500 + seq);
      Check(sqlite3_step(turn_stmt), db, "insert turn");
      sqlite3_reset(turn_stmt);
      for (size_t o = 0; o < t.outputs.size(); ++o) {
        const auto& [agent, output] = t.outputs[o];
        sqlite3_bind_text(output_stmt, 1, id.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_int(output_stmt, 2, seq);
        sqlite3_bind_int(output_stmt, 3, static_cast<int>(o));
        sqlite3_bind_text(output_stmt, 4, agent.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_blob(output_stmt, 5, output.data(), static_cast<int>(output.size()), SQLITE_STATIC);
        Check(sqlite3_step(output_stmt), db, "insert output");
        sqlite3_reset(output_stmt);
      }
    }
  }
  Check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  sqlite3_finalize(session_stmt);
  sqlite3_finalize(turn_stmt);
  sqlite3_finalize(output_stmt);
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

std::vector<std::string> PlainTurnBlobs(const StoredTurn& turn) {
  std::vector<std::string> blobs;
  for (const std::string* blob : {&turn.request, &turn.route, &turn.review}) blobs.push_back(*DecodeStoredBlob(*blob));
  for (const auto& [agent, output] : turn.outputs) blobs.push_back(*DecodeStoredBlob(output));
  return blobs;
}

void BM_TurnBlobCodec(benchmark::State& state) {
  const std::vector<StoredTurn> turns = SampleDb() != nullptr
                                            ? LoadSampleTurns(SampleDb())
                                            : std::vector<StoredTurn>{Encode(RealisticTurn("p", "s", true, 1))};
  std::vector<std::vector<std::string>> plain, stored;
  for (const StoredTurn& turn : turns) {
    plain.push_back(PlainTurnBlobs(turn));
    stored.emplace_back();
    for (const std::string& blob : plain.back()) stored.back().push_back(EncodeStoredBlob(blob));
  }
  double plain_bytes = 0, stored_bytes = 0;
  for (size_t t = 0; t < plain.size(); ++t) {
    for (size_t b = 0; b < plain[t].size(); ++b) {
      plain_bytes += static_cast<double>(plain[t][b].size());
      stored_bytes += static_cast<double>(stored[t][b].size());
    }
  }
  size_t next = 0;
  for (auto _ : state) {
    const size_t t = next++ % plain.size();
    for (size_t b = 0; b < plain[t].size(); ++b) {
      if (state.range(0) == 0) {
        benchmark::DoNotOptimize(EncodeStoredBlob(plain[t][b]));
      } else {
        benchmark::DoNotOptimize(DecodeStoredBlob(stored[t][b]));
      }
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
