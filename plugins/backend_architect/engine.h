// The backend-architect engine: the seed definition's methodology
// (agents/backend-architect.md, "Methodology" and "Structured Output Format")
// as a pure function from facts to a review.
//
// Review() is deterministic (same request, same response, byte for byte),
// does no I/O, keeps no state and is therefore safe to call from any number of
// threads at once. It never fails: facts that are missing become assumptions
// or questions in the response, facts that contradict each other become
// risks.
//
// The response carries, in this order, the sections architecture_pattern,
// event_driven_design, caching_strategy, database_architecture,
// resilience_patterns, observability, scalability, background_jobs,
// recommendations and risks, and decisions under the stable keys of
// DESIGN.md §6 (architecture.pattern, messaging.broker, ...). Every item
// names the Requirements fields it rests on in `facts`.
#ifndef AGENTD_PLUGINS_BACKEND_ARCHITECT_ENGINE_H_
#define AGENTD_PLUGINS_BACKEND_ARCHITECT_ENGINE_H_

#include "agentd/v1/plugin.pb.h"

namespace agentd::backend_architect {

// The agent name every item, decision and the response itself carry.
inline constexpr char kAgentName[] = "backend-architect";

// Reviews `request.requirements` (the merged facts). The request text is
// not read: server/facts turns words into Requirements fields (with the quote
// each came from), so the same facts give the same review whatever the text.
v1::AgentResponse Review(const v1::AgentRequest& request);

}  // namespace agentd::backend_architect

#endif  // AGENTD_PLUGINS_BACKEND_ARCHITECT_ENGINE_H_
