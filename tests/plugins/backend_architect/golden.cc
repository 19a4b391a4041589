#include "tests/plugins/backend_architect/golden.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace agentd::backend_architect::testing {

void ExpectMatchesGolden(const std::string& path, const std::string& actual) {
  const char* update = std::getenv("AGENTD_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << actual;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden file " << path << " (run with AGENTD_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  if (expected.str() == actual) return;
  std::istringstream want(expected.str()), got(actual);
  std::string want_line, got_line;
  int line = 0;
  while (true) {
    ++line;
    bool more_want = static_cast<bool>(std::getline(want, want_line));
    bool more_got = static_cast<bool>(std::getline(got, got_line));
    if (!more_want && !more_got) break;
    if (!more_want || !more_got || want_line != got_line) break;
  }
  ADD_FAILURE() << "output differs from " << path << " at line " << line << "\n  golden: " << want_line
                << "\n  actual: " << got_line
                << "\nIf the change is intended, rerun with AGENTD_UPDATE_GOLDEN=1 and read "
                   "the diff (git diff) before committing.";
}

}  // namespace agentd::backend_architect::testing
