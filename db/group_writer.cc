#include "db/group_writer.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace agentd {

// One queued write. A waiting caller owns it and waits on `done`; an
// asynchronous one (on_done set) is owned by the writer, which calls on_done
// and deletes it.
struct GroupWriter::Op {
  Apply apply;
  int turns = 0;
  absl::StatusOr<int64_t> result = absl::UnknownError("not run");
  absl::Notification done;
  Done on_done;
};

GroupWriter::GroupWriter(GroupTransaction* transaction, GroupWriterOptions options)
    : transaction_(transaction), options_(std::move(options)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-writer");  // for top -H and perf: its CPU is the store's
    Loop();
  });
}

GroupWriter::~GroupWriter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

GroupWriter::Stats GroupWriter::stats() const {
  return Stats{commits_.load(std::memory_order_relaxed), turns_.load(std::memory_order_relaxed)};
}

absl::Status GroupWriter::Enqueue(Op* op) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    return absl::UnavailableError(absl::StrCat("session store ", options_.name, " is shutting down"));
  }
  queue_.push_back(op);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> GroupWriter::Write(int turns, Apply apply) {
  Op op;
  op.apply = std::move(apply);
  op.turns = turns;
  if (absl::Status queued = Enqueue(&op); !queued.ok()) return queued;
  op.done.WaitForNotification();
  return std::move(op.result);
}

void GroupWriter::WriteAsync(int turns, Apply apply, Done done) {
  auto* op = new Op();
  op->apply = std::move(apply);
  op->turns = turns;
  op->on_done = std::move(done);
  absl::Status queued = Enqueue(op);
  if (!queued.ok()) {
    Done on_done = std::move(op->on_done);
    delete op;
    on_done(queued);
  }
}

void GroupWriter::Loop() {
  const size_t max_batch = static_cast<size_t>(std::max(1, options_.max_batch_size));
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || stopping_; };
  auto batch_full = [this, max_batch]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() >= max_batch || stopping_;
  };
  for (;;) {
    std::vector<Op*> group;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&has_work));
      if (queue_.empty()) return;  // stopping, and everything queued is done
      if (options_.max_batch_delay > absl::ZeroDuration() && !batch_full()) {
        mu_.AwaitWithTimeout(absl::Condition(&batch_full), options_.max_batch_delay);
      }
      while (!queue_.empty() && group.size() < max_batch) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    const absl::Time began = absl::Now();
    GroupCommit outcome = CommitGroup(group);
    if (options_.on_group) {
      outcome.latency = absl::Now() - began;
      outcome.writes = static_cast<int>(group.size());
      options_.on_group(outcome);
    }
    for (Op* op : group) {
      if (op->on_done) {
        op->on_done(std::move(op->result));
        delete op;
      } else {
        op->done.Notify();
      }
    }
  }
}

// The whole group without savepoints: the common case, where every write
// succeeds, pays no savepoint (in SQLite each one copied every page the
// write touched into a statement journal, several pages a turn; on
// PostgreSQL it is two round trips a write). False at the first failure:
// the transaction cannot undo that write alone and must be rolled back.
bool GroupWriter::ApplyUnguarded(const std::vector<Op*>& pending) {
  for (Op* op : pending) {
    op->result = op->apply();
    if (!op->result.ok()) return false;
  }
  return true;
}

// Each write under its own savepoint, so a failing one is undone alone.
// Returns the write whose failure ended the whole transaction, if one did;
// the writes undone alone go to `failed_alone`, the others to `applied`.
GroupWriter::Op* GroupWriter::ApplyEachInSavepoint(const std::vector<Op*>& pending, std::vector<Op*>& applied,
                                                   std::vector<Op*>& failed_alone) {
  GroupTransaction& tx = *transaction_;
  for (Op* op : pending) {
    absl::Status savepoint = tx.Savepoint();
    op->result = savepoint.ok() ? op->apply() : absl::StatusOr<int64_t>(savepoint);
    if (op->result.ok()) {
      absl::Status release = tx.ReleaseSavepoint();
      if (release.ok()) {
        applied.push_back(op);
        continue;
      }
      op->result = release;
    }
    if (!tx.InTransaction() || !tx.RollbackToSavepoint().ok()) return op;
    failed_alone.push_back(op);
  }
  return nullptr;
}

GroupCommit GroupWriter::CommitGroup(std::vector<Op*>& group) {
  GroupTransaction& tx = *transaction_;
  GroupCommit outcome;
  std::vector<Op*> pending = group;
  // First the whole group without savepoints; if a write fails, the group
  // is rolled back and applied again with a savepoint a write (at most one
  // extra pass a group, however many of its writes fail).
  bool guarded = false;
  while (!pending.empty()) {
    if (absl::Status begin = tx.Begin(); !begin.ok()) {
      tx.Rollback();
      for (Op* op : pending) op->result = begin;
      outcome.status = begin;
      return outcome;
    }
    std::vector<Op*> applied;
    std::vector<Op*> failed_alone;  // undone by their savepoint; keep the error
    Op* aborted = nullptr;          // its failure ended the whole transaction
    if (!guarded) {
      if (!ApplyUnguarded(pending)) {
        tx.Rollback();
        guarded = true;
        continue;
      }
      applied = pending;
    } else {
      aborted = ApplyEachInSavepoint(pending, applied, failed_alone);
    }
    if (aborted != nullptr) {
      tx.Rollback();
      outcome.status = aborted->result.status();  // the store's state if nothing else commits
      std::vector<Op*> retry;
      for (Op* op : pending) {
        if (op == aborted) continue;
        if (std::find(failed_alone.begin(), failed_alone.end(), op) != failed_alone.end()) continue;
        retry.push_back(op);
      }
      pending = std::move(retry);
      continue;
    }
    if (absl::Status commit = tx.Commit(); !commit.ok()) {
      tx.Rollback();
      for (Op* op : applied) op->result = commit;
      outcome.status = commit;
      return outcome;
    }
    commits_.fetch_add(1, std::memory_order_relaxed);
    for (Op* op : applied) outcome.turns += op->turns;
    turns_.fetch_add(outcome.turns, std::memory_order_relaxed);
    outcome.status = absl::OkStatus();
    return outcome;
  }
  return outcome;
}

}  // namespace agentd
