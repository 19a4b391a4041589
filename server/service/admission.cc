#include "server/service/admission.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/overload.h"
#include "spdlog/spdlog.h"

namespace agentd {

Admission::Admission(int max_calls, int max_per_principal)
    : max_calls_(std::max(1, max_calls)),
      max_per_principal_(max_per_principal > 0 ? max_per_principal : std::max(1, max_calls)) {}

absl::StatusOr<std::unique_ptr<Admission::Ticket>> Admission::Admit(const std::string& principal) {
  {
    absl::MutexLock lock(&mu_);
    int& mine = per_principal_[principal];
    const bool server_full = total_ >= max_calls_;
    if (!server_full && mine < max_per_principal_) {
      ++total_;
      ++mine;
      queued_.fetch_add(1, std::memory_order_relaxed);
      return std::unique_ptr<Ticket>(new Ticket(this, principal));
    }
    if (mine == 0) per_principal_.erase(principal);
    const char* who = server_full ? "the server" : "this caller";
    const int cap = server_full ? max_calls_ : max_per_principal_;
    int64_t shed = shed_.fetch_add(1, std::memory_order_relaxed) + 1;
    // One line per power of two: the log says overload is happening without
    // becoming a second load itself.
    if ((shed & (shed - 1)) == 0) {
      spdlog::warn("shedding calls: {} has {} calls queued or running, its limit; {} shed so far", who, cap, shed);
    }
    absl::Duration hint = absl::Nanoseconds(average_hold_ns_.load(std::memory_order_relaxed));
    return Overloaded(absl::StrCat(who, " has ", cap, " calls queued or running, its limit"),
                      std::max(hint, absl::Milliseconds(10)));
  }
}

void Admission::Release(const Ticket& ticket) {
  (ticket.running_ ? running_ : queued_).fetch_sub(1, std::memory_order_relaxed);
  int64_t held = absl::ToInt64Nanoseconds(absl::Now() - ticket.admitted_);
  int64_t old = average_hold_ns_.load(std::memory_order_relaxed);
  average_hold_ns_.store(old == 0 ? held : old + (held - old) / 16, std::memory_order_relaxed);
  absl::MutexLock lock(&mu_);
  --total_;
  auto it = per_principal_.find(ticket.principal_);
  if (it != per_principal_.end() && --it->second == 0) per_principal_.erase(it);
}

void Admission::Ticket::Running() {
  if (running_) return;
  running_ = true;
  admission_->queued_.fetch_sub(1, std::memory_order_relaxed);
  admission_->running_.fetch_add(1, std::memory_order_relaxed);
}

Admission::Ticket::~Ticket() { admission_->Release(*this); }

}  // namespace agentd
