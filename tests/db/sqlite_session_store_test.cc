// What only the SQLite backend does: WAL, migrations of older files by
// PRAGMA user_version, the file locked by another process, a read-only file,
// the size quota, and turns stored before bodies existed. The contract both
// backends share is tested in session_store_test.cc.
#include "db/sqlite_session_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "db/schema_migrations.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/db/session_store_fixture.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;
using testing_db::MakeTurn;

// SQLite tests look into the file itself, through a raw connection.
class SqliteSessionStoreTest : public testing_db::OnBackend<testing_db::StoreBackend::kSqlite> {
 protected:
  void SetUp() override {
    OnBackend::SetUp();
    path_ = location_->path();
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

  std::string path_;
};

TEST_F(SqliteSessionStoreTest, UsesWriteAheadLogging) {
  ASSERT_NE(OpenStore(Options()), nullptr);
  sqlite3* db = RawOpen();
  EXPECT_EQ(QueryText(db, "PRAGMA journal_mode"), "wal");
  sqlite3_close(db);
}

TEST_F(SqliteSessionStoreTest, MigratesVersionOneDatabaseKeepingData) {
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

TEST_F(SqliteSessionStoreTest, RefusesNewerSchema) {
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
TEST_F(SqliteSessionStoreTest, LockedDatabaseIsUnavailableForWritesButStillReadable) {
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
TEST_F(SqliteSessionStoreTest, ReadOnlyDatabaseFileIsUnavailableForWritesButStillReadable) {
  std::string id = NewSessionId();
  {
    auto store = OpenStore(Options());
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(*store->AppendTurn(MakeTurn("alice", id, true, "before")), 1);
  }  // closing checkpoints the WAL, so the file alone holds the data
  namespace fs = std::filesystem;
  fs::permissions(fs::path(path_).parent_path().parent_path(), fs::perms::all);
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

TEST_F(SqliteSessionStoreTest, FullDatabaseRejectsTurnAndStaysConsistent) {
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

// A turn as an agentd of schema version 2 wrote it (its review in a column
// of its own, no body) reads beside one with a compressed body. (Bodies
// compressed or plain, on every backend: session_store_test.cc.)
TEST_F(SqliteSessionStoreTest, TurnsOfSchemaTwoStillReadBesideBodies) {
  const std::string markdown = testing_db::MarkdownTable(300);
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::string id = NewSessionId();
  ASSERT_TRUE(store->AppendTurn(testing_db::MakeTurnWithSummary("alice", id, true, markdown)).ok());
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
}

}  // namespace
}  // namespace agentd
