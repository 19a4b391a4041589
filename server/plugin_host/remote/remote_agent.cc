#include "server/plugin_host/remote/remote_agent.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/sync_stream.h"

namespace agentd {
namespace {

constexpr size_t kMaxProgressBytes = 1 << 20;  // per call; more is dropped

std::chrono::system_clock::time_point ToChrono(absl::Time t) { return absl::ToChronoTime(t); }

// Turns the host's cancel flag into gRPC cancels: one thread for the
// process looks at the calls in flight every few milliseconds and cancels
// those whose caller went away. (The calls themselves use the synchronous
// API: gRPC 1.51's callback client can abort when channels come and go
// while calls run, as they do when a plugin process restarts.)
class CancelWatcher {
 public:
  static CancelWatcher& Get() {
    static auto* watcher = new CancelWatcher();  // never destroyed: calls may run until exit
    return *watcher;
  }
  void Add(grpc::ClientContext* context, const CancelState* cancel) {
    absl::MutexLock lock(&mu_);
    calls_.emplace(context, cancel);
  }
  void Remove(grpc::ClientContext* context) {
    absl::MutexLock lock(&mu_);
    calls_.erase(context);
  }

 private:
  CancelWatcher() : thread_([this] { Watch(); }) { thread_.detach(); }
  void Watch() {
    absl::MutexLock lock(&mu_);
    for (;;) {
      auto busy = [](std::map<grpc::ClientContext*, const CancelState*>* calls) { return !calls->empty(); };
      mu_.Await(absl::Condition(+busy, &calls_));
      for (auto it = calls_.begin(); it != calls_.end();) {
        if (it->second->cancelled.load(std::memory_order_relaxed)) {
          it->first->TryCancel();
          it = calls_.erase(it);  // once is enough
        } else {
          ++it;
        }
      }
      mu_.AwaitWithTimeout(absl::Condition(+[](bool* f) { return *f; }, &never_), absl::Milliseconds(5));
    }
  }
  absl::Mutex mu_;
  std::map<grpc::ClientContext*, const CancelState*> calls_ ABSL_GUARDED_BY(mu_);
  bool never_ = false;
  std::thread thread_;
};

}  // namespace

absl::Status FromGrpc(const std::string& agent, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(agent, ": ", Excerpt(status.error_message())));
}

RemoteAgent::RemoteAgent(RemoteOptions options) : options_(std::move(options)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_answer_bytes);
  // A plugin process that restarts is back within a second: reconnect soon.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  channel_ = grpc::CreateCustomChannel(options_.target, grpc::InsecureChannelCredentials(), args);
  stub_ = v1::AgentPlugin::NewStub(channel_);
  absl::MutexLock lock(&mu_);
  limits_.agent = options_.agent;
  limits_.sections = options_.sections;
  availability_ = absl::UnavailableError("not checked yet");
}

absl::StatusOr<v1::DescribeResponse> RemoteAgent::Probe(absl::Duration timeout) {
  auto fail = [this](const grpc::Status& status, absl::string_view what) {
    absl::Status s = absl::UnavailableError(
        absl::StrCat(what, " at ", options_.target, " failed: ", Excerpt(status.error_message())));
    SetAvailability(s);
    return s;
  };
  grpc::health::v1::HealthCheckResponse health;
  {
    grpc::ClientContext context;
    context.set_deadline(ToChrono(absl::Now() + timeout));
    std::unique_ptr<grpc::health::v1::Health::Stub> checker = grpc::health::v1::Health::NewStub(channel_);
    grpc::Status status = checker->Check(&context, grpc::health::v1::HealthCheckRequest(), &health);
    if (!status.ok()) return fail(status, "health check");
  }
  if (health.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    absl::Status s = absl::UnavailableError(absl::StrCat("plugin at ", options_.target, " is not SERVING"));
    SetAvailability(s);
    return s;
  }
  grpc::ClientContext context;
  context.set_deadline(ToChrono(absl::Now() + timeout));
  v1::DescribeRequest request;
  request.set_agent(options_.agent);
  v1::DescribeResponse described;
  grpc::Status status = stub_->Describe(&context, request, &described);
  if (!status.ok()) return fail(status, "Describe");
  absl::MutexLock lock(&mu_);
  for (const std::string& id : described.sections()) limits_.sections.insert(id);
  max_concurrency_ = std::max(0, described.capabilities().max_concurrency());
  availability_ = absl::OkStatus();
  return described;
}

absl::Status RemoteAgent::Availability() const {
  absl::MutexLock lock(&mu_);
  return availability_;
}

void RemoteAgent::SetAvailability(absl::Status status) const {
  absl::MutexLock lock(&mu_);
  availability_ = std::move(status);
}

bool RemoteAgent::EnterCall(const CancelState& cancel) const {
  absl::MutexLock lock(&mu_);
  auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return max_concurrency_ == 0 || in_plugin_ < max_concurrency_;
  };
  // Polled so that a caller who goes away stops waiting too.
  while (!mu_.AwaitWithTimeout(absl::Condition(&room), absl::Milliseconds(5))) {
    if (cancel.IsCancelled()) return false;
  }
  ++in_plugin_;
  return true;
}

void RemoteAgent::LeaveCall() const {
  absl::MutexLock lock(&mu_);
  --in_plugin_;
}

absl::StatusOr<v1::AgentResponse> RemoteAgent::Handle(const v1::AgentRequest& request, const CancelState& cancel,
                                                      const ProgressFn* progress) const {
  if (!EnterCall(cancel)) {
    absl::MutexLock lock(&mu_);
    return absl::ResourceExhaustedError(absl::StrCat(options_.agent, ": the plugin's ", max_concurrency_,
                                                     " call(s) at once (its max_concurrency) stayed busy"));
  }
  absl::StatusOr<v1::AgentResponse> answer = Call(request, cancel, progress);
  LeaveCall();
  return answer;
}

absl::StatusOr<v1::AgentResponse> RemoteAgent::Call(const v1::AgentRequest& request, const CancelState& cancel,
                                                    const ProgressFn* progress) const {
  grpc::ClientContext context;
  if (cancel.deadline != absl::InfiniteFuture()) context.set_deadline(ToChrono(cancel.deadline));
  CancelWatcher::Get().Add(&context, &cancel);
  std::unique_ptr<grpc::ClientReader<v1::HandleEvent>> reader = stub_->Handle(&context, request);
  v1::HandleEvent event;
  v1::AgentResponse response;
  bool answered = false;
  std::string protocol_error;
  size_t progress_bytes = 0;
  while (protocol_error.empty() && reader->Read(&event)) {
    if (answered) {
      protocol_error = "sent more after its answer";
    } else if (event.event_case() == v1::HandleEvent::kResponse) {
      response = std::move(*event.mutable_response());
      answered = true;
    } else if (event.event_case() == v1::HandleEvent::kProgress) {
      progress_bytes += event.progress().size();
      if (progress != nullptr && *progress && progress_bytes <= kMaxProgressBytes) (*progress)(event.progress());
    } else {
      protocol_error = "sent an event that is neither progress nor an answer";
    }
  }
  if (!protocol_error.empty()) context.TryCancel();
  grpc::Status status = reader->Finish();
  CancelWatcher::Get().Remove(&context);
  // The plugin sees the same deadline and may answer CANCELLED for it before
  // our own timer fires; either way it was the deadline that ended the call.
  if (status.error_code() == grpc::StatusCode::CANCELLED && !cancel.cancelled.load(std::memory_order_relaxed) &&
      absl::Now() >= cancel.deadline) {
    status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded");
  }
  return Finish(status, &response, answered, protocol_error);
}

absl::StatusOr<v1::AgentResponse> RemoteAgent::Finish(const grpc::Status& status, v1::AgentResponse* response,
                                                       bool answered, const std::string& protocol_error) const {
  if (!protocol_error.empty()) {
    return absl::InternalError(absl::StrCat(options_.agent, ": plugin broke the protocol: ", protocol_error));
  }
  if (!status.ok()) {
    // Not reaching the plugin says it is unavailable; its own errors do not.
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) SetAvailability(FromGrpc(options_.agent, status));
    return FromGrpc(options_.agent, status);
  }
  if (!answered) return absl::InternalError(absl::StrCat(options_.agent, ": plugin ended the call without an answer"));
  AnswerLimits limits;
  {
    absl::MutexLock lock(&mu_);
    availability_ = absl::OkStatus();
    limits = limits_;
  }
  if (absl::Status s = CheckAnswer(limits, response); !s.ok()) return s;
  return std::move(*response);
}

}  // namespace agentd
