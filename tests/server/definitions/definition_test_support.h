// What the definition tests share: where their test data is, the shared
// corpus beside the repository (and skipping when it is absent), reading a
// file whole, and a definition's redirects.
#ifndef AGENTD_TESTS_SERVER_DEFINITIONS_DEFINITION_TEST_SUPPORT_H_
#define AGENTD_TESTS_SERVER_DEFINITIONS_DEFINITION_TEST_SUPPORT_H_

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agentd/v1/definition.pb.h"
#include "gtest/gtest.h"

namespace agentd::testing_definitions {

inline const std::string kTestData = std::string(AGENTD_SOURCE_DIR) + "/tests/server/definitions/testdata";
inline const std::string kShared = AGENTD_SHARED_DIR;

// The shared corpus (../shared beside the repository: the seed definition
// and the compat files) is not part of a clone; a test that reads it skips,
// saying what it needs, when it is absent.
#define SKIP_WITHOUT_SHARED(relative)                                                          \
  if (!std::filesystem::exists(std::filesystem::path(::agentd::testing_definitions::kShared) / \
                               (relative)))                                                    \
  GTEST_SKIP() << "needs " << (relative) << " of the shared corpus (../shared beside the "     \
               << "repository); not found, so skipped"

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

inline std::vector<std::string> RedirectsOf(const v1::AgentDefinition& def) {
  std::vector<std::string> out;
  for (const auto& exclusion : def.not_for()) out.push_back(exclusion.redirect());
  return out;
}

}  // namespace agentd::testing_definitions

#endif  // AGENTD_TESTS_SERVER_DEFINITIONS_DEFINITION_TEST_SUPPORT_H_
