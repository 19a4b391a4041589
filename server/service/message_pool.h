// MessagePool: a gRPC MessageAllocator for a callback unary method that
// keeps finished calls' request and response messages for later calls.
//
// Why: protobuf's Clear() keeps a message's repeated sub-messages and string
// buffers, so an answer rebuilt into a reused message allocates next to
// nothing, where a fresh one allocates every reason, quote and term (Route:
// about 80 allocations and as many frees per call).
//
// A pooled response still holds its previous call's content; the handler
// must clear or overwrite it (Router::RouteInto clears first). gRPC sends a
// response only with an OK status.
//
// Bounds: calls whose request is larger than `max_kept_request_bytes` (a
// large request makes a large answer) give their messages back to the heap,
// and at most `max_kept` holders are kept, so one huge call or a burst does
// not pin memory. Thread-safe. Must outlive the server's calls.
#ifndef AGENTD_SERVER_SERVICE_MESSAGE_POOL_H_
#define AGENTD_SERVER_SERVICE_MESSAGE_POOL_H_

#include <cstddef>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/support/message_allocator.h"

namespace agentd {

template <typename Request, typename Response>
class MessagePool final : public grpc::MessageAllocator<Request, Response> {
 public:
  explicit MessagePool(size_t max_kept = 1024, size_t max_kept_request_bytes = 4096)
      : max_kept_(max_kept), max_kept_request_bytes_(max_kept_request_bytes) {}
  MessagePool(const MessagePool&) = delete;
  MessagePool& operator=(const MessagePool&) = delete;
  ~MessagePool() override {
    for (Holder* holder : kept_) delete holder;
  }

  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    {
      absl::MutexLock lock(&mu_);
      if (!kept_.empty()) {
        Holder* holder = kept_.back();
        kept_.pop_back();
        return holder;
      }
    }
    return new Holder(this);
  }

  size_t kept() const {
    absl::MutexLock lock(&mu_);
    return kept_.size();
  }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    explicit Holder(MessagePool* pool) : pool_(pool) {
      this->set_request(&request_);
      this->set_response(&response_);
    }
    void Release() override { pool_->Return(this); }

    Request request_;
    Response response_;

   private:
    MessagePool* const pool_;
  };

  void Return(Holder* holder) {
    if (holder->request_.ByteSizeLong() <= max_kept_request_bytes_) {
      absl::MutexLock lock(&mu_);
      if (kept_.size() < max_kept_) {
        kept_.push_back(holder);
        return;
      }
    }
    delete holder;
  }

  const size_t max_kept_;
  const size_t max_kept_request_bytes_;
  mutable absl::Mutex mu_;
  std::vector<Holder*> kept_ ABSL_GUARDED_BY(mu_);
};

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_MESSAGE_POOL_H_
