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
    // Unary reviews still running carry on into the store and the executor:
    // they end by their agents' deadlines.
    absl::MutexLock lock(&running_mu_);
    running_mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &async_reviews_));
  }
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
