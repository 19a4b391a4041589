#include "db/group_writer.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

// An in-memory "database": a committed list and the writes of the open
// transaction, with one level of savepoint. A write may ask to end the
// whole transaction (as SQLite does on some errors).
class FakeTransaction : public GroupTransaction {
 public:
  absl::Status Begin() override {
    absl::MutexLock lock(&mu_);
    if (fail_begin_) return absl::UnavailableError("locked");
    open_ = true;
    pending_.clear();
    return absl::OkStatus();
  }
  absl::Status Commit() override {
    absl::MutexLock lock(&mu_);
    if (fail_commit_) return absl::UnavailableError("disk I/O error");
    committed_.insert(committed_.end(), pending_.begin(), pending_.end());
    pending_.clear();
    open_ = false;
    ++commits_;
    return absl::OkStatus();
  }
  void Rollback() override {
    absl::MutexLock lock(&mu_);
    pending_.clear();
    open_ = false;
  }
  absl::Status Savepoint() override {
    absl::MutexLock lock(&mu_);
    ++savepoints_;
    savepoint_ = pending_.size();
    return absl::OkStatus();
  }
  absl::Status ReleaseSavepoint() override { return absl::OkStatus(); }
  absl::Status RollbackToSavepoint() override {
    absl::MutexLock lock(&mu_);
    pending_.resize(savepoint_);
    return absl::OkStatus();
  }
  bool InTransaction() const override {
    absl::MutexLock lock(&mu_);
    return open_;
  }

  // What a write does: adds `value`; an `abort` write ends the transaction.
  absl::StatusOr<int64_t> Add(int value, bool fail = false, bool abort = false) {
    absl::MutexLock lock(&mu_);
    pending_.push_back(value);
    if (abort) {
      pending_.clear();
      open_ = false;
      return absl::ResourceExhaustedError("full");
    }
    if (fail) return absl::NotFoundError("no such session");
    return value;
  }

  int savepoints() const {
    absl::MutexLock lock(&mu_);
    return savepoints_;
  }
  std::vector<int> committed() const {
    absl::MutexLock lock(&mu_);
    return committed_;
  }
  void set_fail_begin(bool fail) {
    absl::MutexLock lock(&mu_);
    fail_begin_ = fail;
  }
  void set_fail_commit(bool fail) {
    absl::MutexLock lock(&mu_);
    fail_commit_ = fail;
  }

 private:
  mutable absl::Mutex mu_;
  bool open_ = false;
  bool fail_begin_ = false;
  bool fail_commit_ = false;
  size_t savepoint_ = 0;
  int savepoints_ = 0;
  int commits_ = 0;
  std::vector<int> pending_;
  std::vector<int> committed_;
};

GroupWriterOptions Options(absl::Duration delay = absl::ZeroDuration()) {
  GroupWriterOptions options;
  options.max_batch_delay = delay;
  options.max_batch_size = 64;
  options.name = "test.db";
  return options;
}

TEST(GroupWriterTest, CommitsEachWriteAndCountsTurns) {
  FakeTransaction tx;
  GroupWriter writer(&tx, Options());
  EXPECT_EQ(*writer.Write(1, [&] { return tx.Add(7); }), 7);
  EXPECT_EQ(*writer.Write(0, [&] { return tx.Add(8); }), 8);
  EXPECT_EQ(tx.committed(), (std::vector<int>{7, 8}));
  EXPECT_EQ(writer.stats().turns, 1);
  EXPECT_EQ(writer.stats().commits, 2);
}

TEST(GroupWriterTest, ConcurrentWritesShareCommits) {
  FakeTransaction tx;
  GroupWriter writer(&tx, Options(absl::Milliseconds(200)));
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] { EXPECT_EQ(*writer.Write(1, [&tx, i] { return tx.Add(i); }), i); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(tx.committed().size(), 16u);
  EXPECT_EQ(writer.stats().turns, 16);
  EXPECT_LT(writer.stats().commits, 16);
}

TEST(GroupWriterTest, FailingWriteIsUndoneAloneAndTheGroupCommits) {
  FakeTransaction tx;
  GroupWriter writer(&tx, Options(absl::Milliseconds(200)));
  std::vector<absl::StatusCode> codes(6);
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      codes[i] = writer.Write(1, [&tx, i] { return tx.Add(i, /*fail=*/i % 2 == 1); }).status().code();
    });
  }
  for (auto& t : threads) t.join();
  std::vector<int> committed = tx.committed();
  std::sort(committed.begin(), committed.end());
  EXPECT_EQ(committed, (std::vector<int>{0, 2, 4}));
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(codes[i], i % 2 == 1 ? absl::StatusCode::kNotFound : absl::StatusCode::kOk) << i;
  }
  EXPECT_EQ(writer.stats().turns, 3);
}

TEST(GroupWriterTest, AFailureReplaysItsGroupOnceWithSavepoints) {
  FakeTransaction tx;
  std::vector<std::atomic<int>> applied(8);
  std::vector<absl::StatusCode> codes(8);
  {
    GroupWriter writer(&tx, Options(absl::Milliseconds(50)));
    for (int i = 0; i < 8; ++i) {
      writer.WriteAsync(
          1,
          [&tx, &applied, i] {
            ++applied[i];
            return tx.Add(i, /*fail=*/i == 3 || i == 6);
          },
          [&codes, i](absl::StatusOr<int64_t> r) { codes[i] = r.status().code(); });
    }
  }
  std::vector<int> committed = tx.committed();
  std::sort(committed.begin(), committed.end());
  EXPECT_EQ(committed, (std::vector<int>{0, 1, 2, 4, 5, 7}));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(codes[i], i == 3 || i == 6 ? absl::StatusCode::kNotFound : absl::StatusCode::kOk) << i;
    EXPECT_LE(applied[i].load(), 2) << i;  // once without savepoints, at most once more with
  }
  EXPECT_GT(tx.savepoints(), 0);
}

TEST(GroupWriterTest, WriteThatEndsTheTransactionIsDroppedAndTheOthersReplayed) {
  FakeTransaction tx;
  GroupWriter writer(&tx, Options(absl::Milliseconds(200)));
  std::vector<absl::StatusCode> codes(5);
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, i] {
      codes[i] = writer.Write(1, [&tx, i] { return tx.Add(i, false, /*abort=*/i == 2); }).status().code();
    });
  }
  for (auto& t : threads) t.join();
  std::vector<int> committed = tx.committed();
  std::sort(committed.begin(), committed.end());
  EXPECT_EQ(committed, (std::vector<int>{0, 1, 3, 4}));
  EXPECT_EQ(codes[2], absl::StatusCode::kResourceExhausted);
}

TEST(GroupWriterTest, BeginOrCommitFailureFailsTheGroupAndTheWriterGoesOn) {
  FakeTransaction tx;
  GroupWriter writer(&tx, Options());
  tx.set_fail_begin(true);
  EXPECT_EQ(writer.Write(1, [&] { return tx.Add(1); }).status().code(), absl::StatusCode::kUnavailable);
  tx.set_fail_begin(false);
  tx.set_fail_commit(true);
  EXPECT_EQ(writer.Write(1, [&] { return tx.Add(2); }).status().code(), absl::StatusCode::kUnavailable);
  tx.set_fail_commit(false);
  EXPECT_TRUE(writer.Write(1, [&] { return tx.Add(3); }).ok());
  EXPECT_EQ(tx.committed(), (std::vector<int>{3}));
  EXPECT_EQ(writer.stats().turns, 1);
}

TEST(GroupWriterTest, AsyncWriteCallsBackOnceAfterItsCommit) {
  FakeTransaction tx;
  std::atomic<int> calls{0};
  absl::Notification done;
  {
    GroupWriter writer(&tx, Options());
    writer.WriteAsync(1, [&] { return tx.Add(5); }, [&](absl::StatusOr<int64_t> result) {
      EXPECT_EQ(*result, 5);
      EXPECT_EQ(tx.committed(), (std::vector<int>{5}));
      ++calls;
      done.Notify();
    });
    done.WaitForNotification();
  }
  EXPECT_EQ(calls.load(), 1);
}

TEST(GroupWriterTest, DestructorFinishesQueuedAsyncWrites) {
  FakeTransaction tx;
  std::atomic<int> calls{0};
  {
    GroupWriter writer(&tx, Options(absl::Milliseconds(50)));
    for (int i = 0; i < 10; ++i) {
      writer.WriteAsync(1, [&tx, i] { return tx.Add(i); }, [&](absl::StatusOr<int64_t> r) {
        EXPECT_TRUE(r.ok());
        ++calls;
      });
    }
  }
  EXPECT_EQ(calls.load(), 10);
  EXPECT_EQ(tx.committed().size(), 10u);
  EXPECT_EQ(tx.savepoints(), 0);  // no write failed, so no group took one
}

}  // namespace
}  // namespace agentd
