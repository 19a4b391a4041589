// A client for one OpenAI-compatible chat-completions endpoint (Ollama,
// vLLM, llama.cpp's server, hosted APIs), over libcurl.
//
// Complete() POSTs a request body to <base_url>/chat/completions and reads
// the answer either as server-sent events (streamed tokens, handed to
// `on_text` as they come) or as one JSON completion, whichever the endpoint
// sends. HTTP 429 and 5xx, and connections that fail, are retried with
// exponential back-off (base * 2^attempt, with jitter, or the server's
// Retry-After) while the deadline allows and nothing was streamed yet.
//
// The API key goes only into the Authorization header: no status message
// this client returns contains it (endpoint error bodies are quoted short,
// with the key cut out).
//
// Thread-safe: any number of Complete() calls may run at once. Connections
// are kept in a pool and reused by later calls (HTTP keep-alive).
#ifndef AGENTD_PLUGINS_LLM_CHAT_CLIENT_H_
#define AGENTD_PLUGINS_LLM_CHAT_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace agentd::llm {

struct ChatEndpoint {
  std::string base_url;  // e.g. http://127.0.0.1:11434/v1 ("/chat/completions" is appended)
  std::string api_key;   // empty: no Authorization header
  int max_retries = 2;   // after the first attempt
  absl::Duration retry_base = absl::Milliseconds(200);
  absl::Duration max_retry_wait = absl::Seconds(5);  // cap on one back-off, Retry-After included
};

struct ChatCall {
  std::string body;                         // the JSON request
  absl::Time deadline = absl::InfiniteFuture();
  std::function<bool()> cancelled;          // polled during the call; may be empty
  std::function<void(std::string_view)> on_text;  // streamed tokens; may be empty
  // W3C trace context, sent as the `traceparent` header so the endpoint's
  // traces join the caller's; empty, or anything but lowercase hex digits
  // and dashes (at most 128 bytes), sends none.
  std::string traceparent;
};

struct ChatResult {
  std::string content;       // the assistant's message
  std::string model;         // as the endpoint named it
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int attempts = 0;
  bool streamed = false;     // the answer came as server-sent events
};

class ChatClient {
 public:
  explicit ChatClient(ChatEndpoint endpoint);
  ~ChatClient();
  ChatClient(const ChatClient&) = delete;
  ChatClient& operator=(const ChatClient&) = delete;

  // Errors: DEADLINE_EXCEEDED (the deadline passed, retries included),
  // CANCELLED, UNAVAILABLE (unreachable, 429/5xx after the retries, a stream
  // cut short), INVALID_ARGUMENT / FAILED_PRECONDITION / PERMISSION_DENIED /
  // UNAUTHENTICATED / NOT_FOUND for other 4xx, INTERNAL for an answer that
  // is not an OpenAI-shaped completion. The HTTP status, when there was one,
  // is in the message.
  absl::StatusOr<ChatResult> Complete(const ChatCall& call);

  const ChatEndpoint& endpoint() const { return endpoint_; }

 private:
  struct Attempt;
  void* Acquire();
  void Release(void* handle);
  absl::StatusOr<ChatResult> Once(const ChatCall& call, void* curl, bool* retryable,
                                  absl::Duration* retry_after, bool* streamed_any);
  std::string Redact(std::string text) const;

  const ChatEndpoint endpoint_;
  const std::string url_;
  absl::Mutex mu_;
  std::vector<void*> idle_ ABSL_GUARDED_BY(mu_);  // CURL* handles with their open connections
};

// The HTTP status behind an error of Complete(), or 0 when there was none
// (lets a caller tell "400: response_format unsupported").
int HttpStatusOf(const absl::Status& status);

}  // namespace agentd::llm

#endif  // AGENTD_PLUGINS_LLM_CHAT_CLIENT_H_
