// The turn codec: how a turn becomes the bytes a store keeps, and back.
// Backend-neutral (no SQL), so every SessionStore backend stores the same
// bytes and reads what another wrote.
//
// A turn is one blob, the "body": an agentd.v1.StoredTurn (request, route,
// each agent's answer once, and what the review was merged from; not the
// review, which is merged again on read). The answers follow the other
// fields, each as its plugin's bytes when the record kept them
// (AgentOutputRecord::output_bytes), else serialized. With compression on, the body is
// compressed with the newest shipped zstd dictionary (db/dictionaries/,
// trained on the bundled agents' answers); the blob names its dictionary,
// and blobs with an older dictionary, with none, or plain, all still read.
// Turns written before bodies existed kept request, route and review as
// separate blobs (ParseStoredMessage reads those).
//
// Thread-safe (pure functions).
#ifndef AGENTD_DB_TURN_CODEC_H_
#define AGENTD_DB_TURN_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agentd/v1/store.pb.h"
#include "db/turn_record.h"
#include "google/protobuf/message_lite.h"

namespace agentd {

// A turn serialized (and compressed) for the store, ready to be written.
// Made on the caller's thread, so a store's writer thread only runs SQL.
struct EncodedTurn {
  std::string principal;
  std::string session_id;
  bool create_session = false;
  std::string title;
  std::string request_id;           // "" = none
  std::string facts;                // session facts + provenance
  std::string body;                 // the StoredTurn blob
  int merger_version = 0;
  std::string status;
  double latency_ms = 0;
};

// `turn` encoded; `compress` as StoreOptions::compress_turns says. The
// caller has checked principal and session id. The body is written straight
// from the record's messages (nothing is copied or moved out of it), so all
// three forms give the same bytes and leave `turn` as it was; the keeping
// form is for a caller that still needs the answers (the merge, after the
// encode).
EncodedTurn EncodeTurn(const TurnRecord& turn, bool compress);
EncodedTurn EncodeTurn(TurnRecord&& turn, bool compress);
EncodedTurn EncodeTurnKeeping(TurnRecord* turn, bool compress);

// A body blob back; DATA_LOSS naming the store if it is damaged.
absl::StatusOr<v1::StoredTurn> DecodeTurnBody(std::string_view blob, const std::string& store_name);
// The agents' answers of a decoded body, and what the review is merged from.
std::vector<AgentOutputRecord> OutputsOf(v1::StoredTurn& body);  // moves out of `body`
MergeRecord MergeRecordOf(v1::StoredTurn& body);                 // moves out of `body`
// `turn`'s request, route and review from a body blob, the review merged
// again by `merge_review` (FAILED_PRECONDITION when there is none). What
// every backend's read of a turn does with the body it fetched.
absl::Status ReadTurnBody(std::string_view blob, v1::Turn* turn, const std::string& store_name,
                          const ReviewMerger& merge_review);

// The id of the zstd dictionary new bodies are compressed with (0: none
// shipped in this build).
uint32_t CurrentTurnDictionaryId();

// The facts blob: a Review used only as an envelope for its `requirements`
// and `facts` fields, so the Requirements and their provenance share a blob
// without a new proto message. A dedicated message with the same field
// numbers (facts = 10, requirements = 11) would read the stored bytes as is.
std::string EncodeFacts(const v1::Requirements& requirements, const std::vector<v1::Fact>& sources);
// DATA_LOSS naming `store_name` if the blob does not parse.
absl::StatusOr<v1::Review> DecodeFacts(std::string_view blob, const std::string& store_name);
// A session header (id aside) from its stored columns, as every backend
// keeps them; DATA_LOSS if the facts blob does not parse.
absl::Status FillSessionHeader(std::string_view title, std::string_view facts_blob, int64_t created_ms,
                               int64_t updated_ms, int64_t turn_count, v1::Session* session,
                               const std::string& store_name);

// Parses a stored blob (compressed or plain) into `message`; DATA_LOSS naming
// the store and `column` if it is damaged.
absl::Status ParseStoredMessage(std::string_view blob, google::protobuf::MessageLite* message,
                                const std::string& store_name, std::string_view column);

// An AgentRun's status as stored ("AGENT_STATUS_OK"…) and back; an unknown
// name reads as AGENT_STATUS_UNSPECIFIED.
std::string AgentStatusName(v1::AgentStatus status);
v1::AgentStatus ParseAgentStatus(std::string_view name);

}  // namespace agentd

#endif  // AGENTD_DB_TURN_CODEC_H_
