#include "server/core/router.h"

#include <utility>

#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "server/core/router_explainer.h"
#include "server/core/router_model.h"
#include "server/core/router_scorer.h"

namespace agentd {

Router::Router(std::unique_ptr<const routing::RoutingModel> model) : model_(std::move(model)) {}

Router::~Router() = default;

absl::StatusOr<std::unique_ptr<Router>> Router::Create(std::vector<v1::AgentDefinition> hosted,
                                                       RouterOptions options,
                                                       const std::vector<LabelledRequest>& labelled) {
  ASSIGN_OR_RETURN(std::unique_ptr<const routing::RoutingModel> model,
                   routing::RoutingModel::Create(std::move(hosted), std::move(options), labelled));
  return std::unique_ptr<Router>(new Router(std::move(model)));
}

const std::vector<v1::AgentDefinition>& Router::hosted() const { return model_->hosted(); }

const RouterOptions& Router::options() const { return model_->options(); }

absl::StatusOr<v1::RouteDecision> Router::Route(
    std::string_view text, const std::vector<std::string>& explicit_agents) const {
  return Route(text, explicit_agents, nullptr);
}

absl::StatusOr<v1::RouteDecision> Router::Route(std::string_view text,
                                                const std::vector<std::string>& explicit_agents,
                                                std::vector<SelectionSignals>* signals) const {
  v1::RouteDecision decision;
  RETURN_IF_ERROR(RouteInto(text, explicit_agents, &decision, signals));
  return decision;
}

namespace {

// Decisions done with, shared by all threads: a unary review routes on a
// request thread and is done with its route on the executor thread that
// merged it, so a spare per thread would never come back to a thread that
// routes. Heap-allocated message contents move by swapping pointers: taking
// and keeping a spare copies nothing.
struct SparePool {
  static constexpr size_t kMax = 64;  // about the reviews in flight; more are freed
  absl::Mutex mu;
  std::vector<v1::RouteDecision> spares ABSL_GUARDED_BY(mu);
};

SparePool& Spares() {
  static SparePool* pool = new SparePool();  // never destroyed: threads may use it at exit
  return *pool;
}

}  // namespace

v1::RouteDecision Router::TakeSpareDecision() {
  v1::RouteDecision decision;
  SparePool& pool = Spares();
  absl::MutexLock lock(&pool.mu);
  if (!pool.spares.empty()) {
    decision.Swap(&pool.spares.back());
    pool.spares.pop_back();
  }
  return decision;
}

void Router::KeepSpareDecision(v1::RouteDecision* used) {
  SparePool& pool = Spares();
  absl::MutexLock lock(&pool.mu);
  if (pool.spares.size() < SparePool::kMax) pool.spares.emplace_back().Swap(used);
  used->Clear();
}

absl::Status Router::RouteInto(std::string_view text, const std::vector<std::string>& explicit_agents,
                               v1::RouteDecision* decision) const {
  return RouteInto(text, explicit_agents, decision, nullptr);
}

absl::Status Router::RouteInto(std::string_view text, const std::vector<std::string>& explicit_agents,
                               v1::RouteDecision* decision, std::vector<SelectionSignals>* signals) const {
  decision->Clear();
  routing::RouteScorer& scorer = routing::RouteScorer::ForThisThread();
  absl::Status status = scorer.Score(*model_, text, explicit_agents);
  if (status.ok()) {
    routing::RouteExplainer::ForThisThread().Explain(scorer, decision);
    if (signals != nullptr) {
      *signals = scorer.choice().signals;
      // Names only when asked for: copying them costs an allocation each.
      for (size_t a = 0; a < signals->size(); ++a) {
        (*signals)[a].agent = model_->AgentName(static_cast<int>(a));
        (*signals)[a].domain_relevance = scorer.request().domain_relevance;
      }
    }
  }
  scorer.Release();
  if (!status.ok()) decision->Clear();
  return status;
}

}  // namespace agentd
