#include "client/agentctl/render.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace agentd::agentctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

template <typename T>
T FromText(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

TEST(RenderTest, AgentsTableShowsAvailabilityStubAndCircuit) {
  auto response = FromText<agentd::v1::ListAgentsResponse>(R"pb(
    agents { name: "backend-architect" plugin: "backend_architect" available: true
             circuit_state: "closed" }
    agents { name: "sre-specialist" plugin: "stub_peer" available: false stub: true
             unavailable_reason: "plugin not found" circuit_state: "open" }
  )pb");
  const std::string text = RenderAgents(response);
  EXPECT_THAT(text, HasSubstr("NAME"));
  EXPECT_THAT(text, HasSubstr("backend-architect"));
  EXPECT_THAT(text, HasSubstr("unavailable (plugin not found)"));
  // Columns line up: both rows put PLUGIN at the same offset.
  const size_t header = text.find("PLUGIN");
  const size_t row1 = text.find("backend_architect") - text.find("backend-architect");
  EXPECT_EQ(header, row1);
  const size_t second_line = text.find("sre-specialist");
  EXPECT_EQ(text.find("stub_peer") - second_line, header);
  EXPECT_THAT(text, HasSubstr("stub"));
  EXPECT_THAT(text, HasSubstr("open"));
  EXPECT_EQ(RenderAgents({}), "no agents hosted\n");
}

TEST(RenderTest, RouteQuotesReasonsWithScores) {
  auto decision = FromText<agentd::v1::RouteDecision>(R"pb(
    summary: "backend-architect leads; api-architect joins"
    selected { agent: "backend-architect" score: 4.21
               reasons { rule: "monolith vs microservices" kind: "use_when" score: 3
                         matched: "monolith" matched: "microservices" } }
    selected { agent: "api-architect" score: 1.3 explicit: true }
    rejected { agent: "sre-specialist" why: "below threshold" score: 0.2 }
    unhosted { agent: "frontend-architect" named_by: "backend-architect"
               rule: "frontend (use frontend-architect)" score: 1 }
  )pb");
  const std::string text = RenderRoute(decision);
  EXPECT_THAT(text, HasSubstr("backend-architect leads; api-architect joins\n"));
  EXPECT_THAT(text, HasSubstr("1. backend-architect  score 4.21  (primary)"));
  EXPECT_THAT(text, HasSubstr("3.00 use_when: \"monolith vs microservices\"  [monolith, microservices]"));
  EXPECT_THAT(text, HasSubstr("2. api-architect  score 1.30  (named explicitly)"));
  EXPECT_THAT(text, HasSubstr("sre-specialist  score 0.20: below threshold"));
  EXPECT_THAT(text, HasSubstr("frontend-architect  score 1.00, named by backend-architect: "
                              "\"frontend (use frontend-architect)\""));
  EXPECT_THAT(text, Not(HasSubstr("fallback")));

  agentd::v1::RouteDecision none;
  none.set_fallback_used(true);
  EXPECT_THAT(RenderRoute(none), HasSubstr("selected: none"));
  EXPECT_THAT(RenderRoute(none), HasSubstr("fallback"));
}

TEST(RenderTest, ProgressLines) {
  EXPECT_EQ(RenderProgress(FromText<agentd::v1::ReviewEvent>(R"pb(
              routed { selected { agent: "backend-architect" score: 4.21 }
                       selected { agent: "api-architect" score: 1.3 } })pb")),
            "routed → backend-architect (4.21), api-architect (1.30)\n");
  EXPECT_EQ(RenderProgress(FromText<agentd::v1::ReviewEvent>(
                R"pb(routed { summary: "only frontend-architect fits" })pb")),
            "routed → no hosted agent: only frontend-architect fits\n");
  EXPECT_EQ(RenderProgress(FromText<agentd::v1::ReviewEvent>(
                R"pb(agent_started { agent: "backend-architect" })pb")),
            "▸ backend-architect started\n");
  EXPECT_EQ(RenderProgress(FromText<agentd::v1::ReviewEvent>(R"pb(
              agent_finished { agent: "backend-architect"
                               run { status: AGENT_STATUS_OK latency_ms: 0.4 } })pb")),
            "✓ backend-architect finished in 0.40 ms\n");
  EXPECT_EQ(RenderProgress(FromText<agentd::v1::ReviewEvent>(R"pb(
              agent_finished { agent: "sre-specialist"
                               run { status: AGENT_STATUS_TIMED_OUT error: "no answer in 50 ms" } })pb")),
            "✗ sre-specialist timed out: no answer in 50 ms\n");
  EXPECT_EQ(RenderProgress(FromText<agentd::v1::ReviewEvent>(R"pb(review {})pb")), "");
}

TEST(RenderTest, ReviewIsMarkdownThenFooter) {
  auto response = FromText<agentd::v1::ReviewResponse>(R"pb(
    session_id: "s-42" turn: 2
    review { markdown: "## Architecture Pattern\n- Modular monolith"
             partial: true
             agents { agent: "backend-architect" status: AGENT_STATUS_OK latency_ms: 12.34 }
             agents { agent: "sre-specialist" status: AGENT_STATUS_FAILED error: "crashed" stub: true } }
  )pb");
  const std::string text = RenderReview(response);
  EXPECT_EQ(text.rfind("## Architecture Pattern\n- Modular monolith\n\n", 0), 0u) << text;
  EXPECT_THAT(text, HasSubstr("session s-42 · turn 2 · agents: backend-architect ok 12.3 ms, "
                              "sre-specialist failed: crashed (stub) · partial review\n"));
}

TEST(RenderTest, LatencyAndStatusWords) {
  EXPECT_EQ(FormatLatency(0.4), "0.40 ms");
  EXPECT_EQ(FormatLatency(4.21), "4.2 ms");
  EXPECT_EQ(FormatLatency(1234.4), "1234 ms");
  EXPECT_EQ(AgentStatusWord(agentd::v1::AGENT_STATUS_SKIPPED), "skipped");
  EXPECT_EQ(AgentStatusWord(agentd::v1::AGENT_STATUS_CANCELLED), "cancelled");
}

TEST(RenderTest, SessionsListAndShow) {
  auto list = FromText<agentd::v1::ListSessionsResponse>(R"pb(
    sessions { id: "s1" title: "Flash sale\nplanning" turn_count: 3 updated_unix_ms: 86400000 }
    next_page_token: "tok"
  )pb");
  const std::string listed = RenderSessions(list);
  EXPECT_THAT(listed, HasSubstr("s1"));
  EXPECT_THAT(listed, HasSubstr("1970-01-02 00:00:00"));
  EXPECT_THAT(listed, HasSubstr("Flash sale planning"));
  EXPECT_THAT(listed, HasSubstr("--page_token=tok"));
  EXPECT_EQ(RenderSessions({}), "no sessions\n");

  auto shown = FromText<agentd::v1::GetSessionResponse>(R"pb(
    session { id: "s1" title: "t" turn_count: 1 }
    turns { seq: 1 status: "ok" latency_ms: 3 request { text: "Monolith or not?" }
            review { title: "Review" agents { agent: "backend-architect" status: AGENT_STATUS_OK } } }
  )pb");
  const std::string text = RenderSession(shown);
  EXPECT_THAT(text, HasSubstr("session s1"));
  EXPECT_THAT(text, HasSubstr("#1"));
  EXPECT_THAT(text, HasSubstr("asked:  Monolith or not?"));
  EXPECT_THAT(text, HasSubstr("agents: backend-architect ok"));
}

TEST(RenderTest, JsonIsTheProto3MappingAndRoundTrips) {
  auto response = FromText<agentd::v1::ReviewResponse>(R"pb(
    session_id: "s1" turn: 1 review { title: "T" requirements { team_size: 5 } })pb");
  auto pretty = ToJson(response, true);
  ASSERT_TRUE(pretty.ok());
  EXPECT_THAT(*pretty, HasSubstr("\"sessionId\": \"s1\""));
  EXPECT_THAT(*pretty, HasSubstr("\"teamSize\": 5"));
  auto compact = ToJson(response, false);
  ASSERT_TRUE(compact.ok());
  EXPECT_EQ(compact->find('\n'), compact->size() - 1) << "one event, one line";

  agentd::v1::ReviewResponse back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*compact, &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(response, back));
}

TEST(RenderTest, RpcErrorLines) {
  const grpc::Status refused(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses");
  EXPECT_EQ(RpcErrorLine(refused, "127.0.0.1:50051", false),
            "agentctl: UNAVAILABLE: cannot reach agentd at 127.0.0.1:50051 (is it running?)\n");
  const grpc::Status overloaded(grpc::StatusCode::UNAVAILABLE, "draining");
  EXPECT_EQ(RpcErrorLine(overloaded, "h:1", true), "agentctl: UNAVAILABLE: draining\n");
  const grpc::Status bad(grpc::StatusCode::INVALID_ARGUMENT, "text: empty");
  EXPECT_EQ(RpcErrorLine(bad, "h:1", false), "agentctl: INVALID_ARGUMENT: text: empty\n");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(ExitCodeFor(grpc::Status::OK), 0);
  EXPECT_EQ(ExitCodeFor(bad), 1);
}

}  // namespace
}  // namespace agentd::agentctl
