// What only the PostgreSQL backend does: migrations under an advisory lock,
// several stores (replicas) on one database, the pruner's lock, and the
// server going away and coming back. Needs PostgreSQL 15
// (tests/support/postgres_server.h); skips, saying why, without it. The
// contract both backends share is tested in session_store_test.cc.
#include "db/postgres_session_store.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "db/postgres_migrations.h"
#include "db/postgres_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/db/session_store_fixture.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_db::MakeTurn;
using testing_db::StoreBackend;

class PostgresSessionStoreTest : public testing_db::OnBackend<StoreBackend::kPostgres> {};

TEST_F(PostgresSessionStoreTest, ReplicasStartingTogetherMigrateOnce) {
  constexpr int kReplicas = 6;
  std::vector<std::unique_ptr<SessionStore>> stores(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] { stores[i] = OpenStore(Options()); });
  }
  for (auto& t : threads) t.join();
  for (const auto& store : stores) ASSERT_NE(store, nullptr);
  auto db = location_->Raw();
  EXPECT_EQ(db->Text("SELECT count(*) FROM agentd_schema_migrations"),
            std::to_string(postgres_schema::kLatestVersion));
  EXPECT_EQ(db->Text("SELECT max(version) FROM agentd_schema_migrations"),
            std::to_string(postgres_schema::kLatestVersion));
}

TEST_F(PostgresSessionStoreTest, RefusesNewerSchema) {
  ASSERT_NE(OpenStore(Options()), nullptr);
  const int future = postgres_schema::kLatestVersion + 1;
  auto db = location_->Raw();
  ASSERT_TRUE(db->Exec(absl::StrCat("INSERT INTO agentd_schema_migrations (version, name) VALUES (", future,
                                    ", 'from_the_future')")));
  auto store = SessionStore::Open(Options());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(absl::StrCat("schema version ", future)));
}

// Two replicas on one database: a session started on one continues on the
// other, and appends from both to one session get every seq exactly once.
TEST_F(PostgresSessionStoreTest, SessionsCrossBetweenReplicas) {
  auto a = OpenStore(Options());
  auto b = OpenStore(Options());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::string id = NewSessionId();
  ASSERT_EQ(*a->AppendTurn(MakeTurn("alice", id, true, "on a")), 1);
  ASSERT_EQ(*b->AppendTurn(MakeTurn("alice", id, false, "on b")), 2);
  EXPECT_EQ(b->LoadSession("bob", id).status().code(), absl::StatusCode::kNotFound);

  constexpr int kEach = 20;
  std::vector<int> seqs_a, seqs_b;
  std::thread ta([&] {
    for (int i = 0; i < kEach; ++i) seqs_a.push_back(a->AppendTurn(MakeTurn("alice", id, false, "a")).value_or(-1));
  });
  std::thread tb([&] {
    for (int i = 0; i < kEach; ++i) seqs_b.push_back(b->AppendTurn(MakeTurn("alice", id, false, "b")).value_or(-1));
  });
  ta.join();
  tb.join();
  std::set<int> all(seqs_a.begin(), seqs_a.end());
  all.insert(seqs_b.begin(), seqs_b.end());
  EXPECT_EQ(all.size(), 2u * kEach);
  EXPECT_EQ(*all.begin(), 3);
  EXPECT_EQ(*all.rbegin(), 2 + 2 * kEach);
  auto got = a->GetSession("alice", id, 1000, "");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->turns_size(), 2 + 2 * kEach);
  EXPECT_EQ(got->turns(1).request().text(), "on b");
}

// While another replica holds the pruner's lock, pruning here does nothing.
TEST_F(PostgresSessionStoreTest, PrunerRunsOnOneReplicaAtATime) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", NewSessionId(), true, "old")).ok());
  const absl::Time cutoff = absl::Now() + absl::Hours(1);  // everything is older

  testing_db::PostgresRawSql other(location_->path());
  ASSERT_EQ(other.Text(absl::StrCat("SELECT pg_try_advisory_lock(", pg::kPrunerLock, ")")), "t");
  auto skipped = store->PruneOlderThan(cutoff, 10);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(*skipped, 0);
  EXPECT_EQ(location_->Raw()->Text("SELECT count(*) FROM sessions"), "1");

  ASSERT_EQ(other.Text(absl::StrCat("SELECT pg_advisory_unlock(", pg::kPrunerLock, ")")), "t");
  EXPECT_EQ(*store->PruneOlderThan(cutoff, 10), 1);
  EXPECT_EQ(location_->Raw()->Text("SELECT count(*) FROM sessions"), "0");
}

// A database that refuses writes: they fail UNAVAILABLE, reads carry on.
TEST_F(PostgresSessionStoreTest, ReadOnlyDatabaseIsUnavailableForWritesButStillReadable) {
  const std::string id = NewSessionId();
  {
    auto store = OpenStore(Options());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", id, true, "before")).ok());
  }
  const std::string dbname = location_->path().substr(location_->path().rfind('/') + 1);
  ASSERT_TRUE(location_->Raw()->Exec("ALTER DATABASE " + dbname + " SET default_transaction_read_only = on"));
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  auto refused = store->AppendTurn(MakeTurn("alice", id, false, "refused"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("read-only"));
  EXPECT_EQ(store->ProbeWrite().code(), absl::StatusCode::kUnavailable);
  auto got = store->GetSession("alice", id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->turns_size(), 1);
}

// The server stops: calls fail UNAVAILABLE with a short message (no socket
// paths); it comes back: the same store works again, no reopen.
TEST_F(PostgresSessionStoreTest, ServerRestartIsUnavailableThenRecovers) {
  auto server = pgtest::PostgresTestServer::Private();
  ASSERT_NE(server, nullptr) << pgtest::PostgresTestServer::SkipReason();
  auto store = OpenStore(Options(server->CreateDatabase()));
  ASSERT_NE(store, nullptr);
  const std::string id = NewSessionId();
  ASSERT_EQ(*store->AppendTurn(MakeTurn("alice", id, true, "before")), 1);

  ASSERT_TRUE(server->Stop());
  EXPECT_EQ(store->ProbeWrite().code(), absl::StatusCode::kUnavailable);
  auto write = store->AppendTurn(MakeTurn("alice", id, false, "while down"));
  EXPECT_EQ(write.status().code(), absl::StatusCode::kUnavailable) << write.status();
  EXPECT_THAT(std::string(write.status().message()), Not(HasSubstr("/tmp")));
  EXPECT_EQ(store->GetSession("alice", id, 0, "").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->ListSessions("alice", 0, "", "").status().code(), absl::StatusCode::kUnavailable);

  ASSERT_TRUE(server->Resume());
  EXPECT_TRUE(store->ProbeWrite().ok());
  auto after = store->AppendTurn(MakeTurn("alice", id, false, "after"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, 2);
  auto got = store->GetSession("alice", id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->turns_size(), 2);
  EXPECT_EQ(got->turns(1).request().text(), "after");
}

TEST_F(PostgresSessionStoreTest, RejectsSqliteOnlyQuota) {
  StoreOptions options = Options();
  options.max_database_bytes = 1 << 20;
  EXPECT_EQ(SessionStore::Open(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace agentd
