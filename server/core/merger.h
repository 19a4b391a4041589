// The merger: many agents' answers → one Review (DESIGN.md §7).
//
// Pure and deterministic. Sections come in the layout's order (the hosted
// definitions' `sections:`, review_layout.h), each with an owner (the agent
// whose definition lists it under `sections:`);
// items keep the agent that said them, duplicates appear once with every
// agent that said them, recommendations are ranked by priority across
// agents, and two agents deciding one key differently become a Conflict in
// which the key's owner wins. A failed agent makes the review partial.
// Merge does not render Markdown: the service does, once, at the edge
// (markdown_renderer.h).
#ifndef AGENTD_SERVER_CORE_MERGER_H_
#define AGENTD_SERVER_CORE_MERGER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agentd/v1/definition.pb.h"
#include "agentd/v1/plugin.pb.h"
#include "agentd/v1/review.pb.h"
#include "db/turn_record.h"
#include "server/core/review_layout.h"

namespace agentd {

// One agent's part: how its run went and, when it answered, what it said.
struct AgentOutcome {
  v1::AgentRun run;
  std::optional<v1::AgentResponse> response;
  std::string response_bytes;  // `response` as its plugin serialized it, when the host kept that ("": not kept)
  bool overloaded = false;  // skipped because its bulkhead was full: the server is busy, not the agent
  // ItemSignatures(*response), worked out by the executor thread that parsed
  // the answer, while its text is in that core's cache: the thread that
  // merges then reads no item's text only to compare it. Empty (or not the
  // answer's count): Merge works them out.
  std::vector<uint64_t> item_signatures;
};

struct MergeInput {
  std::vector<AgentOutcome> outcomes;            // route order, primary first
  SectionOwners definitions;                     // the agents that ran, for section ownership
  const ReviewLayout* layout = nullptr;          // headings, order, decision keys; null = none. Not owned
  std::string title;                             // the review's title
  v1::Requirements requirements;                 // the facts the agents saw
  std::vector<v1::Fact> facts;
};

v1::Review Merge(const MergeInput& input);
// What Merge compares items by, one per item of `answer` in the order it
// reads them: every section's items in order, then the assumptions, then the
// questions. The same for two items that say the same (the same label and
// text but for case, punctuation and spacing); valid within one process.
std::vector<uint64_t> ItemSignatures(const v1::AgentResponse& answer);
// The same review, made by moving the answers' items, decisions, runs and
// facts out of `input` instead of copying them (what is left in it is
// unspecified). For a caller that is done with the answers.
v1::Review Merge(MergeInput&& input);

// The version of Merge that the store records with each turn: a turn's
// review is not stored but merged again on read by the merger of the
// turn's version, so a change to what Merge produces takes a new version,
// and the old one stays reachable through MergeByVersion.
//   1: the layout and title were fixed; such turns recorded neither, and
//      the store supplies them on read (db/legacy_layout.h).
//   2: the layout and title come from the definitions and settings; each
//      turn records the part of the layout it used, and its title.
inline constexpr int kMergerVersion = 2;
// FAILED_PRECONDITION for a version this build does not have.
// The rvalue form moves out of `input` as Merge(MergeInput&&) does.
absl::StatusOr<v1::Review> MergeByVersion(int version, const MergeInput& input);
absl::StatusOr<v1::Review> MergeByVersion(int version, MergeInput&& input);
// A stored turn's review, merged again by the version it was written with:
// the session store's StoreOptions::merge_review.
absl::StatusOr<v1::Review> MergeStoredTurn(const MergeRecord& record,
                                           const std::vector<AgentOutputRecord>& outputs);

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_MERGER_H_
