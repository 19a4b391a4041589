#include "server/core/circuit_breaker.h"

#include "gtest/gtest.h"

namespace agentd {
namespace {

TEST(CircuitBreakerTest, HalfOpenLetsOneProbeThroughAndCloses) {
  CircuitBreaker breaker(2, absl::Seconds(30));
  absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_TRUE(breaker.Allow(t0));
  breaker.RecordFailure(t0);
  EXPECT_EQ(breaker.State(t0), "closed");
  breaker.RecordFailure(t0);
  EXPECT_EQ(breaker.State(t0), "open");
  EXPECT_FALSE(breaker.Allow(t0 + absl::Seconds(10)));
  absl::Time later = t0 + absl::Seconds(31);
  EXPECT_EQ(breaker.State(later), "half_open");
  EXPECT_TRUE(breaker.Allow(later));    // the probe
  EXPECT_FALSE(breaker.Allow(later));   // only one
  breaker.RecordSuccess();
  EXPECT_EQ(breaker.State(later), "closed");
  EXPECT_TRUE(breaker.Allow(later));
}

TEST(CircuitBreakerTest, FailedProbeOpensAgain) {
  CircuitBreaker breaker(1, absl::Seconds(30));
  absl::Time t0 = absl::FromUnixSeconds(1000);
  breaker.RecordFailure(t0);
  absl::Time later = t0 + absl::Seconds(31);
  EXPECT_TRUE(breaker.Allow(later));
  breaker.RecordFailure(later);
  EXPECT_EQ(breaker.State(later + absl::Seconds(1)), "open");
  EXPECT_FALSE(breaker.Allow(later + absl::Seconds(1)));
}

TEST(CircuitBreakerTest, AProbeThatNeverRanIsNoVerdict) {
  CircuitBreaker breaker(1, absl::Seconds(30));
  absl::Time t0 = absl::FromUnixSeconds(1000);
  breaker.RecordFailure(t0);
  EXPECT_EQ(breaker.times_opened(), 1);
  absl::Time later = t0 + absl::Seconds(31);
  bool probe = false;
  EXPECT_TRUE(breaker.Allow(later, &probe));
  EXPECT_TRUE(probe);
  breaker.ReleaseProbe();  // e.g. its bulkhead was full
  EXPECT_EQ(breaker.State(later), "half_open");  // not closed by a call that never ran
  EXPECT_TRUE(breaker.Allow(later, &probe));     // the next call probes instead
  EXPECT_TRUE(probe);
  breaker.RecordSuccess();
  EXPECT_EQ(breaker.State(later), "closed");
}

}  // namespace
}  // namespace agentd
