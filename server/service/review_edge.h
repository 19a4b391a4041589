// Where a review becomes what a caller reads: the core's reviews carry no
// Markdown; the service renders it here, once, just before a reply leaves
// (Review, StreamReview's last event, GetSession, ExportSession). Pure
// functions; safe from any thread.
#ifndef AGENTD_SERVER_SERVICE_REVIEW_EDGE_H_
#define AGENTD_SERVER_SERVICE_REVIEW_EDGE_H_

#include "absl/status/statusor.h"
#include "agentd/v1/orchestrator.pb.h"

namespace agentd {

// Sets review.markdown unless it is set (a review stored whole by an old
// schema may carry its own).
void RenderReview(v1::Review* review);
// The same for every turn of a session page.
void RenderTurns(v1::GetSessionResponse* session);
// A whole session (every turn) as the export `format` asks: JSON in the proto3
// mapping, or one Markdown document.
absl::StatusOr<v1::ExportSessionResponse> FormatExport(v1::GetSessionResponse session, v1::ExportFormat format);

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_REVIEW_EDGE_H_
