// GroupWriter: one writer thread that commits whatever writes are queued in
// one transaction (group commit). A caller of Write returns only after its
// own change is committed, but N concurrent callers share about one COMMIT
// (and one fsync). Backend-neutral: the database is reached only through
// GroupTransaction, and each write is a closure that runs its SQL on the
// writer's connection (which the backend owns and lends to this thread only).
//
// A group is applied first without savepoints (the common case: every
// write succeeds). If a write fails, the transaction is rolled back and the
// group applied again with each write under its own savepoint, so a failing
// write (unknown session, request id taken) is undone alone and the rest of
// its group still commits. If the backend had to roll back the whole
// transaction (SQLite may for SQLITE_FULL, IOERR, BUSY), the failing write
// is dropped and the others are replayed in a new transaction. A write must
// therefore be safe to apply again after a rollback (it only runs SQL).
//
// Thread-safe. The destructor finishes the queued writes and joins the thread.
#ifndef AGENTD_DB_GROUP_WRITER_H_
#define AGENTD_DB_GROUP_WRITER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace agentd {

// The transaction primitives a backend's writer connection offers. Called
// on the writer thread only.
class GroupTransaction {
 public:
  virtual ~GroupTransaction() = default;
  virtual absl::Status Begin() = 0;  // a write transaction (takes the write lock)
  virtual absl::Status Commit() = 0;
  virtual void Rollback() = 0;  // of the open transaction, if any; cannot fail
  virtual absl::Status Savepoint() = 0;
  virtual absl::Status ReleaseSavepoint() = 0;
  // Undoes the writes since Savepoint() and releases it.
  virtual absl::Status RollbackToSavepoint() = 0;
  // False when the backend ended the transaction on its own after an error.
  virtual bool InTransaction() const = 0;
};

// One group's transaction, as GroupWriterOptions::on_group reports it.
struct GroupCommit {
  absl::Duration latency;  // BEGIN to COMMIT (or to the failure)
  int writes = 0;          // writes in the group
  int64_t turns = 0;       // turns committed
  // OK when the transaction committed (some writes may have failed alone);
  // otherwise why the store could not write at all.
  absl::Status status;
};

struct GroupWriterOptions {
  // Extra wait to grow a group; 0 = commit what is queued.
  absl::Duration max_batch_delay = absl::ZeroDuration();
  int max_batch_size = 256;
  // Names the store in errors ("session store NAME is shutting down").
  std::string name;
  // Called on the writer thread after each group (for metrics and health);
  // must be quick. May be empty.
  std::function<void(const GroupCommit&)> on_group;
};

class GroupWriter {
 public:
  // What one write does inside the group's transaction; its result (a seq,
  // a count) is handed back to the caller.
  using Apply = std::function<absl::StatusOr<int64_t>()>;
  using Done = std::function<void(absl::StatusOr<int64_t>)>;

  // Starts the writer thread; `transaction` must outlive this object.
  GroupWriter(GroupTransaction* transaction, GroupWriterOptions options);
  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;
  ~GroupWriter();

  // Queues `apply` and waits until its transaction has committed (or it
  // failed). `turns` is what the write adds to stats().turns.
  absl::StatusOr<int64_t> Write(int turns, Apply apply);
  // The same without waiting: `done` runs exactly once, on the writer thread
  // after the COMMIT, or on this thread (UNAVAILABLE) if shutting down.
  void WriteAsync(int turns, Apply apply, Done done);

  struct Stats {
    int64_t commits;  // transactions committed
    int64_t turns;    // sum of `turns` of the committed writes
  };
  Stats stats() const;

 private:
  struct Op;
  absl::Status Enqueue(Op* op);
  void Loop();
  // Returns the group's outcome (GroupCommit::status and turns).
  GroupCommit CommitGroup(std::vector<Op*>& group);
  bool ApplyUnguarded(const std::vector<Op*>& pending);
  Op* ApplyEachInSavepoint(const std::vector<Op*>& pending, std::vector<Op*>& applied,
                           std::vector<Op*>& failed_alone);

  GroupTransaction* const transaction_;
  const GroupWriterOptions options_;

  absl::Mutex mu_;
  std::deque<Op*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> turns_{0};
  std::thread thread_;
};

}  // namespace agentd

#endif  // AGENTD_DB_GROUP_WRITER_H_
