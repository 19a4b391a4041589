// What the session store tests share: the backends they run on, a stand-in
// merger, and raw SQL access to a store's database for checks the
// SessionStore API does not offer. Sample turns are tests/db/sample_turn.h.
//
// StoreBackend names a backend for the parameterised suite; StoreLocation
// gives a test a fresh place to open a store (a file in a temporary
// directory, or an empty database on the PostgreSQL test server,
// tests/support/postgres_server.h) and removes it afterwards. RawSql runs
// SQL on that database directly ($1 placeholders work on both).
#ifndef AGENTD_TESTS_DB_STORE_TEST_SUPPORT_H_
#define AGENTD_TESTS_DB_STORE_TEST_SUPPORT_H_

#include <libpq-fe.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db/turn_record.h"
#include "gtest/gtest.h"
#include "tests/db/sample_turn.h"
#include "tests/db/temp_dir.h"
#include "tests/support/postgres_server.h"

namespace agentd::testing_db {

enum class StoreBackend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param == StoreBackend::kSqlite ? "Sqlite" : "Postgres";
}

// Stands in for the orchestrator's merger: the review of a stored turn is
// its first answer's summary, with the agents' runs; only merger version 7
// is known.
inline absl::StatusOr<v1::Review> TestMerger(const MergeRecord& merge,
                                             const std::vector<AgentOutputRecord>& outputs) {
  if (merge.merger_version != 7) return absl::FailedPreconditionError("unknown merger version");
  v1::Review review;
  review.set_markdown(outputs.empty() ? "" : outputs[0].output.summary());
  for (const AgentOutputRecord& o : outputs) *review.add_agents() = o.run;
  return review;
}

// A Markdown table of `rows` rows, as a review holds (it compresses well).
inline std::string MarkdownTable(int rows) {
  std::string markdown;
  for (int i = 0; i < rows; ++i) markdown += "| row " + std::to_string(i) + " | cache-aside | TTL 60 s |\n";
  return markdown;
}

// Direct SQL on a store's database.
class RawSql {
 public:
  virtual ~RawSql() = default;
  // First column of the first row as text ("" when none or NULL).
  virtual std::string Text(const std::string& sql) = 0;
  // First column of the first row as raw bytes (for blobs).
  virtual std::string Bytes(const std::string& sql) = 0;
  // Runs `sql`, binding `blob` to $1 if given.
  virtual bool Exec(const std::string& sql, const std::string* blob = nullptr) = 0;
};

class SqliteRawSql final : public RawSql {
 public:
  explicit SqliteRawSql(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
              SQLITE_OK);
  }
  ~SqliteRawSql() override { sqlite3_close(db_); }
  std::string Text(const std::string& sql) override { return Column(sql, /*bytes=*/false); }
  std::string Bytes(const std::string& sql) override { return Column(sql, /*bytes=*/true); }
  bool Exec(const std::string& sql, const std::string* blob) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return false;
    }
    if (blob != nullptr) sqlite3_bind_blob(stmt, 1, blob->data(), static_cast<int>(blob->size()), SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    EXPECT_TRUE(rc == SQLITE_DONE || rc == SQLITE_ROW) << sql << ": " << sqlite3_errmsg(db_);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
  }
  sqlite3* db() const { return db_; }

 private:
  std::string Column(const std::string& sql, bool bytes) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const void* data = bytes ? sqlite3_column_blob(stmt, 0) : sqlite3_column_text(stmt, 0);
      if (data != nullptr) value.assign(static_cast<const char*>(data), sqlite3_column_bytes(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return value;
  }
  sqlite3* db_ = nullptr;
};

class PostgresRawSql final : public RawSql {
 public:
  explicit PostgresRawSql(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  }
  ~PostgresRawSql() override { PQfinish(conn_); }
  std::string Text(const std::string& sql) override { return Column(sql, 0); }
  std::string Bytes(const std::string& sql) override { return Column(sql, 1); }
  bool Exec(const std::string& sql, const std::string* blob) override {
    PGresult* r = Run(sql, blob, 0);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    EXPECT_TRUE(ok) << sql << ": " << PQerrorMessage(conn_);
    PQclear(r);
    return ok;
  }
  PGconn* conn() const { return conn_; }

 private:
  PGresult* Run(const std::string& sql, const std::string* blob, int result_format) {
    const char* values[1] = {blob != nullptr ? blob->data() : nullptr};
    int lengths[1] = {blob != nullptr ? static_cast<int>(blob->size()) : 0};
    int formats[1] = {1};
    return PQexecParams(conn_, sql.c_str(), blob != nullptr ? 1 : 0, nullptr, values, lengths, formats,
                        result_format);
  }
  std::string Column(const std::string& sql, int result_format) {
    PGresult* r = Run(sql, nullptr, result_format);
    EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn_);
    std::string value;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
      value.assign(PQgetvalue(r, 0, 0), PQgetlength(r, 0, 0));
    }
    PQclear(r);
    return value;
  }
  PGconn* conn_;
};

// Where a test opens its store: path() is a file path or a database URL.
// Skips the test (ok() false) when PostgreSQL cannot be used.
class StoreLocation {
 public:
  explicit StoreLocation(StoreBackend backend) : backend_(backend) {
    if (backend == StoreBackend::kSqlite) {
      path_ = dir_.File("nested/agentd.db");
      return;
    }
    server_ = pgtest::PostgresTestServer::Shared();
    if (server_ != nullptr) path_ = server_->CreateDatabase();
  }
  ~StoreLocation() {
    if (server_ != nullptr && !path_.empty()) {
      server_->Sql("DROP DATABASE IF EXISTS " + path_.substr(path_.rfind('/') + 1) + " WITH (FORCE)");
    }
  }
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  StoreBackend backend() const { return backend_; }
  std::unique_ptr<RawSql> Raw() const {
    if (backend_ == StoreBackend::kSqlite) return std::make_unique<SqliteRawSql>(path_);
    return std::make_unique<PostgresRawSql>(path_);
  }

 private:
  StoreBackend backend_;
  TempDir dir_;
  pgtest::PostgresTestServer* server_ = nullptr;
  std::string path_;
};

}  // namespace agentd::testing_db

#endif  // AGENTD_TESTS_DB_STORE_TEST_SUPPORT_H_
