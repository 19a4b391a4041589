// llm: answers any agent definition through an OpenAI-compatible
// chat-completions endpoint, the definition's body as the system prompt
// (plugins/llm/prompt.h says what is sent and how the answer is read).
//
// Configuration arrives in AgentConfig.options, set by the host from its
// flags (never from a definition file):
//   llm.base_url          the endpoint, e.g. http://127.0.0.1:11434/v1 (required)
//   llm.model             the model, unless the definition's `model:` names one
//   llm.api_key           sent as "Authorization: Bearer"; never logged or echoed
//   llm.max_retries       retries on 429 / 5xx / connection failures (default 2)
//   llm.response_format   json_schema (default) | json_object | none
// An endpoint that rejects response_format (HTTP 400) is asked again without
// it, and this instance stops sending it.
#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "plugin_sdk.h"
#include "plugins/llm/chat_client.h"
#include "plugins/llm/prompt.h"

namespace agentd::llm {
namespace {

// Claude Code's model aliases in public definition files name no model an
// OpenAI-compatible endpoint serves: they mean "the configured model".
bool IsClaudeAlias(const std::string& model) {
  return model == "inherit" || model == "sonnet" || model == "opus" || model == "haiku";
}

}  // namespace

class LlmAgent {
 public:
  static constexpr const char* kPluginName = "llm";
  static constexpr uint32_t kFlags = AGENTD_PLUGIN_THREAD_SAFE;

  static absl::StatusOr<std::unique_ptr<LlmAgent>> Create(const v1::AgentConfig& config) {
    auto option = [&](const char* key) {
      auto it = config.options().find(key);
      return it == config.options().end() ? std::string() : it->second;
    };
    ChatEndpoint endpoint;
    endpoint.base_url = option("llm.base_url");
    endpoint.api_key = option("llm.api_key");
    if (endpoint.base_url.empty()) {
      return absl::FailedPreconditionError(
          "no model endpoint configured: set --llm_base_url or AGENTD_LLM_BASE_URL");
    }
    std::string retries = option("llm.max_retries");
    if (!retries.empty() && (!absl::SimpleAtoi(retries, &endpoint.max_retries) || endpoint.max_retries < 0)) {
      return absl::InvalidArgumentError("llm.max_retries must be a whole number >= 0");
    }
    ResponseFormat format = ResponseFormat::kJsonSchema;
    std::string format_text = option("llm.response_format");
    if (!format_text.empty() && !ParseResponseFormat(format_text, &format)) {
      return absl::InvalidArgumentError("llm.response_format must be json_schema, json_object or none");
    }
    const v1::AgentDefinition& def = config.definition();
    std::string model = def.model().empty() || IsClaudeAlias(def.model()) ? option("llm.model") : def.model();
    if (model.empty()) {
      return absl::FailedPreconditionError("no model configured: set --llm_model or AGENTD_LLM_MODEL");
    }
    auto agent = std::unique_ptr<LlmAgent>(new LlmAgent(std::move(endpoint), MakeAgentPrompt(def, model)));
    agent->format_.store(format);
    return agent;
  }

  absl::StatusOr<v1::AgentResponse> Handle(const v1::AgentRequest& request, const sdk::CancelToken& cancel,
                                           const sdk::Progress& progress) {
    ChatCall call;
    call.deadline = request.deadline_unix_ms() > 0 ? absl::FromUnixMillis(request.deadline_unix_ms())
                                                   : absl::InfiniteFuture();
    call.cancelled = [&cancel] { return cancel.cancelled(); };
    call.on_text = [&progress](std::string_view text) { progress.Report(text); };
    call.traceparent = request.traceparent();
    ResponseFormat format = format_.load();
    call.body = ChatRequestBody(prompt_, request, format);
    absl::StatusOr<ChatResult> result = client_.Complete(call);
    if (!result.ok() && format != ResponseFormat::kNone && HttpStatusOf(result.status()) == 400) {
      format_.store(ResponseFormat::kNone);  // this endpoint does not take response_format
      call.body = ChatRequestBody(prompt_, request, ResponseFormat::kNone);
      result = client_.Complete(call);
    }
    if (!result.ok()) return result.status();
    v1::AgentResponse response = ParseAnswer(result->content, prompt_);
    v1::TokenUsage* usage = response.mutable_usage();
    usage->set_model(result->model.empty() ? prompt_.model : result->model);
    usage->set_prompt_tokens(result->prompt_tokens);
    usage->set_completion_tokens(result->completion_tokens);
    usage->set_attempts(result->attempts);
    return response;
  }

 private:
  LlmAgent(ChatEndpoint endpoint, AgentPrompt prompt) : client_(std::move(endpoint)), prompt_(std::move(prompt)) {}

  ChatClient client_;
  const AgentPrompt prompt_;
  std::atomic<ResponseFormat> format_{ResponseFormat::kJsonSchema};
};

}  // namespace agentd::llm

AGENTD_PLUGIN(agentd::llm::LlmAgent)
