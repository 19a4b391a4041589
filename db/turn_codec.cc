#include "db/turn_codec.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "db/blob_codec.h"
#include "db/legacy_layout.h"
#include "db/turn_dictionaries.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace agentd {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

namespace {

// Registers the dictionaries shipped in this build (once) and returns the
// newest one's id.
uint32_t RegisterShippedDictionaries() {
  static const uint32_t newest = [] {
    uint32_t id = 0;
    for (const schema::ShippedDictionary& dict : schema::kTurnDictionaries) {
      if (dict.bytes == nullptr) continue;
      id = RegisterBlobDictionary(std::string_view(reinterpret_cast<const char*>(dict.bytes), dict.size));
    }
    return id;
  }();
  return newest;
}

// Moves (or copies, for a const record) the turn's parts into a StoredTurn,
// all but the answers (SerializeBody appends those).
template <typename Record>
v1::StoredTurn ToStoredTurn(Record&& turn) {
  constexpr bool kMove = !std::is_const_v<std::remove_reference_t<Record>>;
  auto take = [](auto& from, auto* to) {
    if constexpr (kMove) {
      to->Swap(&from);
    } else {
      *to = from;
    }
  };
  v1::StoredTurn body;
  take(turn.request, body.mutable_request());
  take(turn.route, body.mutable_route());
  body.set_merger_version(turn.merge.merger_version);
  body.mutable_section_owners()->Reserve(static_cast<int>(turn.merge.section_owners.size()));
  for (auto& owner : turn.merge.section_owners) take(owner, body.add_section_owners());
  body.mutable_runs()->Reserve(static_cast<int>(turn.outputs.size()));
  for (auto& output : turn.outputs) take(output.run, body.add_runs());
  take(turn.merge.requirements, body.mutable_requirements());
  for (auto& fact : turn.merge.facts) take(fact, body.add_facts());
  for (auto& spec : turn.merge.layout) take(spec, body.add_layout());
  body.set_review_title(turn.merge.title);
  return body;
}

// Gives back to `turn` what ToStoredTurn(std::move(turn)) swapped into `body`.
void SwapBack(v1::StoredTurn& body, TurnRecord& turn) {
  turn.request.Swap(body.mutable_request());
  turn.route.Swap(body.mutable_route());
  for (size_t i = 0; i < turn.merge.section_owners.size(); ++i) {
    turn.merge.section_owners[i].Swap(body.mutable_section_owners(static_cast<int>(i)));
  }
  for (size_t i = 0; i < turn.outputs.size(); ++i) turn.outputs[i].run.Swap(body.mutable_runs(static_cast<int>(i)));
  turn.merge.requirements.Swap(body.mutable_requirements());
  for (size_t i = 0; i < turn.merge.facts.size(); ++i) turn.merge.facts[i].Swap(body.mutable_facts(static_cast<int>(i)));
  for (size_t i = 0; i < turn.merge.layout.size(); ++i) {
    turn.merge.layout[i].Swap(body.mutable_layout(static_cast<int>(i)));
  }
}

// `rest` serialized, then each answer of `outputs` as an element of
// StoredTurn.outputs (one per run, empty for an agent that did not answer).
// The elements of a repeated message field may follow the other fields on
// the wire, each its tag, length and bytes; so an answer whose plugin's
// bytes were kept goes in as those bytes (they parse to the same answer),
// without serializing it again (and checking its strings' UTF-8 again).
std::string SerializeBody(const v1::StoredTurn& rest, const std::vector<AgentOutputRecord>& outputs) {
  using google::protobuf::io::CodedOutputStream;
  using google::protobuf::internal::WireFormatLite;
  constexpr size_t kTagAndLengthBound = 1 + 5;  // field 6's tag, a 32-bit varint
  static_assert(v1::StoredTurn::kOutputsFieldNumber < 16, "the tag is one byte");
  std::vector<size_t> sizes(outputs.size());
  size_t bound = rest.ByteSizeLong();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const AgentOutputRecord& o = outputs[i];
    sizes[i] = o.output_bytes.empty() ? o.output.ByteSizeLong() : o.output_bytes.size();
    bound += kTagAndLengthBound + sizes[i];
  }
  std::string body(bound, '\0');
  auto* begin = reinterpret_cast<uint8_t*>(body.data());
  uint8_t* at = rest.SerializeWithCachedSizesToArray(begin);
  for (size_t i = 0; i < outputs.size(); ++i) {
    at = WireFormatLite::WriteTagToArray(v1::StoredTurn::kOutputsFieldNumber,
                                         WireFormatLite::WIRETYPE_LENGTH_DELIMITED, at);
    at = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(sizes[i]), at);
    if (outputs[i].output_bytes.empty()) {
      at = outputs[i].output.SerializeWithCachedSizesToArray(at);
    } else {
      at = std::copy(outputs[i].output_bytes.begin(), outputs[i].output_bytes.end(), at);
    }
  }
  body.resize(static_cast<size_t>(at - begin));
  return body;
}

EncodedTurn EncodeHeader(const TurnRecord& turn);

template <typename Record>
EncodedTurn Encode(Record&& turn, bool compress) {
  EncodedTurn out = EncodeHeader(turn);
  std::string body = SerializeBody(ToStoredTurn(std::forward<Record>(turn)), turn.outputs);
  out.body = compress ? EncodeStoredBlob(std::move(body), RegisterShippedDictionaries()) : std::move(body);
  return out;
}

// The header columns of `turn` (everything but the body).
EncodedTurn EncodeHeader(const TurnRecord& turn) {
  EncodedTurn out;
  out.principal = turn.principal;
  out.session_id = turn.session_id;
  out.create_session = turn.create_session;
  out.title = turn.title;
  out.request_id = turn.request_id;
  out.facts = EncodeFacts(turn.session_facts, turn.session_fact_sources);
  out.merger_version = turn.merge.merger_version;
  out.status = turn.status;
  out.latency_ms = turn.latency_ms;
  return out;
}

}  // namespace

EncodedTurn EncodeTurn(const TurnRecord& turn, bool compress) { return Encode(turn, compress); }
EncodedTurn EncodeTurn(TurnRecord&& turn, bool compress) { return Encode(std::move(turn), compress); }

EncodedTurn EncodeTurnKeeping(TurnRecord* turn, bool compress) {
  EncodedTurn out = EncodeHeader(*turn);
  v1::StoredTurn body = ToStoredTurn(std::move(*turn));
  std::string bytes = SerializeBody(body, turn->outputs);
  SwapBack(body, *turn);
  out.body = compress ? EncodeStoredBlob(std::move(bytes), RegisterShippedDictionaries()) : std::move(bytes);
  return out;
}

uint32_t CurrentTurnDictionaryId() { return RegisterShippedDictionaries(); }

absl::StatusOr<v1::StoredTurn> DecodeTurnBody(std::string_view blob, const std::string& store_name) {
  v1::StoredTurn body;
  RETURN_IF_ERROR(ParseStoredMessage(blob, &body, store_name, "turn"));
  return body;
}

std::vector<AgentOutputRecord> OutputsOf(v1::StoredTurn& body) {
  std::vector<AgentOutputRecord> outputs(static_cast<size_t>(body.runs_size()));
  for (int i = 0; i < body.runs_size(); ++i) {
    outputs[i].run.Swap(body.mutable_runs(i));
    if (i < body.outputs_size()) outputs[i].output.Swap(body.mutable_outputs(i));
  }
  return outputs;
}

MergeRecord MergeRecordOf(v1::StoredTurn& body) {
  MergeRecord merge;
  merge.merger_version = body.merger_version();
  merge.section_owners.resize(static_cast<size_t>(body.section_owners_size()));
  for (int i = 0; i < body.section_owners_size(); ++i) merge.section_owners[i].Swap(body.mutable_section_owners(i));
  merge.requirements.Swap(body.mutable_requirements());
  merge.facts.resize(static_cast<size_t>(body.facts_size()));
  for (int i = 0; i < body.facts_size(); ++i) merge.facts[i].Swap(body.mutable_facts(i));
  merge.title = std::move(*body.mutable_review_title());
  merge.layout.resize(static_cast<size_t>(body.layout_size()));
  for (int i = 0; i < body.layout_size(); ++i) merge.layout[i].Swap(body.mutable_layout(i));
  UpgradeLegacyMergeRecord(&merge);
  return merge;
}

absl::Status ReadTurnBody(std::string_view blob, v1::Turn* turn, const std::string& store_name,
                          const ReviewMerger& merge_review) {
  ASSIGN_OR_RETURN(v1::StoredTurn body, DecodeTurnBody(blob, store_name));
  turn->mutable_request()->Swap(body.mutable_request());
  turn->mutable_route()->Swap(body.mutable_route());
  if (!merge_review) {
    return absl::FailedPreconditionError("session store has no merger to read turns with");
  }
  const std::vector<AgentOutputRecord> outputs = OutputsOf(body);
  const MergeRecord merge = MergeRecordOf(body);
  ASSIGN_OR_RETURN(*turn->mutable_review(), merge_review(merge, outputs));
  return absl::OkStatus();
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

absl::Status FillSessionHeader(std::string_view title, std::string_view facts_blob, int64_t created_ms,
                               int64_t updated_ms, int64_t turn_count, v1::Session* session,
                               const std::string& store_name) {
  session->set_title(std::string(title));
  ASSIGN_OR_RETURN(v1::Review facts, DecodeFacts(facts_blob, store_name));
  *session->mutable_facts() = std::move(*facts.mutable_requirements());
  session->set_created_unix_ms(created_ms);
  session->set_updated_unix_ms(updated_ms);
  session->set_turn_count(static_cast<int32_t>(turn_count));
  return absl::OkStatus();
}

absl::Status ParseStoredMessage(std::string_view blob, google::protobuf::MessageLite* message,
                                const std::string& store_name, std::string_view column) {
  std::string inflated;
  if (!blob.empty() && blob[0] == '\0') {
    RegisterShippedDictionaries();
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
