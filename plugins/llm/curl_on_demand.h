// libcurl, opened the first time the model client needs it
// (curl_on_demand.cc; common/on_demand_library.h says why).
#ifndef AGENTD_PLUGINS_LLM_CURL_ON_DEMAND_H_
#define AGENTD_PLUGINS_LLM_CURL_ON_DEMAND_H_

#include "absl/status/status.h"

namespace agentd::llm {

// Loads libcurl and initialises it once for the process. On a host without
// the library, returns FAILED_PRECONDITION naming the package to install, so
// the model call fails with a reason and the server keeps running.
// Thread-safe.
absl::Status LoadCurl();

}  // namespace agentd::llm

#endif  // AGENTD_PLUGINS_LLM_CURL_ON_DEMAND_H_
