#include "db/sqlite_schema.h"

#include "db/schema_migrations.h"
#include "gtest/gtest.h"
#include "tests/db/temp_dir.h"

namespace agentd::sqlite {
namespace {

std::unique_ptr<Connection> OpenOrDie(const std::string& path) {
  auto conn = Connection::Open(path, /*read_only=*/false, 100);
  EXPECT_TRUE(conn.ok()) << conn.status();
  return conn.ok() ? std::move(*conn) : nullptr;
}

TEST(SqliteSchemaTest, MigratesANewFileToTheLatestVersionOnce) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(*SchemaVersion(*conn), 0);
  ASSERT_TRUE(Migrate(*conn).ok());
  EXPECT_EQ(*SchemaVersion(*conn), schema::kLatestVersion);
  EXPECT_EQ(*conn->QueryText("SELECT count(*) FROM sqlite_master WHERE name = 'turns'"), "1");
  ASSERT_TRUE(Migrate(*conn).ok());  // nothing left to apply
  EXPECT_EQ(*SchemaVersion(*conn), schema::kLatestVersion);
}

TEST(SqliteSchemaTest, RefusesASchemaNewerThanThisBinary) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  EXPECT_TRUE(CheckSchemaVersionKnown(schema::kLatestVersion, "a.db").ok());
  std::string bump = "PRAGMA user_version = " + std::to_string(schema::kLatestVersion + 1);
  ASSERT_TRUE(conn->Exec(bump.c_str(), "bump").ok());
  absl::Status status = Migrate(*conn);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST(SqliteSchemaTest, FailedMigrationLeavesNoTransactionOpen) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  // A table the first migration creates, already there: the migration fails.
  ASSERT_TRUE(conn->Exec("CREATE TABLE sessions (x)", "squat").ok());
  EXPECT_FALSE(Migrate(*conn).ok());
  EXPECT_FALSE(conn->InTransaction());
  EXPECT_EQ(*SchemaVersion(*conn), 0);
}

TEST(SqliteSchemaTest, MigrationsApplyAllOrNothing) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  // A name the second migration creates, already taken: the first migration
  // applies, the second fails, and the database keeps neither.
  ASSERT_TRUE(conn->Exec("CREATE TABLE sessions_updated (x)", "squat").ok());
  EXPECT_FALSE(Migrate(*conn).ok());
  EXPECT_FALSE(conn->InTransaction());
  EXPECT_EQ(*SchemaVersion(*conn), 0);
  EXPECT_EQ(*conn->QueryText("SELECT count(*) FROM sqlite_master WHERE name = 'turns'"), "0");
}

TEST(SqliteSchemaTest, ConfiguresWalAndTheQuota) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(ConfigureWriter(*conn, /*max_database_bytes=*/40960).ok());
  EXPECT_EQ(*conn->QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(*conn->QueryText("PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(*conn->QueryText("PRAGMA foreign_keys"), "1");
  int64_t page_size = std::stoll(*conn->QueryText("PRAGMA page_size"));
  EXPECT_EQ(std::stoll(*conn->QueryText("PRAGMA max_page_count")), 40960 / page_size);
}

// A turn's row (about 2 KB) is just over half a 4 KB page; a new file gets
// 8 KB pages, which hold three.
TEST(SqliteSchemaTest, ANewFileGetsEightKilobytePages) {
  testing_db::TempDir dir;
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(ConfigureWriter(*conn, 0).ok());
  ASSERT_TRUE(Migrate(*conn).ok());
  EXPECT_EQ(*conn->QueryText("PRAGMA page_size"), "8192");
}

TEST(SqliteSchemaTest, AnExistingFileKeepsItsPageSize) {
  testing_db::TempDir dir;
  {
    auto old = OpenOrDie(dir.File("a.db"));
    ASSERT_NE(old, nullptr);
    ASSERT_TRUE(old->Exec("PRAGMA page_size = 4096", "page size").ok());
    ASSERT_EQ(*old->QueryText("PRAGMA journal_mode = WAL"), "wal");
    ASSERT_TRUE(Migrate(*old).ok());
  }
  auto conn = OpenOrDie(dir.File("a.db"));
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(ConfigureWriter(*conn, 0).ok());
  EXPECT_EQ(*conn->QueryText("PRAGMA page_size"), "4096");
  EXPECT_EQ(*SchemaVersion(*conn), schema::kLatestVersion);
}

}  // namespace
}  // namespace agentd::sqlite
