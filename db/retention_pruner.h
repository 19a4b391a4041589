// RetentionPruner: keeps a SessionStore within its retention period by
// deleting sessions that have not been updated for `keep`, once when it
// starts and then every `interval`, on a thread of its own.
//
// Pruning goes through SessionStore::PruneOlderThan, which deletes in
// batches, one write transaction each, so turns being stored meanwhile are
// committed between batches: serving is never blocked for more than a batch.
// A failed run (read-only file, locked database) is logged and retried at
// the next interval; it never stops the server.
//
// The store must outlive the pruner. The destructor wakes the thread and
// joins it (promptly: it waits at most for the batch in progress). All
// methods are thread-safe.
#ifndef AGENTD_DB_RETENTION_PRUNER_H_
#define AGENTD_DB_RETENTION_PRUNER_H_

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "db/session_store.h"

namespace agentd {

struct RetentionOptions {
  absl::Duration keep = absl::Hours(24 * 30);  // sessions idle longer are deleted
  absl::Duration interval = absl::Hours(1);    // between runs
  int batch_size = 200;                        // sessions per write transaction
  // "Now" for the cutoff (now - keep); tests inject a fake clock. The wait
  // between runs is real time.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class RetentionPruner {
 public:
  // Starts the thread; the first run begins at once. `store` is not owned.
  RetentionPruner(SessionStore* store, RetentionOptions options);
  RetentionPruner(const RetentionPruner&) = delete;
  RetentionPruner& operator=(const RetentionPruner&) = delete;
  ~RetentionPruner();

  struct Stats {
    int64_t runs = 0;          // finished runs, successful or not
    int64_t deleted = 0;       // sessions deleted over all runs
    absl::Status last_status;  // of the last finished run
  };
  Stats stats() const;

  // Blocks until at least `runs` runs have finished or `timeout` passes;
  // returns whether they had. For tests and for an orderly start.
  bool WaitForRuns(int64_t runs, absl::Duration timeout) const;

 private:
  void Loop();

  SessionStore* const store_;
  const RetentionOptions options_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace agentd

#endif  // AGENTD_DB_RETENTION_PRUNER_H_
