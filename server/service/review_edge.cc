#include "server/service/review_edge.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "server/render/markdown_renderer.h"

namespace agentd {

void RenderReview(v1::Review* review) {
  if (review->markdown().empty()) review->set_markdown(RenderMarkdown(*review));
}

void RenderTurns(v1::GetSessionResponse* session) {
  for (v1::Turn& turn : *session->mutable_turns()) RenderReview(turn.mutable_review());
}

absl::StatusOr<v1::ExportSessionResponse> FormatExport(v1::GetSessionResponse session, v1::ExportFormat format) {
  RenderTurns(&session);
  v1::ExportSessionResponse response;
  if (format == v1::EXPORT_FORMAT_JSON) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    std::string json;
    auto status = google::protobuf::util::MessageToJsonString(session, &json, options);
    if (!status.ok()) return absl::InternalError(std::string(status.message()));
    response.set_content(std::move(json));
    response.set_content_type("application/json");
    return response;
  }
  std::string md = absl::StrCat("# Session: ", session.session().title(), "\n\nSession `", session.session().id(),
                                "`, ", session.turns_size(), " turn(s).\n");
  for (const v1::Turn& t : session.turns()) {
    absl::StrAppend(&md, "\n---\n\n# Turn ", t.seq(), "\n\n**Question**: ", t.request().text(), "\n\n",
                    t.review().markdown(), "\n");
  }
  response.set_content(std::move(md));
  response.set_content_type("text/markdown");
  return response;
}

}  // namespace agentd
