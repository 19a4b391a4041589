#include "server/service/client_errors.h"

#include "spdlog/spdlog.h"

namespace agentd {
namespace {

// A path starts a token: "/x/y", "./x", "../x", "~/x".
bool StartsPath(std::string_view rest) {
  if (rest.size() < 2) return false;
  if (rest[0] == '/') return rest[1] != ' ' && rest[1] != '/';  // not a URL's "//host"
  if (rest.substr(0, 2) == "./" || rest.substr(0, 2) == "~/") return true;
  return rest.substr(0, 3) == "../";
}

bool EndsToken(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'' || c == ')' || c == ',' || c == ';';
}

bool StartsToken(std::string_view text, size_t i) {
  if (i == 0) return true;
  char c = text[i - 1];
  return EndsToken(c) || c == '(' || c == '=' || c == ':' || c == '`';
}

}  // namespace

std::string ClientMessage(std::string_view message) {
  std::string out;
  out.reserve(std::min(message.size(), kMaxClientMessageBytes + 8));
  for (size_t i = 0; i < message.size() && out.size() <= kMaxClientMessageBytes;) {
    if (StartsToken(message, i) && StartsPath(message.substr(i))) {
      size_t end = i;
      while (end < message.size() && !EndsToken(message[end])) ++end;
      // "…/agentd.db: open failed": the colon belongs to the sentence.
      if (end > i && message[end - 1] == ':') --end;
      out += "<path>";
      i = end;
      continue;
    }
    out.push_back(message[i++]);
  }
  if (out.size() > kMaxClientMessageBytes) {
    size_t cut = kMaxClientMessageBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message = ClientMessage(std::string_view(status.message().data(), status.message().size()));
  if (message != status.message()) spdlog::warn("call failed: {}", status.ToString());
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::move(message));
}

}  // namespace agentd
