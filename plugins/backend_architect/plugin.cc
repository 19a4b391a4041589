// The backend-architect plugin: the ABI wrapper around the engine. The engine
// is stateless, so one instance serves concurrent calls.
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "plugins/backend_architect/engine.h"
#include "plugins/sdk/plugin_sdk.h"

namespace agentd::backend_architect {
namespace {

class BackendArchitectPlugin {
 public:
  static constexpr const char* kPluginName = "backend_architect";
  static constexpr uint32_t kFlags = AGENTD_PLUGIN_THREAD_SAFE;

  static absl::StatusOr<std::unique_ptr<BackendArchitectPlugin>> Create(
      const v1::AgentConfig& /*config*/) {
    return std::make_unique<BackendArchitectPlugin>();
  }

  absl::StatusOr<v1::AgentResponse> Handle(const v1::AgentRequest& request,
                                           const sdk::CancelToken& cancel) {
    // The review takes microseconds; checking once up front is enough.
    if (cancel.cancelled()) return absl::CancelledError("request cancelled before review");
    return Review(request);
  }
};

}  // namespace
}  // namespace agentd::backend_architect

AGENTD_PLUGIN(agentd::backend_architect::BackendArchitectPlugin)
