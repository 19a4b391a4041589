// What the session store keeps of one review turn, as the orchestrator hands
// it over (TurnRecord) and as the store reads the agents' answers back
// (AgentOutputRecord). Plain values; backend-neutral.
#ifndef AGENTD_DB_TURN_RECORD_H_
#define AGENTD_DB_TURN_RECORD_H_

#include <string>
#include <vector>

#include "agentd/v1/orchestrator.pb.h"
#include "agentd/v1/plugin.pb.h"
#include "agentd/v1/review.pb.h"

namespace agentd {

struct AgentOutputRecord {
  v1::AgentRun run;                 // agent, status, latency, error
  v1::AgentResponse output;         // empty when the agent did not answer
};

struct TurnRecord {
  std::string principal;
  std::string session_id;           // chosen by the caller (new or existing)
  bool create_session = false;      // true: the session is created in the same transaction
  std::string title;                // for a new session
  std::string request_id;           // the caller's idempotency key; "" = none
  v1::ReviewRequest request;
  v1::RouteDecision route;
  std::vector<AgentOutputRecord> outputs;
  v1::Review review;
  v1::Requirements session_facts;   // the session's accumulated facts after this turn
  std::vector<v1::Fact> session_fact_sources;  // their provenance (turn numbers set)
  std::string status;               // "ok", "partial"
  double latency_ms = 0;
};

}  // namespace agentd

#endif  // AGENTD_DB_TURN_RECORD_H_
