#include "common/on_demand_library.h"

#include <string>

#include "gtest/gtest.h"

namespace agentd {
namespace {

TEST(OnDemandLibraryTest, AMissingLibraryIsAnAnswerNamingThePackage) {
  OnDemandLibrary library("libagentd-no-such-library.so.0", "agentd-no-such-package");
  std::string missing;
  EXPECT_FALSE(library.Load(&missing));
  EXPECT_EQ(missing, "libagentd-no-such-library.so.0 cannot be loaded; install the agentd-no-such-package package");
  EXPECT_FALSE(library.Load());  // asked again: the same answer, the process still runs
}

TEST(OnDemandLibraryTest, APresentLibraryLoadsAndForwardsCalls) {
  OnDemandLibrary libm("libm.so.6", "libc6");
  std::string missing;
  ASSERT_TRUE(libm.Load(&missing));
  EXPECT_TRUE(missing.empty());
  auto* cosine = reinterpret_cast<double (*)(double)>(libm.Symbol("cos"));
  ASSERT_NE(cosine, nullptr);
  EXPECT_EQ(cosine(0.0), 1.0);
}

TEST(OnDemandLibraryDeathTest, AFunctionTheLibraryLacksEndsTheProcessNamingThePackage) {
  OnDemandLibrary libm("libm.so.6", "libc6");
  EXPECT_DEATH(libm.Symbol("agentd_no_such_function"), "install the libc6 package");
}

TEST(OnDemandLibraryDeathTest, ACallThroughAMissingLibraryEndsTheProcessNamingThePackage) {
  OnDemandLibrary library("libagentd-no-such-library.so.0", "agentd-no-such-package");
  EXPECT_DEATH(library.Symbol("anything"), "install the agentd-no-such-package package");
}

}  // namespace
}  // namespace agentd
