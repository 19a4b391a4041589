// The review path of the Orchestrator: route, run the agents, merge,
// queue the turn for the store. A unary review (ReviewAsync without an
// observer) runs its agents while no thread waits for them: the thread
// that ends them (Executor::RunAsync) merges and queues the turn.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "common/status_macros.h"
#include "server/core/conversation.h"
#include "server/core/merger.h"
#include "server/core/orchestrator.h"
#include "server/core/request_limits.h"
#include "server/core/review_turn.h"
#include "server/facts/fact_reader.h"

namespace agentd {
namespace {

// Time kept back from the caller's deadline for merging and the durable
// write, so that a review with a slow agent still arrives in time.
absl::Duration WriteReserve(absl::Time now, absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return absl::ZeroDuration();
  return std::min(absl::Milliseconds(100), (deadline - now) / 5);
}

// Why a review has no agent to run: none was chosen, or the request is for
// agents this server does not host.
absl::Status NothingSelected(const v1::RouteDecision& route) {
  std::vector<std::string> unhosted;
  for (const v1::UnhostedAgent& u : route.unhosted()) unhosted.push_back(u.agent());
  return absl::FailedPreconditionError(
      unhosted.empty() ? absl::StrCat(route.summary(), " (--agent=NAME; `agentctl agents` lists them)")
                       : absl::StrCat("this request is for ", absl::StrJoin(unhosted, ", "),
                                      ", which this server does not host; no hosted agent's scope covers it"));
}

v1::AgentRequest AgentRequestFor(const v1::ReviewRequest& request, const std::string& session_id, int turn,
                                 const FactSet& facts, const std::string& traceparent) {
  v1::AgentRequest agent_request;
  agent_request.set_request_id(NewSessionId());
  agent_request.set_session_id(session_id);
  agent_request.set_text(request.text());
  *agent_request.mutable_requirements() = facts.requirements;
  for (const v1::Fact& f : facts.facts) *agent_request.add_facts() = f;
  agent_request.set_turn(turn);
  agent_request.set_traceparent(traceparent);
  return agent_request;
}

FactSet SessionFactSet(const v1::Session& session, const std::vector<v1::Fact>& sources) {
  FactSet set;
  set.requirements = session.facts();
  set.facts = sources;
  return set;
}

}  // namespace

absl::StatusOr<v1::ReviewResponse> Orchestrator::Review(const CallContext& ctx,
                                                        const v1::ReviewRequest& request,
                                                        ReviewObserver* observer) {
  absl::Notification finished;
  absl::StatusOr<v1::ReviewResponse> result;
  ReviewAsync(ctx, request, observer, [&](absl::StatusOr<v1::ReviewResponse> response) {
    result = std::move(response);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

absl::StatusOr<std::optional<v1::ReviewResponse>> Orchestrator::StoredReply(const std::string& principal,
                                                                            const v1::ReviewRequest& request) {
  RETURN_IF_ERROR(ValidateRequestId(request.request_id()));
  absl::StatusOr<v1::GetSessionResponse> found = store_->FindRequest(principal, request.request_id());
  if (absl::IsNotFound(found.status())) return std::optional<v1::ReviewResponse>();
  if (!found.ok()) return found.status();
  if (found->turns_size() != 1) return std::optional<v1::ReviewResponse>();
  v1::Turn& turn = *found->mutable_turns(0);
  if (turn.request().text() != request.text() ||
      (!request.session_id().empty() && request.session_id() != found->session().id())) {
    return absl::AlreadyExistsError("request_id: already used for a different request; send a new request_id");
  }
  v1::ReviewResponse response;
  response.set_session_id(found->session().id());
  response.set_turn(turn.seq());
  *response.mutable_review() = std::move(*turn.mutable_review());
  *response.mutable_route() = std::move(*turn.mutable_route());
  return std::optional<v1::ReviewResponse>(std::move(response));
}

// A unary review while its agents run: what carries it on when they end.
struct Orchestrator::AsyncReview {
  CallContext ctx;
  v1::ReviewRequest request;
  std::shared_ptr<v1::ReviewRequest> retry;
  ReviewPlan plan;
  ReviewDone done;
};

void Orchestrator::ReviewAsync(const CallContext& ctx, const v1::ReviewRequest& request,
                               ReviewObserver* observer, ReviewDone done) {
  // A retry of a stored request gets the stored turn, and nothing runs again.
  std::shared_ptr<v1::ReviewRequest> retry;
  if (!request.request_id().empty()) {
    absl::StatusOr<std::optional<v1::ReviewResponse>> stored = StoredReply(ctx.principal, request);
    if (!stored.ok()) return done(stored.status());
    if (stored->has_value()) {
      if (ctx.finish_reply) ctx.finish_reply(&**stored);
      return done(**std::move(stored));
    }
    retry = std::make_shared<v1::ReviewRequest>();
    retry->set_request_id(request.request_id());
    retry->set_session_id(request.session_id());
    retry->set_text(request.text());
  }
  if (observer != nullptr) {
    // Progress goes to the observer on this thread: it waits for the agents.
    absl::StatusOr<PreparedTurn> prepared = PrepareTurn(ctx, request, observer);
    if (!prepared.ok()) return done(prepared.status());
    return QueueTurn(ctx, std::move(retry), *std::move(prepared), std::move(done));
  }
  absl::StatusOr<ReviewPlan> plan = PlanReview(ctx, request, nullptr);
  if (!plan.ok()) return done(plan.status());
  auto review = std::make_shared<AsyncReview>(AsyncReview{ctx, request, std::move(retry), *std::move(plan), std::move(done)});
  {
    absl::MutexLock lock(&running_mu_);
    ++async_reviews_;
  }
  EnterRunning([this, review] { RunReviewAsync(review); });
}

void Orchestrator::RunReviewAsync(const std::shared_ptr<AsyncReview>& review) {
  ReviewPlan& plan = review->plan;
  executor_->RunAsync(plan.slots, std::move(plan.agent_request), plan.agents_deadline, review->ctx.cancelled,
                      plan.agents, [this, review](std::vector<AgentOutcome> outcomes) {
                        FinishReviewAsync(review, std::move(outcomes));
                      });
}

void Orchestrator::FinishReviewAsync(const std::shared_ptr<AsyncReview>& review, std::vector<AgentOutcome> outcomes) {
  LeaveRunning();  // the agents are done: the next waiting review may start its own
  absl::StatusOr<PreparedTurn> prepared =
      FinishTurn(review->ctx, review->request, std::move(review->plan), std::move(outcomes));
  ReviewDone done = std::move(review->done);
  if (!prepared.ok()) {
    done(prepared.status());
  } else {
    QueueTurn(review->ctx, std::move(review->retry), *std::move(prepared), std::move(done));
  }
  absl::MutexLock lock(&running_mu_);
  --async_reviews_;
}

void Orchestrator::EnterRunning(std::function<void()> start) {
  {
    absl::MutexLock lock(&running_mu_);
    if (running_reviews_ >= std::max(1, config_.max_reviews_running)) {
      waiting_reviews_.push_back(std::move(start));
      return;
    }
    ++running_reviews_;
  }
  start();
}

void Orchestrator::LeaveRunning() {
  std::function<void()> next;
  {
    absl::MutexLock lock(&running_mu_);
    if (waiting_reviews_.empty()) {
      --running_reviews_;
      return;
    }
    next = std::move(waiting_reviews_.front());
    waiting_reviews_.pop_front();
  }
  next();  // keeps this review's place
}

void Orchestrator::QueueTurn(const CallContext& ctx, std::shared_ptr<v1::ReviewRequest> retry,
                             PreparedTurn prepared, ReviewDone done) {
  auto response = std::make_shared<v1::ReviewResponse>(std::move(prepared.response));
  if (ctx.finish_reply) ctx.finish_reply(response.get());
  store_->AppendTurnAsync(std::move(prepared.encoded),
                          [this, response, retry, principal = ctx.principal, finish_reply = ctx.finish_reply,
                           done = std::move(done)](absl::StatusOr<int> seq) {
                            if (!seq.ok() && retry != nullptr && absl::IsAlreadyExists(seq.status())) {
                              // A concurrent call with the same request_id was stored first.
                              absl::StatusOr<std::optional<v1::ReviewResponse>> stored =
                                  StoredReply(principal, *retry);
                              if (stored.ok() && stored->has_value()) {
                                if (finish_reply) finish_reply(&**stored);
                                return done(**std::move(stored));
                              }
                            }
                            if (!seq.ok()) {
                              done(seq.status());
                              return;
                            }
                            response->set_turn(*seq);
                            done(std::move(*response));
                          });
}

absl::StatusOr<Orchestrator::PreparedTurn> Orchestrator::PrepareTurn(const CallContext& ctx,
                                                                     const v1::ReviewRequest& request,
                                                                     ReviewObserver* observer) {
  ASSIGN_OR_RETURN(ReviewPlan plan, PlanReview(ctx, request, observer));
  std::vector<AgentOutcome> outcomes = executor_->Run(plan.slots, std::move(plan.agent_request),
                                                      plan.agents_deadline, ctx.cancelled, observer, plan.agents);
  return FinishTurn(ctx, request, std::move(plan), std::move(outcomes));
}

absl::StatusOr<Orchestrator::ReviewPlan> Orchestrator::PlanReview(const CallContext& ctx,
                                                                 const v1::ReviewRequest& request,
                                                                 ReviewObserver* observer) {
  ReviewPlan plan;
  plan.start = absl::Now();
  RETURN_IF_ERROR(ValidateText(request.text()));
  RETURN_IF_ERROR(ValidateReviewRequest(request));

  // The session: an existing one must exist for this principal.
  plan.new_session = request.session_id().empty();
  plan.session_id = plan.new_session ? NewSessionId() : request.session_id();
  FactSet earlier;
  if (!plan.new_session) {
    ASSIGN_OR_RETURN(v1::Session session, store_->LoadSession(ctx.principal, plan.session_id));
    ASSIGN_OR_RETURN(std::vector<v1::Fact> sources, store_->LoadSessionFactSources(ctx.principal, plan.session_id));
    earlier = SessionFactSet(session, sources);
    plan.turn = session.turn_count() + 1;
  }

  plan.agents = Agents();
  const AgentSet& agents = *plan.agents;
  // Into the fields this thread's last route left (the service gives it back
  // once the reply is encoded: Router::KeepSpareDecision).
  plan.route = Router::TakeSpareDecision();
  RETURN_IF_ERROR(
      agents.router->RouteInto(request.text(), {request.agents().begin(), request.agents().end()}, &plan.route));
  if (agents.route_assist != nullptr) agents.route_assist->Apply(request.text(), !request.agents().empty(), &plan.route);
  if (plan.route.selected().empty()) return NothingSelected(plan.route);

  plan.facts = LayerFacts(earlier, ReadFacts(request.text()), FactsFromFields(request.requirements()));
  plan.agent_request = AgentRequestFor(request, plan.session_id, plan.turn, plan.facts, ctx.traceparent);

  bool model_backed = false;
  for (const v1::RouteChoice& choice : plan.route.selected()) {
    AgentSlot* slot = agents.FindSlot(choice.agent());
    if (slot == nullptr) continue;
    plan.slots.push_back(slot);
    model_backed = model_backed || slot->definition.plugin() == "llm";
  }
  if (model_backed && !plan.new_session && config_.llm.history_turns > 0) {
    ASSIGN_OR_RETURN(std::vector<v1::EarlierTurn> history,
                     LoadConversation(*store_, ctx.principal, plan.session_id, config_.llm.history_turns));
    for (v1::EarlierTurn& t : history) *plan.agent_request.add_history() = std::move(t);
  }
  if (observer != nullptr) observer->OnRouted(plan.route);
  plan.agents_deadline = ctx.deadline - WriteReserve(absl::Now(), ctx.deadline);
  return plan;
}

absl::StatusOr<Orchestrator::PreparedTurn> Orchestrator::FinishTurn(const CallContext& ctx,
                                                                    const v1::ReviewRequest& request,
                                                                    ReviewPlan plan,
                                                                    std::vector<AgentOutcome> outcomes) {
  if (config_.metrics != nullptr) {
    for (const AgentOutcome& o : outcomes) {
      config_.metrics->RecordAgent(o.run.agent(), AgentOutcomeName(o.run.status()),
                                   absl::Milliseconds(o.run.latency_ms()));
    }
  }
  if (ctx.cancelled && ctx.cancelled()) return absl::CancelledError("the caller cancelled the review");
  RETURN_IF_ERROR(RequireAnAnswer(outcomes, plan.slots));

  // The turn keeps what the review was merged from, not the review: it is
  // merged again (and its Markdown rendered) when the turn is read. The
  // answers go into the record, are serialized for the store, and are then
  // moved on into the review: each answer's text is copied by neither.
  const AgentSet& agents = *plan.agents;
  TurnRecord record = NewTurnRecord(ctx.principal, plan.session_id, plan.new_session, request);
  record.route = std::move(plan.route);  // moved on into the reply below
  RecordOutputs(&outcomes, &record, agents.layout);
  // The agent set's section owners, shared: immutable, kept alive by the record.
  record.merge.section_owners.reserve(plan.slots.size());
  for (const AgentSlot* slot : plan.slots) record.merge.section_owners.push_back(slot->section_owner);
  record.merge.merger_version = kMergerVersion;
  record.merge.title = agents.review_title;
  record.merge.requirements = plan.facts.requirements;
  record.merge.facts = plan.facts.facts;
  record.session_facts = std::move(plan.facts.requirements);
  record.session_fact_sources = std::move(plan.facts.facts);
  for (v1::Fact& f : record.session_fact_sources) {
    if (f.turn() == 0) f.set_turn(plan.turn);
  }
  record.latency_ms = absl::ToDoubleMilliseconds(absl::Now() - plan.start);
  ASSIGN_OR_RETURN(EncodedTurn encoded, store_->EncodeTurnKeeping(&record));

  v1::ReviewResponse response;
  *response.mutable_review() = Merge(MergeInputOf(&record, &outcomes, &agents.layout));
  response.mutable_route()->Swap(&record.route);
  response.set_session_id(std::move(plan.session_id));
  return PreparedTurn{std::move(response), std::move(encoded)};
}


}  // namespace agentd
