// The PostgreSQL store's URL handling and error mapping; needs no server.
#include "db/postgres_connection.h"

#include "gtest/gtest.h"

namespace agentd::pg {
namespace {

TEST(PostgresConnectionTest, OnlyPostgresUrlsSelectTheStore) {
  EXPECT_TRUE(IsPostgresUrl("postgresql://agentd@db:5432/agentd"));
  EXPECT_TRUE(IsPostgresUrl("postgres://db/agentd"));
  EXPECT_FALSE(IsPostgresUrl("./var/agentd.db"));
  EXPECT_FALSE(IsPostgresUrl("/data/postgresql://x.db"));
  EXPECT_FALSE(IsPostgresUrl(""));
}

// Logs and errors name the database without user, password or options.
TEST(PostgresConnectionTest, DisplayNameDropsCredentials) {
  EXPECT_EQ(DisplayName("postgresql://agentd:s3cret@db.internal:6543/sessions?sslmode=require"),
            "postgresql://db.internal:6543/sessions");
  EXPECT_EQ(DisplayName("postgresql:///agentd?host=/var/run/postgresql"),
            "postgresql://(unix socket):5432/agentd");
  EXPECT_EQ(DisplayName("postgresql://[bad"), "postgresql://(unparsable URL)");
}

// Down, read-only, full: the statuses the SessionStore contract names.
TEST(PostgresConnectionTest, SqlStatesMapToCanonicalCodes) {
  EXPECT_EQ(CodeForSqlState("08006"), absl::StatusCode::kUnavailable);  // connection failure
  EXPECT_EQ(CodeForSqlState("57P01"), absl::StatusCode::kUnavailable);  // admin shutdown
  EXPECT_EQ(CodeForSqlState("25006"), absl::StatusCode::kUnavailable);  // read-only transaction
  EXPECT_EQ(CodeForSqlState("40P01"), absl::StatusCode::kUnavailable);  // deadlock: retry
  EXPECT_EQ(CodeForSqlState("55P03"), absl::StatusCode::kUnavailable);  // lock timeout
  EXPECT_EQ(CodeForSqlState("53300"), absl::StatusCode::kUnavailable);  // too many connections
  EXPECT_EQ(CodeForSqlState("53100"), absl::StatusCode::kResourceExhausted);  // disk full
  EXPECT_EQ(CodeForSqlState("23505"), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeForSqlState("23503"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeForSqlState("XX001"), absl::StatusCode::kDataLoss);
  EXPECT_EQ(CodeForSqlState("42P01"), absl::StatusCode::kInternal);
  EXPECT_EQ(CodeForSqlState("bad"), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace agentd::pg
