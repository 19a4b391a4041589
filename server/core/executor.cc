#include "server/core/executor.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "spdlog/spdlog.h"

namespace agentd {

std::shared_ptr<const v1::AgentDefinition> SectionOwnerOf(const v1::AgentDefinition& definition) {
  auto owner = std::make_shared<v1::AgentDefinition>();
  owner->set_name(definition.name());
  *owner->mutable_sections() = definition.sections();
  return owner;
}

Executor::Executor(int threads) : pool_(threads) {}

void Executor::Dispatch(AgentSlot* slot, std::function<void()> task) {
  {
    absl::MutexLock lock(&slot->lane.mu);
    if (slot->lane.on_threads >= slot->thread_share) {
      slot->lane.waiting.push_back(std::move(task));
      return;
    }
    ++slot->lane.on_threads;
  }
  pool_.Submit([this, slot, task = std::move(task)]() mutable { RunInLane(slot, std::move(task)); });
}

void Executor::RunInLane(AgentSlot* slot, std::function<void()> task) {
  task();
  std::function<void()> next;
  {
    absl::MutexLock lock(&slot->lane.mu);
    if (slot->lane.waiting.empty()) {
      --slot->lane.on_threads;
      return;
    }
    next = std::move(slot->lane.waiting.front());
    slot->lane.waiting.pop_front();
  }
  // The place passes to the next call, through the pool's queue: other
  // agents' calls queued meanwhile go first.
  pool_.Submit([this, slot, next = std::move(next)]() mutable { RunInLane(slot, std::move(next)); });
}

// What one Run shares with its tasks. Tasks hold it by shared_ptr, so a task
// that outlives its Run (timed out) writes into it harmlessly.
struct RunState {
  absl::Mutex mu;
  std::vector<AgentOutcome> outcomes ABSL_GUARDED_BY(mu);
  std::vector<bool> settled ABSL_GUARDED_BY(mu);  // outcome final; later answers are dropped
  std::deque<int> started ABSL_GUARDED_BY(mu);    // events not yet delivered
  std::deque<int> finished ABSL_GUARDED_BY(mu);
  std::vector<bool> began ABSL_GUARDED_BY(mu);       // the agent's call started on a thread
  std::vector<bool> open_probe ABSL_GUARDED_BY(mu);  // the call is its breaker's probe, not yet judged
  std::vector<bool> abandoned ABSL_GUARDED_BY(mu);   // still in the plugin after its deadline (AgentSlot::stuck)
  std::deque<std::pair<int, std::string>> progress ABSL_GUARDED_BY(mu);  // (agent index, text)
  bool want_progress = false;  // fixed before any task runs
  int pending ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::unique_ptr<CancelState>> cancel;  // filled before any task runs, then fixed
  std::shared_ptr<const void> keep_alive;  // the slots' owner; every task holds it through this state
  // What every agent is asked (without its name and deadline), and those
  // bytes serialized once for all of them. Fixed before any task runs.
  v1::AgentRequest request;
  std::string request_bytes;
  // An asynchronous Run (RunAsync): who gets the outcomes, until it is
  // taken (null for Run). The rest is fixed before any task runs.
  Executor::RunDone done ABSL_GUARDED_BY(mu);
  std::vector<AgentSlot*> slots;
  std::function<bool()> caller_cancelled;
  absl::Time start;
};

namespace {

// How often Run looks whether the caller went away: a caller that hangs up
// has its agents told within this, which is soon enough for a person and
// for a model's tokens.
constexpr absl::Duration kCancelPoll = absl::Milliseconds(100);
// How late an asynchronous Run's look may come (RunTimer's slack): at ~3,000
// reviews a second, most Runs end before their first look, and the timer
// then wakes about once per slack rather than once per review.
constexpr absl::Duration kCancelPollSlack = absl::Milliseconds(25);

double MillisSince(absl::Time start) { return absl::ToDoubleMilliseconds(absl::Now() - start); }

// What ends an asynchronous Run: its `done` and the outcomes, taken out of
// the state once no agent is pending (every outcome is settled then, so
// later answers leave them alone).
struct Completion {
  Executor::RunDone done;
  std::vector<AgentOutcome> outcomes;
  void operator()() {
    if (done) done(std::move(outcomes));
  }
};

Completion TakeCompletion(RunState* state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
  if (state->pending != 0 || !state->done) return {};
  Completion c{std::move(state->done), std::move(state->outcomes)};
  state->done = nullptr;
  return c;
}

// Runs agent `i` of a Run and records its outcome, on a thread of `pool`
// within the agent's share. An answer that comes after the agent's deadline
// counts as timed out.
void RunAgent(const std::shared_ptr<RunState>& state, AgentSlot* slot, size_t i, v1::AgentRun run,
              WorkerPool* pool) {
  {
    absl::MutexLock lock(&state->mu);
    if (state->settled[i]) {  // timed out or cancelled while queued
      slot->in_flight.fetch_sub(1);
      return;
    }
    state->began[i] = true;
    state->started.push_back(static_cast<int>(i));
  }
  const CancelState& cancel = *state->cancel[i];
  const absl::Time began = absl::Now();
  HostedAgent::ProgressFn progress;
  if (state->want_progress) {
    progress = [&state, i](std::string_view text) {
      absl::MutexLock lock(&state->mu);
      if (state->settled[i]) return;
      if (!state->progress.empty() && state->progress.back().first == static_cast<int>(i)) {
        state->progress.back().second.append(text);  // not delivered yet: one event
      } else {
        state->progress.emplace_back(static_cast<int>(i), std::string(text));
      }
    };
  }
  std::string response_bytes;
  absl::StatusOr<v1::AgentResponse> response =
      slot->instance->HandleShared(state->request, state->request_bytes, slot->definition.name(),
                                   absl::ToUnixMillis(cancel.deadline), cancel, &progress, &response_bytes);
  slot->in_flight.fetch_sub(1);
  // The merger's signatures of the answer's items, worked out here while
  // the text just parsed is in this core's cache (AgentOutcome).
  std::vector<uint64_t> item_signatures;
  if (response.ok()) item_signatures = ItemSignatures(*response);
  const absl::Time now = absl::Now();
  // A plugin that gave up at its deadline (DEADLINE_EXCEEDED) timed out too.
  const bool expired = now >= cancel.deadline ||
                       (!response.ok() && response.status().code() == absl::StatusCode::kDeadlineExceeded);
  absl::ReleasableMutexLock lock(&state->mu);
  if (state->abandoned[i]) {  // back from a call given up on: a thread took this one's place
    slot->stuck.fetch_sub(1);
    pool->RetireThisThread();
  }
  if (state->settled[i]) {  // too late: Run has reported it already
    // A probe the caller stopped waiting for: leave the verdict to the next.
    if (state->open_probe[i]) slot->breaker.ReleaseProbe();
    return;
  }
  state->open_probe[i] = false;
  run.set_latency_ms(absl::ToDoubleMilliseconds(now - began));
  if (response.ok() && !expired) {
    slot->breaker.RecordSuccess();
    slot->RecordLatency(now - began);
    run.set_status(v1::AGENT_STATUS_OK);
    run.set_stub(response->stub());
    if (response->has_usage()) *run.mutable_usage() = response->usage();
    state->outcomes[i].response = *std::move(response);
    state->outcomes[i].response_bytes = std::move(response_bytes);
    state->outcomes[i].item_signatures = std::move(item_signatures);
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
  Completion last = TakeCompletion(state.get());
  if (!last.done) return;
  lock.Release();
  last();  // this thread ran the Run's last agent: it carries the Run's caller on
}

// Gives up on agent `i` (its deadline passed, or the caller went away) and
// tells its call through the cancel token. Only a call that was running
// counts against the agent's breaker: a call still waiting for a thread
// says nothing about the agent.
void SettleUnanswered(RunState* state, AgentSlot* slot, size_t i, absl::Time start, absl::Time now,
                      v1::AgentStatus status, WorkerPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
  state->cancel[i]->cancelled.store(true);
  v1::AgentRun& run = state->outcomes[i].run;
  run.set_status(status);
  run.set_latency_ms(MillisSince(start));
  const std::string waited = absl::FormatDuration(state->cancel[i]->deadline - start);
  if (status == v1::AGENT_STATUS_CANCELLED) {
    run.set_error("the caller cancelled");
  } else if (!state->began[i]) {
    run.set_error(absl::StrCat("waited ", waited, " for an executor thread and never started (server busy)"));
  } else {
    run.set_error(absl::StrCat("no answer within ", waited));
  }
  if (state->began[i] && status == v1::AGENT_STATUS_TIMED_OUT) {
    slot->breaker.RecordFailure(now);
    state->open_probe[i] = false;
    // Abandoned: the call keeps its thread (and its place in the agent's
    // share) until the plugin returns; the pool gets a thread in its place.
    state->abandoned[i] = true;
    slot->stuck.fetch_add(1);
    pool->AddThread();
  } else if (!state->began[i] && state->open_probe[i]) {
    slot->breaker.ReleaseProbe();
    state->open_probe[i] = false;
  }  // a running call the caller left: RunAgent releases its probe when it returns
  run.set_circuit_state(slot->breaker.State(now));
  state->settled[i] = true;
  state->finished.push_back(static_cast<int>(i));
  --state->pending;
}

std::shared_ptr<RunState> NewRunState(const std::vector<AgentSlot*>& slots, absl::Time start, absl::Time deadline) {
  auto state = std::make_shared<RunState>();
  absl::MutexLock lock(&state->mu);
  state->outcomes.resize(slots.size());
  state->settled.assign(slots.size(), false);
  state->began.assign(slots.size(), false);
  state->open_probe.assign(slots.size(), false);
  state->abandoned.assign(slots.size(), false);
  // Every CancelState exists before the first task starts: tasks read
  // state->cancel without the lock, so it must never reallocate under them.
  for (AgentSlot* slot : slots) {
    auto cancel = std::make_unique<CancelState>();
    cancel->deadline = std::min(deadline, start + slot->timeout);
    state->cancel.push_back(std::move(cancel));
  }
  return state;
}

// Why `slot` cannot take a call now, or "" when it can (then it holds a
// place in its bulkhead, and `*probe` says whether the call is its breaker's
// probe). `*overloaded`: skipped because the server is busy, not the agent.
std::string SkipReason(AgentSlot* slot, absl::Time start, bool* probe, bool* overloaded) {
  if (slot->instance == nullptr) return absl::StrCat("unavailable: ", slot->unavailable_reason);
  if (!slot->breaker.Allow(start, probe)) {
    return "circuit breaker open after repeated failures; skipped until the cool-down ends";
  }
  if (slot->stuck.load() >= slot->thread_share) {
    slot->breaker.RecordFailure(start);  // the agent is not answering: its own failure
    return absl::StrCat("all ", slot->thread_share, " of its threads are stuck in calls past their deadline");
  }
  if (slot->in_flight.fetch_add(1) >= slot->max_in_flight) {
    slot->in_flight.fetch_sub(1);
    if (*probe) slot->breaker.ReleaseProbe();  // a probe that never ran is no verdict
    *overloaded = true;
    return absl::StrCat("bulkhead full: ", slot->max_in_flight, " calls already in flight");
  }
  return "";
}

// Hands queued started/finished events to `observer`, unlocked.
void Deliver(RunState* state, const std::vector<AgentSlot*>& slots, ExecutionObserver* observer)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
  while (!state->started.empty() || !state->finished.empty() || !state->progress.empty()) {
    std::vector<int> s(state->started.begin(), state->started.end());
    std::vector<int> f(state->finished.begin(), state->finished.end());
    std::deque<std::pair<int, std::string>> p;
    p.swap(state->progress);
    state->started.clear();
    state->finished.clear();
    std::vector<AgentOutcome> done;  // copies: the observer reads them unlocked
    if (observer != nullptr) {
      for (int i : f) done.push_back(state->outcomes[i]);
    }
    state->mu.Unlock();
    if (observer != nullptr) {
      for (int i : s) observer->OnAgentStarted(slots[i]->definition.name());
      // An agent's progress comes after its start and before its finish:
      // a task queues "started" before it can report anything.
      for (const auto& [i, text] : p) observer->OnAgentProgress(slots[i]->definition.name(), text);
      for (const AgentOutcome& o : done) observer->OnAgentFinished(o);
    }
    state->mu.Lock();
  }
}

}  // namespace

std::string_view AgentOutcomeName(v1::AgentStatus status) {
  switch (status) {
    case v1::AGENT_STATUS_OK: return "ok";
    case v1::AGENT_STATUS_TIMED_OUT: return "timed_out";
    case v1::AGENT_STATUS_CANCELLED: return "cancelled";
    case v1::AGENT_STATUS_SKIPPED: return "skipped";
    default: return "failed";
  }
}

void AgentSlot::RecordLatency(absl::Duration latency) {
  // An exponentially weighted average, 1/8 weight per call: fast to adapt,
  // not fooled by one lucky call.
  int64_t ns = absl::ToInt64Nanoseconds(latency);
  int64_t old = average_latency_ns.load(std::memory_order_relaxed);
  average_latency_ns.store(old < 0 ? ns : old + (ns - old) / 8, std::memory_order_relaxed);
}

std::shared_ptr<RunState> Executor::StartRun(const std::vector<AgentSlot*>& slots, v1::AgentRequest request,
                                             absl::Time deadline, std::function<bool()> caller_cancelled,
                                             std::shared_ptr<const void> keep_alive, bool want_progress,
                                             RunDone done) {
  const absl::Time start = absl::Now();
  std::shared_ptr<RunState> state = NewRunState(slots, start, deadline);
  state->keep_alive = std::move(keep_alive);
  state->want_progress = want_progress;
  state->slots = slots;
  state->caller_cancelled = std::move(caller_cancelled);
  state->start = start;
  state->request = std::move(request);
  state->request.clear_agent();
  state->request.clear_deadline_unix_ms();
  state->request_bytes = state->request.SerializeAsString();
  {
    absl::MutexLock lock(&state->mu);
    state->done = std::move(done);
    // The start's own hold: the Run cannot end while calls are still being
    // handed out (the caller drops it).
    ++state->pending;
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    AgentSlot* slot = slots[i];

    v1::AgentRun run;
    run.set_agent(slot->definition.name());
    run.set_plugin(slot->definition.plugin());
    bool probe = false, overloaded = false;
    std::string skip = SkipReason(slot, start, &probe, &overloaded);
    if (!skip.empty()) {
      run.set_status(v1::AGENT_STATUS_SKIPPED);
      run.set_error(skip);
      run.set_circuit_state(slot->breaker.State(start));
      absl::MutexLock lock(&state->mu);
      state->outcomes[i].overloaded = overloaded;
      state->outcomes[i].run = std::move(run);
      state->settled[i] = true;
      state->finished.push_back(static_cast<int>(i));
      continue;
    }
    {
      absl::MutexLock lock(&state->mu);
      state->outcomes[i].run = run;
      state->open_probe[i] = probe;
      ++state->pending;
    }
    Dispatch(slot, [this, state, slot, i, run = std::move(run)]() mutable {
      RunAgent(state, slot, i, std::move(run), &pool_);
    });
  }
  return state;
}

void Executor::RunAsync(const std::vector<AgentSlot*>& slots, v1::AgentRequest request, absl::Time deadline,
                        std::function<bool()> caller_cancelled, std::shared_ptr<const void> keep_alive,
                        RunDone done) {
  std::shared_ptr<RunState> state = StartRun(slots, std::move(request), deadline, std::move(caller_cancelled),
                                             std::move(keep_alive), /*want_progress=*/false, std::move(done));
  absl::ReleasableMutexLock lock(&state->mu);
  --state->pending;
  Completion now = TakeCompletion(state.get());
  if (!now.done) {
    WatchAt(state, absl::Now());
    return;
  }
  lock.Release();
  now();  // nothing to wait for (every agent skipped)
}

void Executor::WatchAt(const std::shared_ptr<RunState>& state, absl::Time now) {
  // The next agent deadline, or the next look at the caller; such a look may
  // come a little late, so that the timer wakes once for many Runs.
  absl::Time next = now + kCancelPoll;
  absl::Duration slack = kCancelPollSlack;
  for (size_t i = 0; i < state->slots.size(); ++i) {
    if (state->settled[i] || state->cancel[i]->deadline >= next) continue;
    next = state->cancel[i]->deadline;
    slack = absl::ZeroDuration();
  }
  // Weak: a Run that ended before its look is gone, and its look does nothing.
  timer_.At(next, slack, [this, weak = std::weak_ptr<RunState>(state)] {
    if (std::shared_ptr<RunState> s = weak.lock()) Watch(s);
  });
}

void Executor::Watch(const std::shared_ptr<RunState>& state) {
  absl::ReleasableMutexLock lock(&state->mu);
  if (!state->done) return;  // ended already
  const absl::Time now = absl::Now();
  const bool cancelled = state->caller_cancelled && state->caller_cancelled();
  for (size_t i = 0; i < state->slots.size(); ++i) {
    if (state->settled[i] || (!cancelled && now < state->cancel[i]->deadline)) continue;
    SettleUnanswered(state.get(), state->slots[i], i, state->start, now,
                     cancelled ? v1::AGENT_STATUS_CANCELLED : v1::AGENT_STATUS_TIMED_OUT, &pool_);
  }
  Completion ended = TakeCompletion(state.get());
  if (!ended.done) {
    WatchAt(state, now);
    return;
  }
  lock.Release();
  ended();  // the deadline passed or the caller went away: the partial outcomes go on now
}

std::vector<AgentOutcome> Executor::Run(const std::vector<AgentSlot*>& slots, v1::AgentRequest request,
                                        absl::Time deadline,
                                        const std::function<bool()>& caller_cancelled,
                                        ExecutionObserver* observer, std::shared_ptr<const void> keep_alive) {
  if (observer == nullptr) {
    // Nothing to deliver on this thread: wait for the asynchronous Run.
    absl::Notification ended;
    std::vector<AgentOutcome> outcomes;
    RunAsync(slots, std::move(request), deadline, caller_cancelled, std::move(keep_alive),
             [&](std::vector<AgentOutcome> result) {
               outcomes = std::move(result);
               ended.Notify();
             });
    ended.WaitForNotification();
    return outcomes;
  }
  std::shared_ptr<RunState> state = StartRun(slots, std::move(request), deadline, caller_cancelled,
                                             std::move(keep_alive), /*want_progress=*/true, nullptr);
  const absl::Time start = state->start;
  {
    absl::MutexLock lock(&state->mu);
    --state->pending;
  }

  // Deliver events as they happen; stop at the deadline or on cancel.
  bool cancelled = false;
  state->mu.Lock();
  for (;;) {
    Deliver(state.get(), slots, observer);
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
    // Wake on any event an observer gets (without one, only when all are
    // done: a wake-up per start and finish is a futex call and a context
    // switch each); re-check cancellation every kCancelPoll. Under load a
    // Run waits tens of ms for its agents; a wake-up every 10 ms cost about
    // 0.3 context switches per five-agent review (sched_switch in Run, 1.27
    // -> 0.99 per review at 100 ms), and absl's timed-out waiter then spins
    // and sleeps to leave the mutex's queue.
    absl::Time wake = std::min(latest, now + kCancelPoll);
    auto has_news = [](RunState* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
      return s->pending == 0 ||
             (s->want_progress && (!s->started.empty() || !s->finished.empty() || !s->progress.empty()));
    };
    state->mu.AwaitWithDeadline(absl::Condition(+has_news, state.get()), wake);
    // A per-agent deadline may have passed while others still run.
    now = absl::Now();
    for (size_t i = 0; i < slots.size(); ++i) {
      if (state->settled[i] || now < state->cancel[i]->deadline) continue;
      SettleUnanswered(state.get(), slots[i], i, start, now, v1::AGENT_STATUS_TIMED_OUT, &pool_);
    }
  }
  // Whatever is still running now was cancelled by the caller.
  for (size_t i = 0; i < slots.size(); ++i) {
    if (state->settled[i]) continue;
    SettleUnanswered(state.get(), slots[i], i, start, absl::Now(),
                     cancelled ? v1::AGENT_STATUS_CANCELLED : v1::AGENT_STATUS_TIMED_OUT, &pool_);
  }
  Deliver(state.get(), slots, observer);
  // Every outcome is settled: a task that finishes later sees settled[i] and
  // leaves its outcome alone, so the outcomes can be moved out.
  std::vector<AgentOutcome> outcomes = std::move(state->outcomes);
  state->mu.Unlock();
  return outcomes;
}

}  // namespace agentd
