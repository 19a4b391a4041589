// The fixture of the SessionStore contract suite (session_store_test.cc and
// session_store_paging_test.cc, one suite split in two files for length):
// each test opens its stores on a fresh location of the backend it is
// instantiated for, with a test clock and the stand-in merger.
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

class SessionStoreTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    location_ = std::make_unique<testing_db::StoreLocation>(GetParam());
    if (!location_->ok()) GTEST_SKIP() << pgtest::PostgresTestServer::SkipReason();
  }

  StoreOptions Options() {
    StoreOptions options;
    options.path = location_->path();
    options.reader_connections = 2;
    options.merge_review = testing_db::TestMerger;
    options.clock = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    return options;
  }

  std::unique_ptr<SessionStore> OpenStore(StoreOptions options) {
    auto store = SessionStore::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::unique_ptr<testing_db::StoreLocation> location_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
};

}  // namespace agentd::testing_db

#endif  // AGENTD_TESTS_DB_SESSION_STORE_FIXTURE_H_
