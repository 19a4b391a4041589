// What the session store keeps of one review turn, as the orchestrator hands
// it over (TurnRecord) and as the store reads the agents' answers back
// (AgentOutputRecord). Plain values; backend-neutral.
#ifndef AGENTD_DB_TURN_RECORD_H_
#define AGENTD_DB_TURN_RECORD_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "agentd/v1/definition.pb.h"
#include "agentd/v1/orchestrator.pb.h"
#include "agentd/v1/plugin.pb.h"
#include "agentd/v1/review.pb.h"

namespace agentd {

struct AgentOutputRecord {
  v1::AgentRun run;                 // agent, status, latency, error
  v1::AgentResponse output;         // empty when the agent did not answer
  // `output` as its plugin serialized it, when the host kept those bytes:
  // they must parse to exactly `output`, and the store keeps them as they
  // are instead of serializing `output` again. "": serialize `output`.
  // Never filled on read.
  std::string output_bytes;
};

// What a turn's review was merged from besides the agents' answers. The
// store keeps it with the answers instead of the review, and merges the
// review again on read with the merger of the recorded version
// (StoreOptions::merge_review), which gives back the review that was sent.
// The agents that ran, each its name and sections only (whose section is
// whose, for the merge). Shared and immutable: a turn being written holds
// the agent set's own (AgentSlot::section_owner), so a review copies none;
// a turn read back holds what its body recorded.
using SectionOwners = std::vector<std::shared_ptr<const v1::AgentDefinition>>;

// Section specs a review was laid out with, in layout order. Shared and
// immutable like the section owners: a turn being written points into the
// agent set's layout (ReviewLayout::UsedByAnswers).
using SectionSpecs = std::vector<std::shared_ptr<const v1::SectionSpec>>;

struct MergeRecord {
  int merger_version = 0;
  SectionOwners section_owners;                     // of the agents that ran, in route order
  v1::Requirements requirements;                    // the facts the agents saw
  std::vector<v1::Fact> facts;
  std::string title;                                // the review's title
  SectionSpecs layout;                              // the section specs the review used
};

struct TurnRecord {
  std::string principal;
  std::string session_id;           // chosen by the caller (new or existing)
  bool create_session = false;      // true: the session is created in the same transaction
  std::string title;                // for a new session
  std::string request_id;           // the caller's idempotency key; "" = none
  v1::ReviewRequest request;
  v1::RouteDecision route;
  std::vector<AgentOutputRecord> outputs;  // in route order
  MergeRecord merge;
  v1::Requirements session_facts;   // the session's accumulated facts after this turn
  std::vector<v1::Fact> session_fact_sources;  // their provenance (turn numbers set)
  std::string status;               // "ok", "partial"
  double latency_ms = 0;
};

// Merges a stored turn's review again (the orchestrator's versioned merger).
using ReviewMerger =
    std::function<absl::StatusOr<v1::Review>(const MergeRecord&, const std::vector<AgentOutputRecord>&)>;

}  // namespace agentd

#endif  // AGENTD_DB_TURN_RECORD_H_
