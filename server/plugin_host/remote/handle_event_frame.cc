#include "server/plugin_host/remote/handle_event_frame.h"

#include <cstdint>
#include <utility>

#include "agentd/v1/plugin.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/support/slice.h"

namespace agentd {
namespace {

using google::protobuf::internal::WireFormatLite;

// The tag of length-delimited field `field` and the varint `size`.
grpc::Slice Header(int field, size_t size) {
  uint8_t header[10];  // a varint32 takes at most 5 bytes, and a tag is one
  uint8_t* end = WireFormatLite::WriteTagToArray(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, header);
  end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(size), end);
  return grpc::Slice(header, static_cast<size_t>(end - header));
}

}  // namespace

grpc::ByteBuffer FrameAnswer(std::string response_bytes) {
  grpc::Slice slices[2] = {Header(v1::HandleEvent::kResponseFieldNumber, response_bytes.size()), grpc::Slice()};
  if (response_bytes.empty()) return grpc::ByteBuffer(slices, 1);
  // The payload slice owns the string: gRPC frees it once it is sent.
  auto* owned = new std::string(std::move(response_bytes));
  slices[1] = grpc::Slice(
      owned->data(), owned->size(), [](void* bytes) { delete static_cast<std::string*>(bytes); }, owned);
  return grpc::ByteBuffer(slices, 2);
}

grpc::ByteBuffer FrameProgress(std::string_view text) {
  grpc::Slice slices[2] = {Header(v1::HandleEvent::kProgressFieldNumber, text.size()),
                           grpc::Slice(text.data(), text.size())};
  return grpc::ByteBuffer(slices, 2);
}

}  // namespace agentd
