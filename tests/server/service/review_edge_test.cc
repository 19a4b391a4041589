#include "server/service/review_edge.h"

#include <string>
#include <vector>

#include "grpc/grpc.h"
#include "grpcpp/support/slice.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

class EncodedReplyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { grpc_init(); }
  static void TearDownTestSuite() { grpc_shutdown(); }
};

// A reply of a five-agent review's size: several slices of encoded bytes,
// with text that is not ASCII.
v1::ReviewResponse BigReply() {
  v1::ReviewResponse reply;
  reply.set_session_id("0f6c1e2a9b7d4c3e");
  v1::Review* review = reply.mutable_review();
  review->set_title("Architecture Review — Checkout");
  for (int s = 0; s < 8; ++s) {
    v1::Section* section = review->add_sections();
    section->set_id("section_" + std::to_string(s));
    section->set_heading("Section " + std::to_string(s));
    for (int i = 0; i < 12; ++i) {
      v1::Item* item = section->add_items();
      item->set_text("Cache-aside with a TTL of 30 s — reads stay off the primary (" + std::to_string(i) + ")");
      item->set_agent(i % 2 ? "backend-architect" : "sre-specialist");
      item->add_also_agents("api-architect");
      item->add_facts("peak_rps");
      item->set_rationale(std::string(200, 'r'));
    }
  }
  review->add_decisions()->set_key("caching.pattern");
  v1::AgentRun* run = review->add_agents();
  run->set_agent("backend-architect");
  run->set_status(v1::AGENT_STATUS_OK);
  run->set_latency_ms(1.25);
  v1::RouteDecision* route = reply.mutable_route();
  route->set_summary("backend-architect: caching");
  route->add_selected()->set_agent("backend-architect");
  route->add_rejected()->add_reasons()->set_rule("not_for: frontend");
  return reply;
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}

TEST_F(EncodedReplyTest, TheJoinedBytesAreTheWholeReplySerializedAtOnce) {
  v1::ReviewResponse reply = BigReply();
  v1::ReviewResponse expected = reply;
  RenderReview(expected.mutable_review());
  expected.set_turn(7);

  EncodedReply encoded;
  encoded.Take(&reply);
  EXPECT_FALSE(reply.has_review());  // taken, and freed
  EXPECT_FALSE(reply.has_route());
  EXPECT_EQ(reply.session_id(), "0f6c1e2a9b7d4c3e");
  reply.set_turn(7);  // known once the turn is stored

  grpc::ByteBuffer out;
  ASSERT_TRUE(encoded.Join(reply, &out).ok());
  const std::string bytes = Bytes(out);
  ASSERT_GT(bytes.size(), 16000u);  // more than one slice
  EXPECT_EQ(bytes, expected.SerializeAsString());
  v1::ReviewResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_FALSE(parsed.review().markdown().empty());  // rendered by Take
}

TEST_F(EncodedReplyTest, ALaterTakeReplacesAnEarlierOne) {
  // A concurrent call with the same request_id stored first: its stored reply
  // is what the caller gets.
  v1::ReviewResponse ours = BigReply();
  v1::ReviewResponse stored = BigReply();
  stored.mutable_review()->set_title("the stored one");
  stored.set_turn(3);
  v1::ReviewResponse expected = stored;
  RenderReview(expected.mutable_review());

  EncodedReply encoded;
  encoded.Take(&ours);
  encoded.Take(&stored);
  grpc::ByteBuffer out;
  ASSERT_TRUE(encoded.Join(stored, &out).ok());
  EXPECT_EQ(Bytes(out), expected.SerializeAsString());
}

TEST_F(EncodedReplyTest, WithoutTakeTheReplyIsSerializedWhole) {
  v1::ReviewResponse reply = BigReply();
  reply.set_turn(2);
  EncodedReply encoded;
  grpc::ByteBuffer out;
  ASSERT_TRUE(encoded.Join(reply, &out).ok());
  EXPECT_EQ(Bytes(out), reply.SerializeAsString());
}

}  // namespace
}  // namespace agentd
