#include "plugins/llm/chat_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "plugins/llm/curl_on_demand.h"

namespace agentd::llm {
namespace {

using nlohmann::json;

constexpr char kHttpStatusPayload[] = "type.agentd.dev/llm.http_status";
constexpr size_t kMaxBodyBytes = 8 << 20;  // a completion bigger than this is refused
constexpr size_t kErrorQuoteBytes = 200;   // how much of an endpoint's error body is quoted

absl::Status WithHttpStatus(absl::Status status, long http_status) {
  if (http_status > 0) status.SetPayload(kHttpStatusPayload, absl::Cord(absl::StrCat(http_status)));
  return status;
}

absl::StatusCode CodeForHttp(long http_status) {
  switch (http_status) {
    case 400: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    default: return http_status == 429 || http_status >= 500 ? absl::StatusCode::kUnavailable
                                                             : absl::StatusCode::kFailedPrecondition;
  }
}

// One attempt's state, shared with libcurl's callbacks.
struct Transfer {
  const std::function<bool()>* cancelled = nullptr;
  std::function<void(std::string_view)> on_text;
  CURL* curl = nullptr;
  long http_status = 0;
  enum class Mode { kUnknown, kEvents, kJson } mode = Mode::kUnknown;
  std::string pending;   // event-stream bytes not yet split into lines
  std::string body;      // the whole body (JSON answer or error text)
  ChatResult result;
  bool complete = false;  // [DONE] or a finish_reason was seen
  std::string failure;    // why a callback stopped the transfer
  absl::Duration retry_after = absl::ZeroDuration();
};

// Applies one server-sent event's data to the answer. False stops the transfer.
bool OnEvent(Transfer* t, absl::string_view data) {
  if (data == "[DONE]") {
    t->complete = true;
    return true;
  }
  json chunk = json::parse(data.begin(), data.end(), nullptr, /*allow_exceptions=*/false);
  if (chunk.is_discarded() || !chunk.is_object()) {
    t->failure = "the model endpoint sent malformed JSON in its event stream";
    return false;
  }
  if (chunk.contains("error")) {
    const json& e = chunk["error"];
    t->failure = absl::StrCat("the model endpoint reported an error mid-stream: ",
                              e.is_object() && e.value("message", json()).is_string()
                                  ? e["message"].get<std::string>().substr(0, kErrorQuoteBytes)
                                  : std::string("(no message)"));
    return false;
  }
  if (chunk.contains("model") && chunk["model"].is_string()) t->result.model = chunk["model"];
  if (chunk.contains("usage") && chunk["usage"].is_object()) {
    t->result.prompt_tokens = chunk["usage"].value("prompt_tokens", int64_t{0});
    t->result.completion_tokens = chunk["usage"].value("completion_tokens", int64_t{0});
  }
  if (!chunk.contains("choices") || !chunk["choices"].is_array() || chunk["choices"].empty()) return true;
  const json& choice = chunk["choices"][0];
  if (choice.contains("delta") && choice["delta"].is_object()) {
    const json& content = choice["delta"].value("content", json());
    if (content.is_string()) {
      const std::string& text = content.get_ref<const std::string&>();
      t->result.content += text;
      if (!text.empty()) t->on_text(text);
    }
  }
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) t->complete = true;
  return true;
}

// Splits buffered event-stream bytes into lines and applies each "data:" line.
bool DrainEvents(Transfer* t) {
  size_t start = 0;
  for (size_t nl; (nl = t->pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    absl::string_view line(t->pending.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!absl::StartsWith(line, "data:")) continue;  // comments, event:, id:, blank separators
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!OnEvent(t, line)) return false;
  }
  t->pending.erase(0, start);
  return true;
}

size_t OnBody(char* data, size_t size, size_t count, void* ctx) {
  auto* t = static_cast<Transfer*>(ctx);
  const size_t n = size * count;
  if (t->http_status == 0) curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->http_status);
  if (t->http_status != 200) {  // an error body: keep the start for the message
    if (t->body.size() < kErrorQuoteBytes) t->body.append(data, std::min(n, kErrorQuoteBytes - t->body.size()));
    return n;
  }
  absl::string_view bytes(data, n);
  if (t->mode == Transfer::Mode::kUnknown) {
    absl::string_view head = absl::StripLeadingAsciiWhitespace(bytes);
    if (head.empty()) return n;
    t->mode = head.front() == '{' ? Transfer::Mode::kJson : Transfer::Mode::kEvents;
  }
  if (t->mode == Transfer::Mode::kJson) {
    if (t->body.size() + n > kMaxBodyBytes) {
      t->failure = "the model's answer is over the size limit";
      return 0;
    }
    t->body.append(bytes.data(), bytes.size());
    return n;
  }
  t->pending.append(bytes.data(), bytes.size());
  return DrainEvents(t) ? n : 0;
}

size_t OnHeader(char* data, size_t size, size_t count, void* ctx) {
  auto* t = static_cast<Transfer*>(ctx);
  absl::string_view line(data, size * count);
  if (line.size() > 12 && absl::EqualsIgnoreCase(line.substr(0, 12), "retry-after:")) {
    int seconds = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(12)), &seconds) && seconds >= 0) {
      t->retry_after = absl::Seconds(seconds);
    }
  }
  return size * count;
}

int OnProgress(void* ctx, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(ctx);
  return *t->cancelled && (*t->cancelled)() ? 1 : 0;
}

// Reads a whole (non-streamed) completion.
absl::Status ParseCompletion(Transfer* t) {
  json doc = json::parse(t->body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InternalError("the model endpoint answered with malformed JSON");
  }
  const json* content = nullptr;
  if (doc.contains("choices") && doc["choices"].is_array() && !doc["choices"].empty() &&
      doc["choices"][0].is_object() && doc["choices"][0].contains("message") &&
      doc["choices"][0]["message"].is_object() && doc["choices"][0]["message"].contains("content")) {
    content = &doc["choices"][0]["message"]["content"];
  }
  if (content == nullptr || !content->is_string()) {
    return absl::InternalError("the model endpoint's answer is not a chat completion (no choices[0].message.content)");
  }
  t->result.content = content->get<std::string>();
  if (doc.contains("model") && doc["model"].is_string()) t->result.model = doc["model"];
  if (doc.contains("usage") && doc["usage"].is_object()) {
    t->result.prompt_tokens = doc["usage"].value("prompt_tokens", int64_t{0});
    t->result.completion_tokens = doc["usage"].value("completion_tokens", int64_t{0});
  }
  return absl::OkStatus();
}

bool TransportRetryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

// A value safe to send as a traceparent header (it never carries a line break).
bool IsTraceparent(std::string_view value) {
  if (value.empty() || value.size() > 128) return false;
  for (char c : value) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) return false;
  }
  return true;
}

}  // namespace

int HttpStatusOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kHttpStatusPayload);
  int value = 0;
  if (payload.has_value() && absl::SimpleAtoi(std::string(*payload), &value)) return value;
  return 0;
}

ChatClient::ChatClient(ChatEndpoint endpoint)
    : endpoint_(std::move(endpoint)),
      url_(absl::StrCat(absl::StripSuffix(absl::string_view(endpoint_.base_url), "/"), "/chat/completions")) {}

ChatClient::~ChatClient() {
  absl::MutexLock lock(&mu_);
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* ChatClient::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void ChatClient::Release(void* handle) {
  curl_easy_reset(static_cast<CURL*>(handle));  // keeps the open connection for the next call
  absl::MutexLock lock(&mu_);
  idle_.push_back(handle);
}

std::string ChatClient::Redact(std::string text) const {
  if (endpoint_.api_key.size() >= 4) absl::StrReplaceAll({{endpoint_.api_key, "[redacted]"}}, &text);
  return text;
}

absl::StatusOr<ChatResult> ChatClient::Once(const ChatCall& call, void* handle, bool* retryable,
                                            absl::Duration* retry_after, bool* streamed_any) {
  CURL* curl = static_cast<CURL*>(handle);
  Transfer t;
  t.curl = curl;
  t.cancelled = &call.cancelled;
  t.on_text = [&](std::string_view text) {  // once a token went out, no retry
    *streamed_any = true;
    if (call.on_text) call.on_text(text);
  };
  const int64_t remaining_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(call.deadline - absl::Now()));
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: text/event-stream, application/json");
  if (!endpoint_.api_key.empty()) {
    headers = curl_slist_append(headers, absl::StrCat("Authorization: Bearer ", endpoint_.api_key).c_str());
  }
  if (IsTraceparent(call.traceparent)) {
    headers = curl_slist_append(headers, absl::StrCat("traceparent: ", call.traceparent).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(remaining_ms, 10000)));
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (t.http_status == 0) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &t.http_status);
  *retry_after = t.retry_after;
  *retryable = false;

  if (code == CURLE_ABORTED_BY_CALLBACK) return absl::CancelledError("the call was cancelled");
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError("the model endpoint did not answer within the deadline");
  }
  if (code == CURLE_WRITE_ERROR && !t.failure.empty()) {
    return WithHttpStatus(absl::InternalError(Redact(t.failure)), t.http_status);
  }
  if (code != CURLE_OK && t.mode == Transfer::Mode::kEvents && !t.complete) {
    *retryable = true;  // unless tokens went out already (Complete checks)
    return absl::UnavailableError(absl::StrCat("the model endpoint's event stream ended before the answer was "
                                               "complete (", curl_easy_strerror(code), ")"));
  }
  if (code != CURLE_OK) {
    *retryable = TransportRetryable(code);
    return absl::UnavailableError(absl::StrCat("the model endpoint is unreachable: ", curl_easy_strerror(code)));
  }
  if (t.http_status != 200) {
    *retryable = t.http_status == 429 || t.http_status >= 500;
    std::string quote(absl::StripAsciiWhitespace(t.body));
    return WithHttpStatus(absl::Status(CodeForHttp(t.http_status),
                                       Redact(absl::StrCat("the model endpoint answered HTTP ", t.http_status,
                                                           quote.empty() ? "" : ": ", quote))),
                          t.http_status);
  }
  if (t.mode == Transfer::Mode::kJson) {
    absl::Status parsed = ParseCompletion(&t);
    if (!parsed.ok()) return parsed;
  } else if (t.mode == Transfer::Mode::kEvents) {
    if (!t.pending.empty()) {  // a last line without its newline
      t.pending.push_back('\n');
      if (!DrainEvents(&t)) return absl::InternalError(Redact(t.failure));
    }
    if (!t.complete) {
      *retryable = true;
      return absl::UnavailableError("the model endpoint's event stream ended before the answer was complete");
    }
    t.result.streamed = true;
  } else {
    *retryable = true;
    return absl::UnavailableError("the model endpoint answered with an empty body");
  }
  return std::move(t.result);
}

absl::StatusOr<ChatResult> ChatClient::Complete(const ChatCall& call) {
  if (absl::Status curl = LoadCurl(); !curl.ok()) return curl;
  thread_local std::minstd_rand jitter(static_cast<unsigned>(
      std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int attempt = 0;; ++attempt) {
    if (call.cancelled && call.cancelled()) return absl::CancelledError("the call was cancelled");
    if (absl::Now() >= call.deadline) {
      return absl::DeadlineExceededError("the model endpoint did not answer within the deadline");
    }
    bool retryable = false, streamed_any = false;
    absl::Duration retry_after;
    void* curl = Acquire();
    if (curl == nullptr) return absl::ResourceExhaustedError("cannot create an HTTP handle");
    absl::StatusOr<ChatResult> result = Once(call, curl, &retryable, &retry_after, &streamed_any);
    Release(curl);
    if (result.ok()) {
      result->attempts = attempt + 1;
      return result;
    }
    if (!retryable || streamed_any || attempt >= endpoint_.max_retries) {
      if (attempt == 0) return result.status();
      absl::Status last(result.status().code(),
                        absl::StrCat(result.status().message(), " (after ", attempt + 1, " attempts)"));
      return WithHttpStatus(last, HttpStatusOf(result.status()));
    }
    absl::Duration wait = retry_after > absl::ZeroDuration()
                              ? retry_after
                              : endpoint_.retry_base * (int64_t{1} << std::min(attempt, 16)) +
                                    endpoint_.retry_base * (static_cast<double>(jitter() % 1000) / 2000.0);
    wait = std::min(wait, endpoint_.max_retry_wait);
    const absl::Time resume = absl::Now() + wait;
    if (resume >= call.deadline) return result.status();  // no time left to try again
    while (absl::Now() < resume) {
      if (call.cancelled && call.cancelled()) return absl::CancelledError("the call was cancelled");
      absl::SleepFor(std::min(absl::Milliseconds(10), resume - absl::Now()));
    }
  }
}

}  // namespace agentd::llm
