// The tools of `agentctl mcp` (see mcp_tools.h): schemas, argument
// checking, and turning agentd's answer or error into a tool result.
#include "client/agentctl/mcp_tools.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentd/v1/orchestrator.pb.h"
#include "client/agentctl/render.h"
#include "google/protobuf/util/json_util.h"

namespace agentd::agentctl::mcp_internal {
namespace {

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
        google::protobuf::util::JsonStringToMessage(DumpJson(*it), &requirements, options);
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

}  // namespace

std::string DumpJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
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

absl::StatusOr<ToolCall> PrepareToolCall(McpBackend* backend, absl::string_view tool,
                                         const json& arguments) {
  Arguments args(arguments);
  // Arguments are checked here, on the reading thread; only the call to
  // agentd runs later, on a worker.
  if (tool == "review") {
    agentd::v1::ReviewRequest request;
    request.set_text(args.RequiredString("text"));
    request.set_session_id(args.OptionalString("session_id"));
    for (const std::string& agent : args.StringList("agents")) request.add_agents(agent);
    if (auto requirements = args.Requirements("requirements")) {
      *request.mutable_requirements() = std::move(*requirements);
    }
    if (!args.Ok()) return absl::InvalidArgumentError(absl::StrCat("review: ", args.error()));
    return ToolCall([backend, request](McpCancellation& cancel) {
      return ToolResultOf(backend->Review(request, cancel), &RenderReview);
    });
  }
  if (tool == "route") {
    agentd::v1::RouteRequest request;
    request.set_text(args.RequiredString("text"));
    for (const std::string& agent : args.StringList("agents")) request.add_agents(agent);
    if (!args.Ok()) return absl::InvalidArgumentError(absl::StrCat("route: ", args.error()));
    return ToolCall([backend, request](McpCancellation& cancel) {
      return ToolResultOf(backend->Route(request, cancel), &RenderRoute);
    });
  }
  if (tool == "list_agents") {
    if (!args.Ok()) return absl::InvalidArgumentError(absl::StrCat("list_agents: ", args.error()));
    return ToolCall([backend](McpCancellation& cancel) {
      return ToolResultOf(backend->ListAgents(cancel), &RenderAgents);
    });
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Unknown tool: ", tool, " (tools: review, route, list_agents)"));
}

}  // namespace agentd::agentctl::mcp_internal
