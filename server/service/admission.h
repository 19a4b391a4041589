// Admission control at the service edge: how many calls may be queued or
// running at once, in the whole server and per principal. A call past
// either limit is refused before any work is done (RESOURCE_EXHAUSTED with
// a retry hint, common/overload.h), instead of waiting in a queue
// it cannot leave before its deadline.
//
// Thread-safe. A Ticket is held for as long as its call is queued or
// running; destroying it frees the place.
#ifndef AGENTD_SERVER_SERVICE_ADMISSION_H_
#define AGENTD_SERVER_SERVICE_ADMISSION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace agentd {

class Admission {
 public:
  // `max_calls`: calls queued or running in the server; `max_per_principal`:
  // the same for one principal (0 = max_calls).
  Admission(int max_calls, int max_per_principal);

  class Ticket {
   public:
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    // The call left the queue and runs now.
    void Running();

   private:
    friend class Admission;
    Ticket(Admission* admission, std::string principal)
        : admission_(admission), principal_(std::move(principal)), admitted_(absl::Now()) {}
    Admission* admission_;
    std::string principal_;
    absl::Time admitted_;
    bool running_ = false;
  };

  // A place for one call of `principal`, or RESOURCE_EXHAUSTED naming the
  // limit that was reached, with a retry hint of about one call's duration.
  absl::StatusOr<std::unique_ptr<Ticket>> Admit(const std::string& principal);

  // For metrics: calls waiting for a request thread, and running.
  int64_t queued() const { return queued_.load(std::memory_order_relaxed); }
  int64_t running() const { return running_.load(std::memory_order_relaxed); }
  // Calls refused since start.
  int64_t shed() const { return shed_.load(std::memory_order_relaxed); }

 private:
  void Release(const Ticket& ticket);

  const int max_calls_;
  const int max_per_principal_;
  absl::Mutex mu_;
  int total_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int> per_principal_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> queued_{0}, running_{0}, shed_{0};
  // Average time a call holds its place (exponentially weighted), the retry hint.
  std::atomic<int64_t> average_hold_ns_{0};
};

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_ADMISSION_H_
