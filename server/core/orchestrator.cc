#include "server/core/orchestrator.h"

#include <algorithm>
#include <filesystem>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "common/overload.h"
#include "common/status_macros.h"
#include "server/core/conversation.h"
#include "server/core/merger.h"
#include "server/core/request_limits.h"
#include "server/core/review_turn.h"
#include "server/definitions/definition_parser.h"
#include "server/facts/fact_reader.h"
#include "spdlog/spdlog.h"

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

absl::StatusOr<std::unique_ptr<Orchestrator>> Orchestrator::Create(OrchestratorConfig config) {
  std::unique_ptr<Orchestrator> o(new Orchestrator());
  o->config_ = std::move(config);
  StoreOptions store_options;
  store_options.path = o->config_.db_path;
  store_options.reader_connections = o->config_.db_pool_size;
  store_options.max_database_bytes = o->config_.db_max_bytes;
  store_options.compress_turns = o->config_.compress_turns;
  Orchestrator* core = o.get();
  store_options.on_commit = [core](const StoreCommit& commit) { core->OnStoreCommit(commit); };
  store_options.merge_review = MergeStoredTurn;
  // The store opens (schema, migrations) on a second thread while the
  // agents load and the routing model is built: startup waits for the
  // longer of the two, not for both in turn. An agents error comes first.
  absl::StatusOr<std::unique_ptr<SessionStore>> store;
  std::thread opener([&store, &store_options] { store = SessionStore::Open(std::move(store_options)); });
  absl::StatusOr<std::shared_ptr<AgentSet>> agents = LoadAgentSet(o->config_);
  opener.join();
  RETURN_IF_ERROR(agents.status());
  if (o->config_.strict && !(*agents)->load_errors.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("--strict: ", (*agents)->load_errors.size(),
                                                      " load error(s): ", absl::StrJoin((*agents)->load_errors, "; ")));
  }
  {
    absl::MutexLock lock(&o->agents_mu_);
    o->agents_ = *std::move(agents);
  }
  o->executor_ = std::make_unique<Executor>(o->config_.executor_threads);
  ASSIGN_OR_RETURN(o->store_, std::move(store));
  if (o->config_.retention_days < 0) {
    return absl::InvalidArgumentError(absl::StrCat("retention_days must be 0 (keep forever) or more, got ",
                                                   o->config_.retention_days));
  }
  if (o->config_.retention_days > 0) {
    RetentionOptions retention;
    retention.keep = absl::Hours(24) * o->config_.retention_days;
    retention.interval = o->config_.retention_interval;
    o->pruner_ = std::make_unique<RetentionPruner>(o->store_.get(), std::move(retention));
  }
  o->prober_ = std::thread([core] { core->ProbeLoop(); });
  return o;
}

Orchestrator::~Orchestrator() {
  {
    absl::MutexLock lock(&health_mu_);
    stopping_ = true;
  }
  if (prober_.joinable()) prober_.join();
}

namespace {

// Whether a failed write says the store itself cannot write (rather than
// that one write was refused: unknown session, full quota).
bool IsStoreFault(const absl::Status& status, bool quota_set) {
  switch (status.code()) {
    case absl::StatusCode::kDataLoss: return true;
    case absl::StatusCode::kUnavailable: return status.message().find("shutting down") == absl::string_view::npos;
    case absl::StatusCode::kResourceExhausted: return !quota_set;  // SQLite cannot tell a quota from a full disk
    default: return false;
  }
}

}  // namespace

void Orchestrator::OnStoreCommit(const StoreCommit& commit) {
  if (commit.status.ok() && config_.metrics != nullptr) {
    config_.metrics->RecordCommit(commit.latency, commit.writes, static_cast<int>(commit.turns));
  }
  bool writable = commit.status.ok();
  if (!writable && !IsStoreFault(commit.status, config_.db_max_bytes > 0)) return;
  if (store_writable_.exchange(writable) == writable) return;
  if (writable) {
    spdlog::info("session store can write again: health SERVING");
  } else {
    spdlog::error("session store cannot write ({}): health NOT_SERVING until a write succeeds",
                  commit.status.ToString());
  }
  absl::MutexLock lock(&health_mu_);
  if (health_listener_) health_listener_(writable);
}

void Orchestrator::SetStoreHealthListener(std::function<void(bool writable)> listener) {
  absl::MutexLock lock(&health_mu_);
  health_listener_ = std::move(listener);
}

void Orchestrator::ProbeLoop() {
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_mu_) { return stopping_; };
  for (;;) {
    {
      absl::MutexLock lock(&health_mu_);
      if (health_mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Seconds(1))) return;
    }
    ReleaseRetiredAgents();
    // A probe that commits turns store_writable() true (OnStoreCommit).
    if (!store_writable_.load()) store_->ProbeWrite().IgnoreError();
  }
}

std::shared_ptr<const AgentSet> Orchestrator::Agents() const {
  absl::MutexLock lock(&agents_mu_);
  return agents_;
}

absl::Status Orchestrator::ValidateText(const std::string& text) const {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError("text: must not be empty; ask a question about your system");
  }
  if (text.size() > config_.max_text_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("text: ", text.size(), " bytes is over the limit of ",
                                                   config_.max_text_bytes, " bytes; shorten the question"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RouteDecision> Orchestrator::Route(const v1::RouteRequest& request) const {
  v1::RouteDecision decision;
  RETURN_IF_ERROR(RouteInto(request, &decision));
  return decision;
}

absl::Status Orchestrator::RouteInto(const v1::RouteRequest& request, v1::RouteDecision* decision) const {
  RETURN_IF_ERROR(ValidateText(request.text()));
  RETURN_IF_ERROR(ValidateAgentNames(request.agents()));
  std::shared_ptr<const AgentSet> agents = Agents();
  RETURN_IF_ERROR(
      agents->router->RouteInto(request.text(), {request.agents().begin(), request.agents().end()}, decision));
  if (agents->route_assist != nullptr) agents->route_assist->Apply(request.text(), !request.agents().empty(), decision);
  return absl::OkStatus();
}

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
  absl::StatusOr<PreparedTurn> prepared = PrepareTurn(ctx, request, observer);
  if (!prepared.ok()) {
    done(prepared.status());
    return;
  }
  auto response = std::make_shared<v1::ReviewResponse>(std::move(prepared->response));
  if (ctx.finish_reply) ctx.finish_reply(response.get());
  store_->AppendTurnAsync(std::move(prepared->encoded),
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
  const absl::Time start = absl::Now();
  RETURN_IF_ERROR(ValidateText(request.text()));
  RETURN_IF_ERROR(ValidateReviewRequest(request));

  // The session: an existing one must exist for this principal.
  bool new_session = request.session_id().empty();
  std::string session_id = new_session ? NewSessionId() : request.session_id();
  FactSet earlier;
  int turn = 1;
  if (!new_session) {
    ASSIGN_OR_RETURN(v1::Session session, store_->LoadSession(ctx.principal, session_id));
    ASSIGN_OR_RETURN(std::vector<v1::Fact> sources, store_->LoadSessionFactSources(ctx.principal, session_id));
    earlier = SessionFactSet(session, sources);
    turn = session.turn_count() + 1;
  }

  std::shared_ptr<const AgentSet> agents = Agents();
  // Into the fields this thread's last route left (the service gives it back
  // once the reply is encoded: Router::KeepSpareDecision).
  v1::RouteDecision route = Router::TakeSpareDecision();
  RETURN_IF_ERROR(
      agents->router->RouteInto(request.text(), {request.agents().begin(), request.agents().end()}, &route));
  if (agents->route_assist != nullptr) agents->route_assist->Apply(request.text(), !request.agents().empty(), &route);
  if (route.selected().empty()) return NothingSelected(route);

  FactSet facts = LayerFacts(earlier, ReadFacts(request.text()), FactsFromFields(request.requirements()));
  v1::AgentRequest agent_request = AgentRequestFor(request, session_id, turn, facts, ctx.traceparent);

  std::vector<AgentSlot*> slots;
  bool model_backed = false;
  for (const v1::RouteChoice& choice : route.selected()) {
    AgentSlot* slot = agents->FindSlot(choice.agent());
    if (slot == nullptr) continue;
    slots.push_back(slot);
    model_backed = model_backed || slot->definition.plugin() == "llm";
  }
  if (model_backed && !new_session && config_.llm.history_turns > 0) {
    ASSIGN_OR_RETURN(std::vector<v1::EarlierTurn> history,
                     LoadConversation(*store_, ctx.principal, session_id, config_.llm.history_turns));
    for (v1::EarlierTurn& t : history) *agent_request.add_history() = std::move(t);
  }
  if (observer != nullptr) observer->OnRouted(route);
  absl::Time agents_deadline = ctx.deadline - WriteReserve(absl::Now(), ctx.deadline);
  std::vector<AgentOutcome> outcomes =
      executor_->Run(slots, std::move(agent_request), agents_deadline, ctx.cancelled, observer, agents);
  if (config_.metrics != nullptr) {
    for (const AgentOutcome& o : outcomes) {
      config_.metrics->RecordAgent(o.run.agent(), AgentOutcomeName(o.run.status()),
                                   absl::Milliseconds(o.run.latency_ms()));
    }
  }
  if (ctx.cancelled && ctx.cancelled()) return absl::CancelledError("the caller cancelled the review");
  RETURN_IF_ERROR(RequireAnAnswer(outcomes, slots));

  // The turn keeps what the review was merged from, not the review: it is
  // merged again (and its Markdown rendered) when the turn is read. The
  // answers go into the record, are serialized for the store, and are then
  // moved on into the review: each answer's text is copied by neither.
  TurnRecord record = NewTurnRecord(ctx.principal, session_id, new_session, request);
  record.route = std::move(route);  // moved on into the reply below
  RecordOutputs(&outcomes, &record, agents->layout);
  for (const AgentSlot* slot : slots) record.merge.section_owners.push_back(slot->section_owner);
  record.merge.merger_version = kMergerVersion;
  record.merge.title = agents->review_title;
  record.merge.requirements = facts.requirements;
  record.merge.facts = facts.facts;
  record.session_facts = std::move(facts.requirements);
  record.session_fact_sources = std::move(facts.facts);
  for (v1::Fact& f : record.session_fact_sources) {
    if (f.turn() == 0) f.set_turn(turn);
  }
  record.latency_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  ASSIGN_OR_RETURN(EncodedTurn encoded, store_->EncodeTurnKeeping(&record));

  v1::ReviewResponse response;
  *response.mutable_review() = Merge(MergeInputOf(&record, &outcomes, &agents->layout));
  response.mutable_route()->Swap(&record.route);
  response.set_session_id(std::move(session_id));
  return PreparedTurn{std::move(response), std::move(encoded)};
}

std::vector<Orchestrator::AgentState> Orchestrator::AgentStates() const {
  std::vector<AgentState> states;
  const absl::Time now = absl::Now();
  const std::shared_ptr<const AgentSet> agents = Agents();
  for (const auto& slot : agents->slots) {
    states.push_back({slot->definition.name(), slot->in_flight.load(), slot->stuck.load(),
                      slot->breaker.State(now), slot->breaker.times_opened()});
  }
  return states;
}

std::vector<std::string> Orchestrator::BusyAgents() const {
  std::vector<std::string> busy;
  const std::shared_ptr<const AgentSet> agents = Agents();
  for (const auto& slot : agents->slots) {
    int in_flight = slot->in_flight.load(), stuck = slot->stuck.load();
    if (in_flight == 0 && stuck == 0) continue;
    busy.push_back(absl::StrCat(slot->definition.name(), " (", slot->plugin_path, "): ", in_flight,
                                " call(s) in flight, ", stuck, " past their deadline"));
  }
  return busy;
}

v1::ListAgentsResponse Orchestrator::ListAgents(const v1::ListAgentsRequest& request) const {
  const bool full = request.view() == v1::AGENT_VIEW_FULL;
  v1::ListAgentsResponse response;
  absl::Time now = absl::Now();
  const std::shared_ptr<const AgentSet> agents = Agents();
  for (const auto& slot : agents->slots) {
    v1::AgentCard* card = response.add_agents();
    *card = full ? slot->full_card : slot->basic_card;
    card->set_in_flight(slot->in_flight.load());
    card->set_circuit_state(slot->breaker.State(now));
    // A plugin process restarting, an endpoint not answering.
    if (slot->instance == nullptr) continue;
    if (absl::Status available = slot->instance->Availability(); !available.ok()) {
      card->set_available(false);
      card->set_unavailable_reason(std::string(available.message()));
    }
  }
  return response;
}

absl::StatusOr<v1::Session> Orchestrator::CreateSession(const CallContext& ctx,
                                                        const v1::CreateSessionRequest& request) {
  // The initial requirements become the session's facts, tagged as the
  // caller's fields, so the first review builds on them like on an earlier turn.
  RETURN_IF_ERROR(ValidateTitle(request.title()));
  RETURN_IF_ERROR(ValidateRequirements(request.requirements()));
  FactSet seeded = FactsFromFields(request.requirements());
  return store_->CreateSession(ctx.principal, request.title(), seeded.requirements, seeded.facts);
}

absl::StatusOr<v1::GetSessionResponse> Orchestrator::GetSession(const CallContext& ctx,
                                                                const v1::GetSessionRequest& request) {
  RETURN_IF_ERROR(ValidateSessionId(request.session_id()));
  ASSIGN_OR_RETURN(v1::GetSessionResponse response,
                   store_->GetSession(ctx.principal, request.session_id(), request.page_size(), request.page_token()));
  return response;
}

absl::StatusOr<v1::ListSessionsResponse> Orchestrator::ListSessions(const CallContext& ctx,
                                                                    const v1::ListSessionsRequest& request) {
  RETURN_IF_ERROR(ValidateTitle(request.title_filter(), "title_filter"));
  ASSIGN_OR_RETURN(v1::ListSessionsResponse response,
                   store_->ListSessions(ctx.principal, request.page_size(), request.page_token(),
                                        request.title_filter()));
  // Sessions stored before titles had a limit are listed with theirs cut to it.
  for (v1::Session& session : *response.mutable_sessions()) {
    if (Utf8Length(session.title()) > kMaxTitleChars) {
      session.set_title(std::string(Utf8Prefix(session.title(), kMaxTitleChars)));
    }
  }
  return response;
}

absl::Status Orchestrator::DeleteSession(const CallContext& ctx, const v1::DeleteSessionRequest& request) {
  RETURN_IF_ERROR(ValidateSessionId(request.session_id()));
  return store_->DeleteSession(ctx.principal, request.session_id());
}

absl::StatusOr<v1::GetSessionResponse> Orchestrator::ExportSession(const CallContext& ctx,
                                                                   const v1::ExportSessionRequest& request) {
  RETURN_IF_ERROR(ValidateSessionId(request.session_id()));
  // Gather every page: an export is the whole conversation.
  v1::GetSessionResponse all;
  std::string token;
  do {
    ASSIGN_OR_RETURN(v1::GetSessionResponse page,
                     store_->GetSession(ctx.principal, request.session_id(), 1000, token));
    *all.mutable_session() = page.session();
    for (v1::Turn& t : *page.mutable_turns()) *all.add_turns() = std::move(t);
    token = page.next_page_token();
  } while (!token.empty());
  return all;
}

absl::StatusOr<v1::PruneSessionsResponse> Orchestrator::PruneSessions(const v1::PruneSessionsRequest& request) {
  if (request.older_than_days() <= 0) {
    return absl::InvalidArgumentError("older_than_days: must be at least 1");
  }
  ASSIGN_OR_RETURN(int64_t deleted, store_->PruneOlderThan(absl::Now() - absl::Hours(24) * request.older_than_days()));
  v1::PruneSessionsResponse response;
  response.set_deleted(deleted);
  return response;
}

}  // namespace agentd
