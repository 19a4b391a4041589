#include "server/core/review_turn.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/overload.h"
#include "server/core/request_limits.h"

namespace agentd {

// A review needs at least one agent's answer: OK with nothing in it would
// claim work that was not done.
absl::Status RequireAnAnswer(const std::vector<AgentOutcome>& outcomes, const std::vector<AgentSlot*>& slots) {
  std::string reasons;
  absl::Duration retry_after = absl::ZeroDuration();
  bool overloaded = false;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const AgentOutcome& o = outcomes[i];
    if (o.run.status() == v1::AGENT_STATUS_OK) return absl::OkStatus();
    absl::StrAppend(&reasons, reasons.empty() ? "" : "; ", o.run.agent(), ": ",
                    o.run.error().substr(0, 200));
    if (o.overloaded) {
      overloaded = true;
      int64_t average_ns = slots[i]->average_latency_ns.load(std::memory_order_relaxed);
      retry_after = std::max(retry_after, average_ns > 0 ? absl::Nanoseconds(average_ns) : absl::Milliseconds(100));
    }
  }
  std::string message = absl::StrCat("no agent answered (", reasons, "); nothing was stored");
  return overloaded ? Overloaded(message, retry_after) : absl::UnavailableError(message);
}

TurnRecord NewTurnRecord(const std::string& principal, const std::string& session_id, bool create_session,
                         const v1::ReviewRequest& request) {
  TurnRecord record;
  record.principal = principal;
  record.session_id = session_id;
  record.create_session = create_session;
  record.request_id = request.request_id();
  record.title = request.title().empty() ? std::string(Utf8Prefix(request.text(), 80)) : request.title();
  record.request = request;
  return record;
}

void RecordOutputs(std::vector<AgentOutcome>* outcomes, TurnRecord* record, const ReviewLayout& layout) {
  record->outputs.reserve(outcomes->size());
  std::vector<const v1::AgentResponse*> answers;
  bool partial = false;
  for (AgentOutcome& o : *outcomes) {
    AgentOutputRecord& out = record->outputs.emplace_back();
    out.run.Swap(&o.run);
    partial = partial || out.run.status() != v1::AGENT_STATUS_OK;
    if (o.response.has_value()) {
      out.output.Swap(&*o.response);
      out.output_bytes = std::move(o.response_bytes);
      answers.push_back(&out.output);
    }
  }
  record->merge.layout = layout.UsedByAnswers(answers);
  record->status = partial ? "partial" : "ok";
}

MergeInput MergeInputOf(TurnRecord* record, std::vector<AgentOutcome>* outcomes, const ReviewLayout* layout) {
  MergeInput merge;
  merge.outcomes = std::move(*outcomes);
  for (size_t i = 0; i < merge.outcomes.size(); ++i) {
    AgentOutcome& o = merge.outcomes[i];
    o.run.Swap(&record->outputs[i].run);
    if (o.response.has_value()) o.response->Swap(&record->outputs[i].output);
  }
  merge.definitions = std::move(record->merge.section_owners);
  merge.layout = layout;
  merge.title = std::move(record->merge.title);
  merge.requirements.Swap(&record->merge.requirements);
  merge.facts = std::move(record->merge.facts);
  return merge;
}

}  // namespace agentd
