#include "db/retention_pruner.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace agentd {
namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

// A store on a fake clock in a fresh directory; the pruner reads the same
// clock, so "days" pass without waiting.
class RetentionPrunerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "retention_pruner_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    StoreOptions options;
    options.path = (dir_ / "agentd.db").string();
    options.clock = [this] { return Now(); };
    auto store = SessionStore::Open(std::move(options));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  absl::Time Now() const { return absl::FromUnixMillis(now_ms_.load()); }

  std::string NewSession(const std::string& title) {
    auto session = store_->CreateSession("alice", title, {});
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? session->id() : "";
  }

  RetentionOptions Options(absl::Duration interval) {
    RetentionOptions options;
    options.keep = absl::Hours(24 * 7);
    options.interval = interval;
    options.batch_size = 2;
    options.clock = [this] { return Now(); };
    return options;
  }

  bool Exists(const std::string& id) { return store_->LoadSession("alice", id).ok(); }

  std::filesystem::path dir_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
  std::unique_ptr<SessionStore> store_;
};

TEST_F(RetentionPrunerTest, PrunesAtStartThenEveryInterval) {
  std::string old1 = NewSession("old 1");
  std::string old2 = NewSession("old 2");
  std::string old3 = NewSession("old 3");
  now_ms_ += 8 * kDayMs;
  std::string recent = NewSession("recent");

  // The first run happens at start, without waiting for an interval.
  auto pruner = std::make_unique<RetentionPruner>(store_.get(), Options(absl::Milliseconds(5)));
  ASSERT_TRUE(pruner->WaitForRuns(1, absl::Seconds(30)));
  EXPECT_FALSE(Exists(old1));
  EXPECT_FALSE(Exists(old2));
  EXPECT_FALSE(Exists(old3));  // three sessions in batches of two
  EXPECT_TRUE(Exists(recent));
  EXPECT_EQ(pruner->stats().deleted, 3);
  EXPECT_TRUE(pruner->stats().last_status.ok());

  // A week later the recent one has aged out too: a later run removes it.
  now_ms_ += 8 * kDayMs;
  const int64_t runs = pruner->stats().runs;
  ASSERT_TRUE(pruner->WaitForRuns(runs + 1, absl::Seconds(30)));
  EXPECT_FALSE(Exists(recent));
  EXPECT_EQ(pruner->stats().deleted, 4);
}

TEST_F(RetentionPrunerTest, StopsPromptlyDuringALongInterval) {
  std::string old = NewSession("old");
  now_ms_ += 30 * kDayMs;
  {
    RetentionPruner pruner(store_.get(), Options(absl::Hours(1)));
    ASSERT_TRUE(pruner.WaitForRuns(1, absl::Seconds(30)));
    // Only one run: the next is an hour away.
    EXPECT_FALSE(pruner.WaitForRuns(2, absl::Milliseconds(50)));
  }  // would hang for the hour if the destructor did not wake the thread
  EXPECT_FALSE(Exists(old));
}

TEST_F(RetentionPrunerTest, KeepsSessionsWithinTheRetentionPeriod) {
  std::string young = NewSession("young");
  now_ms_ += 6 * kDayMs;
  RetentionPruner pruner(store_.get(), Options(absl::Hours(1)));
  ASSERT_TRUE(pruner.WaitForRuns(1, absl::Seconds(30)));
  EXPECT_TRUE(Exists(young));
  EXPECT_EQ(pruner.stats().deleted, 0);
}

}  // namespace
}  // namespace agentd
