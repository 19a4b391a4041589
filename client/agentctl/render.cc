#include "client/agentctl/render.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"

namespace agentd::agentctl {
namespace {

using agentd::v1::AgentRun;
using agentd::v1::AgentStatus;

std::string FormatScore(double score) { return absl::StrFormat("%.2f", score); }

// Column layout for plain tables: every column but the last is padded to its
// widest cell. Widths count bytes; cells are ASCII names and states.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(line), "\n");
  }
  return out;
}

std::string FormatTime(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(unix_ms),
                          absl::UTCTimeZone());
}

// "backend-architect ok 0.42 ms" / "sre-specialist timed out: deadline".
std::string RunSummary(const AgentRun& run, bool with_error) {
  std::string out = absl::StrCat(run.agent(), " ", AgentStatusWord(run.status()));
  if (run.status() == agentd::v1::AGENT_STATUS_OK) {
    absl::StrAppend(&out, " ", FormatLatency(run.latency_ms()));
  } else if (with_error && !run.error().empty()) {
    absl::StrAppend(&out, ": ", run.error());
  }
  if (run.stub()) absl::StrAppend(&out, " (stub)");
  return out;
}

std::string OneLine(absl::string_view text, size_t max_bytes) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '\n', ' ');
  if (out.size() > max_bytes) {
    // Cut on a UTF-8 boundary so the terminal never sees half a character.
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "…";
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  std::string json;
  // Protobuf 3.21 returns its own util::Status, not absl's.
  const auto printed = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!printed.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", message.GetTypeName(),
                                            " as JSON: ", printed.message().ToString()));
  }
  // Pretty output already ends in a newline; compact output does not.
  if (!json.empty() && json.back() != '\n') json += '\n';
  return json;
}

std::string FormatLatency(double ms) {
  if (!std::isfinite(ms) || ms < 0) return "? ms";
  if (ms < 1) return absl::StrFormat("%.2f ms", ms);
  if (ms < 100) return absl::StrFormat("%.1f ms", ms);
  return absl::StrFormat("%.0f ms", ms);
}

absl::string_view AgentStatusWord(AgentStatus status) {
  switch (status) {
    case agentd::v1::AGENT_STATUS_OK: return "ok";
    case agentd::v1::AGENT_STATUS_FAILED: return "failed";
    case agentd::v1::AGENT_STATUS_TIMED_OUT: return "timed out";
    case agentd::v1::AGENT_STATUS_SKIPPED: return "skipped";
    case agentd::v1::AGENT_STATUS_CANCELLED: return "cancelled";
    default: return "unknown";
  }
}

std::string RenderReload(const agentd::v1::ReloadAgentsResponse& response) {
  std::string out = "agents reloaded\n";
  auto line = [&out](absl::string_view what, const auto& names) {
    if (!names.empty()) absl::StrAppend(&out, "  ", what, ": ", absl::StrJoin(names, ", "), "\n");
  };
  line("added", response.added());
  line("removed", response.removed());
  line("changed", response.changed());
  line("unchanged", response.unchanged());
  line("kept as before (failed to load anew)", response.kept());
  if (!response.errors().empty()) {
    absl::StrAppend(&out, "failed to load:\n");
    for (const std::string& error : response.errors()) absl::StrAppend(&out, "  ", error, "\n");
  }
  return out;
}

std::string RenderAgents(const agentd::v1::ListAgentsResponse& response) {
  if (response.agents().empty()) return "no agents hosted\n";
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "PLUGIN", "KIND", "CIRCUIT", "STATUS"}};
  for (const auto& card : response.agents()) {
    std::string status = card.available() ? "available" : "unavailable";
    if (!card.available() && !card.unavailable_reason().empty()) {
      absl::StrAppend(&status, " (", card.unavailable_reason(), ")");
    }
    rows.push_back({card.name(), card.plugin().empty() ? "-" : card.plugin(),
                    card.stub() ? "stub" : "real",
                    card.circuit_state().empty() ? "-" : card.circuit_state(), status});
  }
  return Table(rows);
}

std::string RenderRoute(const agentd::v1::RouteDecision& decision) {
  std::string out;
  if (!decision.summary().empty()) absl::StrAppend(&out, decision.summary(), "\n");
  if (decision.selected().empty()) {
    absl::StrAppend(&out, "selected: none\n");
  } else {
    absl::StrAppend(&out, "selected:\n");
    int rank = 0;
    for (const auto& choice : decision.selected()) {
      ++rank;
      absl::StrAppend(&out, "  ", rank, ". ", choice.agent(), "  score ",
                      FormatScore(choice.score()),
                      rank == 1 ? "  (primary)" : "",
                      choice.explicit_() ? "  (named explicitly)" : "", "\n");
      for (const auto& reason : choice.reasons()) {
        absl::StrAppend(&out, "       + ", FormatScore(reason.score()), " ",
                        reason.kind(), ": \"", reason.rule(), "\"");
        if (!reason.matched().empty()) {
          absl::StrAppend(&out, "  [", absl::StrJoin(reason.matched(), ", "), "]");
        }
        absl::StrAppend(&out, "\n");
      }
    }
  }
  if (!decision.rejected().empty()) {
    absl::StrAppend(&out, "rejected:\n");
    for (const auto& rejection : decision.rejected()) {
      absl::StrAppend(&out, "  - ", rejection.agent(), "  score ",
                      FormatScore(rejection.score()), ": ", rejection.why(), "\n");
    }
  }
  if (!decision.unhosted().empty()) {
    absl::StrAppend(&out, "unhosted (named by a redirect, not served here):\n");
    for (const auto& unhosted : decision.unhosted()) {
      absl::StrAppend(&out, "  - ", unhosted.agent(), "  score ",
                      FormatScore(unhosted.score()));
      if (!unhosted.named_by().empty()) {
        absl::StrAppend(&out, ", named by ", unhosted.named_by());
      }
      if (!unhosted.rule().empty()) absl::StrAppend(&out, ": \"", unhosted.rule(), "\"");
      absl::StrAppend(&out, "\n");
    }
  }
  if (decision.fallback_used()) {
    absl::StrAppend(&out, "no scope rule matched well: the fallback agent was used\n");
  }
  if (decision.has_assist()) {
    const agentd::v1::RouteAssist& assist = decision.assist();
    absl::StrAppend(&out, "route assist (", assist.model(), "): lexical confidence ",
                    FormatScore(assist.lexical_confidence()), " < ", FormatScore(assist.threshold()), "; ",
                    assist.decided() ? "the model decided" : assist.note(), "\n");
  }
  return out;
}

std::string RenderProgress(const agentd::v1::ReviewEvent& event) {
  switch (event.event_case()) {
    case agentd::v1::ReviewEvent::kRouted: {
      const auto& decision = event.routed();
      if (decision.selected().empty()) {
        return absl::StrCat("routed → no hosted agent",
                            decision.summary().empty() ? "" : ": ", decision.summary(), "\n");
      }
      std::vector<std::string> chosen;
      for (const auto& choice : decision.selected()) {
        chosen.push_back(absl::StrCat(choice.agent(), " (", FormatScore(choice.score()), ")"));
      }
      return absl::StrCat("routed → ", absl::StrJoin(chosen, ", "), "\n");
    }
    case agentd::v1::ReviewEvent::kAgentStarted:
      return absl::StrCat("▸ ", event.agent_started().agent(), " started\n");
    case agentd::v1::ReviewEvent::kAgentFinished: {
      const auto& finished = event.agent_finished();
      const AgentRun& run = finished.run();
      const std::string& agent = finished.agent().empty() ? run.agent() : finished.agent();
      if (run.status() == agentd::v1::AGENT_STATUS_OK) {
        return absl::StrCat("✓ ", agent, " finished in ", FormatLatency(run.latency_ms()),
                            run.stub() ? " (stub)" : "", "\n");
      }
      std::string line = absl::StrCat("✗ ", agent, " ", AgentStatusWord(run.status()));
      if (!run.error().empty()) absl::StrAppend(&line, ": ", run.error());
      return absl::StrCat(line, "\n");
    }
    case agentd::v1::ReviewEvent::kAgentProgress:
      return event.agent_progress().text();  // a model's tokens, printed as they come
    case agentd::v1::ReviewEvent::kReview:
    case agentd::v1::ReviewEvent::EVENT_NOT_SET:
      break;
  }
  return "";
}

std::string RenderReviewFooter(const agentd::v1::ReviewResponse& response) {
  std::vector<std::string> runs;
  for (const AgentRun& run : response.review().agents()) runs.push_back(RunSummary(run, true));
  std::string line = absl::StrCat("— session ", response.session_id(), " · turn ",
                                  response.turn(), " · agents: ",
                                  runs.empty() ? "none" : absl::StrJoin(runs, ", "));
  if (response.review().partial()) absl::StrAppend(&line, " · partial review");
  return absl::StrCat(line, "\n");
}

std::string RenderReview(const agentd::v1::ReviewResponse& response) {
  std::string out = response.review().markdown();
  if (out.empty()) out = absl::StrCat("# ", response.review().title(), "\n");
  if (out.back() != '\n') out += '\n';
  absl::StrAppend(&out, "\n", RenderReviewFooter(response));
  return out;
}

std::string RenderSessions(const agentd::v1::ListSessionsResponse& response) {
  std::string out;
  if (response.sessions().empty()) {
    out = "no sessions\n";
  } else {
    std::vector<std::vector<std::string>> rows = {{"ID", "UPDATED (UTC)", "TURNS", "TITLE"}};
    for (const auto& session : response.sessions()) {
      rows.push_back({session.id(), FormatTime(session.updated_unix_ms()),
                      absl::StrCat(session.turn_count()), OneLine(session.title(), 60)});
    }
    out = Table(rows);
  }
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&out, "more: --page_token=", response.next_page_token(), "\n");
  }
  return out;
}

std::string RenderSession(const agentd::v1::GetSessionResponse& response) {
  const auto& session = response.session();
  std::string out = absl::StrCat(
      "session ", session.id(), "\n", "title:   ", session.title(), "\n",
      "created: ", FormatTime(session.created_unix_ms()), " UTC\n",
      "updated: ", FormatTime(session.updated_unix_ms()), " UTC\n",
      "turns:   ", session.turn_count(), "\n");
  for (const auto& turn : response.turns()) {
    std::vector<std::string> agents;
    for (const AgentRun& run : turn.review().agents()) agents.push_back(RunSummary(run, false));
    absl::StrAppend(&out, "\n#", turn.seq(), "  ", FormatTime(turn.created_unix_ms()), "  ",
                    turn.status().empty() ? "-" : turn.status(), "  ",
                    FormatLatency(turn.latency_ms()), "\n",
                    "    asked:  ", OneLine(turn.request().text(), 100), "\n");
    if (!turn.review().title().empty()) {
      absl::StrAppend(&out, "    review: ", OneLine(turn.review().title(), 100), "\n");
    }
    if (!agents.empty()) absl::StrAppend(&out, "    agents: ", absl::StrJoin(agents, ", "), "\n");
  }
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&out, "\nmore turns: --page_token=", response.next_page_token(), "\n");
  }
  return out;
}

absl::string_view StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

std::string RpcErrorLine(const grpc::Status& status, absl::string_view server,
                         bool reached_server) {
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && !reached_server) {
    message = absl::StrCat("cannot reach agentd at ", server, " (is it running?)");
  } else if (message.empty()) {
    message = "(no message)";
  }
  return absl::StrCat("agentctl: ", StatusCodeName(status.error_code()), ": ", message, "\n");
}

int ExitCodeFor(const grpc::Status& status) { return status.ok() ? 0 : 1; }

}  // namespace agentd::agentctl
