// `agentctl mcp`'s JSON-RPC 2.0 side: reading one message a line (bounded),
// checking the envelope, answering initialize, ping and tools/list at once,
// and running tool calls (mcp_tools.h) on a small pool of threads that
// notifications/cancelled can cancel. The agentd side is mcp_backend.cc.
#include "client/agentctl/mcp.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/agentctl/mcp_tools.h"
#include "nlohmann/json.hpp"

namespace agentd::agentctl {
namespace {

using mcp_internal::DumpJson;
using nlohmann::json;

// JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object).
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

std::string ErrorReply(const json& id, int code, absl::string_view message) {
  return DumpJson({{"jsonrpc", "2.0"},
                   {"id", id},
                   {"error", {{"code", code}, {"message", std::string(message)}}}});
}

std::string ResultReply(const json& id, json result) {
  return DumpJson({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

// A message that breaks JSON-RPC: answered with this error, to this id.
struct RpcError {
  json id;
  int code;
  std::string message;
};

// A JSON-RPC 2.0 request (has_id) or notification, its envelope checked.
// `ignore`: nothing is due for it at all (a response sent to us, which this
// server never asks for; a notification with params that are not an object).
struct RpcMessage {
  json id = nullptr;
  bool has_id = false;
  bool ignore = false;
  std::string method;
  json params = json::object();
};

std::variant<RpcMessage, RpcError> ReadRpcMessage(absl::string_view line) {
  const json message = json::parse(line.begin(), line.end(), nullptr,
                                   /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    return RpcError{nullptr, kParseError, "Parse error: the line is not valid JSON"};
  }
  if (message.is_array()) {
    return RpcError{nullptr, kInvalidRequest,
                    "Invalid Request: batches are not supported; send one message a line"};
  }
  if (!message.is_object()) {
    return RpcError{nullptr, kInvalidRequest, "Invalid Request: expected a JSON object"};
  }
  RpcMessage read;
  // The id is echoed only when it is one JSON-RPC allows.
  read.has_id = message.contains("id");
  if (read.has_id) {
    const json& raw = message["id"];
    if (!raw.is_string() && !raw.is_number_integer()) {
      return RpcError{nullptr, kInvalidRequest, "Invalid Request: id must be a string or an integer"};
    }
    read.id = raw;
  }
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0") {
    return RpcError{read.id, kInvalidRequest, "Invalid Request: \"jsonrpc\" must be \"2.0\""};
  }
  auto method_it = message.find("method");
  if (method_it == message.end()) {
    if (message.contains("result") || message.contains("error")) {
      read.ignore = true;
      return read;
    }
    return RpcError{read.id, kInvalidRequest, "Invalid Request: no \"method\""};
  }
  if (!method_it->is_string()) {
    return RpcError{read.id, kInvalidRequest, "Invalid Request: \"method\" must be a string"};
  }
  read.method = method_it->get<std::string>();
  auto params_it = message.find("params");
  if (params_it != message.end() && !params_it->is_object() && !params_it->is_null()) {
    if (!read.has_id) {
      read.ignore = true;
      return read;
    }
    return RpcError{read.id, kInvalidParams, "Invalid params: \"params\" must be an object"};
  }
  if (params_it != message.end() && !params_it->is_null()) read.params = *params_it;
  return read;
}

// The request notifications/cancelled names, if it names one. Notifications
// get no reply, not even an error (JSON-RPC 2.0 §4.1); of those MCP defines,
// only this one asks for action.
std::optional<json> CancelledRequestId(const RpcMessage& notification) {
  if (notification.method != "notifications/cancelled") return std::nullopt;
  auto it = notification.params.find("requestId");
  if (it != notification.params.end() && (it->is_string() || it->is_number_integer())) return *it;
  return std::nullopt;
}

json InitializeResult(const json& params, const std::string& server_version) {
  std::string requested;
  if (auto it = params.find("protocolVersion"); it != params.end() && it->is_string()) {
    requested = it->get<std::string>();
  }
  return {{"protocolVersion", NegotiateMcpProtocolVersion(requested)},
          {"capabilities", {{"tools", {{"listChanged", false}}}}},
          {"serverInfo", {{"name", "agentd"}, {"version", server_version}}},
          {"instructions",
           "agentd reviews software architecture questions with expert agents. Call "
           "`review` with the question; follow up with its sessionId. `route` shows who "
           "would answer and why; `list_agents` lists the experts."}};
}

// Runs tool calls on a few threads, in arrival order, and cancels them by
// request id. A call's reply goes to `write`; a cancelled call gets none, as
// the spec asks, only a line to `note`. The destructor finishes the calls
// already submitted, then stops the threads. Submit and Cancel are called
// from one thread (the reader).
class ToolCallPool {
 public:
  using Run = std::function<std::string(McpCancellation&)>;

  ToolCallPool(int threads, std::function<void(const std::string&)> write,
               std::function<void(absl::string_view)> note)
      : write_(std::move(write)), note_(std::move(note)) {
    for (int i = 0; i < std::max(1, threads); ++i) workers_.emplace_back([this] { Work(); });
  }

  ~ToolCallPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    work_ready_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  void Submit(const json& id, Run run) {
    auto cancel = std::make_shared<McpCancellation>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_[id.dump()] = cancel;
      queue_.push_back({id, std::move(run), cancel});
    }
    work_ready_.notify_one();
  }

  void Cancel(const json& id) {
    std::shared_ptr<McpCancellation> cancel;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = calls_.find(id.dump());
      if (it != calls_.end()) cancel = it->second;
    }
    if (cancel != nullptr) cancel->Cancel();  // outside `mu_`: it may call into gRPC
  }

 private:
  struct Job {
    json id;
    Run run;
    std::shared_ptr<McpCancellation> cancel;
  };

  void Work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_ready_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
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
        std::lock_guard<std::mutex> lock(mu_);
        auto it = calls_.find(job.id.dump());
        if (it != calls_.end() && it->second == job.cancel) calls_.erase(it);
      }
      // The spec: a cancelled request gets no response.
      if (job.cancel->cancelled()) {
        note_(absl::StrCat("request ", job.id.dump(), " cancelled by the client"));
        continue;
      }
      write_(reply);
    }
  }

  const std::function<void(const std::string&)> write_;
  const std::function<void(absl::string_view)> note_;
  std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<Job> queue_;                                          // guarded by mu_
  std::map<std::string, std::shared_ptr<McpCancellation>> calls_;  // by id; guarded by mu_
  bool closing_ = false;                                           // guarded by mu_
  std::vector<std::thread> workers_;
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

  std::variant<RpcMessage, RpcError> read = ReadRpcMessage(line);
  if (const RpcError* rpc_error = std::get_if<RpcError>(&read)) {
    return error(rpc_error->id, rpc_error->code, rpc_error->message);
  }
  const RpcMessage& message = std::get<RpcMessage>(read);
  const json& id = message.id;
  const json& params = message.params;
  prepared.id = id;
  if (message.ignore) return prepared;
  if (!message.has_id) {
    prepared.cancel_id = CancelledRequestId(message);
    return prepared;
  }

  if (message.method == "initialize") {
    return reply(ResultReply(id, InitializeResult(params, options_.server_version)));
  }
  if (message.method == "ping") return reply(ResultReply(id, json::object()));
  if (message.method == "tools/list") {
    return reply(ResultReply(id, {{"tools", mcp_internal::ToolList()}}));
  }
  if (message.method != "tools/call") {
    return error(id, kMethodNotFound, absl::StrCat("Method not found: ", message.method));
  }

  auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string()) {
    return error(id, kInvalidParams, "Invalid params: \"name\" must be a tool name");
  }
  static const json kNoArguments = json::object();
  auto args_it = params.find("arguments");
  if (args_it != params.end() && !args_it->is_object() && !args_it->is_null()) {
    return error(id, kInvalidParams, "Invalid params: \"arguments\" must be an object");
  }
  absl::StatusOr<mcp_internal::ToolCall> call = mcp_internal::PrepareToolCall(
      backend_, name_it->get<std::string>(),
      args_it == params.end() || args_it->is_null() ? kNoArguments : *args_it);
  if (!call.ok()) return error(id, kInvalidParams, call.status().message());
  prepared.run = [call = std::move(*call), id](McpCancellation& cancel) {
    return ResultReply(id, call(cancel));
  };
  return prepared;
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
  // Declared after write and note, which it uses: at end of input its
  // destructor finishes the calls already asked for.
  ToolCallPool calls(options_.max_concurrent_calls, write, note);

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
    if (prepared.cancel_id.has_value()) calls.Cancel(*prepared.cancel_id);
    if (prepared.run) {
      calls.Submit(prepared.id, std::move(prepared.run));
    } else if (prepared.reply.has_value()) {
      write(*prepared.reply);
    }
  }
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
