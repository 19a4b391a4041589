#include "db/turn_codec.h"

#include <algorithm>
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

// One field of a stored message as it goes on the wire: a message (its size cached
// by ByteSizeLong), bytes kept as they are, or a varint.
struct BodyField {
  int number;
  const google::protobuf::MessageLite* message = nullptr;  // nullptr: `bytes` or `varint`
  std::string_view bytes;
  bool is_varint = false;
  uint64_t varint = 0;
  size_t size = 0;  // of the message or bytes
};

// The body's fields in the order StoredTurn's serializer writes them
// (field-number order), then each answer as an element of StoredTurn.outputs
// (one per run, empty for an agent that did not answer). The elements of a
// repeated message field may follow the other fields on the wire, each its
// tag, length and bytes; so an answer whose plugin's bytes were kept goes in
// as those bytes (they parse to the same answer), without serializing it
// again (and checking its strings' UTF-8 again). Read straight from the
// record: no StoredTurn is built and no message copied or moved.
std::vector<BodyField> BodyFields(const TurnRecord& turn) {
  using v1::StoredTurn;
  std::vector<BodyField> fields;
  fields.reserve(8 + turn.merge.section_owners.size() + 2 * turn.outputs.size() + turn.merge.facts.size() +
                 turn.merge.layout.size());
  auto message = [&](int number, const google::protobuf::MessageLite& m) {
    fields.push_back({number, &m, {}, false, 0, m.ByteSizeLong()});
  };
  auto bytes = [&](int number, std::string_view b) { fields.push_back({number, nullptr, b, false, 0, b.size()}); };
  message(StoredTurn::kRequestFieldNumber, turn.request);
  message(StoredTurn::kRouteFieldNumber, turn.route);
  if (turn.merge.merger_version != 0) {
    fields.push_back({StoredTurn::kMergerVersionFieldNumber, nullptr, {}, true,
                      static_cast<uint64_t>(static_cast<int64_t>(turn.merge.merger_version)), 0});
  }
  for (const auto& owner : turn.merge.section_owners) message(StoredTurn::kSectionOwnersFieldNumber, *owner);
  for (const auto& output : turn.outputs) message(StoredTurn::kRunsFieldNumber, output.run);
  message(StoredTurn::kRequirementsFieldNumber, turn.merge.requirements);
  for (const auto& fact : turn.merge.facts) message(StoredTurn::kFactsFieldNumber, fact);
  for (const auto& spec : turn.merge.layout) message(StoredTurn::kLayoutFieldNumber, *spec);
  if (!turn.merge.title.empty()) bytes(StoredTurn::kReviewTitleFieldNumber, turn.merge.title);
  for (const auto& output : turn.outputs) {
    if (output.output_bytes.empty()) {
      message(StoredTurn::kOutputsFieldNumber, output.output);
    } else {
      bytes(StoredTurn::kOutputsFieldNumber, output.output_bytes);
    }
  }
  return fields;
}

// `fields` serialized, in their order. Every field number is under 16 (a
// one-byte tag).
std::string SerializeFields(const std::vector<BodyField>& fields) {
  using google::protobuf::io::CodedOutputStream;
  using google::protobuf::internal::WireFormatLite;
  constexpr size_t kTagAndLengthBound = 1 + 10;  // a one-byte tag, a varint
  size_t bound = 0;
  for (const BodyField& f : fields) bound += kTagAndLengthBound + f.size;
  std::string body(bound, '\0');
  auto* begin = reinterpret_cast<uint8_t*>(body.data());
  uint8_t* at = begin;
  for (const BodyField& f : fields) {
    if (f.is_varint) {
      at = WireFormatLite::WriteTagToArray(f.number, WireFormatLite::WIRETYPE_VARINT, at);
      at = CodedOutputStream::WriteVarint64ToArray(f.varint, at);
      continue;
    }
    at = WireFormatLite::WriteTagToArray(f.number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, at);
    at = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(f.size), at);
    if (f.message != nullptr) {
      at = f.message->SerializeWithCachedSizesToArray(at);
    } else {
      at = std::copy(f.bytes.begin(), f.bytes.end(), at);
    }
  }
  body.resize(static_cast<size_t>(at - begin));
  return body;
}

std::string SerializeBody(const TurnRecord& turn) {
  static_assert(v1::StoredTurn::kReviewTitleFieldNumber < 16, "every tag is one byte");
  return SerializeFields(BodyFields(turn));
}

EncodedTurn EncodeHeader(const TurnRecord& turn);

EncodedTurn Encode(const TurnRecord& turn, bool compress) {
  EncodedTurn out = EncodeHeader(turn);
  std::string body = SerializeBody(turn);
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
EncodedTurn EncodeTurn(TurnRecord&& turn, bool compress) { return Encode(turn, compress); }
EncodedTurn EncodeTurnKeeping(TurnRecord* turn, bool compress) { return Encode(*turn, compress); }

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
  merge.section_owners.reserve(static_cast<size_t>(body.section_owners_size()));
  for (v1::AgentDefinition& owner : *body.mutable_section_owners()) {
    merge.section_owners.push_back(std::make_shared<const v1::AgentDefinition>(std::move(owner)));
  }
  merge.requirements.Swap(body.mutable_requirements());
  merge.facts.resize(static_cast<size_t>(body.facts_size()));
  for (int i = 0; i < body.facts_size(); ++i) merge.facts[i].Swap(body.mutable_facts(i));
  merge.title = std::move(*body.mutable_review_title());
  merge.layout.reserve(static_cast<size_t>(body.layout_size()));
  for (v1::SectionSpec& spec : *body.mutable_layout()) {
    merge.layout.push_back(std::make_shared<const v1::SectionSpec>(std::move(spec)));
  }
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

// The bytes of the envelope (facts, then requirements, as Review's
// serializer orders them) written from `requirements` and `sources` as they
// are, without copying them into a Review first.
std::string EncodeFacts(const v1::Requirements& requirements, const std::vector<v1::Fact>& sources) {
  static_assert(v1::Review::kFactsFieldNumber < 16 && v1::Review::kRequirementsFieldNumber < 16);
  std::vector<BodyField> fields;
  fields.reserve(sources.size() + 1);
  for (const v1::Fact& fact : sources) {
    fields.push_back({v1::Review::kFactsFieldNumber, &fact, {}, false, 0, fact.ByteSizeLong()});
  }
  fields.push_back({v1::Review::kRequirementsFieldNumber, &requirements, {}, false, 0, requirements.ByteSizeLong()});
  return SerializeFields(fields);
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
