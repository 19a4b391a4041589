// HandleEvent bytes (proto/agentd/v1/plugin.proto) built around bytes a
// plugin already produced, without parsing them. A HandleEvent holding one
// event is, on the wire, that field's tag, the payload's length as a varint,
// and the payload: so an in-process plugin's serialized AgentResponse
// becomes the `response` event by putting a few bytes in front of it. The
// result is byte for byte what HandleEvent::SerializeAsString gives for the
// same event, and any client's generated code parses it.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_HANDLE_EVENT_FRAME_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_HANDLE_EVENT_FRAME_H_

#include <string>
#include <string_view>

#include "grpcpp/support/byte_buffer.h"

namespace agentd {

// The HandleEvent whose `response` is the serialized AgentResponse
// `response_bytes`. Takes the bytes over without copying them; they are
// not checked (the receiver parses them). At most 2 GiB - 1 bytes.
grpc::ByteBuffer FrameAnswer(std::string response_bytes);

// The HandleEvent whose `progress` is `text` (copied).
grpc::ByteBuffer FrameProgress(std::string_view text);

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_HANDLE_EVENT_FRAME_H_
