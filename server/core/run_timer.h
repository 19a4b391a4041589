// The executor's timer: one thread that runs short callbacks at their time
// (an asynchronous Run's deadlines and its looks at whether the caller went
// away). Callbacks run one after another on that thread, so each must be
// short; one that comes due while another runs waits for it.
//
// A look at the caller is due every 100 ms per Run, yet most Runs end in a
// few ms: waking the thread for each would cost a context switch per
// review. So a callback may say how late it may run (`slack`), and the
// thread, once awake, runs every callback due within the slack of now.
//
// Thread-safe. The destructor drops the callbacks not yet run (their
// owners must be done with them: the executor's Runs have all ended by
// then) and joins the thread.
#ifndef AGENTD_SERVER_CORE_RUN_TIMER_H_
#define AGENTD_SERVER_CORE_RUN_TIMER_H_

#include <functional>
#include <queue>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace agentd {

class RunTimer {
 public:
  RunTimer();
  ~RunTimer();
  RunTimer(const RunTimer&) = delete;
  RunTimer& operator=(const RunTimer&) = delete;

  // Runs `fire` on the timer's thread at `when`, or up to `slack` later.
  void At(absl::Time when, absl::Duration slack, std::function<void()> fire);

 private:
  struct Entry {
    absl::Time when;
    absl::Time latest;  // when + slack
    std::function<void()> fire;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return a.latest > b.latest; }
  };
  void Loop();

  absl::Mutex mu_;
  std::priority_queue<Entry, std::vector<Entry>, Later> entries_ ABSL_GUARDED_BY(mu_);
  absl::Time wake_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();  // when the thread will look next
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_RUN_TIMER_H_
