// The merger: many agents' answers → one Review (DESIGN.md §7).
//
// Pure and deterministic. Sections come in the review format's order, each
// with an owner (the agent whose definition lists it under `sections:`);
// items keep the agent that said them, duplicates appear once with every
// agent that said them, recommendations are ranked by priority across
// agents, and two agents deciding one key differently become a Conflict in
// which the key's owner wins. A failed agent makes the review partial.
#ifndef AGENTD_SERVER_CORE_MERGER_H_
#define AGENTD_SERVER_CORE_MERGER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agentd/v1/definition.pb.h"
#include "agentd/v1/plugin.pb.h"
#include "agentd/v1/review.pb.h"
#include "db/turn_record.h"

namespace agentd {

// One agent's part: how its run went and, when it answered, what it said.
struct AgentOutcome {
  v1::AgentRun run;
  std::optional<v1::AgentResponse> response;
  bool overloaded = false;  // skipped because its bulkhead was full: the server is busy, not the agent
};

struct MergeInput {
  std::vector<AgentOutcome> outcomes;            // route order, primary first
  std::vector<v1::AgentDefinition> definitions;  // hosted agents, for section ownership
  v1::Requirements requirements;                 // the facts the agents saw
  std::vector<v1::Fact> facts;
};

v1::Review Merge(const MergeInput& input);

// The version of Merge that the store records with each turn: a turn's
// review is not stored but merged again on read by the merger of the
// turn's version, so a change to what Merge produces takes a new version,
// and the old one stays reachable through MergeByVersion.
inline constexpr int kMergerVersion = 1;
// FAILED_PRECONDITION for a version this build does not have.
absl::StatusOr<v1::Review> MergeByVersion(int version, const MergeInput& input);
// A stored turn's review, merged again by the version it was written with:
// the session store's StoreOptions::merge_review.
absl::StatusOr<v1::Review> MergeStoredTurn(const MergeRecord& record,
                                           const std::vector<AgentOutputRecord>& outputs);

// The canonical heading of a section id ("api_design" → "API Design");
// unknown ids are title-cased.
std::string SectionHeading(std::string_view section_id);

// The section a decision key belongs to ("database.primary" →
// "database_architecture"); empty when the key has no known section.
std::string SectionOfDecisionKey(std::string_view key);

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_MERGER_H_
