#include "server/service/message_pool.h"

#include <string>

#include "agentd/v1/orchestrator.pb.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using Pool = MessagePool<v1::RouteRequest, v1::RouteDecision>;

TEST(MessagePoolTest, AReleasedHolderIsHandedOutAgainWithItsAllocations) {
  Pool pool;
  auto* first = pool.AllocateMessages();
  first->request()->set_text("How should we cache product pages?");
  for (int i = 0; i < 5; ++i) first->response()->add_rejected()->add_reasons()->set_rule(std::string(200, 'x'));
  first->Release();
  EXPECT_EQ(pool.kept(), 1u);

  auto* second = pool.AllocateMessages();
  EXPECT_EQ(second, first);
  EXPECT_EQ(pool.kept(), 0u);
  // Cleared, the message keeps its sub-messages for the next answer.
  second->response()->Clear();
  EXPECT_EQ(second->response()->rejected_size(), 0);
  second->response()->add_rejected()->add_reasons()->set_rule("reused");
  EXPECT_EQ(second->response()->rejected(0).reasons(0).rule(), "reused");
  second->Release();
}

TEST(MessagePoolTest, LargeRequestsAndOverflowGoBackToTheHeap) {
  Pool pool(/*max_kept=*/1, /*max_kept_request_bytes=*/64);
  auto* large = pool.AllocateMessages();
  large->request()->set_text(std::string(1000, 'a'));
  large->Release();
  EXPECT_EQ(pool.kept(), 0u);  // freed, not kept

  auto* a = pool.AllocateMessages();
  auto* b = pool.AllocateMessages();
  EXPECT_NE(a, b);
  a->Release();
  b->Release();
  EXPECT_EQ(pool.kept(), 1u);  // the second one over max_kept is freed
}

}  // namespace
}  // namespace agentd
