#include "server/plugin_host/remote/plugin_service.h"

#include <chrono>
#include <climits>
#include <string>
#include <utility>

#include "grpcpp/impl/codegen/proto_utils.h"  // SerializationTraits for messages, as generated code has
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/support/method_handler.h"
#include "server/plugin_host/remote/handle_event_frame.h"

namespace agentd {
namespace {

// The methods as the generated AgentPlugin::Service registers them (the
// generated code uses these same gRPC handler classes), Handle with bytes
// for its request and responses instead of messages.
constexpr char kDescribeMethod[] = "/agentd.v1.AgentPlugin/Describe";
constexpr char kHandleMethod[] = "/agentd.v1.AgentPlugin/Handle";

using DescribeHandler = grpc::internal::RpcMethodHandler<PluginService, v1::DescribeRequest, v1::DescribeResponse,
                                                         grpc::protobuf::MessageLite, grpc::protobuf::MessageLite>;
using HandleHandler = grpc::internal::ServerStreamingHandler<PluginService, grpc::ByteBuffer, grpc::ByteBuffer>;

// The request's bytes in one piece: as gRPC holds them when it can,
// otherwise copied together.
std::string_view Contiguous(const grpc::ByteBuffer& buffer, grpc::Slice* slice) {
  if (!buffer.TrySingleSlice(slice).ok() && !buffer.DumpToSingleSlice(slice).ok()) return {};
  return std::string_view(reinterpret_cast<const char*>(slice->begin()), slice->size());
}

}  // namespace

PluginService::PluginService(const HostedAgent* agent, v1::DescribeResponse describe)
    : agent_(agent), describe_(std::move(describe)), watcher_([this] { Watch(); }) {
  AddMethod(new grpc::internal::RpcServiceMethod(
      kDescribeMethod, grpc::internal::RpcMethod::NORMAL_RPC,
      new DescribeHandler([](PluginService* service, grpc::ServerContext*, const v1::DescribeRequest*,
                             v1::DescribeResponse* response) { return service->Describe(response); },
                          this)));
  AddMethod(new grpc::internal::RpcServiceMethod(
      kHandleMethod, grpc::internal::RpcMethod::SERVER_STREAMING,
      new HandleHandler([](PluginService* service, grpc::ServerContext* context, const grpc::ByteBuffer* request,
                           grpc::ServerWriter<grpc::ByteBuffer>* writer) {
        return service->Handle(context, *request, writer);
      }, this)));
}

PluginService::~PluginService() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  watcher_.join();
}

void PluginService::Watch() {
  // Idle, it sleeps until a call starts (or the service stops); while calls
  // run it looks at them every few milliseconds.
  auto busy_or_stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !calls_.empty(); };
  absl::MutexLock lock(&mu_);
  for (;;) {
    mu_.Await(absl::Condition(&busy_or_stopping));
    if (stopping_) return;
    for (Call* call : calls_) {
      if (call->context->IsCancelled()) call->cancel->cancelled.store(true);
    }
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(5))) return;
  }
}

grpc::Status PluginService::Describe(v1::DescribeResponse* response) const {
  *response = describe_;
  return grpc::Status::OK;
}

grpc::Status PluginService::Handle(grpc::ServerContext* context, const grpc::ByteBuffer& request,
                                   grpc::ServerWriter<grpc::ByteBuffer>* writer) {
  CancelState cancel;
  if (context->deadline() != std::chrono::system_clock::time_point::max()) {
    cancel.deadline = absl::FromChrono(context->deadline());
  }
  Call call{context, &cancel};
  {
    absl::MutexLock lock(&mu_);
    calls_.insert(&call);
  }
  HostedAgent::ProgressFn progress = [writer](std::string_view text) { writer->Write(FrameProgress(text)); };
  grpc::Slice request_bytes;
  absl::StatusOr<std::string> answer = agent_->HandleSerialized(Contiguous(request, &request_bytes), cancel,
                                                                &progress);
  {
    absl::MutexLock lock(&mu_);
    calls_.erase(&call);
  }
  if (!answer.ok()) {
    return grpc::Status(static_cast<grpc::StatusCode>(answer.status().code()),
                        std::string(answer.status().message()));
  }
  if (answer->size() > INT_MAX) return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "answer over 2 GiB");
  writer->WriteLast(FrameAnswer(*std::move(answer)), grpc::WriteOptions());
  return grpc::Status::OK;
}

}  // namespace agentd
