// The steps of one review between its agents' answers and the store: the
// check that someone answered, the turn's record (what the store keeps:
// the answers, not the review) and the merge of the reply's review from the
// same answers. The answers are moved, never copied: into the record, lent
// to the encoder, then moved on into the review. Pure functions; safe from
// any thread.
#ifndef AGENTD_SERVER_CORE_REVIEW_TURN_H_
#define AGENTD_SERVER_CORE_REVIEW_TURN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "db/turn_record.h"
#include "server/core/executor.h"
#include "server/core/merger.h"
#include "server/core/review_layout.h"

namespace agentd {

// OK when at least one agent answered. Otherwise RESOURCE_EXHAUSTED (with a
// retry delay of about one call) when a full bulkhead skipped one, else
// UNAVAILABLE; either way naming every agent's reason. `slots` are the
// outcomes' agents, in the same order.
absl::Status RequireAnAnswer(const std::vector<AgentOutcome>& outcomes, const std::vector<AgentSlot*>& slots);

// A turn's record with its header filled from the call: `session_id`
// (created with the turn when `create_session`), the request and a title
// (the request's, else the text's first 80 characters).
TurnRecord NewTurnRecord(const std::string& principal, const std::string& session_id, bool create_session,
                         const v1::ReviewRequest& request);

// Moves every agent's run and answer out of `*outcomes` into the record,
// with the part of `layout` they use and the turn's status ("partial" when
// an agent failed, as Merge marks the review).
void RecordOutputs(std::vector<AgentOutcome>* outcomes, TurnRecord* record, const ReviewLayout& layout);

// What Merge needs, moved back out of `*record` (encoded by now) into the
// outcomes RecordOutputs emptied; `*record` keeps its header and route.
MergeInput MergeInputOf(TurnRecord* record, std::vector<AgentOutcome>* outcomes, const ReviewLayout* layout);

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_REVIEW_TURN_H_
