#include "db/session_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "db/schema_migrations.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh directory per test, removed afterwards.
class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "session_store_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "nested" / "agentd.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Stands in for the orchestrator's merger: the review of a stored turn is
  // its first answer's summary, marked with the merger version.
  static absl::StatusOr<v1::Review> TestMerger(const MergeRecord& merge,
                                               const std::vector<AgentOutputRecord>& outputs) {
    if (merge.merger_version != 7) return absl::FailedPreconditionError("unknown merger version");
    v1::Review review;
    review.set_markdown(outputs.empty() ? "" : outputs[0].output.summary());
    for (const AgentOutputRecord& o : outputs) *review.add_agents() = o.run;
    return review;
  }

  StoreOptions Options() {
    StoreOptions options;
    options.path = path_;
    options.merge_review = TestMerger;
    options.clock = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    return options;
  }

  std::unique_ptr<SessionStore> OpenStore(StoreOptions options) {
    auto store = SessionStore::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // A raw connection for checks the store API does not offer.
  sqlite3* RawOpen() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
              SQLITE_OK);
    return db;
  }
  static std::string QueryText(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return value;
  }
  static void Exec(sqlite3* db, const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  }

  static TurnRecord MakeTurn(std::string principal, std::string session_id, bool create,
                             std::string text) {
    TurnRecord turn;
    turn.principal = std::move(principal);
    turn.session_id = std::move(session_id);
    turn.create_session = create;
    turn.title = "title of " + turn.session_id;
    turn.request.set_text(text);
    turn.route.set_summary("backend-architect");
    turn.merge.merger_version = 7;
    turn.session_facts.set_team_size(12);
    v1::Fact fact;
    fact.set_field("team_size");
    fact.set_value("12");
    fact.set_quote("12 engineers");
    fact.set_turn(1);
    turn.session_fact_sources.push_back(fact);
    AgentOutputRecord output;
    output.run.set_agent("backend-architect");
    output.run.set_status(v1::AGENT_STATUS_OK);
    output.run.set_latency_ms(3.5);
    output.output.set_agent("backend-architect");
    output.output.set_summary("# Review of " + text);
    turn.outputs.push_back(output);
    AgentOutputRecord failed;
    failed.run.set_agent("sre");
    failed.run.set_status(v1::AGENT_STATUS_TIMED_OUT);
    failed.run.set_error("deadline exceeded");
    turn.outputs.push_back(failed);
    turn.status = "ok";
    turn.latency_ms = 42;
    return turn;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
};

TEST_F(SessionStoreTest, CreateAppendGetListDelete) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  v1::Requirements facts;
  facts.set_peak_rps(100);
  auto created = store->CreateSession("alice", "Checkout redesign", facts);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->title(), "Checkout redesign");
  EXPECT_EQ(created->turn_count(), 0);

  now_ms_ += 10;
  TurnRecord turn = MakeTurn("alice", created->id(), false, "first question");
  auto seq = store->AppendTurn(turn);
  ASSERT_TRUE(seq.ok()) << seq.status();
  EXPECT_EQ(*seq, 1);
  now_ms_ += 10;
  EXPECT_EQ(*store->AppendTurn(MakeTurn("alice", created->id(), false, "second")), 2);

  auto loaded = store->LoadSession("alice", created->id());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->turn_count(), 2);
  EXPECT_EQ(loaded->facts().team_size(), 12);  // replaced by the last turn's facts
  EXPECT_EQ(loaded->updated_unix_ms(), now_ms_.load());
  EXPECT_EQ(loaded->created_unix_ms(), created->created_unix_ms());

  auto sources = store->LoadSessionFactSources("alice", created->id());
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 1u);
  EXPECT_EQ((*sources)[0].quote(), "12 engineers");

  auto got = store->GetSession("alice", created->id(), 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->turns_size(), 2);
  EXPECT_EQ(got->turns(0).seq(), 1);
  EXPECT_EQ(got->turns(0).request().text(), "first question");
  EXPECT_EQ(got->turns(0).review().markdown(), "# Review of first question");
  EXPECT_EQ(got->turns(0).route().summary(), "backend-architect");
  EXPECT_EQ(got->turns(0).status(), "ok");
  EXPECT_EQ(got->turns(0).latency_ms(), 42);
  EXPECT_EQ(got->turns(1).request().text(), "second");
  EXPECT_TRUE(got->next_page_token().empty());

  // A turn can create its session in the same transaction. (The clock moves
  // on so that "newest first" below does not fall back to the id order.)
  now_ms_ += 10;
  std::string fresh = NewSessionId();
  EXPECT_EQ(*store->AppendTurn(MakeTurn("alice", fresh, true, "hello")), 1);
  EXPECT_EQ(store->AppendTurn(MakeTurn("alice", fresh, true, "again")).status().code(),
            absl::StatusCode::kAlreadyExists);

  auto list = store->ListSessions("alice", 0, "", "");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->sessions_size(), 2);
  EXPECT_EQ(list->sessions(0).id(), fresh);  // newest first
  EXPECT_EQ(list->sessions(1).id(), created->id());

  ASSERT_TRUE(store->DeleteSession("alice", created->id()).ok());
  EXPECT_EQ(store->LoadSession("alice", created->id()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->DeleteSession("alice", created->id()).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->AppendTurn(MakeTurn("alice", created->id(), false, "late")).status().code(),
            absl::StatusCode::kNotFound);
  store.reset();

  // Turns went with the session (ON DELETE CASCADE); a turn is one row,
  // its answers inside it.
  sqlite3* db = RawOpen();
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM turns WHERE session_id = '" + created->id() + "'"), "0");
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM turns WHERE session_id = '" + fresh + "'"), "1");
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM agent_outputs"), "0");
  EXPECT_EQ(QueryText(db, "SELECT merger_version FROM turns WHERE session_id = '" + fresh + "'"), "7");
  EXPECT_EQ(QueryText(db, "PRAGMA journal_mode"), "wal");
  sqlite3_close(db);
}

TEST_F(SessionStoreTest, CreatedSessionKeepsItsInitialFactsWithTheirProvenance) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  v1::Requirements facts;
  facts.set_team_size(6);
  v1::Fact source;
  source.set_field("team_size");
  source.set_value("6");
  source.set_source(v1::Fact::SOURCE_FIELD);
  auto created = store->CreateSession("alice", "seeded", facts, {source});
  ASSERT_TRUE(created.ok()) << created.status();

  auto loaded = store->LoadSession("alice", created->id());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->facts().team_size(), 6);
  auto sources = store->LoadSessionFactSources("alice", created->id());
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 1u);
  EXPECT_EQ((*sources)[0].field(), "team_size");
  EXPECT_EQ((*sources)[0].source(), v1::Fact::SOURCE_FIELD);
  // Another principal sees neither the session nor its facts.
  EXPECT_EQ(store->LoadSessionFactSources("bob", created->id()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SessionStoreTest, TurnsAreStoredCompressedAndPlainOldRowsStillRead) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  std::string id = NewSessionId();
  TurnRecord big = MakeTurn("alice", id, true, "big");
  std::string markdown;
  for (int i = 0; i < 300; ++i) absl::StrAppend(&markdown, "| row ", i, " | cache-aside | TTL 60 s |\n");
  big.outputs[0].output.set_summary(markdown);
  ASSERT_TRUE(store->AppendTurn(big).ok());
  // A turn as an agentd of schema version 2 wrote it, uncompressed: its
  // review in its own column, no body.
  ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", id, false, "second")).ok());
  {
    sqlite3* db = RawOpen();
    EXPECT_EQ(QueryText(db, "SELECT hex(substr(body, 1, 2)) FROM turns WHERE seq = 1"),
              CurrentTurnDictionaryId() != 0 ? "0064" : "0073");  // "\0d": with the dictionary
    v1::Review plain;
    plain.set_markdown(markdown + "written plain");
    const std::string blob = plain.SerializeAsString();
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE turns SET review = ?1, body = NULL, merger_version = 0 WHERE seq = 2",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(stmt, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  auto got = store->GetSession("alice", id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->turns_size(), 2);
  EXPECT_EQ(got->turns(0).review().markdown(), markdown);
  EXPECT_EQ(got->turns(1).review().markdown(), markdown + "written plain");
  store.reset();

  // With compression off, turns are written plain, and both still read.
  StoreOptions plain_options = Options();
  plain_options.compress_turns = false;
  store = OpenStore(plain_options);
  ASSERT_NE(store, nullptr);
  big.create_session = false;
  ASSERT_TRUE(store->AppendTurn(big).ok());
  {
    sqlite3* db = RawOpen();
    EXPECT_EQ(QueryText(db, "SELECT substr(body, 1, 1) = x'00' FROM turns WHERE seq = 3"), "0");
    EXPECT_EQ(QueryText(db, "SELECT substr(body, 1, 1) = x'00' FROM turns WHERE seq = 1"), "1");
    sqlite3_close(db);
  }
  got = store->GetSession("alice", id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->turns_size(), 3);
  EXPECT_EQ(got->turns(0).review().markdown(), markdown);
  EXPECT_EQ(got->turns(2).review().markdown(), markdown);
}

TEST_F(SessionStoreTest, LoadsEachAgentsOutputForATurn) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  std::string id = NewSessionId();
  ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", id, true, "q")).ok());
  auto outputs = store->LoadAgentOutputs("alice", id, 1);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  ASSERT_EQ(outputs->size(), 2u);
  EXPECT_EQ((*outputs)[0].run.agent(), "backend-architect");
  EXPECT_EQ((*outputs)[0].run.status(), v1::AGENT_STATUS_OK);
  EXPECT_EQ((*outputs)[0].run.latency_ms(), 3.5);
  EXPECT_EQ((*outputs)[0].output.summary(), "# Review of q");
  EXPECT_EQ((*outputs)[1].run.status(), v1::AGENT_STATUS_TIMED_OUT);
  EXPECT_EQ((*outputs)[1].run.error(), "deadline exceeded");
  EXPECT_EQ((*outputs)[1].output.ByteSizeLong(), 0u);
  EXPECT_TRUE(store->LoadAgentOutputs("alice", id, 2)->empty());
  EXPECT_EQ(store->LoadAgentOutputs("bob", id, 1).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SessionStoreTest, DataSurvivesReopen) {
  std::string id = NewSessionId();
  {
    auto store = OpenStore(Options());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", id, true, "persist me")).ok());
  }
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  auto got = store->GetSession("alice", id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->turns_size(), 1);
  EXPECT_EQ(got->turns(0).request().text(), "persist me");
}

// The asynchronous append: `done` runs once, after the COMMIT (the turn is
// readable from another connection by then), with the turn's seq or the
// error; a failing one fails alone.
TEST_F(SessionStoreTest, AsyncAppendCallsBackOnceAfterTheCommit) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::string id = NewSessionId();
  constexpr int kTurns = 50;
  absl::Mutex mu;
  std::vector<int> seqs;
  std::vector<absl::Status> errors;
  int readable_when_done = 0;
  for (int i = 0; i < kTurns; ++i) {
    auto encoded = store->EncodeTurn(MakeTurn("alice", id, i == 0, absl::StrCat("q", i)));
    ASSERT_TRUE(encoded.ok()) << encoded.status();
    store->AppendTurnAsync(*std::move(encoded), [&, s = store.get()](absl::StatusOr<int> seq) {
      // Another connection sees the turn already: it is committed.
      const bool readable = seq.ok() && s->LoadAgentOutputs("alice", id, *seq).ok();
      absl::MutexLock lock(&mu);
      if (seq.ok()) {
        seqs.push_back(*seq);
        readable_when_done += readable ? 1 : 0;
      } else {
        errors.push_back(seq.status());
      }
    });
  }
  // One that must fail: a session nobody created.
  auto orphan = store->EncodeTurn(MakeTurn("alice", NewSessionId(), false, "orphan"));
  ASSERT_TRUE(orphan.ok());
  store->AppendTurnAsync(*std::move(orphan), [&](absl::StatusOr<int> seq) {
    absl::MutexLock lock(&mu);
    errors.push_back(seq.status());
  });
  {
    absl::MutexLock lock(&mu);
    auto all_done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return seqs.size() + errors.size() == kTurns + 1;
    };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all_done), absl::Seconds(30)));
  }
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), static_cast<size_t>(kTurns));
  for (int i = 0; i < kTurns; ++i) EXPECT_EQ(seqs[i], i + 1);
  EXPECT_EQ(readable_when_done, kTurns);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), absl::StatusCode::kNotFound);
  auto got = store->GetSession("alice", id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->turns_size(), kTurns);
}

TEST_F(SessionStoreTest, PagesThroughTurns) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  std::string id = NewSessionId();
  for (int i = 1; i <= 25; ++i) {
    ASSERT_EQ(*store->AppendTurn(MakeTurn("alice", id, i == 1, absl::StrCat("q", i))), i);
  }
  std::vector<int> seqs;
  std::string token;
  int pages = 0;
  do {
    auto page = store->GetSession("alice", id, 10, token);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->session().turn_count(), 25);
    for (const v1::Turn& turn : page->turns()) {
      seqs.push_back(turn.seq());
      EXPECT_EQ(turn.request().text(), absl::StrCat("q", turn.seq()));
    }
    token = page->next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seqs.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(seqs[i], i + 1);

  // Exactly one full page: no dangling empty page.
  auto all = store->GetSession("alice", id, 25, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->turns_size(), 25);
  EXPECT_TRUE(all->next_page_token().empty());

  EXPECT_EQ(store->GetSession("alice", id, -1, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetSession("alice", id, 10, "not-a-token").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetSession("alice", id, 10, "abc").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto sessions = store->ListSessions("alice", 1, "", "");
  ASSERT_TRUE(sessions.ok());
  // A session-list token is not a turn token, and vice versa.
  std::string second_page_of_turns = store->GetSession("alice", id, 1, "")->next_page_token();
  ASSERT_FALSE(second_page_of_turns.empty());
  EXPECT_EQ(store->ListSessions("alice", 10, second_page_of_turns, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SessionStoreTest, PagesThroughSessionsNewestFirst) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  std::vector<std::string> ids;
  for (int i = 0; i < 130; ++i) {
    // Several sessions share a millisecond so that ties must page correctly.
    if (i % 3 == 0) now_ms_ += 1;
    auto session = store->CreateSession("alice", absl::StrCat("session ", i), {});
    ASSERT_TRUE(session.ok()) << session.status();
    ids.push_back(session->id());
  }
  ASSERT_TRUE(store->CreateSession("bob", "bob's", {}).ok());

  std::vector<v1::Session> seen;
  std::string token;
  do {
    auto page = store->ListSessions("alice", 7, token, "");
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->sessions_size(), 7);
    for (const v1::Session& s : page->sessions()) seen.push_back(s);
    token = page->next_page_token();
  } while (!token.empty());
  ASSERT_EQ(seen.size(), 130u);
  std::set<std::string> unique;
  for (size_t i = 0; i < seen.size(); ++i) {
    unique.insert(seen[i].id());
    if (i > 0) {
      bool ordered = seen[i - 1].updated_unix_ms() > seen[i].updated_unix_ms() ||
                     (seen[i - 1].updated_unix_ms() == seen[i].updated_unix_ms() &&
                      seen[i - 1].id() < seen[i].id());
      EXPECT_TRUE(ordered) << "at " << i;
    }
  }
  EXPECT_EQ(unique, std::set<std::string>(ids.begin(), ids.end()));

  auto default_page = store->ListSessions("alice", 0, "", "");
  ASSERT_TRUE(default_page.ok());
  EXPECT_EQ(default_page->sessions_size(), 50);
  auto capped = store->ListSessions("alice", 5000, "", "");
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->sessions_size(), 130);
  EXPECT_EQ(store->ListSessions("alice", -5, "", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ListSessions("alice", 5, "zz", "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SessionStoreTest, TitleFilterIsCaseInsensitiveSubstringWithLiteralWildcards) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  for (const char* title : {"Payments at 100% load", "100 percent sure", "Order_Service", "OrderXService",
                            "inventory"}) {
    ASSERT_TRUE(store->CreateSession("alice", title, {}).ok());
  }
  auto titles = [&](std::string_view filter) {
    std::set<std::string> out;
    auto page = store->ListSessions("alice", 0, "", filter);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& s : page->sessions()) out.insert(s.title());
    }
    return out;
  };
  EXPECT_EQ(titles("100%"), std::set<std::string>{"Payments at 100% load"});
  EXPECT_EQ(titles("order_"), std::set<std::string>{"Order_Service"});
  EXPECT_EQ(titles("ORDER"), (std::set<std::string>{"Order_Service", "OrderXService"}));
  EXPECT_EQ(titles("nothing like it"), std::set<std::string>{});
  EXPECT_EQ(titles("").size(), 5u);
}

TEST_F(SessionStoreTest, OnePrincipalNeverSeesAnothersSession) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  std::string id = NewSessionId();
  ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", id, true, "secret")).ok());

  EXPECT_EQ(store->LoadSession("bob", id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->LoadSessionFactSources("bob", id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->GetSession("bob", id, 0, "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->AppendTurn(MakeTurn("bob", id, false, "intrude")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store->DeleteSession("bob", id).code(), absl::StatusCode::kNotFound);
  auto bobs = store->ListSessions("bob", 0, "", "");
  ASSERT_TRUE(bobs.ok());
  EXPECT_EQ(bobs->sessions_size(), 0);
  // A token taken from alice's listing shows bob nothing of hers.
  ASSERT_TRUE(store->CreateSession("alice", "second", {}).ok());
  auto alice_page = store->ListSessions("alice", 1, "", "");
  ASSERT_TRUE(alice_page.ok());
  ASSERT_FALSE(alice_page->next_page_token().empty());
  auto bob_page = store->ListSessions("bob", 10, alice_page->next_page_token(), "");
  ASSERT_TRUE(bob_page.ok());
  EXPECT_EQ(bob_page->sessions_size(), 0);
  EXPECT_EQ(store->PruneOlderThan(absl::FromUnixMillis(0)).value_or(-1), 0);

  // Alice's session is untouched by all of that.
  auto got = store->GetSession("alice", id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->session().turn_count(), 1);
  ASSERT_EQ(got->turns_size(), 1);
  EXPECT_EQ(got->turns(0).request().text(), "secret");
}

TEST_F(SessionStoreTest, ConcurrentAppendsShareCommits) {
  StoreOptions options = Options();
  options.max_batch_delay = absl::Milliseconds(50);
  options.max_batch_size = 16;
  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  std::string shared = NewSessionId();
  ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", shared, true, "start")).ok());
  const auto before = store->stats();

  constexpr int kThreads = 16;
  constexpr int kTurnsEach = 10;
  std::vector<std::string> own(kThreads);
  std::vector<std::vector<int>> shared_seqs(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    own[t] = NewSessionId();
    threads.emplace_back([&, t] {
      for (int i = 0; i < kTurnsEach; ++i) {
        bool mine = i % 2 == 0;
        auto seq = store->AppendTurn(MakeTurn("alice", mine ? own[t] : shared, mine && i == 0,
                                              absl::StrCat("t", t, "-", i)));
        if (!seq.ok()) {
          ++failures;
        } else if (!mine) {
          shared_seqs[t].push_back(*seq);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  const auto after = store->stats();
  const int64_t turns = after.turns - before.turns;
  const int64_t commits = after.commits - before.commits;
  EXPECT_EQ(turns, kThreads * kTurnsEach);
  EXPECT_LT(commits, turns / 2) << "group commit did not group";

  for (int t = 0; t < kThreads; ++t) {
    auto got = store->GetSession("alice", own[t], 0, "");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->turns_size(), kTurnsEach / 2);
  }
  // The shared session got every seq exactly once.
  std::set<int> seqs;
  for (const auto& list : shared_seqs) seqs.insert(list.begin(), list.end());
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kThreads * kTurnsEach / 2));
  EXPECT_EQ(*seqs.begin(), 2);
  EXPECT_EQ(*seqs.rbegin(), 1 + kThreads * kTurnsEach / 2);
  EXPECT_EQ(store->LoadSession("alice", shared)->turn_count(), 1 + kThreads * kTurnsEach / 2);
}

TEST_F(SessionStoreTest, FailingWriteDoesNotFailItsGroup) {
  StoreOptions options = Options();
  options.max_batch_delay = absl::Milliseconds(50);
  options.max_batch_size = 8;
  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  std::vector<std::string> good(4);
  for (auto& id : good) {
    id = NewSessionId();
    ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", id, true, "first")).ok());
  }
  std::vector<absl::StatusCode> codes(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      std::string id = i % 2 == 0 ? good[i / 2] : NewSessionId();  // odd: no such session
      codes[i] = store->AppendTurn(MakeTurn("alice", id, false, "second")).status().code();
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(codes[i], i % 2 == 0 ? absl::StatusCode::kOk : absl::StatusCode::kNotFound) << i;
  }
  for (const auto& id : good) EXPECT_EQ(store->LoadSession("alice", id)->turn_count(), 2);
}

TEST_F(SessionStoreTest, MigratesVersionOneDatabaseKeepingData) {
  static_assert(schema::kLatestVersion >= 2);
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  sqlite3* db = RawOpen();
  Exec(db, schema::kMigrations[0].sql);
  Exec(db, "PRAGMA user_version = 1");
  v1::ReviewRequest request;
  request.set_text("from version one");
  std::string request_blob = request.SerializeAsString();
  Exec(db,
       "INSERT INTO sessions (id, principal, title, facts, created_ms, updated_ms, turn_count) "
       "VALUES ('old-session', 'alice', 'Old', NULL, 1000, 2000, 1)");
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO turns (session_id, seq, request, route, review, status, "
                               "latency_ms, created_ms) VALUES ('old-session', 1, ?, x'', x'', 'ok', 5, 2000)",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(stmt, 1, request_blob.data(), static_cast<int>(request_blob.size()), SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  auto got = store->GetSession("alice", "old-session", 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->session().title(), "Old");
  EXPECT_EQ(got->session().updated_unix_ms(), 2000);
  ASSERT_EQ(got->turns_size(), 1);
  EXPECT_EQ(got->turns(0).request().text(), "from version one");
  EXPECT_EQ(*store->AppendTurn(MakeTurn("alice", "old-session", false, "after upgrade")), 2);
  auto listed = store->ListSessions("alice", 0, "", "old");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->sessions_size(), 1);
  store.reset();

  db = RawOpen();
  EXPECT_EQ(QueryText(db, "PRAGMA user_version"), std::to_string(schema::kLatestVersion));
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'sessions_updated'"),
            "1");
  EXPECT_EQ(QueryText(db, "PRAGMA integrity_check"), "ok");
  sqlite3_close(db);
}

TEST_F(SessionStoreTest, RefusesNewerSchema) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  sqlite3* db = RawOpen();
  const int future = schema::kLatestVersion + 1;
  Exec(db, "CREATE TABLE from_the_future (x)");
  Exec(db, "PRAGMA user_version = " + std::to_string(future));
  sqlite3_close(db);

  auto store = SessionStore::Open(Options());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path_));
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(absl::StrCat("schema version ", future)));

  db = RawOpen();
  EXPECT_EQ(QueryText(db, "PRAGMA user_version"), std::to_string(future));
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM sqlite_master WHERE name = 'sessions'"), "0");
  sqlite3_close(db);
}

// Another process holds the write lock past busy_timeout: writes fail
// UNAVAILABLE and leave nothing behind, reads carry on, and writing resumes
// once the lock is gone.
TEST_F(SessionStoreTest, LockedDatabaseIsUnavailableForWritesButStillReadable) {
  StoreOptions options = Options();
  options.busy_timeout_ms = 20;
  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  std::string id = NewSessionId();
  ASSERT_EQ(*store->AppendTurn(MakeTurn("alice", id, true, "before")), 1);

  sqlite3* other = RawOpen();
  Exec(other, "BEGIN IMMEDIATE");
  auto blocked = store->AppendTurn(MakeTurn("alice", id, false, "blocked"));
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(blocked.status().message()), HasSubstr(path_));
  EXPECT_THAT(std::string(blocked.status().message()), HasSubstr("locked"));
  EXPECT_EQ(store->CreateSession("alice", "blocked too", {}).status().code(),
            absl::StatusCode::kUnavailable);

  auto got = store->GetSession("alice", id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->turns_size(), 1);
  EXPECT_TRUE(store->ListSessions("alice", 0, "", "").ok());

  Exec(other, "ROLLBACK");
  sqlite3_close(other);
  EXPECT_EQ(*store->AppendTurn(MakeTurn("alice", id, false, "after")), 2);
}

// A database file this process may not write (mode 0444, directory writable
// for the WAL index): the store opens, serves reads, and refuses writes with
// UNAVAILABLE. Root ignores file modes, so the check runs in a forked child
// that drops to an unprivileged user first.
TEST_F(SessionStoreTest, ReadOnlyDatabaseFileIsUnavailableForWritesButStillReadable) {
  std::string id = NewSessionId();
  {
    auto store = OpenStore(Options());
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(*store->AppendTurn(MakeTurn("alice", id, true, "before")), 1);
  }  // closing checkpoints the WAL, so the file alone holds the data
  namespace fs = std::filesystem;
  fs::permissions(dir_, fs::perms::all);
  fs::permissions(fs::path(path_).parent_path(), fs::perms::all);
  fs::permissions(path_, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);

  GTEST_FLAG_SET(death_test_style, "fast");  // fork only: the child keeps this test's paths
  StoreOptions options = Options();
  EXPECT_EXIT(
      {
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(10);
        auto store = SessionStore::Open(options);
        if (!store.ok()) {
          fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
          _exit(11);
        }
        auto refused = (*store)->AppendTurn(MakeTurn("alice", id, false, "refused"));
        fprintf(stderr, "append: %s\n", refused.status().ToString().c_str());
        if (refused.status().code() != absl::StatusCode::kUnavailable) _exit(12);
        if (refused.status().message().find(path_) == absl::string_view::npos) _exit(13);
        auto got = (*store)->GetSession("alice", id, 0, "");
        if (!got.ok() || got->turns_size() != 1 || got->turns(0).request().text() != "before") _exit(14);
        if (!(*store)->ListSessions("alice", 0, "", "").ok()) _exit(15);
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "append: UNAVAILABLE.*readonly");
}

TEST_F(SessionStoreTest, FullDatabaseRejectsTurnAndStaysConsistent) {
  StoreOptions options = Options();
  options.max_database_bytes = 128 * 1024;
  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  std::string id = NewSessionId();
  // Text that does not compress, so the quota is reached after a few turns.
  std::string filler(6000, ' ');
  uint32_t state = 12345;
  for (char& c : filler) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>('a' + (state >> 16) % 26);
  }
  int written = 0;
  absl::Status failure;
  for (int i = 0; i < 200 && failure.ok(); ++i) {
    TurnRecord turn = MakeTurn("alice", id, i == 0, absl::StrCat("turn ", i + 1));
    turn.outputs[0].output.set_summary(filler + std::to_string(i));
    auto seq = store->AppendTurn(std::move(turn));
    if (seq.ok()) {
      written = *seq;
    } else {
      failure = seq.status();
    }
  }
  ASSERT_FALSE(failure.ok()) << "quota never reached";
  EXPECT_EQ(failure.code(), absl::StatusCode::kResourceExhausted) << failure;
  EXPECT_THAT(std::string(failure.message()), HasSubstr(path_));
  ASSERT_GT(written, 0);

  // Reads still work and show exactly the committed turns.
  auto got = store->GetSession("alice", id, 1000, "");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->session().turn_count(), written);
  ASSERT_EQ(got->turns_size(), written);
  for (int i = 0; i < written; ++i) {
    EXPECT_EQ(got->turns(i).seq(), i + 1);
    EXPECT_EQ(got->turns(i).review().markdown(), filler + std::to_string(i));
  }
  // Freeing space lets writing resume where it stopped.
  ASSERT_TRUE(store->DeleteSession("alice", id).ok());
  std::string next = NewSessionId();
  EXPECT_EQ(*store->AppendTurn(MakeTurn("alice", next, true, "small")), 1);
  store.reset();

  sqlite3* db = RawOpen();
  EXPECT_EQ(QueryText(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(QueryText(db, "PRAGMA foreign_key_check"), "");
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM turns"), "1");
  sqlite3_close(db);
}

TEST_F(SessionStoreTest, PrunesOldSessionsInBatches) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  std::vector<std::string> old_ids;
  for (int i = 0; i < 25; ++i) {
    std::string id = NewSessionId();
    ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", id, true, "old")).ok());
    old_ids.push_back(id);
    now_ms_ += 1;
  }
  const absl::Time cutoff = absl::FromUnixMillis(now_ms_.load());
  std::string recent = NewSessionId();
  ASSERT_TRUE(store->AppendTurn(MakeTurn("bob", recent, true, "new")).ok());
  // An old session that got a new turn after the cutoff is kept.
  ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", old_ids[0], false, "revived")).ok());

  const auto before = store->stats();
  auto pruned = store->PruneOlderThan(cutoff, 4);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 24);
  // 24 sessions in batches of 4: six full batches and a final empty one.
  EXPECT_EQ(store->stats().commits - before.commits, 7);

  EXPECT_TRUE(store->LoadSession("alice", old_ids[0]).ok());
  EXPECT_TRUE(store->LoadSession("bob", recent).ok());
  for (size_t i = 1; i < old_ids.size(); ++i) {
    EXPECT_EQ(store->LoadSession("alice", old_ids[i]).status().code(), absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(*store->PruneOlderThan(cutoff, 4), 0);
  EXPECT_EQ(store->PruneOlderThan(cutoff, 0).status().code(), absl::StatusCode::kInvalidArgument);
  store.reset();
  sqlite3* db = RawOpen();
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM turns"), "3");
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM agent_outputs"), "0");
  sqlite3_close(db);
}

TEST_F(SessionStoreTest, RejectsMissingIdentity) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->CreateSession("", "t", {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->LoadSession("alice", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->AppendTurn(MakeTurn("", "x", true, "q")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ListSessions("", 0, "", "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NewSessionIdTest, LooksLikeUuidV4AndIsUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewSessionId();
    ASSERT_EQ(id.size(), 36u) << id;
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[13], '-');
    EXPECT_EQ(id[14], '4');
    EXPECT_EQ(id[18], '-');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    EXPECT_EQ(id[23], '-');
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace agentd
