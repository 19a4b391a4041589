// Runs agentctl's commands against an in-process fake Orchestrator on a
// loopback port, so the client's wire behaviour (requests it builds, metadata,
// exit codes, output streams, cancellation) is tested without agentd.
#include "client/agentctl/commands.h"

#include <signal.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "agentd/v1/orchestrator.grpc.pb.h"
#include "client/agentctl/cli_args.h"
#include "client/agentctl/interrupt.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace agentd::agentctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Blocks SIGINT before gRPC starts any thread (static initialisation runs
// before main), as main() does in agentctl. Only the cancellation test hands
// it to RunCommand: once interrupted it stays interrupted.
InterruptWatcher* const kInterrupts = new InterruptWatcher();

class FakeOrchestrator final : public agentd::v1::Orchestrator::Service {
 public:
  grpc::Status Route(grpc::ServerContext* context, const agentd::v1::RouteRequest* request,
                     agentd::v1::RouteDecision* decision) override {
    Record(context);
    decision->set_summary("asked: " + request->text());
    for (const auto& agent : request->agents()) {
      auto* choice = decision->add_selected();
      choice->set_agent(agent);
      choice->set_score(1.5);
      choice->set_explicit_(true);
    }
    return grpc::Status::OK;
  }

  grpc::Status Review(grpc::ServerContext* context, const agentd::v1::ReviewRequest* request,
                      agentd::v1::ReviewResponse* response) override {
    Record(context);
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_review_ = *request;
    }
    if (request->text() == "bad") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "text: not a question");
    }
    *response = MakeResponse(*request);
    return grpc::Status::OK;
  }

  grpc::Status StreamReview(grpc::ServerContext* context,
                            const agentd::v1::ReviewRequest* request,
                            grpc::ServerWriter<agentd::v1::ReviewEvent>* writer) override {
    Record(context);
    agentd::v1::ReviewEvent event;
    auto* choice = event.mutable_routed()->add_selected();
    choice->set_agent("backend-architect");
    choice->set_score(4.21);
    writer->Write(event);
    if (request->text() == "hang") {
      routed_sent_.Notify();
      release_.WaitForNotification();
      return grpc::Status::OK;
    }
    event.Clear();
    event.mutable_agent_started()->set_agent("backend-architect");
    writer->Write(event);
    event.Clear();
    auto* finished = event.mutable_agent_finished();
    finished->set_agent("backend-architect");
    finished->mutable_run()->set_status(agentd::v1::AGENT_STATUS_OK);
    finished->mutable_run()->set_latency_ms(0.4);
    writer->Write(event);
    event.Clear();
    *event.mutable_review() = MakeResponse(*request);
    writer->Write(event);
    return grpc::Status::OK;
  }

  grpc::Status ListAgents(grpc::ServerContext* context, const agentd::v1::ListAgentsRequest*,
                          agentd::v1::ListAgentsResponse* response) override {
    Record(context);
    auto* card = response->add_agents();
    card->set_name("backend-architect");
    card->set_available(true);
    return grpc::Status::OK;
  }

  grpc::Status GetSession(grpc::ServerContext* context,
                          const agentd::v1::GetSessionRequest* request,
                          agentd::v1::GetSessionResponse*) override {
    Record(context);
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "session '" + request->session_id() + "' not found");
  }

  grpc::Status ExportSession(grpc::ServerContext* context,
                             const agentd::v1::ExportSessionRequest* request,
                             agentd::v1::ExportSessionResponse* response) override {
    Record(context);
    response->set_content(request->format() == agentd::v1::EXPORT_FORMAT_JSON
                              ? "{\"id\":\"" + request->session_id() + "\"}"
                              : "# " + request->session_id());
    return grpc::Status::OK;
  }

  grpc::Status PruneSessions(grpc::ServerContext* context,
                             const agentd::v1::PruneSessionsRequest* request,
                             agentd::v1::PruneSessionsResponse* response) override {
    Record(context);
    response->set_deleted(request->older_than_days() * 2);
    return grpc::Status::OK;
  }

  std::string authorization() {
    std::lock_guard<std::mutex> lock(mu_);
    return authorization_;
  }
  agentd::v1::ReviewRequest last_review() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_review_;
  }

  absl::Notification routed_sent_;
  absl::Notification release_;

 private:
  static agentd::v1::ReviewResponse MakeResponse(const agentd::v1::ReviewRequest& request) {
    agentd::v1::ReviewResponse response;
    response.set_session_id(request.session_id().empty() ? "s-new" : request.session_id());
    response.set_turn(1);
    response.mutable_review()->set_markdown("## Review of: " + request.text() + "\n");
    auto* run = response.mutable_review()->add_agents();
    run->set_agent("backend-architect");
    run->set_status(agentd::v1::AGENT_STATUS_OK);
    run->set_latency_ms(0.4);
    return response;
  }

  void Record(grpc::ServerContext* context) {
    std::lock_guard<std::mutex> lock(mu_);
    authorization_.clear();
    auto found = context->client_metadata().find("authorization");
    if (found != context->client_metadata().end()) {
      authorization_.assign(found->second.data(), found->second.size());
    }
  }

  std::mutex mu_;
  std::string authorization_;
  agentd::v1::ReviewRequest last_review_;
};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    options_.server = "127.0.0.1:" + std::to_string(port);
    channel_ = grpc::CreateChannel(options_.server, grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (!service_.release_.HasBeenNotified()) service_.release_.Notify();
    server_->Shutdown();
  }

  // Parses `args` as agentctl would and runs the command; returns the exit code.
  int Run(const std::vector<std::string>& args, InterruptWatcher* interrupts = nullptr) {
    out_.str("");
    err_.str("");
    absl::StatusOr<ParsedArgs> parsed = ParseArgs(args);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok()) return 2;
    return RunCommand(parsed->command, options_, channel_, interrupts, out_, err_);
  }

  FakeOrchestrator service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  ClientOptions options_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CommandsTest, ReviewPrintsMarkdownAndFooterAndSendsTheRequest) {
  options_.token = "secret";
  EXPECT_EQ(Run({"review", "--session=s-7", "--agent=api-architect",
                 R"(--requirements={"teamSize":5})", "Monolith", "or", "not?"}),
            0);
  EXPECT_THAT(out_.str(), HasSubstr("## Review of: Monolith or not?\n"));
  EXPECT_THAT(out_.str(), HasSubstr("session s-7 · turn 1 · agents: backend-architect ok"));
  EXPECT_THAT(err_.str(), IsEmpty());
  EXPECT_EQ(service_.authorization(), "Bearer secret");
  const agentd::v1::ReviewRequest sent = service_.last_review();
  EXPECT_EQ(sent.session_id(), "s-7");
  ASSERT_EQ(sent.agents_size(), 1);
  EXPECT_EQ(sent.agents(0), "api-architect");
  EXPECT_EQ(sent.requirements().team_size(), 5);
}

TEST_F(CommandsTest, NoTokenNoAuthorizationHeader) {
  EXPECT_EQ(Run({"agents"}), 0);
  EXPECT_EQ(service_.authorization(), "");
  EXPECT_THAT(out_.str(), HasSubstr("backend-architect"));
}

TEST_F(CommandsTest, ServerErrorIsExitOneWithCodeAndMessage) {
  EXPECT_EQ(Run({"review", "bad"}), 1);
  EXPECT_EQ(err_.str(), "agentctl: INVALID_ARGUMENT: text: not a question\n");
  EXPECT_THAT(out_.str(), IsEmpty());

  EXPECT_EQ(Run({"sessions", "show", "nope"}), 1);
  EXPECT_EQ(err_.str(), "agentctl: NOT_FOUND: session 'nope' not found\n");
}

TEST_F(CommandsTest, UnimplementedRpcIsReportedAsSuch) {
  EXPECT_EQ(Run({"sessions", "delete", "s1"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("agentctl: UNIMPLEMENTED"));
}

TEST_F(CommandsTest, RouteAndJson) {
  options_.json = true;
  EXPECT_EQ(Run({"route", "--agent=sre-specialist", "who", "answers"}), 0);
  agentd::v1::RouteDecision decision;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(out_.str(), &decision).ok())
      << out_.str();
  EXPECT_EQ(decision.summary(), "asked: who answers");
  ASSERT_EQ(decision.selected_size(), 1);
  EXPECT_EQ(decision.selected(0).agent(), "sre-specialist");
}

TEST_F(CommandsTest, StreamShowsProgressOnStderrAndReviewOnStdout) {
  EXPECT_EQ(Run({"review", "--stream", "flash", "sale"}), 0);
  EXPECT_EQ(err_.str(),
            "routed → backend-architect (4.21)\n"
            "▸ backend-architect started\n"
            "✓ backend-architect finished in 0.40 ms\n");
  EXPECT_THAT(out_.str(), HasSubstr("## Review of: flash sale\n"));
  EXPECT_THAT(out_.str(), HasSubstr("session s-new · turn 1"));
}

TEST_F(CommandsTest, StreamJsonIsOneEventPerLine) {
  options_.json = true;
  EXPECT_EQ(Run({"review", "--stream", "q"}), 0);
  std::istringstream lines(out_.str());
  std::string line;
  std::vector<agentd::v1::ReviewEvent::EventCase> cases;
  while (std::getline(lines, line)) {
    agentd::v1::ReviewEvent event;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok()) << line;
    cases.push_back(event.event_case());
  }
  EXPECT_THAT(cases, ::testing::ElementsAre(agentd::v1::ReviewEvent::kRouted,
                                            agentd::v1::ReviewEvent::kAgentStarted,
                                            agentd::v1::ReviewEvent::kAgentFinished,
                                            agentd::v1::ReviewEvent::kReview));
}

TEST_F(CommandsTest, SessionsExportAndPrune) {
  EXPECT_EQ(Run({"sessions", "export", "s1", "--format=json"}), 0);
  EXPECT_EQ(out_.str(), "{\"id\":\"s1\"}\n");
  EXPECT_EQ(Run({"sessions", "export", "s1"}), 0);
  EXPECT_EQ(out_.str(), "# s1\n");
  EXPECT_EQ(Run({"sessions", "prune", "--older_than_days=3"}), 0);
  EXPECT_EQ(out_.str(), "deleted 6 session(s) not updated for 3 day(s)\n");
}

TEST_F(CommandsTest, HealthReportsServingAndNotServing) {
  EXPECT_EQ(Run({"health"}), 0);
  EXPECT_EQ(out_.str(), "SERVING\n");
  server_->GetHealthCheckService()->SetServingStatus(false);
  EXPECT_EQ(Run({"health"}), 1);
  EXPECT_EQ(out_.str(), "NOT_SERVING\n");
  // Waiting on a server that stays NOT_SERVING ends with its last word.
  EXPECT_EQ(Run({"health", "--wait=300ms"}), 1);
  EXPECT_EQ(out_.str(), "NOT_SERVING\n");
}

TEST_F(CommandsTest, HealthWaitSeesTheServerBecomeServing) {
  server_->GetHealthCheckService()->SetServingStatus(false);
  int code = -1;
  std::thread waiter([&] { code = Run({"health", "--wait=60s"}); });
  server_->GetHealthCheckService()->SetServingStatus(true);
  waiter.join();
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out_.str(), "SERVING\n");
}

TEST_F(CommandsTest, SigintCancelsTheStream) {
  int code = -1;
  std::thread client([&] { code = Run({"review", "--stream", "hang"}, kInterrupts); });
  service_.routed_sent_.WaitForNotification();
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  client.join();  // TearDown releases the server's handler
  EXPECT_EQ(code, 1);
  EXPECT_THAT(err_.str(), HasSubstr("agentctl: cancelled\n"));
  EXPECT_TRUE(kInterrupts->interrupted());
}

TEST(CommandsNoServerTest, UnreachableServerIsNamed) {
  ClientOptions options;
  options.server = "127.0.0.1:1";
  options.timeout = absl::Seconds(10);
  auto channel = grpc::CreateChannel(options.server, grpc::InsecureChannelCredentials());
  Command command;
  command.kind = CommandKind::kAgents;
  std::ostringstream out, err;
  EXPECT_EQ(RunCommand(command, options, channel, nullptr, out, err), 1);
  EXPECT_EQ(err.str(),
            "agentctl: UNAVAILABLE: cannot reach agentd at 127.0.0.1:1 (is it running?)\n");
}

}  // namespace
}  // namespace agentd::agentctl
