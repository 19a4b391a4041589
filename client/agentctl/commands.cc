#include "client/agentctl/commands.h"

#include <chrono>
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agentd/v1/orchestrator.grpc.pb.h"
#include "client/agentctl/mcp.h"
#include "client/agentctl/render.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace agentd::agentctl {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// Carries what every command needs, so each command is a short method.
class Runner {
 public:
  Runner(const ClientOptions& options, const std::shared_ptr<grpc::ChannelInterface>& channel,
         InterruptWatcher* interrupts, std::ostream& out, std::ostream& err)
      : options_(options),
        channel_(channel),
        stub_(agentd::v1::Orchestrator::NewStub(channel)),
        interrupts_(interrupts),
        out_(out),
        err_(err) {}

  int Run(const Command& command);

 private:
  void Prepare(grpc::ClientContext& context, absl::Duration timeout) const {
    context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout));
    if (!options_.token.empty()) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
    }
  }

  // Reports a failed call; returns the exit status.
  int Fail(const grpc::Status& status) {
    if (interrupts_ != nullptr && interrupts_->interrupted()) {
      err_ << "agentctl: cancelled\n";
      return 1;
    }
    // A channel that is READY got an answer from the server, so an
    // UNAVAILABLE is the server's own word, not a failed connection.
    const bool reached = channel_->GetState(false) == GRPC_CHANNEL_READY;
    err_ << RpcErrorLine(status, options_.server, reached);
    return ExitCodeFor(status);
  }

  int Print(const google::protobuf::Message& message, const std::string& text) {
    if (!options_.json) {
      out_ << text;
      return 0;
    }
    absl::StatusOr<std::string> json = ToJson(message, /*pretty=*/true);
    if (!json.ok()) {
      err_ << "agentctl: " << json.status().message() << "\n";
      return 1;
    }
    out_ << *json;
    return 0;
  }

  // One unary call: prepare, watch for Ctrl-C, call, print or fail.
  template <typename Request, typename Response, typename Call, typename Render>
  int Unary(const Request& request, Call call, Render render) {
    grpc::ClientContext context;
    Prepare(context, options_.timeout);
    Response response;
    grpc::Status status;
    {
      ScopedInterruptWatch watch(interrupts_, &context);
      status = (stub_.get()->*call)(&context, request, &response);
    }
    if (!status.ok()) return Fail(status);
    return Print(response, render(response));
  }

  int Health(const Command& command);
  int StreamReview(const agentd::v1::ReviewRequest& request);

  const ClientOptions& options_;
  std::shared_ptr<grpc::ChannelInterface> channel_;
  std::unique_ptr<agentd::v1::Orchestrator::Stub> stub_;
  InterruptWatcher* interrupts_;
  std::ostream& out_;
  std::ostream& err_;
};

using Stub = agentd::v1::Orchestrator::Stub;

int Runner::Run(const Command& command) {
  switch (command.kind) {
    case CommandKind::kHealth:
      return Health(command);
    case CommandKind::kAgents:
      return Unary<agentd::v1::ListAgentsRequest, agentd::v1::ListAgentsResponse>(
          agentd::v1::ListAgentsRequest(), &Stub::ListAgents,
          [](const auto& r) { return RenderAgents(r); });
    case CommandKind::kAgentsReload:
      return Unary<agentd::v1::ReloadAgentsRequest, agentd::v1::ReloadAgentsResponse>(
          agentd::v1::ReloadAgentsRequest(), &Stub::ReloadAgents,
          [](const auto& r) { return RenderReload(r); });
    case CommandKind::kRoute: {
      agentd::v1::RouteRequest request;
      request.set_text(command.text);
      for (const auto& agent : command.agents) request.add_agents(agent);
      return Unary<agentd::v1::RouteRequest, agentd::v1::RouteDecision>(
          request, &Stub::Route, [](const auto& r) { return RenderRoute(r); });
    }
    case CommandKind::kReview: {
      agentd::v1::ReviewRequest request;
      request.set_session_id(command.session_id);
      request.set_text(command.text);
      if (command.requirements.has_value()) {
        *request.mutable_requirements() = *command.requirements;
      }
      for (const auto& agent : command.agents) request.add_agents(agent);
      if (command.stream) return StreamReview(request);
      return Unary<agentd::v1::ReviewRequest, agentd::v1::ReviewResponse>(
          request, &Stub::Review, [](const auto& r) { return RenderReview(r); });
    }
    case CommandKind::kSessionsList: {
      agentd::v1::ListSessionsRequest request;
      request.set_page_size(command.page_size);
      request.set_page_token(command.page_token);
      request.set_title_filter(command.filter);
      return Unary<agentd::v1::ListSessionsRequest, agentd::v1::ListSessionsResponse>(
          request, &Stub::ListSessions, [](const auto& r) { return RenderSessions(r); });
    }
    case CommandKind::kSessionsShow: {
      agentd::v1::GetSessionRequest request;
      request.set_session_id(command.session_id);
      return Unary<agentd::v1::GetSessionRequest, agentd::v1::GetSessionResponse>(
          request, &Stub::GetSession, [](const auto& r) { return RenderSession(r); });
    }
    case CommandKind::kSessionsExport: {
      agentd::v1::ExportSessionRequest request;
      request.set_session_id(command.session_id);
      request.set_format(command.format);
      return Unary<agentd::v1::ExportSessionRequest, agentd::v1::ExportSessionResponse>(
          request, &Stub::ExportSession, [](const auto& r) {
            std::string content = r.content();
            if (!content.empty() && content.back() != '\n') content += '\n';
            return content;
          });
    }
    case CommandKind::kSessionsDelete: {
      agentd::v1::DeleteSessionRequest request;
      request.set_session_id(command.session_id);
      const std::string line = absl::StrCat("deleted session ", command.session_id, "\n");
      return Unary<agentd::v1::DeleteSessionRequest, agentd::v1::DeleteSessionResponse>(
          request, &Stub::DeleteSession, [&line](const auto&) { return line; });
    }
    case CommandKind::kSessionsPrune: {
      agentd::v1::PruneSessionsRequest request;
      request.set_older_than_days(command.older_than_days);
      const int days = command.older_than_days;
      return Unary<agentd::v1::PruneSessionsRequest, agentd::v1::PruneSessionsResponse>(
          request, &Stub::PruneSessions, [days](const auto& r) {
            return absl::StrCat("deleted ", r.deleted(), " session(s) not updated for ", days,
                                " day(s)\n");
          });
    }
    case CommandKind::kMcp:
      // The one command that reads stdin: MCP requests, until end of input.
      return RunMcp(options_, channel_, std::cin, out_, err_);
  }
  err_ << "agentctl: internal error: command not handled\n";
  return 1;
}

int Runner::StreamReview(const agentd::v1::ReviewRequest& request) {
  grpc::ClientContext context;
  Prepare(context, options_.timeout);
  std::optional<agentd::v1::ReviewResponse> final_review;
  grpc::Status status;
  {
    ScopedInterruptWatch watch(interrupts_, &context);
    std::unique_ptr<grpc::ClientReader<agentd::v1::ReviewEvent>> reader =
        stub_->StreamReview(&context, request);
    agentd::v1::ReviewEvent event;
    while (reader->Read(&event)) {
      if (options_.json) {
        absl::StatusOr<std::string> line = ToJson(event, /*pretty=*/false);
        if (!line.ok()) {
          context.TryCancel();
          reader->Finish();
          err_ << "agentctl: " << line.status().message() << "\n";
          return 1;
        }
        out_ << *line << std::flush;
      } else if (event.has_review()) {
        final_review = event.review();
      } else {
        err_ << RenderProgress(event) << std::flush;
      }
    }
    status = reader->Finish();
  }
  // A review that arrived is shown even if the stream then failed (a
  // partial review before DEADLINE_EXCEEDED is still worth reading).
  if (final_review.has_value()) out_ << RenderReview(*final_review);
  if (!status.ok()) return Fail(status);
  if (!options_.json && !final_review.has_value()) {
    err_ << "agentctl: INTERNAL: the stream ended without a review\n";
    return 1;
  }
  return 0;
}

int Runner::Health(const Command& command) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  HealthCheckRequest request;  // empty service name: the server as a whole
  std::optional<HealthCheckResponse> last;
  grpc::Status status;
  const bool waiting = command.wait > absl::ZeroDuration();

  if (waiting) {
    // Watch streams every change, so waiting needs no polling loop; with
    // wait_for_ready the call also waits for a server that is not up yet.
    grpc::ClientContext context;
    Prepare(context, command.wait);
    context.set_wait_for_ready(true);
    ScopedInterruptWatch watch(interrupts_, &context);
    auto reader = health->Watch(&context, request);
    HealthCheckResponse response;
    while (reader->Read(&response)) {
      last = response;
      if (response.status() == HealthCheckResponse::SERVING) {
        context.TryCancel();
        break;
      }
    }
    status = reader->Finish();
    if (last.has_value() && last->status() == HealthCheckResponse::SERVING) {
      status = grpc::Status::OK;
    }
  }
  if (!waiting || status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    // Plain Check; also the fallback for servers without Watch.
    grpc::ClientContext context;
    Prepare(context, waiting ? command.wait : options_.timeout);
    context.set_wait_for_ready(waiting);
    ScopedInterruptWatch watch(interrupts_, &context);
    HealthCheckResponse response;
    status = health->Check(&context, request, &response);
    if (status.ok()) last = response;
  }

  if (!status.ok() && !(last.has_value() && status.error_code() ==
                                                grpc::StatusCode::DEADLINE_EXCEEDED)) {
    if (waiting && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
        !(interrupts_ != nullptr && interrupts_->interrupted())) {
      err_ << "agentctl: DEADLINE_EXCEEDED: agentd at " << options_.server
           << " was not SERVING within " << absl::FormatDuration(command.wait) << "\n";
      return 1;
    }
    return Fail(status);
  }
  const HealthCheckResponse& response = *last;
  if (Print(response, absl::StrCat(HealthCheckResponse::ServingStatus_Name(response.status()),
                                   "\n")) != 0) {
    return 1;
  }
  return response.status() == HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace

int RunCommand(const Command& command, const ClientOptions& options,
               const std::shared_ptr<grpc::ChannelInterface>& channel,
               InterruptWatcher* interrupts, std::ostream& out, std::ostream& err) {
  Runner runner(options, channel, interrupts, out, err);
  return runner.Run(command);
}

}  // namespace agentd::agentctl
