#include "server/service/review_edge.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/proto_buffer_writer.h"
#include "grpcpp/support/slice.h"
#include "server/core/router.h"
#include "server/render/markdown_renderer.h"

namespace agentd {
namespace {

// What one slice of an encoded reply holds: with gRPC's slice header, an
// 8 KiB allocation.
constexpr int kReplySliceBytes = 8192 - 64;

// A route encoded in at most this many bytes is kept for the thread's next
// review (about 4 KB for five agents; a long request's can be far larger).
constexpr size_t kKeptRouteBytes = 16 * 1024;

}  // namespace

void RenderReview(v1::Review* review) {
  if (review->markdown().empty()) review->set_markdown(RenderMarkdown(*review));
}

void RenderTurns(v1::GetSessionResponse* session) {
  for (v1::Turn& turn : *session->mutable_turns()) RenderReview(turn.mutable_review());
}

void EncodedReply::Take(v1::ReviewResponse* reply) {
  RenderReview(reply->mutable_review());
  v1::ReviewResponse body;
  body.set_allocated_review(reply->release_review());
  body.set_allocated_route(reply->release_route());
  body_.Clear();
  // In slices of a small allocation class, not one ~37 KB block: those are
  // served from the allocator's thread caches, where a block that large is
  // fresh pages (page faults) on most calls.
  // Sizes are worked out once (SerializeToZeroCopyStream, as gRPC calls it,
  // works them out a second time).
  grpc::ProtoBufferWriter writer(&body_, kReplySliceBytes, static_cast<int>(body.ByteSizeLong()));
  google::protobuf::io::CodedOutputStream out(&writer);
  body.SerializeWithCachedSizes(&out);
  // The route goes back to the router's spares, into which a later review
  // builds its route; one from a huge request is freed.
  if (static_cast<size_t>(body.route().GetCachedSize()) <= kKeptRouteBytes) {
    Router::KeepSpareDecision(body.mutable_route());
  }
}  // `body` is freed here, on the thread that merged it

grpc::Status EncodedReply::Join(const v1::ReviewResponse& rest, grpc::ByteBuffer* out) const {
  if (rest.has_review() || rest.has_route()) {
    if (body_.Length() != 0) return grpc::Status(grpc::StatusCode::INTERNAL, "the reply was encoded twice");
    bool own_buffer;
    return grpc::SerializationTraits<v1::ReviewResponse>::Serialize(rest, out, &own_buffer);
  }
  std::vector<grpc::Slice> slices;
  slices.emplace_back(rest.SerializeAsString());
  std::vector<grpc::Slice> body;
  if (grpc::Status dumped = body_.Dump(&body); !dumped.ok()) return dumped;
  for (grpc::Slice& slice : body) slices.push_back(std::move(slice));
  *out = grpc::ByteBuffer(slices.data(), slices.size());
  return grpc::Status::OK;
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
