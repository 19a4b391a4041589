#include "server/plugin_host/remote/plugin_service.h"

#include <chrono>
#include <utility>

namespace agentd {

PluginService::PluginService(const HostedAgent* agent, v1::DescribeResponse describe)
    : agent_(agent), describe_(std::move(describe)), watcher_([this] { Watch(); }) {}

PluginService::~PluginService() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  watcher_.join();
}

void PluginService::Watch() {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(5))) {
    for (Call* call : calls_) {
      if (call->context->IsCancelled()) call->cancel->cancelled.store(true);
    }
  }
}

grpc::Status PluginService::Describe(grpc::ServerContext*, const v1::DescribeRequest*,
                                     v1::DescribeResponse* response) {
  *response = describe_;
  return grpc::Status::OK;
}

grpc::Status PluginService::Handle(grpc::ServerContext* context, const v1::AgentRequest* request,
                                   grpc::ServerWriter<v1::HandleEvent>* writer) {
  CancelState cancel;
  if (context->deadline() != std::chrono::system_clock::time_point::max()) {
    cancel.deadline = absl::FromChrono(context->deadline());
  }
  Call call{context, &cancel};
  {
    absl::MutexLock lock(&mu_);
    calls_.insert(&call);
  }
  HostedAgent::ProgressFn progress = [writer](std::string_view text) {
    v1::HandleEvent event;
    event.set_progress(std::string(text));
    writer->Write(event);
  };
  absl::StatusOr<v1::AgentResponse> response = agent_->Handle(*request, cancel, &progress);
  {
    absl::MutexLock lock(&mu_);
    calls_.erase(&call);
  }
  if (!response.ok()) {
    return grpc::Status(static_cast<grpc::StatusCode>(response.status().code()),
                        std::string(response.status().message()));
  }
  v1::HandleEvent event;
  *event.mutable_response() = *std::move(response);
  writer->WriteLast(event, grpc::WriteOptions());
  return grpc::Status::OK;
}

}  // namespace agentd
