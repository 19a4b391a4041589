// agentd-bench-echo: the load benchmark's baseline. A unary gRPC method,
// /agentd.bench.Echo/Echo, that returns the request's bytes unchanged.
//
// It is built with the same gRPC, the same build type and the same server
// setup as agentd (ServerBuilder defaults, the default health service), and
// by default it uses the same SYNC server API, registered the way
// protoc-gen-grpc registers a sync method. The message type is grpc::ByteBuffer,
// so the bytes are neither parsed nor copied: what is left is gRPC itself,
// which is what agentd's figures are divided by. --api=callback serves the
// same method through the callback API (a generic service), as a second
// reference.
//
// Prints "echo listening on HOST:PORT" on stdout once serving, like agentd,
// and stops on SIGINT/SIGTERM.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/method_handler.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to listen on (port 0 = any free port)");
ABSL_FLAG(std::string, api, "sync", "gRPC server API: sync (as agentd) or callback");

namespace {

constexpr char kEchoMethod[] = "/agentd.bench.Echo/Echo";

// The sync API with a raw-bytes message: exactly what generated code does
// for a sync unary method, with ByteBuffer in place of a protobuf type.
class SyncEchoService : public grpc::Service {
 public:
  SyncEchoService() {
    AddMethod(new grpc::internal::RpcServiceMethod(
        kEchoMethod, grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<SyncEchoService, grpc::ByteBuffer, grpc::ByteBuffer>(
            [](SyncEchoService*, grpc::ServerContext*, const grpc::ByteBuffer* request,
               grpc::ByteBuffer* response) {
              *response = *request;  // slices are reference-counted: no byte copy
              return grpc::Status::OK;
            },
            this)));
  }
};

// The callback API: one read, one write, finish. Any method name is
// accepted, but only kEchoMethod is meant to be called.
class CallbackEchoService : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    if (ctx->method() != kEchoMethod) return CallbackGenericService::CreateReactor(ctx);
    return new Reactor();
  }

 private:
  class Reactor : public grpc::ServerGenericBidiReactor {
   public:
    Reactor() { StartRead(&message_); }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
        return;
      }
      StartWriteAndFinish(&message_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    grpc::ByteBuffer message_;
  };
};

}  // namespace

int main(int argc, char** argv) {
  // As agentd does (server/main.cc): no Mutex deadlock detection, so the
  // baseline is gRPC at its best, not gRPC with a debugging aid on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage("agentd-bench-echo: no-op unary gRPC echo, the load benchmark's baseline");
  absl::ParseCommandLine(argc, argv);
  const std::string api = absl::GetFlag(FLAGS_api);
  if (api != "sync" && api != "callback") {
    std::fprintf(stderr, "agentd-bench-echo: --api must be sync or callback, not '%s'\n", api.c_str());
    return 2;
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  SyncEchoService sync_service;
  CallbackEchoService callback_service;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  if (api == "sync") {
    builder.RegisterService(&sync_service);
  } else {
    builder.RegisterCallbackGenericService(&callback_service);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "agentd-bench-echo: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  std::printf("echo listening on %s:%d\n", listen.substr(0, listen.rfind(':')).c_str(), port);
  std::fflush(stdout);

  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server->Shutdown();
  });
  server->Wait();
  stopper.join();
  return 0;
}
