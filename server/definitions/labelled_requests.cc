#include "server/definitions/labelled_requests.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace agentd {
namespace {

// `out` = the list under `key`; absent or null leaves it empty.
absl::Status ReadNames(const nlohmann::json& line, const char* key, std::vector<std::string>* out) {
  auto it = line.find(key);
  if (it == line.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must be a list of agent names"));
  }
  for (const nlohmann::json& v : *it) {
    if (!v.is_string()) return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must hold only strings"));
    out->push_back(v.get<std::string>());
  }
  return absl::OkStatus();
}

// nlohmann's parser, not protobuf's JSON-to-Struct: agentd reads a thousand
// of these lines at every start, and protobuf's took 15-20 ms of it.
absl::StatusOr<LabelledRequest> ParseLine(std::string_view json) {
  nlohmann::json line = nlohmann::json::parse(json, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (!line.is_object()) {
    return absl::InvalidArgumentError(line.is_discarded() ? "not a JSON object: not valid JSON"
                                                          : "not a JSON object");
  }
  LabelledRequest request;
  auto text = line.find("text");
  if (text == line.end() || !text->is_string() || text->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError("missing \"text\" (the request, a non-empty string)");
  }
  request.text = text->get<std::string>();
  RETURN_IF_ERROR(ReadNames(line, "agents", &request.agents));
  RETURN_IF_ERROR(ReadNames(line, "primary_any", &request.primary_any));
  RETURN_IF_ERROR(ReadNames(line, "required", &request.required));
  RETURN_IF_ERROR(ReadNames(line, "optional", &request.optional));
  RETURN_IF_ERROR(ReadNames(line, "unhosted", &request.unhosted));
  return request;
}

absl::StatusOr<std::vector<LabelledRequest>> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open labelled requests"));
  std::stringstream content;
  content << in.rdbuf();
  return ParseLabelledRequests(content.str(), path);
}

}  // namespace

std::vector<std::string> LabelledRequest::InScope() const {
  std::vector<std::string> out;
  if (!agents.empty()) return out;
  for (const auto* list : {&primary_any, &required, &unhosted}) {
    for (const std::string& name : *list) {
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
  }
  return out;
}

absl::StatusOr<std::vector<LabelledRequest>> ParseLabelledRequests(std::string_view content,
                                                                   std::string_view path) {
  std::vector<LabelledRequest> requests;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(content.data(), content.size()), '\n')) {
    ++number;
    if (line.find_first_not_of(" \t\r") == absl::string_view::npos) continue;
    absl::StatusOr<LabelledRequest> request = ParseLine(std::string_view(line.data(), line.size()));
    if (!request.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(absl::string_view(path.data(), path.size()), ":", number, ": ", request.status().message()));
    }
    request->source = absl::StrCat(absl::string_view(path.data(), path.size()), ":", number);
    requests.push_back(*std::move(request));
  }
  return requests;
}

absl::StatusOr<std::vector<LabelledRequest>> ReadLabelledRequests(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return ReadFile(path);
  std::vector<std::string> files;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".jsonl" && it->is_regular_file(type_ec)) files.push_back(it->path().string());
  }
  if (ec) return absl::UnavailableError(absl::StrCat(path, ": cannot list labelled requests: ", ec.message()));
  std::sort(files.begin(), files.end());
  std::vector<LabelledRequest> all;
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(std::vector<LabelledRequest> requests, ReadFile(file));
    for (LabelledRequest& r : requests) all.push_back(std::move(r));
  }
  return all;
}

}  // namespace agentd
