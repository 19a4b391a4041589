// The fixtures of the session store tests. StoreFixture opens stores on a
// fresh location of one backend (a file in a temporary directory, or an
// empty database on the PostgreSQL test server; skipped, saying why, when
// PostgreSQL cannot be used), with a test clock and the stand-in merger.
// SessionStoreTest is the contract suite (session_store_test.cc and
// session_store_paging_test.cc, one suite split in two files for length),
// instantiated on EveryBackend(); the backend-only tests
// (sqlite_session_store_test.cc, postgres_session_store_test.cc) derive
// OnBackend<kSqlite> or OnBackend<kPostgres>.
#ifndef AGENTD_TESTS_DB_SESSION_STORE_FIXTURE_H_
#define AGENTD_TESTS_DB_SESSION_STORE_FIXTURE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "db/session_store.h"
#include "gtest/gtest.h"
#include "tests/db/store_test_support.h"

namespace agentd::testing_db {

class StoreFixture : public ::testing::Test {
 protected:
  virtual StoreBackend backend() const = 0;

  void SetUp() override {
    location_ = std::make_unique<StoreLocation>(backend());
    if (!location_->ok()) GTEST_SKIP() << pgtest::PostgresTestServer::SkipReason();
  }

  // Options for a store at location_ (or at `path`: another file or
  // database URL).
  StoreOptions Options() { return Options(location_->path()); }
  StoreOptions Options(const std::string& path) {
    StoreOptions options;
    options.path = path;
    options.reader_connections = 2;
    options.merge_review = TestMerger;
    options.clock = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    return options;
  }

  // The store, or nullptr with a test failure saying why.
  std::unique_ptr<SessionStore> OpenStore(StoreOptions options) {
    auto store = SessionStore::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::unique_ptr<StoreLocation> location_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
};

template <StoreBackend kBackend>
class OnBackend : public StoreFixture {
 protected:
  StoreBackend backend() const override { return kBackend; }
};

class SessionStoreTest : public StoreFixture, public ::testing::WithParamInterface<StoreBackend> {
 protected:
  StoreBackend backend() const override { return GetParam(); }

  // Options whose writer waits 50 ms for a group of up to `max_batch_size`
  // writes, so writes from several threads share a commit.
  StoreOptions GroupingOptions(int max_batch_size) {
    StoreOptions options = Options();
    options.max_batch_delay = absl::Milliseconds(50);
    options.max_batch_size = max_batch_size;
    return options;
  }
};

inline auto EveryBackend() { return ::testing::Values(StoreBackend::kSqlite, StoreBackend::kPostgres); }

}  // namespace agentd::testing_db

#endif  // AGENTD_TESTS_DB_SESSION_STORE_FIXTURE_H_
