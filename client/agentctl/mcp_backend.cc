// The agentd side of `agentctl mcp`: McpCancellation, and the backend that
// calls agentd over gRPC with the token and deadline of the client options,
// turning "cannot connect" into words a model can act on.
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agentd/v1/orchestrator.grpc.pb.h"
#include "client/agentctl/mcp.h"
#include "grpcpp/client_context.h"

namespace agentd::agentctl {
namespace {

class GrpcMcpBackend : public McpBackend {
 public:
  GrpcMcpBackend(const ClientOptions& options,
                 const std::shared_ptr<grpc::ChannelInterface>& channel)
      : options_(options),
        channel_(channel),
        stub_(agentd::v1::Orchestrator::NewStub(channel)) {}

  absl::StatusOr<agentd::v1::ReviewResponse> Review(const agentd::v1::ReviewRequest& request,
                                                    McpCancellation& cancel) override {
    return Call<agentd::v1::ReviewResponse>(
        cancel, [&](grpc::ClientContext* c, agentd::v1::ReviewResponse* r) {
          return stub_->Review(c, request, r);
        });
  }

  absl::StatusOr<agentd::v1::RouteDecision> Route(const agentd::v1::RouteRequest& request,
                                                  McpCancellation& cancel) override {
    return Call<agentd::v1::RouteDecision>(
        cancel, [&](grpc::ClientContext* c, agentd::v1::RouteDecision* r) {
          return stub_->Route(c, request, r);
        });
  }

  absl::StatusOr<agentd::v1::ListAgentsResponse> ListAgents(McpCancellation& cancel) override {
    return Call<agentd::v1::ListAgentsResponse>(
        cancel, [&](grpc::ClientContext* c, agentd::v1::ListAgentsResponse* r) {
          return stub_->ListAgents(c, agentd::v1::ListAgentsRequest(), r);
        });
  }

 private:
  template <typename Response, typename Fn>
  absl::StatusOr<Response> Call(McpCancellation& cancel, Fn fn) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoNanoseconds(options_.timeout));
    if (!options_.token.empty()) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
    }
    Response response;
    cancel.SetCanceller([&context] { context.TryCancel(); });
    const grpc::Status status = fn(&context, &response);
    cancel.ClearCanceller();  // before `context` goes away
    if (status.ok()) return response;
    // gRPC and absl share the canonical code numbers.
    const bool reached = channel_->GetState(false) == GRPC_CHANNEL_READY;
    std::string message = status.error_message();
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE && !reached) {
      message = absl::StrCat("cannot reach agentd at ", options_.server, " (is it running?)");
    } else if (message.empty()) {
      message = "(no message)";
    }
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), message);
  }

  ClientOptions options_;
  std::shared_ptr<grpc::ChannelInterface> channel_;
  std::unique_ptr<agentd::v1::Orchestrator::Stub> stub_;
};

}  // namespace

std::unique_ptr<McpBackend> NewGrpcMcpBackend(
    const ClientOptions& options, const std::shared_ptr<grpc::ChannelInterface>& channel) {
  return std::make_unique<GrpcMcpBackend>(options, channel);
}

void McpCancellation::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return;
  cancelled_ = true;
  if (canceller_) canceller_();
}

bool McpCancellation::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

void McpCancellation::SetCanceller(std::function<void()> canceller) {
  std::lock_guard<std::mutex> lock(mu_);
  canceller_ = std::move(canceller);
  if (cancelled_ && canceller_) canceller_();
}

void McpCancellation::ClearCanceller() {
  std::lock_guard<std::mutex> lock(mu_);
  canceller_ = nullptr;
}

}  // namespace agentd::agentctl
