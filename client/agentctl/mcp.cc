#include "client/agentctl/mcp.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <thread>
#include <exception>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentd/v1/orchestrator.grpc.pb.h"
#include "client/agentctl/render.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "nlohmann/json.hpp"

namespace agentd::agentctl {
namespace {

using nlohmann::json;

// JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object).
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

// Replies must be valid UTF-8 JSON even when the input was not: replace,
// never throw.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ErrorReply(const json& id, int code, absl::string_view message) {
  return Dump({{"jsonrpc", "2.0"},
               {"id", id},
               {"error", {{"code", code}, {"message", std::string(message)}}}});
}

std::string ResultReply(const json& id, json result) {
  return Dump({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

// A tool's arguments did not fit its schema: a protocol error (-32602), as
// for an unknown tool, so the client learns it called wrongly.
struct ArgumentError {
  std::string message;
};

// The proto3 JSON mapping of a response, as a JSON value: the structured
// content of a tool result is exactly what `agentctl --json` prints.
absl::StatusOr<json> ProtoToJson(const google::protobuf::Message& message) {
  absl::StatusOr<std::string> text = ToJson(message, /*pretty=*/false);
  if (!text.ok()) return text.status();
  json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return absl::InternalError("protobuf produced JSON that does not parse");
  }
  return value;
}

json StringProperty(absl::string_view description) {
  return {{"type", "string"}, {"description", std::string(description)}};
}

json AgentsProperty() {
  return {{"type", "array"},
          {"items", {{"type", "string"}}},
          {"description",
           "Ask these agents explicitly (names from list_agents), e.g. "
           "[\"backend-architect\", \"database-architect\"]. Omit to let agentd route."}};
}

json ObjectOutputSchema(json properties, json required) {
  return {{"type", "object"}, {"properties", std::move(properties)},
          {"required", std::move(required)}};
}

json ToolList() {
  json review = {
      {"name", "review"},
      {"title", "Architecture review"},
      {"description",
       "Ask agentd's expert agents (backend architecture, APIs, databases, DevOps, SRE) "
       "for an architecture review of a question or design. Returns the review in "
       "Markdown (pattern, events, caching, database, resilience, observability, "
       "scalability, recommendations, risks) with the figures worked out and the "
       "assumptions stated. Pass session_id from an earlier review to follow up."},
      {"inputSchema",
       {{"type", "object"},
        {"properties",
         {{"text", StringProperty("The question or design to review, e.g. \"We need to "
                                  "handle 10,000 orders per minute during flash sales. "
                                  "Should we use microservices or a monolith?\"")},
          {"session_id",
           StringProperty("Continue this session (sessionId of an earlier review); the "
                          "facts of its earlier turns still count. Omit to start anew.")},
          {"agents", AgentsProperty()},
          {"requirements",
           {{"type", "object"},
            {"description",
             "Known facts as agentd.v1.Requirements in proto3 JSON; they override what is "
             "read from text, e.g. {\"teamSize\": 5, \"peakRps\": 200, "
             "\"availabilitySlo\": 99.9}"}}}}},
        {"required", {"text"}}}},
      {"outputSchema",
       ObjectOutputSchema({{"sessionId", {{"type", "string"}}},
                           {"turn", {{"type", "integer"}}},
                           {"review", {{"type", "object"}}},
                           {"route", {{"type", "object"}}}},
                          {"sessionId", "review"})}};
  json route = {
      {"name", "route"},
      {"title", "Who would answer"},
      {"description",
       "Dry run: which of agentd's agents would answer this question and why (the scope "
       "rules that matched, quoted), who was rejected, and which agents it names that "
       "this server does not host. Nothing is stored."},
      {"inputSchema",
       {{"type", "object"},
        {"properties", {{"text", StringProperty("The question to route")},
                        {"agents", AgentsProperty()}}},
        {"required", {"text"}}}},
      {"outputSchema", ObjectOutputSchema({{"selected", {{"type", "array"}}},
                                           {"rejected", {{"type", "array"}}},
                                           {"unhosted", {{"type", "array"}}}},
                                          json::array())}};
  json list_agents = {
      {"name", "list_agents"},
      {"title", "Hosted agents"},
      {"description",
       "The agents this agentd hosts: name, what each is for and not for, whether it is "
       "available, and whether it is a stub."},
      {"inputSchema", {{"type", "object"}, {"properties", json::object()}}},
      {"outputSchema", ObjectOutputSchema({{"agents", {{"type", "array"}}}}, json::array())}};
  return json::array({std::move(review), std::move(route), std::move(list_agents)});
}

// Argument readers. A wrong type or a missing argument does not throw: it
// sets `error` (the first one wins) and yields a default.
class Arguments {
 public:
  explicit Arguments(const json& args) : args_(args) {}

  std::string RequiredString(const char* name) {
    std::string value = OptionalString(name);
    if (error_.empty() && value.empty()) {
      Fail(absl::StrCat("argument '", name, "' is required and must be a non-empty string"));
    }
    return value;
  }

  std::string OptionalString(const char* name) {
    seen_.push_back(name);
    auto it = args_.find(name);
    if (it == args_.end() || it->is_null()) return "";
    if (!it->is_string()) {
      Fail(absl::StrCat("argument '", name, "' must be a string"));
      return "";
    }
    return it->get<std::string>();
  }

  std::vector<std::string> StringList(const char* name) {
    seen_.push_back(name);
    std::vector<std::string> out;
    auto it = args_.find(name);
    if (it == args_.end() || it->is_null()) return out;
    if (!it->is_array()) {
      Fail(absl::StrCat("argument '", name, "' must be an array of strings"));
      return out;
    }
    for (const json& element : *it) {
      if (!element.is_string()) {
        Fail(absl::StrCat("argument '", name, "' must be an array of strings"));
        return {};
      }
      out.push_back(element.get<std::string>());
    }
    return out;
  }

  // An agentd.v1.Requirements given as a JSON object, read by protobuf's own
  // JSON parser so field names and enum values follow the proto3 mapping.
  std::optional<agentd::v1::Requirements> Requirements(const char* name) {
    seen_.push_back(name);
    auto it = args_.find(name);
    if (it == args_.end() || it->is_null()) return std::nullopt;
    if (!it->is_object()) {
      Fail(absl::StrCat("argument '", name, "' must be an object"));
      return std::nullopt;
    }
    agentd::v1::Requirements requirements;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;  // a typo must not be silently dropped
    const auto parsed =
        google::protobuf::util::JsonStringToMessage(Dump(*it), &requirements, options);
    if (!parsed.ok()) {
      Fail(absl::StrCat("argument '", name, "' is not an agentd.v1.Requirements (",
                        parsed.message().ToString(), ")"));
      return std::nullopt;
    }
    return requirements;
  }

  // Call after reading every argument: an unknown name is an error too, so a
  // misspelt "sessionId" is not silently ignored.
  bool Ok() {
    if (error_.empty()) {
      for (const auto& [key, value] : args_.items()) {
        if (std::find(seen_.begin(), seen_.end(), key) == seen_.end()) {
          Fail(absl::StrCat("unknown argument '", key,
                            "' (takes: ", absl::StrJoin(seen_, ", "), ")"));
          break;
        }
      }
    }
    return error_.empty();
  }

  const std::string& error() const { return error_; }

 private:
  void Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  const json& args_;
  std::vector<std::string> seen_;
  std::string error_;
};

// A tool result: `text` for people and models, `structured` for programs.
json ToolResult(std::string text, std::optional<json> structured) {
  json result = {{"content", json::array({{{"type", "text"}, {"text", std::move(text)}}})},
                 {"isError", false}};
  if (structured.has_value()) result["structuredContent"] = std::move(*structured);
  return result;
}

// agentd answered with an error, or could not be reached: the model reads
// why, the conversation goes on.
json ToolError(const absl::Status& status) {
  return {{"content", json::array({{{"type", "text"},
                                    {"text", absl::StrCat("agentd error: ",
                                                          absl::StatusCodeToString(status.code()),
                                                          ": ", status.message())}}})},
          {"isError", true}};
}

template <typename Response>
json ToolResultOf(const absl::StatusOr<Response>& response,
                  std::string (*render)(const Response&)) {
  if (!response.ok()) return ToolError(response.status());
  absl::StatusOr<json> structured = ProtoToJson(*response);
  if (!structured.ok()) return ToolError(structured.status());
  return ToolResult(render(*response), std::move(*structured));
}

class GrpcMcpBackend : public McpBackend {
 public:
  GrpcMcpBackend(const ClientOptions& options,
                 const std::shared_ptr<grpc::ChannelInterface>& channel)
      : options_(options),
        channel_(channel),
        stub_(agentd::v1::Orchestrator::NewStub(channel)) {}

  absl::StatusOr<agentd::v1::ReviewResponse> Review(const agentd::v1::ReviewRequest& request,
                                                    McpCancellation& cancel) override {
    return Call<agentd::v1::ReviewResponse>(
        cancel, [&](grpc::ClientContext* c, agentd::v1::ReviewResponse* r) {
          return stub_->Review(c, request, r);
        });
  }

  absl::StatusOr<agentd::v1::RouteDecision> Route(const agentd::v1::RouteRequest& request,
                                                  McpCancellation& cancel) override {
    return Call<agentd::v1::RouteDecision>(
        cancel, [&](grpc::ClientContext* c, agentd::v1::RouteDecision* r) {
          return stub_->Route(c, request, r);
        });
  }

  absl::StatusOr<agentd::v1::ListAgentsResponse> ListAgents(McpCancellation& cancel) override {
    return Call<agentd::v1::ListAgentsResponse>(
        cancel, [&](grpc::ClientContext* c, agentd::v1::ListAgentsResponse* r) {
          return stub_->ListAgents(c, agentd::v1::ListAgentsRequest(), r);
        });
  }

 private:
  template <typename Response, typename Fn>
  absl::StatusOr<Response> Call(McpCancellation& cancel, Fn fn) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoNanoseconds(options_.timeout));
    if (!options_.token.empty()) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
    }
    Response response;
    cancel.SetCanceller([&context] { context.TryCancel(); });
    const grpc::Status status = fn(&context, &response);
    cancel.ClearCanceller();  // before `context` goes away
    if (status.ok()) return response;
    // gRPC and absl share the canonical code numbers.
    const bool reached = channel_->GetState(false) == GRPC_CHANNEL_READY;
    std::string message = status.error_message();
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE && !reached) {
      message = absl::StrCat("cannot reach agentd at ", options_.server, " (is it running?)");
    } else if (message.empty()) {
      message = "(no message)";
    }
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), message);
  }

  ClientOptions options_;
  std::shared_ptr<grpc::ChannelInterface> channel_;
  std::unique_ptr<agentd::v1::Orchestrator::Stub> stub_;
};

// Reads one line of at most `limit` bytes into `line`. A longer line is
// consumed to its end but not kept: `too_long` is set and `bytes` counts it.
// Returns false at end of input with nothing read.
bool ReadLine(std::istream& in, size_t limit, std::string& line, bool& too_long,
              size_t& bytes) {
  line.clear();
  too_long = false;
  bytes = 0;
  std::streambuf* buffer = in.rdbuf();
  for (;;) {
    const int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return bytes > 0;
    }
    if (c == '\n') break;
    ++bytes;
    if (!too_long && line.size() < limit) {
      line.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
  if (too_long) {
    line.clear();
    return true;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

}  // namespace

std::string NegotiateMcpProtocolVersion(absl::string_view requested) {
  for (const char* version : kMcpProtocolVersions) {
    if (requested == version) return version;
  }
  return kMcpProtocolVersions[0];
}

std::unique_ptr<McpBackend> NewGrpcMcpBackend(
    const ClientOptions& options, const std::shared_ptr<grpc::ChannelInterface>& channel) {
  return std::make_unique<GrpcMcpBackend>(options, channel);
}

void McpCancellation::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return;
  cancelled_ = true;
  if (canceller_) canceller_();
}

bool McpCancellation::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

void McpCancellation::SetCanceller(std::function<void()> canceller) {
  std::lock_guard<std::mutex> lock(mu_);
  canceller_ = std::move(canceller);
  if (cancelled_ && canceller_) canceller_();
}

void McpCancellation::ClearCanceller() {
  std::lock_guard<std::mutex> lock(mu_);
  canceller_ = nullptr;
}

// What one incoming message asks for. At most one of `reply` and `run` is
// set; neither for a notification.
struct McpServer::Prepared {
  std::optional<std::string> reply;                   // to send now
  std::function<std::string(McpCancellation&)> run;   // a tool call; returns its reply
  json id;                                            // of the request
  std::optional<json> cancel_id;                      // notifications/cancelled: whose
  std::string error;                                  // the error `reply` carries, for the log
};

McpServer::McpServer(McpBackend* backend, McpOptions options)
    : backend_(backend), options_(std::move(options)) {}

McpServer::Prepared McpServer::Prepare(absl::string_view line) {
  Prepared prepared;
  auto error = [&prepared](const json& id, int code, absl::string_view message) {
    prepared.error = std::string(message);
    prepared.reply = ErrorReply(id, code, message);
    return std::move(prepared);
  };
  auto reply = [&prepared](std::string line) {
    prepared.reply = std::move(line);
    return std::move(prepared);
  };

  const json message = json::parse(line.begin(), line.end(), nullptr,
                                   /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    return error(nullptr, kParseError, "Parse error: the line is not valid JSON");
  }
  if (message.is_array()) {
    return error(nullptr, kInvalidRequest,
                 "Invalid Request: batches are not supported; send one message a line");
  }
  if (!message.is_object()) {
    return error(nullptr, kInvalidRequest, "Invalid Request: expected a JSON object");
  }
  // The id is echoed only when it is one JSON-RPC allows.
  json id = nullptr;
  const bool has_id = message.contains("id");
  if (has_id) {
    const json& raw = message["id"];
    if (!raw.is_string() && !raw.is_number_integer()) {
      return error(nullptr, kInvalidRequest, "Invalid Request: id must be a string or an integer");
    }
    id = raw;
  }
  prepared.id = id;
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0") {
    return error(id, kInvalidRequest, "Invalid Request: \"jsonrpc\" must be \"2.0\"");
  }
  auto method_it = message.find("method");
  if (method_it == message.end()) {
    // A response to a request of ours; this server sends none.
    if (message.contains("result") || message.contains("error")) return prepared;
    return error(id, kInvalidRequest, "Invalid Request: no \"method\"");
  }
  if (!method_it->is_string()) {
    return error(id, kInvalidRequest, "Invalid Request: \"method\" must be a string");
  }
  const std::string method = method_it->get<std::string>();
  static const json kNoParams = json::object();
  auto params_it = message.find("params");
  if (params_it != message.end() && !params_it->is_object() && !params_it->is_null()) {
    if (!has_id) return prepared;
    return error(id, kInvalidParams, "Invalid params: \"params\" must be an object");
  }
  const json& params =
      params_it == message.end() || params_it->is_null() ? kNoParams : *params_it;

  if (!has_id) {
    // Notifications get no reply, not even an error (JSON-RPC 2.0 §4.1).
    // Of those MCP defines, only notifications/cancelled asks for action.
    if (method == "notifications/cancelled") {
      if (auto it = params.find("requestId");
          it != params.end() && (it->is_string() || it->is_number_integer())) {
        prepared.cancel_id = *it;
      }
    }
    return prepared;
  }

  if (method == "initialize") {
    std::string requested;
    if (auto it = params.find("protocolVersion"); it != params.end() && it->is_string()) {
      requested = it->get<std::string>();
    }
    return reply(ResultReply(
        id, {{"protocolVersion", NegotiateMcpProtocolVersion(requested)},
             {"capabilities", {{"tools", {{"listChanged", false}}}}},
             {"serverInfo", {{"name", "agentd"}, {"version", options_.server_version}}},
             {"instructions",
              "agentd reviews software architecture questions with expert agents. Call "
              "`review` with the question; follow up with its sessionId. `route` shows who "
              "would answer and why; `list_agents` lists the experts."}}));
  }
  if (method == "ping") return reply(ResultReply(id, json::object()));
  if (method == "tools/list") return reply(ResultReply(id, {{"tools", ToolList()}}));
  if (method != "tools/call") {
    return error(id, kMethodNotFound, absl::StrCat("Method not found: ", method));
  }

  auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string()) {
    return error(id, kInvalidParams, "Invalid params: \"name\" must be a tool name");
  }
  const std::string tool = name_it->get<std::string>();
  static const json kNoArguments = json::object();
  auto args_it = params.find("arguments");
  if (args_it != params.end() && !args_it->is_object() && !args_it->is_null()) {
    return error(id, kInvalidParams, "Invalid params: \"arguments\" must be an object");
  }
  Arguments args(args_it == params.end() || args_it->is_null() ? kNoArguments : *args_it);

  // Arguments are checked here, on the reading thread; only the call to
  // agentd runs later, on a worker.
  McpBackend* backend = backend_;
  if (tool == "review") {
    agentd::v1::ReviewRequest request;
    request.set_text(args.RequiredString("text"));
    request.set_session_id(args.OptionalString("session_id"));
    for (const std::string& agent : args.StringList("agents")) request.add_agents(agent);
    if (auto requirements = args.Requirements("requirements")) {
      *request.mutable_requirements() = std::move(*requirements);
    }
    if (!args.Ok()) return error(id, kInvalidParams, absl::StrCat("review: ", args.error()));
    prepared.run = [backend, request, id](McpCancellation& cancel) {
      return ResultReply(id, ToolResultOf(backend->Review(request, cancel), &RenderReview));
    };
    return prepared;
  }
  if (tool == "route") {
    agentd::v1::RouteRequest request;
    request.set_text(args.RequiredString("text"));
    for (const std::string& agent : args.StringList("agents")) request.add_agents(agent);
    if (!args.Ok()) return error(id, kInvalidParams, absl::StrCat("route: ", args.error()));
    prepared.run = [backend, request, id](McpCancellation& cancel) {
      return ResultReply(id, ToolResultOf(backend->Route(request, cancel), &RenderRoute));
    };
    return prepared;
  }
  if (tool == "list_agents") {
    if (!args.Ok()) return error(id, kInvalidParams, absl::StrCat("list_agents: ", args.error()));
    prepared.run = [backend, id](McpCancellation& cancel) {
      return ResultReply(id, ToolResultOf(backend->ListAgents(cancel), &RenderAgents));
    };
    return prepared;
  }
  return error(id, kInvalidParams,
               absl::StrCat("Unknown tool: ", tool, " (tools: review, route, list_agents)"));
}

std::optional<std::string> McpServer::HandleMessage(absl::string_view line) {
  Prepared prepared = Prepare(line);
  if (prepared.run) {
    McpCancellation cancel;
    return prepared.run(cancel);
  }
  return std::move(prepared.reply);
}

int McpServer::Serve(std::istream& in, std::ostream& out, std::ostream& log) {
  std::mutex out_mu;  // replies come from the reader and from the workers
  auto write = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(out_mu);
    out << line << '\n';
    out.flush();
  };
  auto note = [&](absl::string_view text) {
    std::lock_guard<std::mutex> lock(out_mu);
    log << "agentctl mcp: " << text << "\n";
    log.flush();
  };

  struct Job {
    json id;
    std::function<std::string(McpCancellation&)> run;
    std::shared_ptr<McpCancellation> cancel;
  };
  std::mutex mu;
  std::condition_variable work_ready;
  std::deque<Job> queue;                                          // guarded by mu
  std::map<std::string, std::shared_ptr<McpCancellation>> calls;  // by id; guarded by mu
  bool closing = false;                                           // guarded by mu

  auto worker = [&] {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu);
        work_ready.wait(lock, [&] { return closing || !queue.empty(); });
        if (queue.empty()) return;
        job = std::move(queue.front());
        queue.pop_front();
      }
      std::string reply;
      if (!job.cancel->cancelled()) {
        try {
          reply = job.run(*job.cancel);
        } catch (const std::exception& e) {
          reply = ErrorReply(job.id, kInternalError, absl::StrCat("Internal error: ", e.what()));
        }
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        auto it = calls.find(job.id.dump());
        if (it != calls.end() && it->second == job.cancel) calls.erase(it);
      }
      // The spec: a cancelled request gets no response.
      if (job.cancel->cancelled()) {
        note(absl::StrCat("request ", job.id.dump(), " cancelled by the client"));
        continue;
      }
      write(reply);
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, options_.max_concurrent_calls); ++i) {
    workers.emplace_back(worker);
  }

  std::string line;
  bool too_long = false;
  size_t bytes = 0;
  while (ReadLine(in, options_.max_message_bytes, line, too_long, bytes)) {
    if (too_long) {
      note(absl::StrCat("skipped a message of ", bytes, " bytes (limit ",
                        options_.max_message_bytes, ")"));
      write(ErrorReply(nullptr, kInvalidRequest,
                       absl::StrCat("Invalid Request: message of ", bytes,
                                    " bytes exceeds the limit of ", options_.max_message_bytes,
                                    " bytes")));
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // harmless
    Prepared prepared;
    // nlohmann::json and protobuf may throw (allocation, a bug); the bridge
    // answers and goes on rather than dying in the middle of a session.
    try {
      prepared = Prepare(line);
    } catch (const std::exception& e) {
      prepared.reply = ErrorReply(nullptr, kInternalError, absl::StrCat("Internal error: ", e.what()));
      prepared.error = e.what();
    }
    if (!prepared.error.empty()) note(absl::StrCat("replied with an error: ", prepared.error));
    if (prepared.cancel_id.has_value()) {
      std::shared_ptr<McpCancellation> cancel;
      {
        std::lock_guard<std::mutex> lock(mu);
        auto it = calls.find(prepared.cancel_id->dump());
        if (it != calls.end()) cancel = it->second;
      }
      if (cancel != nullptr) cancel->Cancel();  // outside `mu`: it may call into gRPC
    }
    if (prepared.run) {
      auto cancel = std::make_shared<McpCancellation>();
      {
        std::lock_guard<std::mutex> lock(mu);
        calls[prepared.id.dump()] = cancel;
        queue.push_back({prepared.id, std::move(prepared.run), cancel});
      }
      work_ready.notify_one();
    } else if (prepared.reply.has_value()) {
      write(*prepared.reply);
    }
  }
  // End of input: finish the calls already asked for, then stop.
  {
    std::lock_guard<std::mutex> lock(mu);
    closing = true;
  }
  work_ready.notify_all();
  for (std::thread& t : workers) t.join();
  return 0;
}

int RunMcp(const ClientOptions& options, const std::shared_ptr<grpc::ChannelInterface>& channel,
           std::istream& in, std::ostream& out, std::ostream& log) {
  std::unique_ptr<McpBackend> backend = NewGrpcMcpBackend(options, channel);
  McpServer server(backend.get(), McpOptions());
  log << "agentctl mcp: serving MCP on stdio for agentd at " << options.server << "\n";
  return server.Serve(in, out, log);
}

}  // namespace agentd::agentctl
