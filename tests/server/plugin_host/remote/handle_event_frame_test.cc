// HandleEvents framed around bytes are exactly what protobuf serializes for
// the same event, and parse back to it: empty, small and large answers, and
// progress text.
#include "server/plugin_host/remote/handle_event_frame.h"

#include <string>
#include <vector>

#include "agentd/v1/plugin.pb.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return bytes;
}

v1::AgentResponse AnswerWithItems(int items, size_t text_bytes) {
  v1::AgentResponse response;
  response.set_agent("backend-architect");
  response.set_summary("a summary");
  v1::Section* section = response.add_sections();
  section->set_id("architecture");
  for (int i = 0; i < items; ++i) section->add_items()->set_text(std::string(text_bytes, 'a' + i % 26));
  return response;
}

void ExpectFramedAnswerIsTheEvent(const v1::AgentResponse& response) {
  v1::HandleEvent expected;
  *expected.mutable_response() = response;
  const std::string framed = Bytes(FrameAnswer(response.SerializeAsString()));
  EXPECT_EQ(framed, expected.SerializeAsString());
  v1::HandleEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(framed));
  ASSERT_EQ(parsed.event_case(), v1::HandleEvent::kResponse);
  EXPECT_EQ(parsed.response().SerializeAsString(), response.SerializeAsString());
}

TEST(HandleEventFrameTest, AnEmptyAnswerIsStillAnAnswer) {
  ExpectFramedAnswerIsTheEvent(v1::AgentResponse());
  EXPECT_EQ(Bytes(FrameAnswer("")), std::string("\x12\x00", 2));
}

TEST(HandleEventFrameTest, ASmallAnswer) { ExpectFramedAnswerIsTheEvent(AnswerWithItems(3, 40)); }

TEST(HandleEventFrameTest, AnAnswerWhoseLengthTakesSeveralVarintBytes) {
  ExpectFramedAnswerIsTheEvent(AnswerWithItems(100, 100));        // ~10 KB: a 2-byte length
  ExpectFramedAnswerIsTheEvent(AnswerWithItems(1000, 3 * 1024));  // ~3 MB: a 4-byte length
}

TEST(HandleEventFrameTest, ProgressText) {
  for (const std::string& text : {std::string(), std::string("thinking "), std::string(70000, 'x')}) {
    v1::HandleEvent expected;
    expected.set_progress(text);
    const std::string framed = Bytes(FrameProgress(text));
    EXPECT_EQ(framed, expected.SerializeAsString());
    v1::HandleEvent parsed;
    ASSERT_TRUE(parsed.ParseFromString(framed));
    EXPECT_EQ(parsed.event_case(), v1::HandleEvent::kProgress);
    EXPECT_EQ(parsed.progress(), text);
  }
}

}  // namespace
}  // namespace agentd
