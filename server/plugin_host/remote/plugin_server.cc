#include "server/plugin_host/remote/plugin_server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/async_stream.h"
#include "grpcpp/support/async_unary_call.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/plugin_host/remote/handle_event_frame.h"
#include "server/plugin_host/remote/serving_health.h"

namespace agentd {
namespace {

// A call whose agent has lately answered within this runs on the gRPC thread
// (wall-clock time: on a busy machine a call of 50 µs of CPU may take ms).
constexpr int64_t kInlineBelowUs = 5000;
// A call that has run on the gRPC thread this long gets the standby thread
// polling beside it; the standby looks this often while calls come.
constexpr int64_t kStuckNs = 10'000'000;
// After this long without a call on the gRPC thread the standby sleeps
// until the next one.
constexpr int64_t kQuietNs = 200'000'000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The methods, in this order, registered raw (bytes in and out) and
// asynchronous. Health's Watch is not registered: it answers UNIMPLEMENTED.
enum Method { kDescribe = 0, kHandle = 1, kHealthCheck = 2 };

class RawMethods final : public grpc::Service {
 public:
  RawMethods() {
    AddMethod(new grpc::internal::RpcServiceMethod("/agentd.v1.AgentPlugin/Describe",
                                                   grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    AddMethod(new grpc::internal::RpcServiceMethod("/agentd.v1.AgentPlugin/Handle",
                                                   grpc::internal::RpcMethod::SERVER_STREAMING, nullptr));
    AddMethod(new grpc::internal::RpcServiceMethod("/grpc.health.v1.Health/Check",
                                                   grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    for (int method : {kDescribe, kHandle, kHealthCheck}) MarkMethodRaw(method);
  }
  using grpc::Service::RequestAsyncServerStreaming;
  using grpc::Service::RequestAsyncUnary;
};

// A completion-queue tag: what to do when the operation it marks ends.
struct Tag {
  std::function<void(bool ok)> done;
};

// The bytes in one piece: as gRPC holds them when it can, otherwise copied together.
std::string_view Contiguous(const grpc::ByteBuffer& buffer, grpc::Slice* slice) {
  if (!buffer.TrySingleSlice(slice).ok() && !buffer.DumpToSingleSlice(slice).ok()) return {};
  return std::string_view(reinterpret_cast<const char*>(slice->begin()), slice->size());
}

grpc::ByteBuffer BytesOf(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Threads for Handle calls that do not run on the gRPC thread: one is
// started whenever a call finds none idle, and kept for the next.
class Workers {
 public:
  ~Workers() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& thread : threads_) thread.join();  // no Run comes any more
  }
  void Run(std::function<void()> job) {
    absl::MutexLock lock(&mu_);
    jobs_.push_back(std::move(job));
    if (idle_ >= static_cast<int>(jobs_.size())) return;
    threads_.emplace_back([this] { Work(); });
  }

 private:
  void Work() {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !jobs_.empty(); };
    for (;;) {
      ++idle_;
      mu_.Await(absl::Condition(&ready));
      --idle_;
      if (jobs_.empty()) return;  // stopping, nothing left
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      mu_.Unlock();
      job();
      mu_.Lock();
    }
  }
  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  int idle_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

class PluginServer::Impl {
 public:
  Impl(const HostedAgent* agent, const v1::DescribeResponse& describe)
      : agent_(agent), describe_bytes_(describe.SerializeAsString()) {}
  ~Impl();
  bool Start(const std::string& address);

  const HostedAgent* agent() const { return agent_; }
  RawMethods* methods() { return &methods_; }
  grpc::ServerCompletionQueue* cq() { return cq_.get(); }
  Workers* workers() { return workers_.get(); }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // Whether a Handle call may run on the calling gRPC thread now: the agent
  // has lately been fast and no other call is running. If so, EndInline
  // must follow the call.
  bool BeginInline();
  void EndInline() { inline_since_ns_.store(0, std::memory_order_release); }
  // Records how long the agent took; a slow call keeps the next ones off the
  // gRPC thread until fast calls have worn its time down (halving it each).
  void Took(int64_t us) {
    recent_us_.store(std::max(us, recent_us_.load(std::memory_order_relaxed) / 2), std::memory_order_relaxed);
  }
  std::atomic<int>& on_workers() { return on_workers_; }
  std::string Answer(Method method, const grpc::ByteBuffer& request, grpc::Status* status) const;

 private:
  void Poll();
  // The standby thread: while calls come it looks every kStuckNs whether one
  // has held the gRPC thread that long, and if so polls until it ends.
  void Standby();
  void HelpPoll(int64_t stuck_since);

  const HostedAgent* agent_;
  const std::string describe_bytes_;
  RawMethods methods_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Workers> workers_ = std::make_unique<Workers>();
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> recent_us_{2 * kInlineBelowUs};  // unknown: the first calls go to workers
  std::atomic<int> on_workers_{0};
  std::atomic<int64_t> inline_since_ns_{0};  // when the call on the gRPC thread started; 0: none
  std::atomic<int64_t> last_inline_ns_{0};
  absl::Mutex standby_mu_;
  bool standby_asleep_ ABSL_GUARDED_BY(standby_mu_) = false;
  bool standby_stop_ ABSL_GUARDED_BY(standby_mu_) = false;
  std::atomic<bool> standby_may_sleep_{false};  // standby_asleep_, for a look without the lock
  std::thread poller_;
  std::thread standby_;
};

namespace {

// Describe or health Check: answered on the gRPC thread.
class UnaryCall {
 public:
  UnaryCall(PluginServer::Impl* server, Method method) : server_(server), method_(method), responder_(&context_) {
    arrived_.done = [this](bool ok) { Arrived(ok); };
    finished_.done = [this](bool) { delete this; };
    server_->methods()->RequestAsyncUnary(method_, &context_, &request_, &responder_, server_->cq(), server_->cq(),
                                          &arrived_);
  }

 private:
  void Arrived(bool ok) {
    if (!ok) {
      delete this;
      return;
    }
    if (!server_->stopping()) new UnaryCall(server_, method_);
    grpc::Status status;
    std::string answer = server_->Answer(method_, request_, &status);
    if (status.ok()) {
      responder_.Finish(BytesOf(answer), status, &finished_);
    } else {
      responder_.FinishWithError(status, &finished_);
    }
  }
  PluginServer::Impl* server_;
  const Method method_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncResponseWriter<grpc::ByteBuffer> responder_;
  Tag arrived_, finished_;
};

// One Handle call. The gRPC thread handles its tags; the agent runs on the
// gRPC thread or a worker, and its progress and answer are written one
// operation at a time. Deleted once both its finish and its "done" tags
// have come back (both on the gRPC thread).
class HandleCall {
 public:
  explicit HandleCall(PluginServer::Impl* server) : server_(server), writer_(&context_) {
    arrived_.done = [this](bool ok) { Arrived(ok); };
    written_.done = [this](bool ok) { Written(ok); };
    finished_.done = [this](bool) { Release(); };
    closed_.done = [this](bool) {
      if (context_.IsCancelled()) cancel_.cancelled.store(true);
      Release();
    };
    context_.AsyncNotifyWhenDone(&closed_);
    server_->methods()->RequestAsyncServerStreaming(kHandle, &context_, &request_, &writer_, server_->cq(),
                                                    server_->cq(), &arrived_);
  }

 private:
  void Arrived(bool ok) {
    if (!ok) {  // the server is stopping; the call never started, so no other tag comes
      delete this;
      return;
    }
    if (!server_->stopping()) new HandleCall(server_);
    if (context_.deadline() != std::chrono::system_clock::time_point::max()) {
      cancel_.deadline = absl::FromChrono(context_.deadline());
    }
    if (server_->BeginInline()) {
      // Once Run has sent the answer the standby thread may take the call's
      // last tags and delete `this` before Run returns here.
      PluginServer::Impl* server = server_;
      Run();
      server->EndInline();
      return;
    }
    server_->on_workers().fetch_add(1);
    server_->workers()->Run([this, server = server_] {
      Run();  // `this` may be gone once it returns
      server->on_workers().fetch_sub(1);
    });
  }

  void Run() {
    HostedAgent::ProgressFn progress = [this](std::string_view text) { Send(FrameProgress(text)); };
    grpc::Slice request_bytes;
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<std::string> answer =
        server_->agent()->HandleSerialized(Contiguous(request_, &request_bytes), cancel_, &progress);
    server_->Took(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start)
                      .count());
    grpc::Status status;
    if (!answer.ok()) {
      status = grpc::Status(static_cast<grpc::StatusCode>(answer.status().code()),
                            std::string(answer.status().message()));
    } else if (answer->size() > INT_MAX) {
      status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "answer over 2 GiB");
    }
    std::optional<grpc::ByteBuffer> last;
    if (status.ok()) last = FrameAnswer(*std::move(answer));
    bool finish_now;
    {
      absl::MutexLock lock(&mu_);
      final_status_ = status;
      final_answer_ = std::move(last);
      ended_ = true;
      finish_now = !writing_;
    }
    if (finish_now) Finish();  // otherwise Written finishes; either way `this` is not touched after
  }

  // A progress event: written now, or after the ones before it.
  void Send(grpc::ByteBuffer frame) {
    absl::MutexLock lock(&mu_);
    if (broken_) return;
    if (writing_) {
      pending_.push_back(std::move(frame));
      return;
    }
    writing_ = true;
    writer_.Write(frame, &written_);
  }

  void Written(bool ok) {
    bool finish_now = false;
    {
      absl::MutexLock lock(&mu_);
      if (!ok) {
        broken_ = true;  // the client is gone: what is left is not sent
        pending_.clear();
      }
      if (!pending_.empty()) {
        grpc::ByteBuffer next = std::move(pending_.front());
        pending_.pop_front();
        writer_.Write(next, &written_);
        return;
      }
      writing_ = false;
      finish_now = ended_;
    }
    if (finish_now) Finish();
  }

  // Sends the answer with the OK status, or the error status. The last use
  // of `this` outside the gRPC thread.
  void Finish() {
    if (final_answer_.has_value() && !broken_) {
      writer_.WriteAndFinish(*final_answer_, grpc::WriteOptions(), final_status_, &finished_);
    } else {
      writer_.Finish(final_status_.ok() && broken_ ? grpc::Status::CANCELLED : final_status_, &finished_);
    }
  }

  void Release() {
    if (tags_left_.fetch_sub(1) == 1) delete this;
  }

  PluginServer::Impl* server_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncWriter<grpc::ByteBuffer> writer_;
  CancelState cancel_;
  Tag arrived_, written_, finished_, closed_;
  std::atomic<int> tags_left_{2};  // finished_ and closed_
  absl::Mutex mu_;
  std::deque<grpc::ByteBuffer> pending_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ = false;  // set under mu_; read by Finish once no write is in flight
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_;                     // set once, before ended_
  std::optional<grpc::ByteBuffer> final_answer_;  // likewise
};

}  // namespace

std::string PluginServer::Impl::Answer(Method method, const grpc::ByteBuffer& request, grpc::Status* status) const {
  if (method == kDescribe) return describe_bytes_;
  grpc::Slice bytes;
  std::string_view view = Contiguous(request, &bytes);
  grpc::health::v1::HealthCheckRequest check;
  grpc::health::v1::HealthCheckResponse health;
  if (!check.ParseFromArray(view.data(), static_cast<int>(view.size()))) {
    *status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "not a HealthCheckRequest");
    return {};
  }
  *status = ServingHealth().Check(nullptr, &check, &health);
  return health.SerializeAsString();
}

bool PluginServer::Impl::Start(const std::string& address) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  builder.RegisterService(&methods_);
  cq_ = builder.AddCompletionQueue();
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) return false;
  new HandleCall(this);
  new UnaryCall(this, kDescribe);
  new UnaryCall(this, kHealthCheck);
  poller_ = std::thread([this] { Poll(); });
  standby_ = std::thread([this] { Standby(); });
  return true;
}

void PluginServer::Impl::Poll() {
  void* tag = nullptr;
  bool ok = false;
  while (cq_->Next(&tag, &ok)) static_cast<Tag*>(tag)->done(ok);
}

bool PluginServer::Impl::BeginInline() {
  if (recent_us_.load(std::memory_order_relaxed) >= kInlineBelowUs ||
      on_workers_.load(std::memory_order_relaxed) != 0) {
    return false;
  }
  const int64_t now = NowNs();
  int64_t none = 0;
  if (!inline_since_ns_.compare_exchange_strong(none, now, std::memory_order_acq_rel)) return false;
  last_inline_ns_.store(now, std::memory_order_relaxed);
  if (standby_may_sleep_.load(std::memory_order_acquire)) {  // the first call after a quiet spell wakes it
    absl::MutexLock lock(&standby_mu_);
    standby_asleep_ = false;
    standby_may_sleep_.store(false, std::memory_order_release);
  }
  return true;
}

void PluginServer::Impl::Standby() {
  absl::MutexLock lock(&standby_mu_);
  auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(standby_mu_) { return !standby_asleep_ || standby_stop_; };
  while (!standby_stop_) {
    const int64_t since = inline_since_ns_.load(std::memory_order_acquire);
    const int64_t now = NowNs();
    if (since != 0 && now - since >= kStuckNs) {
      standby_mu_.Unlock();
      HelpPoll(since);
      standby_mu_.Lock();
    } else if (now - last_inline_ns_.load(std::memory_order_relaxed) < kQuietNs) {
      standby_mu_.AwaitWithTimeout(absl::Condition(&standby_stop_), absl::Nanoseconds(kStuckNs));
    } else {
      standby_asleep_ = true;
      standby_may_sleep_.store(true, std::memory_order_release);
      standby_mu_.Await(absl::Condition(&woken));
    }
  }
}

void PluginServer::Impl::HelpPoll(int64_t stuck_since) {
  while (inline_since_ns_.load(std::memory_order_acquire) == stuck_since) {
    void* tag = nullptr;
    bool ok = false;
    const auto until = std::chrono::system_clock::now() + std::chrono::nanoseconds(kStuckNs);
    grpc::CompletionQueue::NextStatus status = cq_->AsyncNext(&tag, &ok, until);
    if (status == grpc::CompletionQueue::SHUTDOWN) return;
    if (status == grpc::CompletionQueue::GOT_EVENT) static_cast<Tag*>(tag)->done(ok);
  }
}

PluginServer::Impl::~Impl() {
  if (server_ == nullptr) return;
  stopping_.store(true, std::memory_order_release);
  {
    absl::MutexLock lock(&standby_mu_);
    standby_stop_ = true;
  }
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  workers_.reset();  // the agent's calls return (cancelled ones see their token) before the queue closes
  cq_->Shutdown();
  poller_.join();
  standby_.join();
}

PluginServer::PluginServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PluginServer::~PluginServer() = default;

absl::StatusOr<std::unique_ptr<PluginServer>> PluginServer::Start(const std::string& address,
                                                                  const HostedAgent* agent,
                                                                  const v1::DescribeResponse& describe) {
  auto impl = std::make_unique<Impl>(agent, describe);
  if (!impl->Start(address)) return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  return std::unique_ptr<PluginServer>(new PluginServer(std::move(impl)));
}

}  // namespace agentd
