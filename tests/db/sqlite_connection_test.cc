#include "db/sqlite_connection.h"

#include <thread>

#include "db/snapshot.h"
#include "gtest/gtest.h"
#include "tests/db/temp_dir.h"

namespace agentd::sqlite {
namespace {

std::unique_ptr<Connection> OpenOrDie(const std::string& path, bool read_only = false) {
  auto conn = Connection::Open(path, read_only, 100);
  EXPECT_TRUE(conn.ok()) << conn.status();
  return conn.ok() ? std::move(*conn) : nullptr;
}

TEST(SqliteErrorTest, MapsResultCodesToCanonicalStatuses) {
  EXPECT_EQ(SqliteError(SQLITE_FULL, nullptr, "p", "w").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(SqliteError(SQLITE_BUSY, nullptr, "p", "w").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqliteError(SQLITE_IOERR_FSYNC, nullptr, "p", "w").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqliteError(SQLITE_CONSTRAINT_PRIMARYKEY, nullptr, "p", "w").code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(SqliteError(SQLITE_CONSTRAINT_FOREIGNKEY, nullptr, "p", "w").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(SqliteError(SQLITE_CORRUPT, nullptr, "p", "w").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SqliteError(SQLITE_MISUSE, nullptr, "p", "w").code(), absl::StatusCode::kInternal);
  absl::Status status = SqliteError(SQLITE_FULL, nullptr, "/x/y.db", "insert turn");
  EXPECT_NE(status.message().find("insert turn"), absl::string_view::npos) << status;
}

TEST(ConnectionTest, CachesPreparedStatementsAndBindsRowsBack) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (k TEXT, v BLOB, n INTEGER, d REAL)", "create").ok());
  constexpr char kInsert[] = "INSERT INTO t VALUES (?1, ?2, ?3, ?4)";
  auto first = conn->Prepare(kInsert);
  auto second = conn->Prepare(kInsert);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  {
    auto st = Statement(*conn, kInsert);
    ASSERT_TRUE(st.ok());
    st->BindText(1, "key").BindBlob(2, std::string("a\0b", 3)).Bind(3, int64_t{7}).Bind(4, 2.5);
    ASSERT_TRUE(st->Run("insert").ok());
  }
  {
    // The statement was reset and its bindings cleared: NULLs now.
    auto st = Statement(*conn, kInsert);
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(st->Run("insert nulls").ok());
  }
  auto select = Statement(*conn, "SELECT k, v, n, d FROM t ORDER BY rowid");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(*select->Step("select"));
  EXPECT_EQ(select->Text(0), "key");
  EXPECT_EQ(select->Blob(1), std::string_view("a\0b", 3));
  EXPECT_EQ(select->Int(2), 7);
  EXPECT_EQ(select->Double(3), 2.5);
  ASSERT_TRUE(*select->Step("select"));
  EXPECT_TRUE(select->IsNull(0));
  EXPECT_EQ(select->Blob(1), "");
  EXPECT_FALSE(*select->Step("select"));
}

TEST(ConnectionTest, ReportsBindAndStepErrorsWithWhatWasBeingDone) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (k TEXT PRIMARY KEY)", "create").ok());
  auto st = Statement(*conn, "INSERT INTO t VALUES (?1)");
  ASSERT_TRUE(st.ok());
  st->BindText(5, "out of range");  // no parameter 5
  absl::Status bind = st->Run("insert with a bad index");
  EXPECT_EQ(bind.code(), absl::StatusCode::kInternal) << bind;
  EXPECT_NE(bind.message().find("insert with a bad index"), absl::string_view::npos);

  ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES ('x')", "insert").ok());
  EXPECT_EQ(conn->Exec("INSERT INTO t VALUES ('x')", "insert twice").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(conn->Prepare("SELECT nonsense FROM nowhere").ok());
}

TEST(ConnectionTest, TracksAndRollsBackTransactions) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (k TEXT)", "create").ok());
  EXPECT_FALSE(conn->InTransaction());
  ASSERT_TRUE(conn->Exec("BEGIN", "begin").ok());
  ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES ('x')", "insert").ok());
  EXPECT_TRUE(conn->InTransaction());
  conn->RollbackQuietly();
  EXPECT_FALSE(conn->InTransaction());
  EXPECT_EQ(*conn->QueryText("SELECT count(*) FROM t"), "0");
  conn->RollbackQuietly();  // no transaction: nothing happens
}

TEST(ConnectionTest, ReadOnlyConnectionRefusesWritesAsUnavailable) {
  testing_db::TempDir dir;
  auto writer = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Exec("CREATE TABLE t (k TEXT)", "create").ok());
  auto reader = OpenOrDie(dir.File("a.db"), /*read_only=*/true);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->Exec("INSERT INTO t VALUES ('x')", "insert").code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(Connection::Open(dir.File("missing/none.db"), true, 0).ok());
}

TEST(ReadTransactionTest, KeepsTheBodysErrorAndLeavesTheConnectionClean) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  absl::Status status = InSnapshot(*conn, [&] {
    EXPECT_TRUE(conn->InTransaction());
    return absl::NotFoundError("nothing here");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(conn->InTransaction());
}

TEST(ReaderPoolTest, LendsEachConnectionToOneCallerAtATime) {
  testing_db::TempDir dir;
  std::vector<std::unique_ptr<Connection>> connections;
  connections.push_back(OpenOrDie(dir.File("a.db")));
  ReaderPool pool(std::move(connections));
  Connection* lent = nullptr;
  std::atomic<bool> second_got_it{false};
  std::thread waiter;
  {
    ReaderPool::Lease lease = pool.Acquire();
    lent = &*lease;
    waiter = std::thread([&] {
      ReaderPool::Lease again = pool.Acquire();  // blocks until the first lease ends
      EXPECT_EQ(&*again, lent);
      second_got_it = true;
    });
    EXPECT_FALSE(second_got_it.load());
  }
  waiter.join();
  EXPECT_TRUE(second_got_it.load());
}

}  // namespace
}  // namespace agentd::sqlite
