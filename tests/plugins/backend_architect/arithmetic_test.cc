// The engine's arithmetic: number formatting, error budgets, retry schedules
// and instance estimates.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/backend_architect/internal.h"

namespace agentd::backend_architect::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(FormatNumberTest, PlainDecimalsWithoutTrailingZeros) {
  EXPECT_EQ(FormatNumber(43.2), "43.2");
  EXPECT_EQ(FormatNumber(216.0), "216");
  EXPECT_EQ(FormatNumber(10000.0 / 60.0), "166.67");
  EXPECT_EQ(FormatNumber(99.95, 3), "99.95");
  EXPECT_EQ(FormatNumber(0.0), "0");
}

TEST(FormatCountTest, RoundsAndGroupsThousands) {
  EXPECT_EQ(FormatCount(10000.2), "10,000");
  EXPECT_EQ(FormatCount(999.6), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(12), "12");
}

TEST(FormatQuantityTest, GroupsThousandsAndKeepsDecimals) {
  EXPECT_EQ(FormatQuantity(20000), "20,000");
  EXPECT_EQ(FormatQuantity(10000.0 / 60.0), "166.67");
  EXPECT_EQ(FormatQuantity(1234.5), "1,234.5");
  EXPECT_EQ(FormatQuantity(1234567.891), "1,234,567.89");
  EXPECT_EQ(FormatQuantity(999), "999");
  EXPECT_EQ(FormatQuantity(-1500), "-1,500");
}

TEST(ErrorBudgetTest, MinutesOverThirtyDays) {
  EXPECT_EQ(FormatNumber(ErrorBudgetMinutes30d(99.5)), "216");
  EXPECT_EQ(FormatNumber(ErrorBudgetMinutes30d(99.9)), "43.2");
  EXPECT_EQ(FormatNumber(ErrorBudgetMinutes30d(99.95)), "21.6");
  EXPECT_EQ(FormatNumber(ErrorBudgetMinutes30d(99.99)), "4.32");
  EXPECT_DOUBLE_EQ(ErrorBudgetMinutes30d(100), 0);
}

TEST(RetryPlanTest, OneSecondBudget) {
  RetryPlan plan = PlanRetries(1000);
  EXPECT_EQ(plan.base_ms, 100);
  EXPECT_EQ(plan.jitter_ms, 50);
  // Worst cases 150, 400, 850; the fourth (800 + 50) would reach 1700.
  EXPECT_THAT(plan.delays_ms, ElementsAre(100, 200, 400));
  EXPECT_EQ(plan.worst_case_total_ms, 850);
}

TEST(RetryPlanTest, TightBudgetScalesTheBaseDown) {
  RetryPlan plan = PlanRetries(200);
  EXPECT_EQ(plan.base_ms, 20);
  EXPECT_THAT(plan.delays_ms, ElementsAre(20, 40, 80));
  EXPECT_EQ(plan.worst_case_total_ms, 170);
  EXPECT_LE(plan.worst_case_total_ms, 200);
}

TEST(RetryPlanTest, GenerousBudgetStopsAtMaxRetries) {
  RetryPlan plan = PlanRetries(60000);
  EXPECT_EQ(static_cast<int>(plan.delays_ms.size()), kMaxRetries);
  EXPECT_THAT(plan.delays_ms, ElementsAre(100, 200, 400, 800, 1600));
}

TEST(RetryPlanTest, BudgetTooSmallForAnyRetry) {
  RetryPlan plan = PlanRetries(12);
  EXPECT_EQ(plan.base_ms, 10);
  EXPECT_THAT(plan.delays_ms, IsEmpty());
  EXPECT_EQ(plan.worst_case_total_ms, 0);
}

TEST(CapacityPlanTest, BurstsDoubleTheInstances) {
  CapacityPlan plan = PlanCapacity(10000.0 / 60.0, /*bursty=*/true);
  EXPECT_EQ(plan.at_peak, 1);
  EXPECT_EQ(plan.planned, 2);
  EXPECT_EQ(plan.queue_depth_trigger, 1667);
}

TEST(CapacityPlanTest, SteadyLoadGetsNPlusOne) {
  CapacityPlan plan = PlanCapacity(1000, /*bursty=*/false);
  EXPECT_EQ(plan.at_peak, 5);
  EXPECT_EQ(plan.planned, 6);
  EXPECT_EQ(plan.queue_depth_trigger, 10000);
  EXPECT_EQ(PlanCapacity(1001, false).at_peak, 6);
  EXPECT_EQ(PlanCapacity(5000, true).planned, 50);
}

TEST(CapacityPlanTest, NeverFewerThanTwo) {
  CapacityPlan plan = PlanCapacity(10, /*bursty=*/false);
  EXPECT_EQ(plan.at_peak, 1);
  EXPECT_EQ(plan.planned, 2);
  EXPECT_EQ(plan.queue_depth_trigger, 100);
}

}  // namespace
}  // namespace agentd::backend_architect::internal
