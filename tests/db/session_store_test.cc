// The SessionStore contract, one suite run against every backend: SQLite in
// a temporary file, and PostgreSQL 15 in a database of its own on the test
// server (tests/support/postgres_server.h; skipped, saying why, when
// PostgreSQL is not installed). Its listings and principal scoping are in
// session_store_paging_test.cc. What one backend alone does is tested in
// sqlite_session_store_test.cc and postgres_session_store_test.cc.
#include "db/session_store.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/db/session_store_fixture.h"

namespace agentd {
namespace {

using testing_db::MakeTurn;
using testing_db::SessionStoreTest;

INSTANTIATE_TEST_SUITE_P(Backends, SessionStoreTest, testing_db::EveryBackend(), testing_db::BackendName);

TEST_P(SessionStoreTest, CreateAppendGetListDelete) {
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

  // Turns went with the session (ON DELETE CASCADE); a turn is one row
  // with its merger version.
  auto db = location_->Raw();
  EXPECT_EQ(db->Text("SELECT count(*) FROM turns WHERE session_id = '" + created->id() + "'"), "0");
  EXPECT_EQ(db->Text("SELECT count(*) FROM turns WHERE session_id = '" + fresh + "'"), "1");
  EXPECT_EQ(db->Text("SELECT merger_version FROM turns WHERE session_id = '" + fresh + "'"), "7");
}

TEST_P(SessionStoreTest, CreatedSessionKeepsItsInitialFactsWithTheirProvenance) {
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


TEST_P(SessionStoreTest, LoadsEachAgentsOutputForATurn) {
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

TEST_P(SessionStoreTest, DataSurvivesReopen) {
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
TEST_P(SessionStoreTest, AsyncAppendCallsBackOnceAfterTheCommit) {
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

TEST_P(SessionStoreTest, ConcurrentAppendsShareCommits) {
  auto store = OpenStore(GroupingOptions(16));
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

TEST_P(SessionStoreTest, FailingWriteDoesNotFailItsGroup) {
  auto store = OpenStore(GroupingOptions(8));
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






// A group is applied without savepoints first; a write that fails after
// changing rows (a new session whose request_id is taken fails at the turn,
// after its session row) must roll back its group, and the group's other
// writes, applied again, still commit once each.
TEST_P(SessionStoreTest, WriteFailingHalfwayLeavesNothingAndItsGroupCommits) {
  auto store = OpenStore(GroupingOptions(8));
  ASSERT_NE(store, nullptr);
  TurnRecord taken = MakeTurn("alice", NewSessionId(), true, "taken");
  taken.request_id = "req-taken";
  ASSERT_TRUE(store->AppendTurn(taken).ok());
  std::vector<std::string> ids(8);
  std::vector<absl::StatusCode> codes(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    ids[i] = NewSessionId();
    threads.emplace_back([&, i] {
      TurnRecord turn = MakeTurn("alice", ids[i], true, "first");
      turn.request_id = i % 2 == 1 ? "req-taken" : "req-" + std::to_string(i);
      codes[i] = store->AppendTurn(turn).status().code();
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < 8; ++i) {
    if (i % 2 == 1) {
      EXPECT_EQ(codes[i], absl::StatusCode::kAlreadyExists) << i;
      EXPECT_EQ(store->LoadSession("alice", ids[i]).status().code(), absl::StatusCode::kNotFound) << i;
      continue;
    }
    EXPECT_EQ(codes[i], absl::StatusCode::kOk) << i;
    auto session = store->LoadSession("alice", ids[i]);
    ASSERT_TRUE(session.ok()) << session.status();
    EXPECT_EQ(session->turn_count(), 1);  // created counting its first turn
    EXPECT_EQ(session->updated_unix_ms(), session->created_unix_ms());
    EXPECT_EQ(session->facts().team_size(), 12);
    auto got = store->GetSession("alice", ids[i], 0, "");
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->turns_size(), 1);
    EXPECT_EQ(got->turns(0).seq(), 1);
  }
}

TEST_P(SessionStoreTest, PrunesOldSessionsInBatches) {
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
  EXPECT_EQ(location_->Raw()->Text("SELECT count(*) FROM turns"), "3");
}

// Turn bodies are the same bytes on every backend: compressed with the
// shipped dictionary by default, plain with compression off, and a store
// reads both.
TEST_P(SessionStoreTest, TurnsAreStoredCompressedOrPlainAndBothRead) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::string markdown = testing_db::MarkdownTable(300);
  TurnRecord big = testing_db::MakeTurnWithSummary("alice", NewSessionId(), true, markdown);
  ASSERT_TRUE(store->AppendTurn(big).ok());
  store.reset();
  StoreOptions plain_options = Options();
  plain_options.compress_turns = false;
  store = OpenStore(plain_options);
  ASSERT_NE(store, nullptr);
  big.create_session = false;
  ASSERT_TRUE(store->AppendTurn(big).ok());

  auto db = location_->Raw();
  const std::string compressed = db->Bytes("SELECT body FROM turns WHERE seq = 1");
  const std::string plain = db->Bytes("SELECT body FROM turns WHERE seq = 2");
  ASSERT_GE(compressed.size(), 2u);
  EXPECT_EQ(compressed.substr(0, 2), CurrentTurnDictionaryId() != 0 ? std::string("\0d", 2)  // with the dictionary
                                                                    : std::string("\0s", 2));
  EXPECT_LT(compressed.size(), plain.size() / 2);
  ASSERT_FALSE(plain.empty());
  EXPECT_NE(plain[0], '\0');
  auto got = store->GetSession("alice", big.session_id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->turns_size(), 2);
  EXPECT_EQ(got->turns(0).review().markdown(), markdown);
  EXPECT_EQ(got->turns(1).review().markdown(), markdown);
}

// A turn sent with a request_id is found by it; (principal, request_id) is
// unique, so a retry that reaches the store again is ALREADY_EXISTS and
// stores nothing; another principal neither finds it nor collides.
TEST_P(SessionStoreTest, RequestIdsAreUniquePerPrincipalAndFindTheirTurn) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::string id = NewSessionId();
  TurnRecord first = MakeTurn("alice", id, true, "one");
  first.request_id = "req-1";
  ASSERT_EQ(*store->AppendTurn(first), 1);
  ASSERT_EQ(*store->AppendTurn(MakeTurn("alice", id, false, "two")), 2);  // no request_id: any number

  auto found = store->FindRequest("alice", "req-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->session().id(), id);
  ASSERT_EQ(found->turns_size(), 1);
  EXPECT_EQ(found->turns(0).seq(), 1);
  EXPECT_EQ(found->turns(0).request().text(), "one");
  EXPECT_EQ(found->turns(0).review().markdown(), "# Review of one");
  EXPECT_EQ(store->FindRequest("bob", "req-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->FindRequest("alice", "req-2").status().code(), absl::StatusCode::kNotFound);

  TurnRecord bobs = MakeTurn("bob", NewSessionId(), true, "b");
  bobs.request_id = "req-1";
  EXPECT_TRUE(store->AppendTurn(bobs).ok());
  const std::string other = NewSessionId();
  TurnRecord again = MakeTurn("alice", other, true, "one");
  again.request_id = "req-1";
  EXPECT_EQ(store->AppendTurn(again).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->LoadSession("alice", other).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->LoadSession("alice", id)->turn_count(), 2);
}

// Without a merger a stored turn cannot be read back (its review is not
// stored), and the store says so instead of returning an empty review.
TEST_P(SessionStoreTest, ReadingATurnWithoutAMergerIsFailedPrecondition) {
  StoreOptions options = Options();
  options.merge_review = nullptr;
  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  const std::string id = NewSessionId();
  ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", id, true, "q")).ok());
  EXPECT_EQ(store->GetSession("alice", id, 0, "").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store->LoadAgentOutputs("alice", id, 1).ok());
}

TEST_P(SessionStoreTest, RejectsMissingIdentity) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->CreateSession("", "t", {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->LoadSession("alice", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->AppendTurn(MakeTurn("", "x", true, "q")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ListSessions("", 0, "", "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NewSessionIdTest, LooksLikeUuidV7AndIsUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewSessionId();
    ASSERT_EQ(id.size(), 36u) << id;
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[13], '-');
    EXPECT_EQ(id[14], '7');
    EXPECT_EQ(id[18], '-');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    EXPECT_EQ(id[23], '-');
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

// The 12 bits after the version digit are random too (74 random bits in
// all): ids made in one millisecond differ there, not only in the last 62.
TEST(NewSessionIdTest, TheBitsAfterTheVersionAreRandom) {
  const absl::Time t = absl::FromUnixMillis(1765000000123);
  std::set<std::string> after_version;
  for (int i = 0; i < 64; ++i) after_version.insert(NewSessionId(t).substr(15, 3));
  EXPECT_GT(after_version.size(), 1u);  // all 64 equal by chance: 2^-756
}

// Later ids sort after earlier ones (what keeps index inserts at one end),
// and the first 48 bits are the Unix milliseconds.
TEST(NewSessionIdTest, SortsByTheMillisecondItWasMadeIn) {
  const absl::Time t = absl::FromUnixMillis(1765000000123);  // 0x019af232b27b
  const std::string id = NewSessionId(t);
  EXPECT_EQ(id.substr(0, 13), "019af232-b27b") << id;
  for (int i = 0; i < 100; ++i) {
    EXPECT_LT(NewSessionId(t), NewSessionId(t + absl::Milliseconds(1)));
    EXPECT_LT(NewSessionId(t), NewSessionId(t + absl::Hours(24 * 365)));
  }
}

}  // namespace
}  // namespace agentd
