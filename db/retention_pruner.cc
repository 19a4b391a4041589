#include "db/retention_pruner.h"

#include <utility>

#include "spdlog/spdlog.h"

namespace agentd {

RetentionPruner::RetentionPruner(SessionStore* store, RetentionOptions options)
    : store_(store), options_(std::move(options)) {
  thread_ = std::thread([this] { Loop(); });
}

RetentionPruner::~RetentionPruner() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

RetentionPruner::Stats RetentionPruner::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

bool RetentionPruner::WaitForRuns(int64_t runs, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto done = [this, runs]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stats_.runs >= runs; };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

void RetentionPruner::Loop() {
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  for (;;) {
    const absl::Time cutoff = options_.clock() - options_.keep;
    absl::StatusOr<int64_t> deleted = store_->PruneOlderThan(cutoff, options_.batch_size);
    if (!deleted.ok()) {
      spdlog::warn("retention: pruning sessions idle since before {} failed (will retry): {}",
                   absl::FormatTime(cutoff), deleted.status().ToString());
    } else if (*deleted > 0) {
      spdlog::info("retention: deleted {} session(s) idle since before {}", *deleted,
                   absl::FormatTime(cutoff));
    }
    absl::MutexLock lock(&mu_);
    ++stats_.runs;
    stats_.deleted += deleted.value_or(0);
    stats_.last_status = deleted.status();
    // Wakes at the next interval, or at once when the destructor asks.
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.interval)) return;
  }
}

}  // namespace agentd
