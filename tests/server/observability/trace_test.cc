#include "server/observability/trace.h"

#include "gtest/gtest.h"

namespace agentd {
namespace {

TEST(TraceTest, HonoursAValidTraceparentWithANewSpan) {
  TraceContext t = TraceFromHeader("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t.span_id.size(), 16u);
  EXPECT_NE(t.span_id, "00f067aa0ba902b7");
  EXPECT_TRUE(t.sampled);
  EXPECT_EQ(t.traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-" + t.span_id + "-01");
}

TEST(TraceTest, StartsANewTraceWhenTheHeaderIsMissingOrInvalid) {
  for (const char* bad : {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"}) {
    TraceContext t = TraceFromHeader(bad);
    EXPECT_EQ(t.trace_id.size(), 32u) << bad;
    EXPECT_NE(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736") << bad;
    EXPECT_NE(t.trace_id, std::string(32, '0')) << bad;
    EXPECT_FALSE(t.sampled) << bad;
  }
  // A later version may carry more fields.
  EXPECT_EQ(TraceFromHeader("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more").trace_id,
            "4bf92f3577b34da6a3ce929d0e0e4736");
  // Two new traces differ.
  EXPECT_NE(TraceFromHeader("").trace_id, TraceFromHeader("").trace_id);
}

}  // namespace
}  // namespace agentd
