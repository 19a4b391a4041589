// The MCP bridge's JSON-RPC handling against a fake backend: framing,
// version negotiation, tools, protocol errors, agentd errors, oversized lines.
#include "client/agentctl/mcp.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace agentd::agentctl {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class FakeBackend : public McpBackend {
 public:
  absl::StatusOr<agentd::v1::ReviewResponse> Review(const agentd::v1::ReviewRequest& request,
                                                    McpCancellation&) override {
    last_review = request;
    ++calls;
    if (!fail.ok()) return fail;
    agentd::v1::ReviewResponse response;
    response.set_session_id("s-1");
    response.set_turn(1);
    response.mutable_review()->set_title("Review");
    response.mutable_review()->set_markdown("## Backend Architecture Review\n\nUse a modular monolith.\n");
    auto* decision = response.mutable_review()->add_decisions();
    decision->set_key("architecture.pattern");
    decision->set_value("modular_monolith");
    return response;
  }
  absl::StatusOr<agentd::v1::RouteDecision> Route(const agentd::v1::RouteRequest& request,
                                                  McpCancellation&) override {
    ++calls;
    if (!fail.ok()) return fail;
    agentd::v1::RouteDecision decision;
    decision.add_selected()->set_agent("backend-architect");
    decision.set_summary("backend-architect: " + request.text());
    return decision;
  }
  absl::StatusOr<agentd::v1::ListAgentsResponse> ListAgents(McpCancellation&) override {
    ++calls;
    if (!fail.ok()) return fail;
    agentd::v1::ListAgentsResponse response;
    response.add_agents()->set_name("backend-architect");
    response.add_agents()->set_name("sre-specialist");
    return response;
  }

  absl::Status fail = absl::OkStatus();
  agentd::v1::ReviewRequest last_review;
  std::atomic<int> calls = 0;
};

class McpTest : public ::testing::Test {
 protected:
  // Sends one message; returns the parsed reply (null when none came).
  json Send(const json& message) { return SendRaw(message.dump()); }

  json SendRaw(const std::string& line) {
    std::optional<std::string> reply = server_.HandleMessage(line);
    if (!reply.has_value()) return nullptr;
    json parsed = json::parse(*reply, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << *reply;
    EXPECT_EQ(reply->find('\n'), std::string::npos) << "a reply must be one line";
    return parsed;
  }

  json Call(const std::string& tool, const json& arguments, int id = 7) {
    return Send({{"jsonrpc", "2.0"},
                 {"id", id},
                 {"method", "tools/call"},
                 {"params", {{"name", tool}, {"arguments", arguments}}}});
  }

  FakeBackend backend_;
  McpServer server_{&backend_, McpOptions()};
};

TEST_F(McpTest, InitializeAnswersTheRequestedVersionWhenSupported) {
  for (const char* version : {"2025-06-18", "2025-03-26", "2024-11-05"}) {
    json reply = Send({{"jsonrpc", "2.0"},
                       {"id", 1},
                       {"method", "initialize"},
                       {"params",
                        {{"protocolVersion", version},
                         {"capabilities", json::object()},
                         {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
    ASSERT_TRUE(reply.contains("result")) << reply;
    EXPECT_EQ(reply["id"], 1);
    EXPECT_EQ(reply["jsonrpc"], "2.0");
    EXPECT_EQ(reply["result"]["protocolVersion"], version);
    EXPECT_TRUE(reply["result"]["capabilities"].contains("tools"));
    EXPECT_EQ(reply["result"]["serverInfo"]["name"], "agentd");
  }
}

TEST_F(McpTest, InitializeOffersTheNewestVersionForAnUnknownOne) {
  json reply = Send({{"jsonrpc", "2.0"},
                     {"id", "init"},
                     {"method", "initialize"},
                     {"params", {{"protocolVersion", "2099-01-01"}}}});
  EXPECT_EQ(reply["id"], "init");
  EXPECT_EQ(reply["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(NegotiateMcpProtocolVersion(""), "2025-06-18");
}

TEST_F(McpTest, NotificationsGetNoReply) {
  EXPECT_TRUE(Send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}).is_null());
  EXPECT_TRUE(Send({{"jsonrpc", "2.0"},
                    {"method", "notifications/cancelled"},
                    {"params", {{"requestId", 3}}}})
                  .is_null());
  // Even an unknown notification: JSON-RPC never answers a notification.
  EXPECT_TRUE(Send({{"jsonrpc", "2.0"}, {"method", "no/such"}}).is_null());
  // A response sent to us (we never ask) is ignored too.
  EXPECT_TRUE(Send({{"jsonrpc", "2.0"}, {"id", 5}, {"result", json::object()}}).is_null());
}

TEST_F(McpTest, PingAnswersAnEmptyResult) {
  json reply = Send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}});
  EXPECT_EQ(reply["id"], 2);
  EXPECT_EQ(reply["result"], json::object());
}

TEST_F(McpTest, ToolsListNamesTheThreeToolsWithSchemas) {
  json reply = Send({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/list"}});
  std::vector<std::string> names;
  for (const json& tool : reply["result"]["tools"]) {
    names.push_back(tool["name"]);
    EXPECT_EQ(tool["inputSchema"]["type"], "object") << tool;
    EXPECT_FALSE(tool["description"].get<std::string>().empty());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("review", "route", "list_agents"));
  EXPECT_EQ(reply["result"]["tools"][0]["inputSchema"]["required"], json::array({"text"}));
}

TEST_F(McpTest, ReviewReturnsMarkdownAndTheStructuredReview) {
  json reply = Call("review", {{"text", "Monolith or microservices?"},
                               {"session_id", "s-0"},
                               {"agents", {"backend-architect"}},
                               {"requirements", {{"teamSize", 5}, {"peakRps", 200}}}});
  const json& result = reply["result"];
  EXPECT_EQ(result["isError"], false);
  EXPECT_THAT(result["content"][0]["text"].get<std::string>(),
              HasSubstr("## Backend Architecture Review"));
  EXPECT_EQ(result["content"][0]["type"], "text");
  EXPECT_EQ(result["structuredContent"]["sessionId"], "s-1");
  EXPECT_EQ(result["structuredContent"]["review"]["decisions"][0]["value"], "modular_monolith");
  // The arguments reached the request.
  EXPECT_EQ(backend_.last_review.text(), "Monolith or microservices?");
  EXPECT_EQ(backend_.last_review.session_id(), "s-0");
  ASSERT_EQ(backend_.last_review.agents_size(), 1);
  EXPECT_EQ(backend_.last_review.agents(0), "backend-architect");
  EXPECT_EQ(backend_.last_review.requirements().team_size(), 5);
  EXPECT_DOUBLE_EQ(backend_.last_review.requirements().peak_rps(), 200);
}

TEST_F(McpTest, RouteAndListAgentsReturnTextAndStructure) {
  json route = Call("route", {{"text", "cache invalidation"}})["result"];
  EXPECT_EQ(route["structuredContent"]["selected"][0]["agent"], "backend-architect");
  EXPECT_THAT(route["content"][0]["text"].get<std::string>(), HasSubstr("backend-architect"));
  json agents = Call("list_agents", json::object())["result"];
  EXPECT_EQ(agents["structuredContent"]["agents"].size(), 2u);
  EXPECT_THAT(agents["content"][0]["text"].get<std::string>(), HasSubstr("sre-specialist"));
}

TEST_F(McpTest, AgentdErrorIsAToolResultWithIsError) {
  backend_.fail = absl::NotFoundError("session s-9 not found");
  json reply = Call("review", {{"text", "x"}, {"session_id", "s-9"}});
  ASSERT_TRUE(reply.contains("result")) << reply;
  EXPECT_EQ(reply["result"]["isError"], true);
  EXPECT_EQ(reply["result"]["content"][0]["text"],
            "agentd error: NOT_FOUND: session s-9 not found");
  EXPECT_FALSE(reply["result"].contains("structuredContent"));
}

TEST_F(McpTest, UnknownToolIsInvalidParams) {
  json reply = Call("deploy", json::object(), 11);
  EXPECT_EQ(reply["id"], 11);
  EXPECT_EQ(reply["error"]["code"], -32602);
  EXPECT_THAT(reply["error"]["message"].get<std::string>(), HasSubstr("Unknown tool: deploy"));
  EXPECT_EQ(backend_.calls, 0);
}

TEST_F(McpTest, BadArgumentsAreInvalidParamsAndNeverReachAgentd) {
  for (const json& args : {json::object(), json{{"text", 5}}, json{{"text", ""}},
                           json{{"text", "x"}, {"agents", "backend-architect"}},
                           json{{"text", "x"}, {"agents", {1, 2}}},
                           json{{"text", "x"}, {"sessionId", "s-1"}},
                           json{{"text", "x"}, {"requirements", {{"teamSise", 5}}}}}) {
    json reply = Call("review", args);
    EXPECT_EQ(reply["error"]["code"], -32602) << args;
  }
  json reply = Call("review", {{"text", "x"}, {"sessionId", "s-1"}});
  EXPECT_THAT(reply["error"]["message"].get<std::string>(),
              HasSubstr("unknown argument 'sessionId'"));
  EXPECT_EQ(backend_.calls, 0);
}

TEST_F(McpTest, MalformedMessagesGetJsonRpcErrors) {
  EXPECT_EQ(SendRaw("{not json")["error"]["code"], -32700);
  EXPECT_TRUE(SendRaw("{not json")["id"].is_null());
  EXPECT_EQ(SendRaw("[1,2]")["error"]["code"], -32600);
  EXPECT_EQ(SendRaw("42")["error"]["code"], -32600);
  EXPECT_EQ(Send({{"id", 1}, {"method", "ping"}})["error"]["code"], -32600);  // no jsonrpc
  EXPECT_EQ(Send({{"jsonrpc", "1.0"}, {"id", 1}, {"method", "ping"}})["error"]["code"], -32600);
  EXPECT_EQ(Send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", 3}})["error"]["code"], -32600);
  EXPECT_EQ(Send({{"jsonrpc", "2.0"}, {"id", {{"a", 1}}}, {"method", "ping"}})["error"]["code"],
            -32600);
  EXPECT_EQ(Send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", 3}})
                ["error"]["code"],
            -32602);
}

TEST_F(McpTest, UnknownMethodIsMethodNotFound) {
  json reply = Send({{"jsonrpc", "2.0"}, {"id", 4}, {"method", "resources/list"}});
  EXPECT_EQ(reply["id"], 4);
  EXPECT_EQ(reply["error"]["code"], -32601);
  EXPECT_THAT(reply["error"]["message"].get<std::string>(), HasSubstr("resources/list"));
}

// Framing through Serve(): one reply line per request, in order; problems
// are logged to the log stream and the bridge keeps going.
TEST(McpServeTest, NewlineFramingOversizedLinesAndKeepsRunning) {
  FakeBackend backend;
  McpOptions options;
  options.max_message_bytes = 256;
  McpServer server(&backend, options);
  const std::string huge = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"params\":{\"pad\":\"" +
                           std::string(10000, 'x') + "\"}}";
  std::istringstream in(
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n"
      "\n"
      "garbage\n" +
      huge + "\n" +
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"list_agents\"}}\n"
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");  // no final newline
  std::ostringstream out, log;
  EXPECT_EQ(server.Serve(in, out, log), 0);

  std::vector<std::string> lines = absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << out.str();
  EXPECT_EQ(json::parse(lines[0])["id"], 1);
  EXPECT_EQ(json::parse(lines[1])["error"]["code"], -32700);
  json oversized = json::parse(lines[2]);
  EXPECT_EQ(oversized["error"]["code"], -32600);
  EXPECT_THAT(oversized["error"]["message"].get<std::string>(), HasSubstr("exceeds the limit of 256"));
  // The tool call runs on a worker, so its reply may come after the ping's.
  json last[2] = {json::parse(lines[3]), json::parse(lines[4])};
  if (last[0]["id"] == 3) std::swap(last[0], last[1]);
  EXPECT_EQ(last[0]["id"], 2);
  EXPECT_EQ(last[0]["result"]["structuredContent"]["agents"].size(), 2u);
  EXPECT_EQ(last[1]["id"], 3);
  EXPECT_EQ(last[1]["result"], json::object());
  EXPECT_THAT(log.str(), HasSubstr("skipped a message of"));
  EXPECT_THAT(log.str(), HasSubstr("Parse error"));
}

// A review that works until it is cancelled, as a slow agent would.
class BlockingBackend : public FakeBackend {
 public:
  absl::StatusOr<agentd::v1::ReviewResponse> Review(const agentd::v1::ReviewRequest&,
                                                    McpCancellation& cancel) override {
    started = true;
    cancel.SetCanceller([this] {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      changed_.notify_all();
    });
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [this] { return cancelled_; });
    }
    cancel.ClearCanceller();
    return absl::CancelledError("cancelled");
  }

  std::atomic<bool> started = false;

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool cancelled_ = false;  // guarded by mu_
};

TEST(McpServeTest, CancelledCallGetsNoReplyAndOthersAreAnswered) {
  BlockingBackend backend;
  McpServer server(&backend, McpOptions());
  std::istringstream in(
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"review\","
      "\"arguments\":{\"text\":\"slow\"}}}\n"
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n"
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1,"
      "\"reason\":\"user\"}}\n"
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"list_agents\"}}\n");
  std::ostringstream out, log;
  // Returns only when every call has ended: a review still blocked would hang here.
  EXPECT_EQ(server.Serve(in, out, log), 0);

  std::vector<int> ids;
  for (absl::string_view line : absl::StrSplit(out.str(), '\n', absl::SkipEmpty())) {
    ids.push_back(json::parse(line)["id"].get<int>());
  }
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre(2, 3)) << out.str();
  // Serve() returned, so a review that had started saw the cancel and ended;
  // one still queued when the cancel came was never started.
  SUCCEED() << (backend.started ? "cancelled while running" : "cancelled while queued");
  EXPECT_THAT(log.str(), HasSubstr("request 1 cancelled by the client"));
}

TEST(McpCancellationTest, CancellerRunsOnceWhicheverComesFirst) {
  int runs = 0;
  McpCancellation before;
  before.Cancel();
  before.SetCanceller([&] { ++runs; });
  EXPECT_EQ(runs, 1);
  before.Cancel();
  EXPECT_EQ(runs, 1);

  McpCancellation after;
  after.SetCanceller([&] { ++runs; });
  EXPECT_FALSE(after.cancelled());
  after.Cancel();
  EXPECT_TRUE(after.cancelled());
  EXPECT_EQ(runs, 2);
  after.ClearCanceller();
  after.Cancel();
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace agentd::agentctl
