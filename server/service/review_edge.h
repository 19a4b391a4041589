// Where a review becomes what a caller reads: the core's reviews carry no
// Markdown; the service renders it here, once, just before a reply leaves
// (Review, StreamReview's last event, GetSession, ExportSession). Pure
// functions; safe from any thread.
#ifndef AGENTD_SERVER_SERVICE_REVIEW_EDGE_H_
#define AGENTD_SERVER_SERVICE_REVIEW_EDGE_H_

#include "absl/status/statusor.h"
#include "agentd/v1/orchestrator.pb.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/status.h"

namespace agentd {

// Sets review.markdown unless it is set (a review stored whole by an old
// schema may carry its own).
void RenderReview(v1::Review* review);
// The same for every turn of a session page.
void RenderTurns(v1::GetSessionResponse* session);
// A Review call's reply as the bytes gRPC sends (the service's Review
// method is raw). The review and route are serialized by Take, on the
// thread that merged them right after the merge, while they are in cache,
// and freed there; the session id and turn (known once the turn is stored) are
// serialized in front of them by Join. The bytes are those of the whole
// ReviewResponse serialized at once: protobuf writes fields in number order,
// and session_id (1) and turn (2) come before review (3) and route (4).
// Not thread-safe: a call's Take and Join happen one after the other.
class EncodedReply {
 public:
  // Renders the review's Markdown, then encodes review and route and takes
  // them out of `*reply` (a later Take replaces what an earlier one took).
  void Take(v1::ReviewResponse* reply);
  // Into `*out`: `rest` serialized (whatever Take left: the session id and
  // turn), then what Take encoded.
  grpc::Status Join(const v1::ReviewResponse& rest, grpc::ByteBuffer* out) const;

 private:
  grpc::ByteBuffer body_;  // fields 3 and 4; empty before Take
};

// A whole session (every turn) as the export `format` asks: JSON in the proto3
// mapping, or one Markdown document.
absl::StatusOr<v1::ExportSessionResponse> FormatExport(v1::GetSessionResponse session, v1::ExportFormat format);

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_REVIEW_EDGE_H_
