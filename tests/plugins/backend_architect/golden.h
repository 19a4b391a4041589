// Golden-file comparison for the backend-architect tests: `actual` must equal
// the file at `path` byte for byte; AGENTD_UPDATE_GOLDEN=1 rewrites the file
// instead. A mismatch reports the first differing line, not two documents.
#ifndef AGENTD_TESTS_PLUGINS_BACKEND_ARCHITECT_GOLDEN_H_
#define AGENTD_TESTS_PLUGINS_BACKEND_ARCHITECT_GOLDEN_H_

#include <string>

namespace agentd::backend_architect::testing {

void ExpectMatchesGolden(const std::string& path, const std::string& actual);

}  // namespace agentd::backend_architect::testing

#endif  // AGENTD_TESTS_PLUGINS_BACKEND_ARCHITECT_GOLDEN_H_
