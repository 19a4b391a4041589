// A sample turn for the store's tests, from the codec's up to the whole
// store's: MakeTurn and MakeTurnWithSummary.
#ifndef AGENTD_TESTS_DB_SAMPLE_TURN_H_
#define AGENTD_TESTS_DB_SAMPLE_TURN_H_

#include <string>
#include <utility>

#include "db/turn_record.h"

namespace agentd::testing_db {

// A turn with a request, a route, one fact and two agent outputs (one
// answered with "# Review of <text>", one timed out), merged by version 7.
inline TurnRecord MakeTurn(std::string principal, std::string session_id, bool create, std::string text) {
  TurnRecord turn;
  turn.principal = std::move(principal);
  turn.session_id = std::move(session_id);
  turn.create_session = create;
  turn.title = "title of " + turn.session_id;
  turn.request.set_text(text);
  turn.route.set_summary("backend-architect");
  turn.merge.merger_version = 7;
  turn.session_facts.set_team_size(12);
  v1::Fact fact;
  fact.set_field("team_size");
  fact.set_value("12");
  fact.set_quote("12 engineers");
  fact.set_turn(1);
  turn.session_fact_sources.push_back(fact);
  AgentOutputRecord output;
  output.run.set_agent("backend-architect");
  output.run.set_status(v1::AGENT_STATUS_OK);
  output.run.set_latency_ms(3.5);
  output.output.set_agent("backend-architect");
  output.output.set_summary("# Review of " + text);
  turn.outputs.push_back(output);
  AgentOutputRecord failed;
  failed.run.set_agent("sre");
  failed.run.set_status(v1::AGENT_STATUS_TIMED_OUT);
  failed.run.set_error("deadline exceeded");
  turn.outputs.push_back(failed);
  turn.status = "ok";
  turn.latency_ms = 42;
  return turn;
}

// MakeTurn whose first answer, and so its merged review, is `summary`.
inline TurnRecord MakeTurnWithSummary(std::string principal, std::string session_id, bool create,
                                      const std::string& summary) {
  TurnRecord turn = MakeTurn(std::move(principal), std::move(session_id), create, "with summary");
  turn.outputs[0].output.set_summary(summary);
  return turn;
}

}  // namespace agentd::testing_db

#endif  // AGENTD_TESTS_DB_SAMPLE_TURN_H_
