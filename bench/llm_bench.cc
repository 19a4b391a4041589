// What agentd adds around one model call (plugins/llm): building the
// request, reading the answer, merging it, encoding the turn. The endpoint
// is an in-process canned HTTP server that answers instantly with bytes
// prepared before the run, so BM_LlmCall is an upper bound on agentd's own
// time per call (loopback TCP and libcurl included, no model).
//
// BM_LlmRequestBody   ChatRequestBody for api-architect's real definition
//                     and a realistic request (facts with sources)
// BM_LlmParse/0|1     ParseAnswer of a ~2 KB answer: 0 = JSON, 1 = Markdown
// BM_LlmCall/0|1      ChatClient::Complete on a kept-alive connection:
//                     0 = one JSON completion, 1 = ~300 streamed events
// BM_LlmAroundCall    build + call (streamed) + parse + merge + EncodeTurn:
//                     the whole of agentd's part of one model-backed agent
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/bench_agents.h"
#include "benchmark/benchmark.h"
#include "db/session_store.h"
#include "nlohmann/json.hpp"
#include "plugins/llm/chat_client.h"
#include "plugins/llm/prompt.h"
#include "server/core/merger.h"

namespace agentd {
namespace {

using nlohmann::json;

std::string AnswerJson() {
  json answer = {{"summary", "Version in the path; paginate with cursors."}, {"sections", json::array()}};
  json items = json::array();
  for (int i = 0; i < 12; ++i) {
    items.push_back({{"text", absl::StrCat("Recommendation ", i, ": keep the contract backward compatible")},
                     {"rationale", "clients upgrade on their own schedule, so breaking changes need a new version"}});
  }
  answer["sections"].push_back({{"id", "api_design"}, {"items", items}});
  answer["decisions"] = {{{"key", "api.style"}, {"value", "rest"}, {"confidence", 0.7}}};
  answer["questions"] = {"Who are the API's clients?"};
  return answer.dump();
}

std::string AnswerMarkdown() {
  std::string md = "Version in the path; paginate with cursors.\n\n## API Design\n";
  for (int i = 0; i < 12; ++i) absl::StrAppend(&md, "- Recommendation ", i, ": keep the contract backward compatible\n");
  absl::StrAppend(&md, "\n## Decisions\n- api.style: rest\n\n## Questions\n- Who are the API's clients?\n");
  return md;
}

// An HTTP/1.1 server on 127.0.0.1 that answers every request with one of two
// canned responses (by a byte in the request path... here: the "stream" flag).
class CannedServer {
 public:
  CannedServer(std::string json_response, std::string event_response)
      : json_(std::move(json_response)), events_(std::move(event_response)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
      bench::Fail("canned server: cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Accept(); });
  }
  ~CannedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string base_url() const { return absl::StrCat("http://127.0.0.1:", port_, "/v1"); }

 private:
  void Accept() {
    while (!stop_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::thread([this, client] { Serve(client); }).detach();
    }
  }
  void Serve(int client) {
    std::string in;
    char buf[65536];
    for (;;) {
      size_t end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t cl = in.find("Content-Length: ");
        size_t length = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
        if (in.size() >= end + 4 + length) {
          std::string body = in.substr(end + 4, length);
          in.erase(0, end + 4 + length);
          const std::string& out = body.find("\"stream\":true") != std::string::npos && !json_only ? events_ : json_;
          if (::send(client, out.data(), out.size(), MSG_NOSIGNAL) < 0) break;
          continue;
        }
      }
      ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
    }
    ::close(client);
  }

 public:
  std::atomic<bool> json_only{false};

 private:
  std::string json_, events_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string HttpResponse(const std::string& content_type, const std::string& body) {
  return absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: ", content_type, "\r\nContent-Length: ", body.size(),
                      "\r\n\r\n", body);
}

std::string CompletionJson(const std::string& content) {
  return json({{"model", "bench"},
               {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}}},
               {"usage", {{"prompt_tokens", 900}, {"completion_tokens", 300}}}})
      .dump();
}

std::string EventStream(const std::string& content) {
  std::string out;
  for (size_t i = 0; i < content.size(); i += 8) {  // ~300 events for a 2.4 KB answer
    json chunk = {{"model", "bench"}, {"choices", {{{"index", 0}, {"delta", {{"content", content.substr(i, 8)}}}}}}};
    absl::StrAppend(&out, "data: ", chunk.dump(), "\n\n");
  }
  absl::StrAppend(&out, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                        "\"usage\":{\"prompt_tokens\":900,\"completion_tokens\":300}}\n\ndata: [DONE]\n\n");
  return out;
}

struct Fixture {
  Fixture()
      : server(HttpResponse("application/json", CompletionJson(AnswerJson())),
               HttpResponse("text/event-stream", EventStream(AnswerJson()))) {
    std::ifstream file(std::string(AGENTD_SOURCE_DIR) + "/agents/api-architect.md");
    std::stringstream text;
    text << file.rdbuf();
    absl::StatusOr<v1::AgentDefinition> def = ParseDefinition(text.str(), "api-architect.md");
    if (!def.ok()) bench::Fail(std::string(def.status().message()));
    definition = *def;
    prompt = llm::MakeAgentPrompt(definition, "bench");
    request = bench::RealisticRequest();
    request.set_agent("api-architect");
    llm::ChatEndpoint endpoint;
    endpoint.base_url = server.base_url();
    client = std::make_unique<llm::ChatClient>(endpoint);
  }
  CannedServer server;
  v1::AgentDefinition definition;
  llm::AgentPrompt prompt;
  v1::AgentRequest request;
  std::unique_ptr<llm::ChatClient> client;
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_LlmRequestBody(benchmark::State& state) {
  Fixture& f = Shared();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string body = llm::ChatRequestBody(f.prompt, f.request, llm::ResponseFormat::kJsonSchema);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_LlmRequestBody)->Unit(benchmark::kMicrosecond);

void BM_LlmParse(benchmark::State& state) {
  Fixture& f = Shared();
  const std::string answer = state.range(0) == 0 ? AnswerJson() : AnswerMarkdown();
  for (auto _ : state) {
    v1::AgentResponse response = llm::ParseAnswer(answer, f.prompt);
    if (response.sections_size() == 0) state.SkipWithError("nothing parsed");
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_LlmParse)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

llm::ChatResult Call(Fixture& f, bool stream, benchmark::State& state) {
  f.server.json_only = !stream;
  llm::ChatCall call;
  call.body = llm::ChatRequestBody(f.prompt, f.request, llm::ResponseFormat::kJsonSchema);
  call.deadline = absl::Now() + absl::Seconds(5);
  absl::StatusOr<llm::ChatResult> result = f.client->Complete(call);
  if (!result.ok()) {
    state.SkipWithError(std::string(result.status().message()).c_str());
    return {};
  }
  return *std::move(result);
}

void BM_LlmCall(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) benchmark::DoNotOptimize(Call(f, state.range(0) == 1, state));
}
BENCHMARK(BM_LlmCall)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_LlmAroundCall(benchmark::State& state) {
  Fixture& f = Shared();
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("agentd-llm-bench-", ::getpid());
  StoreOptions options;
  options.path = (dir / "bench.db").string();
  absl::StatusOr<std::unique_ptr<SessionStore>> store = SessionStore::Open(options);
  if (!store.ok()) bench::Fail(std::string(store.status().message()));
  size_t turn_bytes = 0;
  for (auto _ : state) {
    llm::ChatResult result = Call(f, true, state);
    MergeInput merge;
    AgentOutcome outcome;
    outcome.run.set_agent("api-architect");
    outcome.run.set_status(v1::AGENT_STATUS_OK);
    outcome.response = llm::ParseAnswer(result.content, f.prompt);
    merge.outcomes.push_back(std::move(outcome));
    merge.definitions.push_back(std::make_shared<const v1::AgentDefinition>(f.definition));
    merge.requirements = f.request.requirements();
    v1::Review review = Merge(merge);
    TurnRecord record;
    record.principal = "bench";
    record.session_id = "s";
    record.merge.merger_version = kMergerVersion;
    record.merge.section_owners = merge.definitions;
    record.merge.requirements = merge.requirements;
    AgentOutputRecord out;
    out.run = merge.outcomes[0].run;
    out.output = *std::move(merge.outcomes[0].response);
    record.outputs.push_back(std::move(out));
    absl::StatusOr<EncodedTurn> encoded = (*store)->EncodeTurn(record);
    if (!encoded.ok()) state.SkipWithError(std::string(encoded.status().message()).c_str());
    turn_bytes = review.ByteSizeLong();
    benchmark::DoNotOptimize(encoded);
  }
  state.counters["review_bytes"] = static_cast<double>(turn_bytes);
  store->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_LlmAroundCall)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace agentd

BENCHMARK_MAIN();
