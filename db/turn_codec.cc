#include "db/turn_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "db/blob_codec.h"

namespace agentd {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

EncodedTurn EncodeTurn(const TurnRecord& turn, bool compress) {
  auto encode = [compress](std::string serialized) {
    return compress ? EncodeStoredBlob(std::move(serialized)) : serialized;
  };
  EncodedTurn out;
  out.principal = turn.principal;
  out.session_id = turn.session_id;
  out.create_session = turn.create_session;
  out.title = turn.title;
  out.request_id = turn.request_id;
  out.facts = EncodeFacts(turn.session_facts, turn.session_fact_sources);
  out.request = encode(turn.request.SerializeAsString());
  out.route = encode(turn.route.SerializeAsString());
  out.review = encode(turn.review.SerializeAsString());
  out.outputs.reserve(turn.outputs.size());
  for (const AgentOutputRecord& record : turn.outputs) {
    EncodedTurn::Output& o = out.outputs.emplace_back();
    o.agent = record.run.agent();
    o.status = AgentStatusName(record.run.status());
    o.error = record.run.error();
    o.latency_ms = record.run.latency_ms();
    if (record.output.ByteSizeLong() != 0) o.output = encode(record.output.SerializeAsString());
  }
  out.status = turn.status;
  out.latency_ms = turn.latency_ms;
  return out;
}

std::string EncodeFacts(const v1::Requirements& requirements, const std::vector<v1::Fact>& sources) {
  v1::Review envelope;
  *envelope.mutable_requirements() = requirements;
  for (const v1::Fact& fact : sources) *envelope.add_facts() = fact;
  return envelope.SerializeAsString();
}

absl::StatusOr<v1::Review> DecodeFacts(std::string_view blob, const std::string& store_name) {
  v1::Review envelope;
  if (!envelope.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError(absl::StrCat("session store ", store_name, ": unreadable session facts"));
  }
  return envelope;
}

absl::Status ParseStoredMessage(std::string_view blob, google::protobuf::MessageLite* message,
                                const std::string& store_name, std::string_view column) {
  std::string inflated;
  if (!blob.empty() && blob[0] == '\0') {
    absl::StatusOr<std::string> decoded = DecodeStoredBlob(blob);
    if (!decoded.ok()) {
      return absl::DataLossError(absl::StrCat("session store ", store_name, ": ", AV(column),
                                              " blob: ", decoded.status().message()));
    }
    inflated = std::move(*decoded);
    blob = inflated;
  }
  if (!message->ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError(
        absl::StrCat("session store ", store_name, ": unreadable ", AV(column), " blob"));
  }
  return absl::OkStatus();
}

std::string AgentStatusName(v1::AgentStatus status) { return v1::AgentStatus_Name(status); }

v1::AgentStatus ParseAgentStatus(std::string_view name) {
  v1::AgentStatus status = v1::AGENT_STATUS_UNSPECIFIED;
  if (!v1::AgentStatus_Parse(std::string(name), &status)) return v1::AGENT_STATUS_UNSPECIFIED;
  return status;
}

}  // namespace agentd
