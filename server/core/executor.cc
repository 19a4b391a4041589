#include "server/core/executor.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace agentd {

bool CircuitBreaker::Allow(absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (!open_) return true;
  if (now < open_until_ || probe_in_flight_) return false;
  probe_in_flight_ = true;  // half-open: this call is the probe
  return true;
}

void CircuitBreaker::RecordSuccess() {
  absl::MutexLock lock(&mu_);
  consecutive_failures_ = 0;
  open_ = false;
  probe_in_flight_ = false;
}

void CircuitBreaker::RecordFailure(absl::Time now) {
  absl::MutexLock lock(&mu_);
  ++consecutive_failures_;
  if (probe_in_flight_ || consecutive_failures_ >= threshold_) {
    open_ = true;
    open_until_ = now + cool_down_;
  }
  probe_in_flight_ = false;
}

std::string CircuitBreaker::State(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  if (!open_) return "closed";
  return (now < open_until_ && !probe_in_flight_) ? "open" : "half_open";
}

Executor::Executor(int threads, absl::Duration inline_below)
    : pool_(threads), inline_below_(inline_below) {}

void Executor::Submit(std::function<void()> task) { pool_.Submit(std::move(task)); }

namespace {

// What one Run shares with its tasks. Tasks hold it by shared_ptr, so a task
// that outlives its Run (timed out) writes into it harmlessly.
struct RunState {
  absl::Mutex mu;
  std::vector<AgentOutcome> outcomes ABSL_GUARDED_BY(mu);
  std::vector<bool> settled ABSL_GUARDED_BY(mu);  // outcome final; later answers are dropped
  std::deque<int> started ABSL_GUARDED_BY(mu);    // events not yet delivered
  std::deque<int> finished ABSL_GUARDED_BY(mu);
  int pending ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::unique_ptr<CancelState>> cancel;  // filled before any task runs, then fixed
};

double MillisSince(absl::Time start) { return absl::ToDoubleMilliseconds(absl::Now() - start); }

// Runs agent `i` of a Run and records its outcome, on whichever thread calls
// it. An answer that comes after the agent's deadline counts as timed out.
void RunAgent(const std::shared_ptr<RunState>& state, AgentSlot* slot, size_t i,
              const v1::AgentRequest& request, v1::AgentRun run) {
  {
    absl::MutexLock lock(&state->mu);
    if (state->settled[i]) {  // timed out or cancelled while queued
      slot->in_flight.fetch_sub(1);
      return;
    }
    state->started.push_back(static_cast<int>(i));
  }
  const CancelState& cancel = *state->cancel[i];
  const absl::Time began = absl::Now();
  absl::StatusOr<v1::AgentResponse> response = slot->instance->Handle(request, cancel);
  slot->in_flight.fetch_sub(1);
  const absl::Time now = absl::Now();
  const bool expired = now >= cancel.deadline;
  absl::MutexLock lock(&state->mu);
  if (state->settled[i]) return;  // too late: Run has reported it already
  run.set_latency_ms(absl::ToDoubleMilliseconds(now - began));
  if (response.ok() && !expired) {
    slot->breaker.RecordSuccess();
    slot->RecordLatency(now - began);
    run.set_status(v1::AGENT_STATUS_OK);
    run.set_stub(response->stub());
    state->outcomes[i].response = *std::move(response);
  } else {
    slot->breaker.RecordFailure(now);
    bool cancelled = !response.ok() && response.status().code() == absl::StatusCode::kCancelled &&
                     cancel.cancelled.load() && !expired;
    run.set_status(cancelled ? v1::AGENT_STATUS_CANCELLED
                   : expired ? v1::AGENT_STATUS_TIMED_OUT
                             : v1::AGENT_STATUS_FAILED);
    run.set_error(expired ? absl::StrCat("no answer within ", absl::FormatDuration(cancel.deadline - began))
                          : std::string(response.status().message()));
  }
  run.set_circuit_state(slot->breaker.State(now));
  state->outcomes[i].run = std::move(run);
  state->settled[i] = true;
  state->finished.push_back(static_cast<int>(i));
  --state->pending;
}

}  // namespace

void AgentSlot::RecordLatency(absl::Duration latency) {
  // An exponentially weighted average, 1/8 weight per call: fast to adapt,
  // not fooled by one lucky call.
  int64_t ns = absl::ToInt64Nanoseconds(latency);
  int64_t old = average_latency_ns.load(std::memory_order_relaxed);
  average_latency_ns.store(old < 0 ? ns : old + (ns - old) / 8, std::memory_order_relaxed);
}

bool Executor::RunsInline(const AgentSlot& slot) const {
  int64_t average = slot.average_latency_ns.load(std::memory_order_relaxed);
  return average >= 0 && average < absl::ToInt64Nanoseconds(inline_below_);
}

std::vector<AgentOutcome> Executor::Run(const std::vector<AgentSlot*>& slots,
                                        const v1::AgentRequest& request, absl::Time deadline,
                                        const std::function<bool()>& caller_cancelled,
                                        ExecutionObserver* observer) {
  auto state = std::make_shared<RunState>();
  const absl::Time start = absl::Now();
  {
    absl::MutexLock lock(&state->mu);
    state->outcomes.resize(slots.size());
    state->settled.assign(slots.size(), false);
  }
  // Every CancelState exists before the first task starts: tasks read
  // state->cancel without the lock, so it must never reallocate under them.
  for (AgentSlot* slot : slots) {
    auto cancel = std::make_unique<CancelState>();
    cancel->deadline = std::min(deadline, start + slot->timeout);
    state->cancel.push_back(std::move(cancel));
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    AgentSlot* slot = slots[i];

    v1::AgentRun run;
    run.set_agent(slot->definition.name());
    run.set_plugin(slot->definition.plugin());
    std::string skip;
    if (slot->instance == nullptr) {
      skip = absl::StrCat("unavailable: ", slot->unavailable_reason);
    } else if (!slot->breaker.Allow(start)) {
      skip = "circuit breaker open after repeated failures; skipped until the cool-down ends";
    } else if (slot->in_flight.fetch_add(1) >= slot->max_in_flight) {
      slot->in_flight.fetch_sub(1);
      slot->breaker.RecordSuccess();  // a probe that never ran must not stay in flight
      skip = absl::StrCat("bulkhead full: ", slot->max_in_flight, " calls already in flight");
    }
    if (!skip.empty()) {
      run.set_status(v1::AGENT_STATUS_SKIPPED);
      run.set_error(skip);
      run.set_circuit_state(slot->breaker.State(start));
      absl::MutexLock lock(&state->mu);
      state->outcomes[i].run = std::move(run);
      state->settled[i] = true;
      state->finished.push_back(static_cast<int>(i));
      continue;
    }
    {
      absl::MutexLock lock(&state->mu);
      state->outcomes[i].run = run;
      ++state->pending;
    }
    v1::AgentRequest agent_request = request;
    agent_request.set_agent(slot->definition.name());
    agent_request.set_deadline_unix_ms(absl::ToUnixMillis(state->cancel[i]->deadline));
    // The caller's thread would only wait: the last agent runs on it when
    // it is known to be fast, which saves the hop to a pool thread.
    bool last = i + 1 == slots.size();
    if (last && RunsInline(*slot)) {
      RunAgent(state, slot, i, agent_request, std::move(run));
    } else {
      Submit([state, slot, i, agent_request = std::move(agent_request), run = std::move(run)]() mutable {
        RunAgent(state, slot, i, agent_request, std::move(run));
      });
    }
  }

  // Deliver events as they happen; stop at the deadline or on cancel.
  bool cancelled = false;
  auto deliver = [&](std::deque<int>& started, std::deque<int>& finished,
                     std::vector<AgentOutcome>& outcomes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
    while (!started.empty() || !finished.empty()) {
      std::vector<int> s(started.begin(), started.end()), f(finished.begin(), finished.end());
      started.clear();
      finished.clear();
      std::vector<AgentOutcome> done;  // copies: the observer reads them unlocked
      if (observer != nullptr) {
        for (int i : f) done.push_back(outcomes[i]);
      }
      state->mu.Unlock();
      if (observer != nullptr) {
        for (int i : s) observer->OnAgentStarted(slots[i]->definition.name());
        for (const AgentOutcome& o : done) observer->OnAgentFinished(o);
      }
      state->mu.Lock();
    }
  };
  state->mu.Lock();
  for (;;) {
    deliver(state->started, state->finished, state->outcomes);
    if (state->pending == 0) break;
    absl::Time now = absl::Now();
    absl::Time latest = start;
    for (size_t i = 0; i < slots.size(); ++i) {
      if (!state->settled[i]) latest = std::max(latest, state->cancel[i]->deadline);
    }
    if (now >= latest) break;
    if (caller_cancelled && caller_cancelled()) {
      cancelled = true;
      break;
    }
    // Wake on any event; re-check cancellation every 10 ms.
    absl::Time wake = std::min(latest, now + absl::Milliseconds(10));
    auto has_news = [](RunState* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
      return !s->started.empty() || !s->finished.empty() || s->pending == 0;
    };
    state->mu.AwaitWithDeadline(absl::Condition(+has_news, state.get()), wake);
    // A per-agent deadline may have passed while others still run.
    now = absl::Now();
    for (size_t i = 0; i < slots.size(); ++i) {
      if (state->settled[i] || now < state->cancel[i]->deadline) continue;
      state->cancel[i]->cancelled.store(true);
      v1::AgentRun& run = state->outcomes[i].run;
      run.set_status(v1::AGENT_STATUS_TIMED_OUT);
      run.set_latency_ms(MillisSince(start));
      run.set_error(absl::StrCat("no answer within ", absl::FormatDuration(state->cancel[i]->deadline - start)));
      slots[i]->breaker.RecordFailure(now);
      run.set_circuit_state(slots[i]->breaker.State(now));
      state->settled[i] = true;
      state->finished.push_back(static_cast<int>(i));
      --state->pending;
    }
  }
  // Whatever is still running now was cancelled by the caller.
  for (size_t i = 0; i < slots.size(); ++i) {
    if (state->settled[i]) continue;
    state->cancel[i]->cancelled.store(true);
    v1::AgentRun& run = state->outcomes[i].run;
    run.set_status(cancelled ? v1::AGENT_STATUS_CANCELLED : v1::AGENT_STATUS_TIMED_OUT);
    run.set_latency_ms(MillisSince(start));
    run.set_error(cancelled ? "the caller cancelled" : "deadline passed");
    run.set_circuit_state(slots[i]->breaker.State(absl::Now()));
    state->settled[i] = true;
    state->finished.push_back(static_cast<int>(i));
    --state->pending;
  }
  deliver(state->started, state->finished, state->outcomes);
  // Every outcome is settled: a task that finishes later sees settled[i] and
  // leaves its outcome alone, so the outcomes can be moved out.
  std::vector<AgentOutcome> outcomes = std::move(state->outcomes);
  state->mu.Unlock();
  return outcomes;
}

}  // namespace agentd
